"""Settings from the environment (prefix ``GOVCHAIN_``).

Development defaults make ``govchain`` work out of the box on a laptop; in
production mode (``GOVCHAIN_ENV=production``) every secret that still has its
development default is refused, so a forgotten variable cannot ship.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

DEV_SECRET = "dev-only-insecure-secret"  # noqa: S105  (the documented dev default; production sets its own)
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class SettingsError(RuntimeError):
    pass


def _env(name: str, default: str) -> str:
    return os.environ.get(f"GOVCHAIN_{name}", default)


@dataclass(frozen=True)
class Settings:
    env: str = field(default_factory=lambda: _env("ENV", "development"))
    rpc_url: str = field(default_factory=lambda: _env("RPC_URL", "http://127.0.0.1:8545"))
    network: str = field(default_factory=lambda: _env("NETWORK", "govchain-devnet"))
    data_dir: Path = field(default_factory=lambda: Path(_env("DATA_DIR", str(PROJECT_ROOT / "var"))))
    database_url: str = field(default_factory=lambda: _env("DATABASE_URL", ""))
    deployments_dir: Path = field(
        default_factory=lambda: Path(_env("DEPLOYMENTS_DIR", str(PROJECT_ROOT / "deployments")))
    )
    # Unlocks the department keystores and derives the key-wrapping keys.
    keystore_secret: str = field(default_factory=lambda: _env("KEYSTORE_SECRET", DEV_SECRET))
    # Keys the HMAC that turns citizens' identifiers and officers' ids into on-chain hashes.
    subject_secret: str = field(default_factory=lambda: _env("SUBJECT_SECRET", DEV_SECRET))
    receipt_timeout_s: float = field(default_factory=lambda: float(_env("RECEIPT_TIMEOUT_S", "30")))
    poll_interval_s: float = field(default_factory=lambda: float(_env("POLL_INTERVAL_S", "0.005")))
    gas_price_wei: int = field(default_factory=lambda: int(_env("GAS_PRICE_WEI", "-1")))
    # How long a read that must include this process's own writes waits for the event
    # index to reach them before answering 503 IndexBehind.
    index_wait_s: float = field(default_factory=lambda: float(_env("INDEX_WAIT_S", "10")))
    # Citizens sign in through OpenID Connect (docs/identity.md): the provider's issuer URL and
    # this node's client registration there. Empty issuer: citizens' sign-in is off.
    oidc_issuer: str = field(default_factory=lambda: _env("OIDC_ISSUER", ""))
    oidc_client_id: str = field(default_factory=lambda: _env("OIDC_CLIENT_ID", ""))
    # Empty: a public client (PKCE only); otherwise sent with HTTP Basic to the token endpoint.
    oidc_client_secret: str = field(default_factory=lambda: _env("OIDC_CLIENT_SECRET", ""))
    # Empty: <the node's base URL>/console/citizen/callback.
    oidc_redirect_uri: str = field(default_factory=lambda: _env("OIDC_REDIRECT_URI", ""))
    # Assisted citizen sessions (a front desk opening a session for a citizen), moving window,
    # in the `limits` notation ("30/hour", "5 per minute"): per officer and per desk department.
    assisted_sessions_per_officer: str = field(default_factory=lambda: _env("ASSISTED_SESSIONS_PER_OFFICER", "30/hour"))
    assisted_sessions_per_desk: str = field(default_factory=lambda: _env("ASSISTED_SESSIONS_PER_DESK", "300/hour"))
    # Failed sign-ins / token checks allowed per moving window (``limits`` notation) before 429.
    throttle_signin_per_user: str = field(default_factory=lambda: _env("THROTTLE_SIGNIN_PER_USER", "5/15 minutes"))
    throttle_signin_per_ip: str = field(default_factory=lambda: _env("THROTTLE_SIGNIN_PER_IP", "30/15 minutes"))
    throttle_signin_per_account: str = field(default_factory=lambda: _env("THROTTLE_SIGNIN_PER_ACCOUNT", "10/hour"))
    throttle_token_per_ip: str = field(default_factory=lambda: _env("THROTTLE_TOKEN_PER_IP", "120/minute"))

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.data_dir / 'govchain.db'}")
        if self.is_production:
            weak = [f.name for f in fields(self) if getattr(self, f.name) == DEV_SECRET]
            if weak:
                raise SettingsError(
                    "production mode refuses development secrets: set "
                    + ", ".join(f"GOVCHAIN_{n.upper()}" for n in weak)
                )

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def keystore_dir(self) -> Path:
        return self.data_dir / "keystore"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"


def load_settings() -> Settings:
    return Settings()
