"""One chain account per department / governor / auditor, kept in standard
Ethereum keystore (v3) files: ``<dir>/<name>.json``, mode 0600.

Why scrypt with n=2**14 (not geth's 2**18): the backend decrypts each key once
per process and caches the account; 2**18 costs ~0.6 s and 256 MiB per key,
which makes test suites and devnet start-up crawl. Measured on the 2-core dev
machine: n=2**14 (r=8, p=1) encrypts or decrypts in ~40 ms and needs 16 MiB.
Pass ``scrypt_n=2**18`` for long-lived production key files if that trade-off
is preferred; ``load`` reads the parameters from the file either way.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

DEFAULT_SCRYPT_N = 2**14
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class KeystoreError(Exception):
    pass


class _AccountKeyError(KeystoreError):
    """An error about one account's key file; ``text`` says what, with ``{name!r}``."""

    text = "{name!r}"

    def __init__(self, name: str) -> None:
        super().__init__(self.text.format(name=name))
        self.name = name


class KeystoreLocked(_AccountKeyError):
    """The secret does not decrypt this key file (wrong secret or corrupt MAC)."""

    text = "keystore {name!r} cannot be unlocked with the configured secret"


class KeyNotFound(_AccountKeyError):
    text = "no keystore file for account {name!r}"


class KeyExists(_AccountKeyError):
    text = "keystore file for account {name!r} already exists"


class Keystore:
    def __init__(self, directory: Path | str, secret: str, scrypt_n: int = DEFAULT_SCRYPT_N) -> None:
        self.dir = Path(directory)
        self._secret = secret
        self._scrypt_n = scrypt_n
        self._cache: dict[str, LocalAccount] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the secret
        return f"Keystore(dir={str(self.dir)!r})"

    # -- writing -----------------------------------------------------------
    def create(self, name: str) -> str:
        """Generate a fresh key for ``name``; returns its checksum address."""
        return self.import_key(name, Account.create().key)

    def import_key(self, name: str, private_key: bytes | str) -> str:
        account: LocalAccount = Account.from_key(private_key)
        keyfile = Account.encrypt(account.key, self._secret, kdf="scrypt", iterations=self._scrypt_n)
        self._write_new(name, json.dumps(keyfile).encode())
        with self._lock:
            self._cache[name] = account
        return account.address

    # -- reading -----------------------------------------------------------
    def load(self, name: str) -> LocalAccount:
        """Decrypt once, then serve from memory."""
        with self._lock:
            cached = self._cache.get(name)
        if cached is not None:
            return cached
        keyfile = self._read(name)
        try:
            key = Account.decrypt(keyfile, self._secret)
        except ValueError as exc:  # eth-keyfile raises ValueError("MAC mismatch")
            raise KeystoreLocked(name) from exc
        account: LocalAccount = Account.from_key(key)
        with self._lock:
            self._cache[name] = account
        return account

    def names(self) -> list[str]:
        if not self.dir.is_dir():
            return []
        return sorted(p.stem for p in self.dir.glob("*.json") if _NAME_RE.match(p.stem))

    def address_of(self, name: str) -> str:
        """Address recorded in the key file; no decryption needed."""
        return to_checksum_address("0x" + self._read(name)["address"].removeprefix("0x"))

    def addresses(self) -> dict[str, str]:
        return {n: self.address_of(n) for n in self.names()}

    # -- internals ---------------------------------------------------------
    def _path(self, name: str) -> Path:
        if not _NAME_RE.match(name):
            raise KeystoreError(f"invalid account name {name!r}")
        return self.dir / f"{name}.json"

    def _read(self, name: str) -> dict[str, Any]:
        path = self._path(name)
        try:
            data: dict[str, Any] = json.loads(path.read_text())
            return data
        except FileNotFoundError:
            raise KeyNotFound(name) from None

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
            # link() fails if the target exists: never overwrite an existing key.
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise KeyExists(name) from None
        finally:
            if fd >= 0:
                os.close(fd)
            os.unlink(tmp)
