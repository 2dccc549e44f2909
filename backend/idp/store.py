"""The development provider's files: its signing key, demo users and registered clients.

Everything is a small JSON file in the data directory, written atomically; clients are
re-read on every lookup so `govchain federation up` can register nodes while it runs.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

if TYPE_CHECKING:  # joserfc loads when the provider runs, not with every `govchain` command
    from joserfc.jwk import ECKey

KEY_FILE = "signing_key.json"
USERS_FILE = "users.json"
CLIENTS_FILE = "clients.json"
SIGNING_ALG = "ES256"
# The demo citizen of `make run` (backend/ops/demo.py CITIZEN): a documented development password.
DEMO_CITIZEN_USERNAME = "citizen"
DEMO_CITIZEN_PASSWORD = "citizen-demo-password"  # noqa: S105  (a dev fixture's published demo credential)
DEMO_CITIZEN_NAME = "张三 / Zhang San"
DEMO_CITIZEN_SUB = "dev-citizen-0001"
# The same person as the demo applicant (backend/ops/demo.py CITIZEN; a test holds them equal):
# written out here so the provider, a fixture below every other part, depends on none of them.
DEMO_CITIZEN_ID = {"id_type": "resident_id", "id_value": "110101199001011234"}

_hasher = PasswordHasher()
_write_lock = threading.Lock()


@dataclass(frozen=True)
class User:
    username: str
    password_hash: str
    claims: dict[str, Any]

    def get_user_id(self) -> str:  # Authlib asks users for an id
        return str(self.claims["sub"])


@dataclass(frozen=True)
class Client:
    """A registered relying party, with the methods Authlib's grants call (ClientMixin)."""

    client_id: str
    redirect_uris: tuple[str, ...]
    client_secret_hash: str = ""
    client_metadata: dict[str, Any] = field(default_factory=dict)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = {"openid", "profile"}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return bool(self.client_secret_hash) and verify_password(self.client_secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint != "token":
            return True
        # a public client (no secret) relies on PKCE alone; a confidential one must authenticate
        return method in ("client_secret_basic", "client_secret_post") if self.client_secret_hash else method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class IdpStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)

    # -- set-up ------------------------------------------------------------------------------------
    def ensure(self) -> None:
        """First start: the signing key and the demo citizen (existing files are kept)."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not (self.data_dir / KEY_FILE).exists():
            from joserfc.jwk import ECKey

            key = ECKey.generate_key("P-256", private=True)
            jwk = {**key.as_dict(private=True), "kid": key.thumbprint(), "alg": SIGNING_ALG, "use": "sig"}
            _write(self.data_dir / KEY_FILE, jwk)
        if not (self.data_dir / USERS_FILE).exists():
            self.add_user(
                DEMO_CITIZEN_USERNAME,
                DEMO_CITIZEN_PASSWORD,
                {
                    "sub": DEMO_CITIZEN_SUB,
                    "name": DEMO_CITIZEN_NAME,
                    DEMO_CITIZEN_ID["id_type"]: DEMO_CITIZEN_ID["id_value"],
                },
            )
        if not (self.data_dir / CLIENTS_FILE).exists():
            _write(self.data_dir / CLIENTS_FILE, {"clients": []})

    def add_user(self, username: str, password: str, claims: dict[str, Any]) -> None:
        """Add or replace a demo user (``claims`` must hold ``sub``)."""
        if not claims.get("sub"):
            raise ValueError("a user's claims need a sub")
        with _write_lock:
            users = [u for u in self._read(USERS_FILE, {"users": []})["users"] if u["username"] != username]
            users.append({"username": username, "password_hash": hash_password(password), "claims": claims})
            _write(self.data_dir / USERS_FILE, {"users": users})

    def register_client(self, client_id: str, redirect_uris: list[str], client_secret: str | None = None) -> None:
        """Add or replace a relying party (no secret: a public client, PKCE only)."""
        with _write_lock:
            clients = [c for c in self._read(CLIENTS_FILE, {"clients": []})["clients"] if c["client_id"] != client_id]
            entry: dict[str, Any] = {"client_id": client_id, "redirect_uris": list(redirect_uris)}
            if client_secret:
                entry["client_secret_hash"] = hash_password(client_secret)
            clients.append(entry)
            _write(self.data_dir / CLIENTS_FILE, {"clients": clients})

    # -- lookups -----------------------------------------------------------------------------------
    def signing_key(self) -> ECKey:
        from joserfc.jwk import ECKey

        return ECKey.import_key(self._read(KEY_FILE, None))

    def public_jwks(self) -> dict[str, Any]:
        raw = self._read(KEY_FILE, None)
        public = {k: v for k, v in raw.items() if k != "d"}
        return {"keys": [public]}

    def key_id(self) -> str:
        return str(self._read(KEY_FILE, None)["kid"])

    def user(self, username: str) -> User | None:
        for u in self._read(USERS_FILE, {"users": []})["users"]:
            if u["username"] == username:
                return User(u["username"], u["password_hash"], dict(u["claims"]))
        return None

    def user_by_sub(self, sub: str) -> User | None:
        for u in self._read(USERS_FILE, {"users": []})["users"]:
            if u["claims"].get("sub") == sub:
                return User(u["username"], u["password_hash"], dict(u["claims"]))
        return None

    def authenticate(self, username: str, password: str) -> User | None:
        user = self.user(username)
        if user is None:
            verify_password(_DUMMY_HASH, password)  # same work whether or not the name exists
            return None
        return user if verify_password(user.password_hash, password) else None

    def client(self, client_id: str) -> Client | None:
        for c in self._read(CLIENTS_FILE, {"clients": []})["clients"]:
            if c["client_id"] == client_id:
                return Client(c["client_id"], tuple(c["redirect_uris"]), c.get("client_secret_hash", ""))
        return None

    def _read(self, name: str, default: Any) -> Any:
        path = self.data_dir / name
        if not path.exists():
            if default is None:
                raise FileNotFoundError(f"{path} is missing (start the provider once to create it)")
            return default
        return json.loads(path.read_text())


_DUMMY_HASH = hash_password("not-a-user")


def _write(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh, indent=2, ensure_ascii=False)
    os.replace(tmp, path)
