"""Officer sign-in and the node's officer accounts."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from backend.api.schemas.common import Answer, Strict

USERNAME = r"^[a-z0-9][a-z0-9._-]{0,63}$"


# -- request bodies --------------------------------------------------------------------------------
class OfficerSignIn(Strict):
    username: str = Field(min_length=1, max_length=64, examples=["li.wei"])
    password: str = Field(min_length=1, max_length=256)
    totp: str = Field(min_length=6, max_length=8, pattern=r"^[0-9]+$", description="the current TOTP code")


class EnrolOfficer(Strict):
    username: str = Field(pattern=USERNAME, examples=["li.wei"])
    display_name: str = Field(min_length=1, max_length=200, examples=["Li Wei"])
    role: Literal["admin", "officer"] = "officer"


# -- answers ------------------------------------------------------------------------------------------
class OfficerView(Answer):
    username: str | None = None
    display_name: str | None = None
    role: str | None = Field(default=None, description="admin | officer")
    member_role: str | None = Field(default=None, description="the chain role it acts for")
    principal: str | None = Field(default=None, description="the chain address it acts for")
    created_at: str | None = None
    removed_at: str | None = None


class OfficerSessionAnswer(Answer):
    token: str | None = Field(default=None, description="a bearer token bound to the officer (shown once)")
    expires_at: str | None = None
    officer: OfficerView | None = None


class EnrolmentAnswer(Answer):
    officer: OfficerView | None = None
    password: str | None = Field(default=None, description="the initial password (shown once)")
    totp_uri: str | None = Field(default=None, description="otpauth:// provisioning URI (shown once)")


class RemovedAnswer(Answer):
    officer: OfficerView | None = None
    tokens_revoked: int | None = None


class OfficersAnswer(Answer):
    items: list[OfficerView] = Field(default_factory=list)
