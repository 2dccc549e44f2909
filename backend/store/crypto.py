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

import hashlib
import os
import struct

from eth_utils import to_canonical_address

from backend.core.aead import InvalidTag, aes_gcm_decrypt, aes_gcm_encrypt
from backend.core.kdf import hkdf_sha256

# Imports stay light on purpose: every node opens its encryption key (and the console its
# session cookies) with small AES-GCM operations, for which pycryptodome (already loaded) is
# used; the ``cryptography`` package (~6 MB resident, ~25x faster on large data) is loaded on
# the first document only. Both are the standard primitives (RFC 7914 scrypt, AES-256-GCM
# with the 16-byte tag appended, RFC 5869 HKDF): the bytes are the same either way.

FILE_MAGIC = b"GCD1"  # file = magic | nonce(12) | ciphertext+tag
NONCE_LEN = 12
_KEK_SALT = b"govchain/document-kek/v1"
_WRAP_AD = b"govchain/wrap/v1\x00"
_DOC_AD = b"govchain/doc/v1\x00"


SCRYPT_R, SCRYPT_P = 8, 1

__all__ = [
    "InvalidTag",
    "aes_gcm_decrypt",
    "aes_gcm_encrypt",
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
    # OpenSSL caps scrypt's memory at 32 MiB unless told otherwise; N=2**15, r=8 needs just over
    return hashlib.scrypt(
        secret.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=32, maxmem=256 * SCRYPT_R * n + 2**20
    )


def _document_encrypt(key: bytes, nonce: bytes, plaintext: bytes, ad: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # loaded with the first document

    return AESGCM(key).encrypt(nonce, plaintext, ad)


def _document_decrypt(key: bytes, nonce: bytes, data: bytes, ad: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag as Altered
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(key).decrypt(nonce, data, ad)
    except Altered:
        raise InvalidTag() from None


def derive_kek(master: bytes, department: str) -> bytes:
    """A department's key-encryption key, from the stretched master secret."""
    return hkdf_sha256(master, info=to_canonical_address(department), salt=_KEK_SALT)


def _wrap_ad(content_hash: bytes, department: str) -> bytes:
    return _WRAP_AD + content_hash + to_canonical_address(department)


def wrap_key(kek: bytes, data_key: bytes, content_hash: bytes, department: str) -> bytes:
    nonce = os.urandom(NONCE_LEN)
    return nonce + _document_encrypt(kek, nonce, data_key, _wrap_ad(content_hash, department))


def unwrap_key(kek: bytes, wrapped: bytes, content_hash: bytes, department: str) -> bytes:
    """Raises InvalidTag when the wrapped key was altered or belongs elsewhere."""
    return _document_decrypt(kek, wrapped[:NONCE_LEN], wrapped[NONCE_LEN:], _wrap_ad(content_hash, department))


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
    return FILE_MAGIC + nonce + _document_encrypt(data_key, nonce, plaintext, ad)


def open_sealed(data_key: bytes, blob: bytes, ad: bytes) -> bytes:
    """Raises InvalidTag on any altered byte (or wrong magic, treated the same)."""
    head = len(FILE_MAGIC)
    if blob[:head] != FILE_MAGIC or len(blob) < head + NONCE_LEN + 16:
        raise InvalidTag()
    return _document_decrypt(data_key, blob[head : head + NONCE_LEN], blob[head + NONCE_LEN :], ad)
