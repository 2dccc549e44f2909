"""The one model of who is calling: the API's bearer-token principal, the console's
signed-in user and the use cases' acting party are all a :class:`Caller`."""

from __future__ import annotations

from dataclasses import dataclass, replace

from backend.services.errors import Forbidden


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: role + chain address, and the officer acting for it.

    ``address`` is a checksummed chain address (a subject hash for citizens);
    ``officer_id`` names the acting officer on writes (header X-Officer-Id, or the
    console session's officer); ``token_id``/``label``/``name`` describe the token
    it authenticated with (None/empty for callers built in code, e.g. the demo seed)."""

    role: str  # department | governor | auditor | citizen
    address: str
    officer_id: str | None = None
    token_id: int | None = None
    label: str = ""
    name: str = ""  # display name (the console)

    def require_role(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(f"role {self.role} may not do this", role=self.role)

    def same(self, address: str | None) -> bool:
        return address is not None and address.lower() == self.address.lower()

    def acting(self, officer_id: str | None) -> Caller:
        """The same caller with ``officer_id`` as the acting officer."""
        return replace(self, officer_id=officer_id)


__all__ = ["Caller"]
