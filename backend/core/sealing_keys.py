"""The X25519 key pair a department node publishes in the NodeDirectory: peers seal
releases to its public key (libsodium sealed boxes via PyNaCl), only this node opens them.

Stored next to the signing keys, one file per keystore name: ``<dir>/<name>.x25519``
(not ``*.json``, so the keystore never mistakes it for a chain account), mode 0600,
never overwritten. The private key is encrypted like the keystore's signing keys: a
key derived from the keystore secret with scrypt (the same n=2**14, r=8, p=1 as
backend.core.keystore) seals it with XSalsa20-Poly1305 (``nacl.secret.SecretBox``),
so a wrong secret or an altered file fails authentication instead of yielding a
wrong key. The public key is kept in clear beside it (it is published anyway).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey
from nacl.secret import SecretBox
from nacl.utils import random as random_bytes

from backend.core.keystore import DEFAULT_SCRYPT_N, KeyExists, KeyNotFound, KeystoreError, KeystoreLocked

SUFFIX = ".x25519"
FORMAT_VERSION = 1
_R, _P = 8, 1
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # the keystore's account names


class SealingKeys:
    """X25519 key pairs by keystore name (``dept-nr`` → ``<dir>/dept-nr.x25519``)."""

    def __init__(self, directory: Path | str, secret: str, scrypt_n: int = DEFAULT_SCRYPT_N) -> None:
        self.dir = Path(directory)
        self._secret = secret
        self._scrypt_n = scrypt_n
        self._cache: dict[str, PrivateKey] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the secret
        return f"SealingKeys(dir={str(self.dir)!r})"

    def create(self, name: str) -> bytes:
        """Generate a fresh key pair for ``name`` (refuses to replace one); returns the public key."""
        key = PrivateKey.generate()
        salt = random_bytes(16)
        box = SecretBox(self._kek(salt, self._scrypt_n))
        sealed = box.encrypt(bytes(key))  # nonce + ciphertext + tag
        payload = {
            "version": FORMAT_VERSION,
            "kind": "x25519",
            "public_key": bytes(key.public_key).hex(),
            "crypto": {
                "kdf": "scrypt",
                "n": self._scrypt_n,
                "r": _R,
                "p": _P,
                "salt": salt.hex(),
                "cipher": "xsalsa20-poly1305",
                "sealed": bytes(sealed).hex(),
            },
        }
        self._write_new(name, json.dumps(payload).encode())
        with self._lock:
            self._cache[name] = key
        return bytes(key.public_key)

    def ensure(self, name: str) -> bytes:
        """The public key of ``name``, creating the pair on first use."""
        try:
            return self.public_key(name)
        except KeyNotFound:
            try:
                return self.create(name)
            except KeyExists:  # created concurrently
                return self.public_key(name)

    def public_key(self, name: str) -> bytes:
        """The public key, read without decrypting anything."""
        return bytes.fromhex(self._read(name)["public_key"])

    def load(self, name: str) -> PrivateKey:
        """The private key (decrypted once, then served from memory)."""
        with self._lock:
            cached = self._cache.get(name)
        if cached is not None:
            return cached
        data = self._read(name)
        c = data["crypto"]
        try:
            raw = SecretBox(self._kek(bytes.fromhex(c["salt"]), int(c["n"]))).decrypt(bytes.fromhex(c["sealed"]))
        except CryptoError:
            raise KeystoreLocked(name) from None
        key = PrivateKey(raw)
        if bytes(key.public_key).hex() != data["public_key"]:
            raise KeystoreError(f"sealing key {name!r}: the public key does not match the private key")
        with self._lock:
            self._cache[name] = key
        return key

    # -- internals ---------------------------------------------------------
    def _kek(self, salt: bytes, n: int) -> bytes:
        return hashlib.scrypt(
            self._secret.encode(), salt=salt, n=n, r=_R, p=_P, maxmem=256 * 1024 * 1024, dklen=SecretBox.KEY_SIZE
        )

    def _path(self, name: str) -> Path:
        if not _NAME_RE.match(name):
            raise KeystoreError(f"invalid key name {name!r}")
        return self.dir / f"{name}{SUFFIX}"

    def _read(self, name: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._path(name).read_text())
        except FileNotFoundError:
            raise KeyNotFound(name) from None
        if data.get("kind") != "x25519" or data.get("version") != FORMAT_VERSION:
            raise KeystoreError(f"sealing key {name!r}: unknown file format")
        return data

    def _write_new(self, name: str, payload: bytes) -> None:
        path = self._path(name)
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=f".{name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, payload)
            os.fsync(fd)
            os.close(fd)
            fd = -1
            try:
                os.link(tmp, path)  # fails if the file exists: never replace a key
            except FileExistsError:
                raise KeyExists(name) from None
        finally:
            if fd >= 0:
                os.close(fd)
            os.unlink(tmp)
