"""The one model of who is calling: the API's bearer-token principal, the console's
signed-in user and the use cases' acting party are all a :class:`Caller`."""

from __future__ import annotations

from dataclasses import dataclass, replace

from backend.core.tokens import TokenInfo
from backend.services.errors import Forbidden


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: role + chain address, and the officer acting for it.

    ``address`` is a checksummed chain address (a subject hash for citizens);
    ``officer_id`` names the acting officer on writes: the officer the token is bound
    to, or ``client:<token id>`` for a system client's token — never a value the
    request chooses; ``token_id``/``label``/``name`` describe the token it
    authenticated with (None/empty for callers built in code, e.g. the demo seed);
    ``kind`` is the token's kind (officer | client) and ``officer_role`` the officer
    account's role (admin | officer) for an officer token; ``scopes`` limit a system
    client's token (:mod:`backend.core.scopes`)."""

    role: str  # department | governor | auditor | citizen
    address: str
    officer_id: str | None = None
    token_id: int | None = None
    label: str = ""
    name: str = ""  # display name (the console)
    kind: str = "client"
    officer_role: str | None = None
    scopes: str = ""  # a system client's scopes (space-separated; backend.core.scopes)

    @property
    def is_admin(self) -> bool:
        """An administrator of this node's officer accounts (an admin officer signed in as themself)."""
        return self.kind == "officer" and self.officer_role == "admin"

    def require_role(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(f"role {self.role} may not do this", role=self.role)

    @property
    def is_scoped_client(self) -> bool:
        """A department's, governor's or auditor's system-client token: its scopes limit it."""
        return self.kind == "client" and self.role != "citizen"

    def same(self, address: str | None) -> bool:
        return address is not None and address.lower() == self.address.lower()

    def acting(self, officer_id: str | None) -> Caller:
        """The same caller with ``officer_id`` as the acting officer."""
        return replace(self, officer_id=officer_id)


def caller_of(info: TokenInfo, name: str = "") -> Caller:
    """The caller a token authenticates: its role and principal, acting as the token's person
    (the officer it is bound to, or ``client:<id>``) — the API and the console alike."""
    return Caller(
        role=info.role,
        address=info.principal,
        officer_id=info.acting_officer,
        token_id=info.id,
        label=info.label,
        name=name,
        kind=info.kind,
        officer_role=info.officer_role,
        scopes=info.scopes,
    )


__all__ = ["Caller", "caller_of"]
