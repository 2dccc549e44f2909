"""Envelope encryption for stored documents.

- data key: 256 random bits per document; content encrypted with AES-256-GCM,
  96-bit random nonce, associated data = the document's metadata (content
  hash, owner, resource, version, media type, size). Editing any of those in
  the ``documents`` row therefore breaks the GCM tag, so a DBA cannot silently
  re-point a ciphertext at another resource or version.
- key-encryption key (KEK) per department: HKDF-SHA256 over the keystore
  secret, info = the department's 20-byte address. Wrapping uses AES-GCM with
  the (content hash, department) pair as associated data, so a wrapped key
  copied to another row or department does not unwrap.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from eth_utils import to_canonical_address

FILE_MAGIC = b"GCD1"  # file = magic | nonce(12) | ciphertext+tag
NONCE_LEN = 12
_KEK_SALT = b"govchain/document-kek/v1"
_WRAP_AD = b"govchain/wrap/v1\x00"
_DOC_AD = b"govchain/doc/v1\x00"

__all__ = [
    "InvalidTag",
    "derive_kek",
    "document_ad",
    "open_sealed",
    "seal",
    "stretch_secret",
    "unwrap_key",
    "wrap_key",
]

# scrypt cost for the master wrapping key: one derivation per process start
# (~0.1 s, 32 MiB), so a stolen database cannot test guesses of the secret at
# hash speed (a wrapped-key row has a known associated data).
MASTER_SCRYPT_N = 2**15


def stretch_secret(secret: str, salt: bytes, n: int = MASTER_SCRYPT_N) -> bytes:
    """The master key-wrapping secret: scrypt(secret, per-store random salt)."""
    return Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(secret.encode())


def derive_kek(master: bytes, department: str) -> bytes:
    """A department's key-encryption key, from the stretched master secret."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_KEK_SALT, info=to_canonical_address(department)).derive(
        master
    )


def _wrap_ad(content_hash: bytes, department: str) -> bytes:
    return _WRAP_AD + content_hash + to_canonical_address(department)


def wrap_key(kek: bytes, data_key: bytes, content_hash: bytes, department: str) -> bytes:
    nonce = os.urandom(NONCE_LEN)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, _wrap_ad(content_hash, department))


def unwrap_key(kek: bytes, wrapped: bytes, content_hash: bytes, department: str) -> bytes:
    """Raises InvalidTag when the wrapped key was altered or belongs elsewhere."""
    return AESGCM(kek).decrypt(wrapped[:NONCE_LEN], wrapped[NONCE_LEN:], _wrap_ad(content_hash, department))


def _field(value: str | None) -> bytes:
    raw = b"" if value is None else value.encode()
    return struct.pack(">BI", value is not None, len(raw)) + raw


def document_ad(
    content_hash: bytes, owner: str, resource_id: str | None, version: int | None, media_type: str, size: int
) -> bytes:
    """Unambiguous (length-prefixed) encoding of the metadata bound to the ciphertext."""
    return (
        _DOC_AD
        + content_hash
        + to_canonical_address(owner)
        + _field(resource_id)
        + _field(None if version is None else str(version))
        + _field(media_type)
        + struct.pack(">Q", size)
    )


def seal(data_key: bytes, plaintext: bytes, ad: bytes) -> bytes:
    nonce = os.urandom(NONCE_LEN)
    return FILE_MAGIC + nonce + AESGCM(data_key).encrypt(nonce, plaintext, ad)


def open_sealed(data_key: bytes, blob: bytes, ad: bytes) -> bytes:
    """Raises InvalidTag on any altered byte (or wrong magic, treated the same)."""
    head = len(FILE_MAGIC)
    if blob[:head] != FILE_MAGIC or len(blob) < head + NONCE_LEN + 16:
        raise InvalidTag()
    return AESGCM(data_key).decrypt(blob[head : head + NONCE_LEN], blob[head + NONCE_LEN :], ad)
