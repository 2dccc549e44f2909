"""The one error table (backend.api.errors / backend.chain.errors): every custom
error of the compiled contracts answers the status of its class, and the API and
the console take their status from the same function."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from backend.api.errors import error_response
from backend.chain import ChainUnavailable, ContractRevert, TxRejected
from backend.chain.errors import ChainConfigError, http_status_for
from backend.services.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    TxPending,
    Unauthorized,
)
from backend.store import AccessDenied

ROOT = Path(__file__).resolve().parents[2]


def _abi_errors() -> list[str]:
    names = set()
    for path in sorted((ROOT / "build" / "contracts").glob("*.json")):
        for entry in json.loads(path.read_text()).get("abi", []):
            if entry.get("type") == "error":
                names.add(entry["name"])
    assert names, "no compiled ABIs in build/contracts (run make compile)"
    return sorted(names)


# Exceptions to the name patterns below, each with its reason.
EXPLICIT = {
    "ConsortiumDepartmentNotSuspended": 409,  # reinstating an active department: state, not the caller
    "AccountabilityNotResourceOwner": 403,  # only the owner assigns a steward
    "AccountabilityNotResponsible": 403,  # only the responsible department answers
    "AccountabilityNotPartyToGrant": 403,  # files about a grant only an auditor, its owner or its grantee
    "AccountabilityNoStandingOnResource": 403,  # files about a version only who has standing on it
    "OneStopServicesNotServiceLead": 403,  # only the lead department manages its service
    "OneStopServicesWrongDepartment": 403,  # a step decided by another department
    "ConsortiumDepartmentNotActive": 409,  # the target department's state
    "OneStopServicesOwnResource": 409,
    "UsageRightsOwnUse": 409,
    "ConsortiumCallFailed": 409,
}


def expected_status(name: str) -> int:
    """The intended class of a custom error, from its name."""
    if name in EXPLICIT:
        return EXPLICIT[name]
    if "Status" in name:  # e.g. InvalidRequestStatus: the object is in the wrong state
        return 409
    if re.search(
        r"Not(Governor|Owner|Grantee|Auditor|Council|ActiveDepartment|Reporter|TypeIssuer|Issuer|"
        r"Mortgagee|SeizingCourt)$|MissingRole$",
        name,
    ):
        return 403
    if "Unknown" in name:
        return 404
    if re.search(r"(Zero|Empty|Invalid)[A-Z]", name):
        return 422
    return 409


ABI_ERRORS = _abi_errors()


@pytest.mark.parametrize("name", ABI_ERRORS)
def test_every_custom_error_has_its_class(name):
    status = http_status_for(name)
    assert status in {403, 404, 409, 422}
    assert status == expected_status(name)
    answer = error_response(ContractRevert(name, {"x": 1}))
    assert answer == (status, {"error": name, "args": {"x": 1}}, None)


def test_the_table_covers_every_class():
    classes = {http_status_for(n) for n in ABI_ERRORS}
    assert classes == {403, 404, 409, 422}


@pytest.mark.parametrize(
    ("exc", "status", "error", "headers"),
    [
        (Unauthorized("no token"), 401, "Unauthorized", {"WWW-Authenticate": "Bearer"}),
        (Forbidden("not yours"), 403, "Forbidden", None),
        (NotFound("gone"), 404, "NotFound", None),
        (Conflict("state"), 409, "Conflict", None),
        (InvalidInput("bad"), 422, "InvalidInput", None),
        (TooManyRequests("slow down", retry_after_s=42), 429, "TooManyRequests", {"Retry-After": "42"}),
        (ChainUnavailable("down"), 503, "ChainUnavailable", {"Retry-After": "5"}),
        (ChainConfigError("wrong chain"), 503, "ChainMisconfigured", None),
        (TxRejected("nonce too low", "0xab"), 503, "TxRejected", None),
        (AccessDenied("0x" + "00" * 32, "0x" + "11" * 20), 403, "AccessDenied", None),
    ],
)
def test_service_chain_and_store_errors(exc, status, error, headers):
    got_status, body, got_headers = error_response(exc)
    assert (got_status, body["error"], got_headers) == (status, error, headers)
    assert isinstance(body["args"], dict)


def test_pending_and_unknown():
    assert error_response(TxPending("0xab", "k")) == (
        202,
        {"status": "pending", "tx_hash": "0xab", "idempotency_key": "k"},
        None,
    )
    assert error_response(RuntimeError("bug")) is None


def test_console_uses_the_same_table():
    import inspect

    from backend.web import core

    src = inspect.getsource(core.describe_error)
    assert "error_response(exc)" in src and "http_status" not in src
