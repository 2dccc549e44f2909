"""Officer accounts and sign-in: the people who act for this node's department.

Sign-in (username + password + TOTP code) hands out a short-lived token bound to the officer;
everything that token writes is recorded on chain as that person. Failed sign-ins count against
the username from that client address, and the client address (:mod:`backend.core.throttle`). An administrator enrols and
removes the officers acting for the same chain identity; removal revokes their tokens at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.core.officers import Enrolment, OfficerInfo, OfficerNotFound, OfficerStore
from backend.core.throttle import Throttle
from backend.core.tokens import TokenService
from backend.services.caller import Caller
from backend.services.errors import Forbidden, NotFound, TooManyAttempts, Unauthorized

OFFICER_TOKEN_TTL = timedelta(hours=12)


@dataclass(frozen=True)
class SignedIn:
    token: str
    officer: OfficerInfo
    expires_at: datetime


class OfficerService:
    def __init__(self, store: OfficerStore, tokens: TokenService, throttle: Throttle) -> None:
        self.store = store
        self.tokens = tokens
        self.throttle = throttle

    def sign_in(self, username: str, password: str, code: str, client: str) -> SignedIn:
        # The hard per-username block is keyed on (username, client address): wrong tries from one
        # place must not lock the officer out everywhere (anyone could lock an admin out). Guessing
        # from many places is held back by the per-address limit of each, and guessing the code of
        # a known password from many places by a cap per account that only a wrong CODE after the
        # right password counts toward (someone without the password cannot lock anyone out).
        keys = (("signin-user", f"{username.lower()}@{client}"), ("signin-ip", client))
        account = ("signin-account", username.lower())
        wait = self.throttle.blocked(*keys, account)
        if wait is not None:
            raise TooManyAttempts(wait)
        officer, password_right = self.store.verify_factors(username, password, code)
        if officer is None:
            self.throttle.failed(*keys, *((account,) if password_right else ()))
            raise Unauthorized("wrong username, password or code")
        token = self.tokens.issue(
            officer.member_role,
            officer.principal,
            f"officer:{officer.username}",
            ttl=OFFICER_TOKEN_TTL,
            officer=officer.username,
        )
        info = self.tokens.authenticate(token)
        if info is None or info.expires_at is None:  # just issued: only a concurrent removal gets here
            raise Unauthorized("wrong username, password or code")
        return SignedIn(token, officer, info.expires_at)

    def enrol(self, admin: Caller, username: str, display_name: str, role: str) -> Enrolment:
        """A new officer acting for the admin's own chain identity (the initial password and the
        TOTP secret are handed out once)."""
        self._need_admin(admin)
        return self.store.enrol(username, display_name, role, admin.role, admin.address)

    def remove(self, admin: Caller, username: str) -> tuple[OfficerInfo, int]:
        """Remove an officer and revoke their tokens; (the account, how many tokens were revoked)."""
        self._need_admin(admin)
        current = self.store.get(username)
        if current is None or not admin.same(current.principal):
            raise NotFound(f"no officer {username!r} here", username=username)
        if admin.officer_id == username:
            raise Forbidden("an administrator does not remove themself", username=username)
        try:
            removed = self.store.remove(username)
        except OfficerNotFound as exc:
            raise NotFound(str(exc), username=username) from exc
        return removed, self.tokens.revoke_officer(username)

    def list(self, admin: Caller) -> list[OfficerInfo]:
        self._need_admin(admin)
        return [o for o in self.store.list() if admin.same(o.principal)]

    @staticmethod
    def _need_admin(caller: Caller) -> None:
        if not caller.is_admin:
            raise Forbidden("requires an administrator officer's token", role=caller.role)
