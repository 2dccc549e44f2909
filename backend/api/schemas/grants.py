"""Usage grants: list, revoke, fetch data, record uses."""

from __future__ import annotations

from typing import Any

from pydantic import Field, JsonValue

from backend.api.schemas.common import Answer, DataSubject, Page, Strict, TxAnswer, TxRef


# -- request bodies --------------------------------------------------------------------------------
class RecordUse(Strict):
    data_subject: DataSubject | None = None
    context_ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="case/process reference (0x-32-byte hex or text, hashed)",
    )


# -- answers ------------------------------------------------------------------------------------------
class GrantView(Answer):
    """A usage grant: whose resource, to whom, for what, how long, how many uses."""

    grant_id: int | None = None
    resource_id: int | None = None
    owner: str | None = None
    grantee: str | None = None
    purpose_code: int | None = None
    purpose_name_zh: str | None = Field(default=None, description="the purpose's registered Chinese name")
    purpose_name_en: str | None = Field(default=None, description="the purpose's registered English name")
    issued_at: int | None = None
    expires_at: int | None = None
    max_uses: int | None = None
    used_count: int | None = None
    revoked: bool | None = None
    usable: bool | None = None


class ListGrantsAnswer(Page[GrantView]):
    pass


class UseRef(Answer):
    """A recorded use: its index and the transaction that recorded it."""

    use_index: int | None = None
    tx_hash: str | None = None
    block_number: int | None = None


class FetchDataAnswer(Answer):
    grant_id: int | None = None
    resource_id: int | None = None
    version: int | None = None
    content_hash: str | None = None
    media_type: str | None = None
    anchor: TxRef | None = None
    use: UseRef | None = None
    record: JsonValue = None


class RevokeGrantAnswer(TxAnswer):
    grant_id: int | None = None
    revoked: bool | None = None
    keys_deleted: int | None = None


class RecordUseAnswer(TxAnswer):
    """A recorded use (mined). Queued with ``Prefer: respond-async`` the answer is 202 with
    ``status: queued`` and ``status_url`` (fields not yet known are null)."""

    grant_id: int | None = None
    resource_id: int | None = None
    use_index: int | None = None
    officer_hash: str | None = None
    subject_hash: str | None = None
    context_ref: str | None = None


class UseStatusAnswer(RecordUseAnswer):
    """Where a use recorded with this Idempotency-Key stands."""

    status: str | None = Field(default=None, description="queued | pending | mined | failed")
    idempotency_key: str | None = None
    error: dict[str, Any] | None = Field(default=None, description="failed: the error body it failed with")
