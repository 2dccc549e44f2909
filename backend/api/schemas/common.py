"""Shared pieces of the request and response models: strict request bodies,
permissive answers, the error body and the contract enums as string literals."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar, get_args

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator
from pydantic_core import PydanticCustomError

from backend.chain import enums
from backend.core.json_text import json_text_problem
from backend.services.common import hash_or_text

HEX32 = r"^0x[0-9a-fA-F]{64}$"  # 0x + 32 bytes (a keccak256 hash)
Hex32 = Field(pattern=HEX32)
OptionalHex32 = Field(default=None, pattern=HEX32)  # the hash half of a text-or-hash pair
UINT32 = 2**32 - 1
UINT64 = 2**64 - 1

# The contract enums as the API spells them (backend/chain/enums.py is generated from the contracts).
# Spelled out so that type checkers see them; checked against the generated enums at import.
Classification = Literal["PUBLIC", "INTERNAL", "SENSITIVE", "SECRET"]
IncidentTypeName = Literal["DATA_ERROR", "UNAUTHORIZED_USE", "LEAK", "TAMPER"]
SubjectKindName = Literal["RESOURCE_VERSION", "GRANT", "USE"]
IncidentStatusName = Literal["Open", "Responded", "Escalated", "Upheld", "Dismissed"]  # (not None = 0)

for _literal, _names in (
    (Classification, tuple(m.name for m in enums.Classification)),
    (IncidentTypeName, tuple(m.name for m in enums.IncidentType)),
    (SubjectKindName, tuple(m.name for m in enums.SubjectKind)),
    (IncidentStatusName, tuple(m.solidity for m in enums.IncidentStatus if m.value)),
):
    if get_args(_literal) != _names:  # pragma: no cover - the contracts' enums changed
        raise RuntimeError(f"backend/api/schemas/common.py: {get_args(_literal)} != {_names} (the enums changed)")


class Strict(BaseModel):
    """A request body, refused with 422 when it holds:

    - an unknown field;
    - a value of another JSON type than the field's (strict mode: ``true`` is not the integer
      1, nor ``"7"`` the integer 7; ids, counts, codes and times are JSON integers);
    - a string that is not Unicode text (a lone surrogate) or a number that is not finite
      (NaN, Infinity, 1e999), anywhere in the body: Python's json reads them, nothing after
      it can store or hash them."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _json_text(cls, data: Any) -> Any:
        problem = json_text_problem(data)
        if problem is not None:
            raise PydanticCustomError("json_text", "not JSON text: {problem}", {"problem": str(problem)})
        return data

    def hashed(self, field: str) -> bytes:
        """The pair ``<field>`` (text, hashed with keccak256) / ``<field>_hash`` (hex) as 32 bytes."""
        return hash_or_text(getattr(self, field), getattr(self, f"{field}_hash"), field)


class DataSubject(Strict):
    """A citizen or enterprise; reaches the chain only as a keyed hash."""

    id_type: str = Field(min_length=1, max_length=32, examples=["resident_id"])
    id_value: str = Field(min_length=1, max_length=128, examples=["110105199001011234"])


# -- answers -------------------------------------------------------------------------------------------------
class Answer(BaseModel):
    """A response body: the declared fields are typed; answers may carry more (shapes vary by
    path, e.g. a replayed write), and those extra fields are passed through unchanged."""

    model_config = ConfigDict(extra="allow")


class TxAnswer(Answer):
    """The answer of a chain write: the mined transaction (``replayed`` when the
    Idempotency-Key had already been used for the same request)."""

    tx_hash: str | None = Field(default=None, description="0x-hex transaction hash")
    block_number: int | None = None
    replayed: bool | None = None


ItemT = TypeVar("ItemT")


class Page(Answer, Generic[ItemT]):
    """One page of a list, newest first unless said otherwise; a list answer is
    ``class XAnswer(Page[XItem])``."""

    items: list[ItemT] | None = None
    total: int | None = Field(default=None, description="items in the whole list")
    offset: int | None = None
    limit: int | None = None
    indexed_to_block: int | None = Field(
        default=None, description="the block the index had read up to (when from the index)"
    )


class TxRef(Answer):
    """Where something was written: a mined transaction."""

    tx_hash: str | None = None
    block_number: int | None = None


class ModelRouter(APIRouter):
    """A router whose answers are checked against their ``response_model`` but sent as
    the service built them: fields a model declares and the answer lacks are not added
    (``response_model_exclude_unset``), extra fields pass through. With ``writes`` (the
    default) every POST also documents the 202 answer of a transaction not mined in time."""

    def __init__(self, *args: Any, writes: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.writes = writes

    def add_api_route(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        kwargs["response_model_exclude_unset"] = True
        if self.writes and "POST" in (kwargs.get("methods") or ()):  # a chain write may answer 202 (not mined in time)
            responses = dict(kwargs.get("responses") or {})
            responses.setdefault(202, error_responses(202)[202])
            kwargs["responses"] = responses
        super().add_api_route(path, endpoint, **kwargs)


# -- errors ----------------------------------------------------------------------------------------------------
class ErrorBody(BaseModel):
    """Every refusal: the error's name (a contract's custom error, or the service's own
    check) and its decoded arguments."""

    error: str = Field(examples=["UsageRightsNotOwner"])
    args: dict[str, Any] = Field(default_factory=dict)
    incident: dict[str, Any] | None = Field(
        default=None, description="TamperDetected/DocumentMissing: the TAMPER incident filed"
    )


class ValidationErrorBody(ErrorBody):
    """422 for a request that does not match its schema (``error`` is ``ValidationError``)."""

    detail: list[dict[str, JsonValue]] | None = None


class PendingBody(BaseModel):
    """202: the transaction is broadcast but not mined yet; repeat with the same Idempotency-Key."""

    status: Literal["pending"]
    tx_hash: str
    idempotency_key: str


_ERROR_TEXT = {
    202: "pending: the transaction is broadcast, not mined yet (repeat with the same Idempotency-Key)",
    401: "no or an unknown bearer token",
    403: "the caller may not do this (role, ownership, or a contract's authorization error)",
    404: "no such object (e.g. a contract's Unknown… error)",
    409: "the object's state refuses the request (a contract's state error, tamper detected, key reused)",
    422: "invalid input (schema validation, or a contract's Invalid/Empty/Zero… error)",
    503: "the chain node is unreachable or refused the transaction (Retry-After)",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a router: the error bodies (and 202 pending) it may answer."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        model: type[BaseModel] = PendingBody if code == 202 else ValidationErrorBody if code == 422 else ErrorBody
        out[code] = {"model": model, "description": _ERROR_TEXT[code]}
    return out


class Party(Answer):
    """A chain account with its display name (a department's consortium name)."""

    address: str
    name: str | None = None


API_ERRORS = error_responses(401, 403, 404, 409, 422, 503)  # every router's refusals
