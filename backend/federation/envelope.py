"""Releases travel sealed to the recipient's X25519 key (libsodium sealed boxes via
PyNaCl: an ephemeral sender key per envelope, so only the holder of the recipient's
private key opens it; a proxy or a disk on the way sees ciphertext).

A node's encryption keypair lives in its own data dir (``<data_dir>/node/
encryption-key.json``, mode 0600), the private key encrypted at rest like the
document store's master key: scrypt over the node's own secret with a random
per-file salt, then AES-256-GCM with the public key as associated data. The key
material never reaches a log or a ``repr``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from backend.store.crypto import (
    MASTER_SCRYPT_N,
    NONCE_LEN,
    InvalidTag,
    aes_gcm_decrypt,
    aes_gcm_encrypt,
    stretch_secret,
)

KEY_FILE_FORMAT = "govchain/node-encryption-key/v1"
_KEY_AD = b"govchain/node-encryption-key/v1\x00"


class EnvelopeError(Exception):
    """An envelope that does not open with this key (not for us, or altered)."""


class NodeKeyLocked(Exception):
    """The node's secret does not decrypt its encryption key file (wrong secret or altered file)."""


def seal(plaintext: bytes, recipient_public_key: bytes) -> bytes:
    return SealedBox(PublicKey(recipient_public_key)).encrypt(plaintext)


def envelope_hash(envelope: bytes) -> bytes:
    """sha256 of the sealed bytes: what the owner's receipt signs."""
    return hashlib.sha256(envelope).digest()


class NodeEncryptionKey:
    """This node's X25519 keypair: opens envelopes sealed to its published key."""

    def __init__(self, private_key: PrivateKey) -> None:
        self._private = private_key

    def __repr__(self) -> str:  # never show the key
        return f"NodeEncryptionKey(public={self.public_key.hex()[:16]}…)"

    @property
    def public_key(self) -> bytes:
        return bytes(self._private.public_key)

    def open(self, envelope: bytes) -> bytes:
        try:
            return SealedBox(self._private).decrypt(envelope)
        except CryptoError:
            raise EnvelopeError("the envelope does not open with this node's key") from None

    # -- at rest -------------------------------------------------------------------------------
    @staticmethod
    def path_in(data_dir: Path | str) -> Path:
        return Path(data_dir) / "node" / "encryption-key.json"

    @classmethod
    def load_or_create(cls, data_dir: Path | str, secret: str, *, scrypt_n: int = MASTER_SCRYPT_N) -> NodeEncryptionKey:
        """The node's keypair from its data dir; generated (and stored) on first use."""
        path = cls.path_in(data_dir)
        if path.exists():
            return cls.load(path, secret)
        key = cls(PrivateKey.generate())
        try:
            key._store(path, secret, scrypt_n)
        except FileExistsError:  # another process of this node made it first: use that one
            return cls.load(path, secret)
        return key

    @classmethod
    def load(cls, path: Path, secret: str) -> NodeEncryptionKey:
        doc = json.loads(path.read_text())
        if doc.get("format") != KEY_FILE_FORMAT:
            raise NodeKeyLocked(f"{path.name}: unknown key file format")
        public = bytes.fromhex(doc["public_key"])
        kek = stretch_secret(secret, bytes.fromhex(doc["salt"]), int(doc["scrypt_n"]))
        blob = bytes.fromhex(doc["ciphertext"])
        try:
            raw = aes_gcm_decrypt(kek, blob[:NONCE_LEN], blob[NONCE_LEN:], _KEY_AD + public)
        except InvalidTag:
            raise NodeKeyLocked(f"{path.name} cannot be unlocked with the node's secret") from None
        key = cls(PrivateKey(raw))
        if key.public_key != public:
            raise NodeKeyLocked(f"{path.name}: the public key does not match the private key")
        return key

    def _store(self, path: Path, secret: str, scrypt_n: int) -> None:
        salt = os.urandom(16)
        kek = stretch_secret(secret, salt, scrypt_n)
        nonce = os.urandom(NONCE_LEN)
        blob = nonce + aes_gcm_encrypt(kek, nonce, bytes(self._private), _KEY_AD + self.public_key)
        doc = {
            "format": KEY_FILE_FORMAT,
            "public_key": self.public_key.hex(),
            "kdf": "scrypt",
            "scrypt_n": scrypt_n,
            "salt": salt.hex(),
            "ciphertext": blob.hex(),
        }
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".encryption-key.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, json.dumps(doc).encode())
            os.fsync(fd)
            os.close(fd)
            fd = -1
            os.link(tmp, path)  # never overwrite an existing key (FileExistsError)
        finally:
            if fd >= 0:
                os.close(fd)
            os.unlink(tmp)
