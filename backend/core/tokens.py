"""API bearer tokens.

A token is ``gct_`` + 32 random bytes (url-safe base64), shown once at issue.
Only its SHA-256 is stored: a leaked database yields no usable token. The
row names the role and the principal the token acts for (a chain address for
departments/governors/auditors, a subject hash for citizens), and who holds it:
an ``officer`` token is bound to one officer account (:mod:`backend.core.officers`;
the officer recorded on chain is that person), a ``client`` token is a
system-to-system credential (recorded on chain as ``client:<token id>``).

Every row carries a MAC (:mod:`backend.core.rowmac`, key derived from the node's
secret) over its id, hash, role, principal, label, officer, kind, scopes, creation,
expiry and revocation (set or not): a row inserted or edited in the database by hand
authenticates nothing — a revoked token un-revoked, a lifetime stretched through its
creation time (rotate() keeps the length), the client id recorded on chain (the row
id) or the label that marks an assisted session. Revoke and rotate re-seal the rows
they change. (Putting back a whole older, validly sealed row is not caught by a MAC:
see docs/officers.md, "Known limits".)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from eth_utils import is_hex_address, to_checksum_address
from sqlalchemy import DateTime, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.core.db import Base
from backend.core.officers import OfficerKeys, active_officer
from backend.core.rowmac import TOKEN_MAC_LABEL, derive_key, mac_ok, row_mac
from backend.core.scopes import parse_scopes

TOKEN_PREFIX = "gct_"  # noqa: S105  (a prefix, not a secret)
ROLES = frozenset({"department", "governor", "auditor", "citizen"})
KINDS = frozenset({"officer", "client"})
CLIENT_OFFICER_PREFIX = "client:"  # the officer id recorded for a client token: client:<token id>
_SUBJECT_RE = re.compile(r"^0x[0-9a-f]{64}$")
# authenticate() answers from memory for a token seen in the last AUTH_CACHE_TTL_S
# seconds (live tokens only; expiry is checked again on every hit). revoke() and
# rotate() empty the cache of this process; a token revoked by ANOTHER process
# (e.g. the CLI) keeps working here for at most AUTH_CACHE_TTL_S.
AUTH_CACHE_TTL_S = 2.0
AUTH_CACHE_MAX = 1024


class TokenError(Exception):
    pass


class TokenNotFound(TokenError):
    def __init__(self, token_id: int) -> None:
        super().__init__(f"no api token with id {token_id}")
        self.token_id = token_id


class TokenRevoked(TokenError):
    def __init__(self, token_id: int) -> None:
        super().__init__(f"api token {token_id} is revoked")
        self.token_id = token_id


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    principal: Mapped[str] = mapped_column(String(66), nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    officer: Mapped[str | None] = mapped_column(String(64), nullable=True)  # officer username; None: a client
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="client")  # officer | client
    scopes: Mapped[str] = mapped_column(String(400), nullable=False, default="")  # a client's scopes, space-separated
    mac: Mapped[str] = mapped_column(String(64), nullable=False, default="")

    __table_args__ = (Index("ix_api_tokens_principal", "principal"), Index("ix_api_tokens_officer", "officer"))


@dataclass(frozen=True)
class TokenInfo:
    id: int
    role: str
    principal: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    officer: str | None = None
    kind: str = "client"
    scopes: str = ""
    officer_role: str | None = None  # admin | officer for an officer token (from its account)
    genuine: bool = True  # its row MAC verifies (False: written or edited outside the node; it authenticates nothing)

    @property
    def active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > _utcnow())

    @property
    def acting_officer(self) -> str:
        """The officer id recorded on chain for this token's writes: the person for an officer
        token, ``client:<id>`` (fixed at issue, not choosable per request) for a client."""
        return self.officer if self.kind == "officer" and self.officer else f"{CLIENT_OFFICER_PREFIX}{self.id}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything here is UTC.
    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_principal(role: str, principal: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {sorted(ROLES)}")
    if role == "citizen":
        p = principal.lower()
        if not p.startswith("0x"):
            p = "0x" + p
        if not _SUBJECT_RE.match(p):
            raise ValueError("citizen principal must be a 32-byte subject hash in hex")
        return p
    if not is_hex_address(principal):
        raise ValueError(f"{role} principal must be a chain address")
    return to_checksum_address(principal)


def _info(row: ApiToken, officer_role: str | None = None) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        role=row.role,
        principal=row.principal,
        label=row.label,
        created_at=_aware(row.created_at),  # type: ignore[arg-type]
        expires_at=_aware(row.expires_at),
        revoked_at=_aware(row.revoked_at),
        officer=row.officer,
        kind=row.kind,
        scopes=row.scopes,
        officer_role=officer_role,
    )


def _iso(dt: datetime | None) -> str | None:
    d = _aware(dt)
    return None if d is None else d.astimezone(UTC).isoformat()


def _mac_fields(row: ApiToken) -> list[object]:
    # revoked_at is None (null in the JSON) or a time: both states are covered.
    return [
        row.id,
        row.token_hash,
        row.role,
        row.principal,
        row.label,
        row.officer,
        row.kind,
        row.scopes,
        _iso(row.created_at),
        _iso(row.expires_at),
        _iso(row.revoked_at),
    ]


class TokenService:
    def __init__(
        self, session_factory: Callable[[], Session], secret: str, now: Callable[[], datetime] = _utcnow
    ) -> None:
        """``secret``: the node's secret (``settings.keystore_secret``); the row MAC keys derive from it."""
        self._sessions = session_factory
        self._mac_key = derive_key(secret, TOKEN_MAC_LABEL)
        self._officer_keys = OfficerKeys(secret)
        self._now = now  # injectable clock so expiry is testable without sleeping
        self._cache: OrderedDict[str, tuple[float, TokenInfo]] = OrderedDict()  # digest -> (cached at, info)
        self._cache_lock = threading.Lock()
        self._generation = 0  # bumped by every invalidation: a lookup racing a revoke is not cached

    def invalidate_cache(self) -> None:
        """Forget every cached authentication (after a revoke or a rotation)."""
        with self._cache_lock:
            self._cache.clear()
            self._generation += 1

    def cached(self, token: str | None) -> TokenInfo | None:
        """The cached TokenInfo of a live token, or None when a database lookup is needed
        (unknown to the cache, stale, or expired meanwhile)."""
        if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        return self._cached(hash_token(token))

    def _cached(self, digest: str) -> TokenInfo | None:
        with self._cache_lock:
            hit = self._cache.get(digest)
            if hit is None:
                return None
            if time.monotonic() - hit[0] > AUTH_CACHE_TTL_S:
                del self._cache[digest]
                return None
            self._cache.move_to_end(digest)
        info = hit[1]
        if info.expires_at is not None and info.expires_at <= self._now():
            return None
        return info

    def _seal(self, row: ApiToken) -> ApiToken:
        row.mac = row_mac(self._mac_key, ApiToken.__tablename__, _mac_fields(row))
        return row

    def _insert_sealed(self, s: Session, row: ApiToken) -> None:
        """Insert ``row`` and seal it once its id is known (the MAC covers the id), in ``s``'s transaction."""
        s.add(row)
        s.flush()  # assigns the id
        self._seal(row)

    def _revoke_row(self, row: ApiToken, when: datetime) -> None:
        """Mark ``row`` revoked; re-sealed only if it was genuine (a forged row stays forged)."""
        genuine = self._row_ok(row)
        row.revoked_at = when
        if genuine:
            self._seal(row)

    def _row_ok(self, row: ApiToken) -> bool:
        return mac_ok(self._mac_key, ApiToken.__tablename__, _mac_fields(row), row.mac)

    def issue(
        self,
        role: str,
        principal: str,
        label: str = "",
        ttl: timedelta | None = None,
        *,
        officer: str | None = None,
        scopes: str | list[str] | tuple[str, ...] = "",
        expires_at: datetime | None = None,
    ) -> str:
        """Create a token; the plaintext is returned once and never stored. With ``officer`` it is
        bound to that officer account (which must exist and not be removed), else it is a
        ``client`` token (a system-to-system credential) of a department, governor or auditor,
        which needs at least one scope (:mod:`backend.core.scopes`; ``*`` for everything its
        party may do), or a citizen's token (no scopes: the citizen's own pages).
        ``expires_at`` (instead of ``ttl``): an exact expiry, e.g. another token's."""
        principal = normalise_principal(role, principal)
        granted = parse_scopes(scopes)
        if officer is not None or role == "citizen":
            if granted:
                raise ValueError("scopes are for system clients' tokens; a person's rights come from their role")
        elif not granted:
            raise ValueError("a system client's token needs at least one scope (e.g. grants:write, or '*' for all)")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._now()
        with self._sessions() as s, s.begin():
            if officer is not None and active_officer(s, self._officer_keys, officer) is None:
                raise ValueError(f"no active officer {officer!r} on this node")
            self._insert_sealed(
                s,
                ApiToken(
                    token_hash=hash_token(token),
                    role=role,
                    principal=principal,
                    label=label,
                    created_at=now,
                    expires_at=expires_at if expires_at is not None else now + ttl if ttl is not None else None,
                    officer=officer,
                    kind="officer" if officer is not None else "client",
                    scopes=" ".join(granted),
                ),
            )
        return token

    def authenticate(self, token: str | None) -> TokenInfo | None:
        """TokenInfo for a live token, else None (unknown, revoked or expired)."""
        if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        digest = hash_token(token)
        info = self._cached(digest)
        if info is not None:
            return info
        with self._cache_lock:
            generation = self._generation
        with self._sessions() as s:
            row = s.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
            if row is None or not hmac.compare_digest(row.token_hash, digest) or not self._row_ok(row):
                return None  # unknown, or a row written or edited without the node's secret
            if row.kind not in KINDS or (row.kind == "officer") != (row.officer is not None):
                return None
            officer_role = None
            if row.kind == "officer":
                account = active_officer(s, self._officer_keys, row.officer or "")
                if account is None:  # removed (or its account row forged/edited): the token is dead
                    return None
                officer_role = account.role
            info = _info(row, officer_role)
        if info.revoked_at is not None:
            return None
        if info.expires_at is not None and info.expires_at <= self._now():
            return None
        with self._cache_lock:
            if generation == self._generation:  # no revoke/rotate since the read
                self._cache[digest] = (time.monotonic(), info)
                self._cache.move_to_end(digest)
                while len(self._cache) > AUTH_CACHE_MAX:
                    self._cache.popitem(last=False)
        return info

    def revoke(self, token_id: int) -> TokenInfo:
        """Revoke a token (idempotent: revoking twice keeps the first time)."""
        with self._sessions() as s, s.begin():
            row = s.get(ApiToken, token_id)
            if row is None:
                raise TokenNotFound(token_id)
            if row.revoked_at is None:
                self._revoke_row(row, self._now())
            s.flush()
            info = _info(row)
        self.invalidate_cache()
        return info

    def rotate(self, token_id: int, ttl: timedelta | None = None) -> str:
        """Revoke ``token_id`` and issue a replacement with the same role,
        principal and label, atomically. Without ``ttl`` the new token keeps the
        old one's lifetime length."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._now()
        with self._sessions() as s, s.begin():
            old = s.get(ApiToken, token_id)
            if old is None:
                raise TokenNotFound(token_id)
            if old.revoked_at is not None:
                raise TokenRevoked(token_id)
            if ttl is None and old.expires_at is not None:
                ttl = _aware(old.expires_at) - _aware(old.created_at)  # type: ignore[operator]
            if not self._row_ok(old):
                raise TokenNotFound(token_id)  # a forged row is not a token to renew
            self._revoke_row(old, now)
            self._insert_sealed(
                s,
                ApiToken(
                    token_hash=hash_token(token),
                    role=old.role,
                    principal=old.principal,
                    label=old.label,
                    created_at=now,
                    expires_at=now + ttl if ttl is not None else None,
                    officer=old.officer,
                    kind=old.kind,
                    scopes=old.scopes,
                ),
            )
        self.invalidate_cache()
        return token

    def revoke_officer(self, officer: str) -> int:
        """Revoke every live token of ``officer`` (when the account is removed); how many."""
        now = self._now()
        with self._sessions() as s, s.begin():
            rows = list(s.scalars(select(ApiToken).where(ApiToken.officer == officer, ApiToken.revoked_at.is_(None))))
            for row in rows:
                self._revoke_row(row, now)
        self.invalidate_cache()
        return len(rows)

    def first_labelled(self, label: str) -> TokenInfo | None:
        """The first genuine token issued with exactly ``label`` (e.g. the token of an assisted
        session, whose label names the session), revoked or not; None if there is none."""
        with self._sessions() as s:
            for row in s.scalars(select(ApiToken).where(ApiToken.label == label).order_by(ApiToken.id)):
                if self._row_ok(row):
                    return _info(row)
        return None

    def get(self, token_id: int) -> TokenInfo:
        with self._sessions() as s:
            row = s.get(ApiToken, token_id)
            if row is None:
                raise TokenNotFound(token_id)
            return _info(row)

    def list(self, principal: str | None = None) -> list[TokenInfo]:
        """All tokens (active and not), oldest first; never includes hashes."""
        stmt = select(ApiToken).order_by(ApiToken.id)
        if principal is not None:
            p = principal.lower() if _SUBJECT_RE.match(principal.lower()) else principal
            if is_hex_address(p):
                p = to_checksum_address(p)
            stmt = stmt.where(ApiToken.principal == p)
        with self._sessions() as s:
            return [replace(_info(r), genuine=self._row_ok(r)) for r in s.scalars(stmt)]
