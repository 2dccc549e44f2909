"""Admission proposed by one governor and approved by another, over the API: the
path a department's node takes into the consortium (it sends only its address)."""

from __future__ import annotations

import pytest
from api_world import System
from eth_account import Account


def _admit_body(address: str, **extra: str) -> dict[str, str]:
    return {"address": address, "code": "NEWDEPT", "name": "新部门 / New Department", "region": "110000", **extra}


def test_one_governor_proposes_another_approves_and_the_department_is_active(system: System) -> None:
    new = Account.create().address
    r = system.http.post("/council/departments", json=_admit_body(new), headers=system.h("gov-1"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["address"] == new and body["executed"] is False
    assert body["approve_with"] == f"/council/proposals/{body['proposal_id']}/approve"
    consortium = system.contract("Consortium")
    assert consortium.functions.isActiveDepartment(new).call() is False  # one governor is not the council
    a = system.http.post(body["approve_with"], headers=system.h("gov-2"))
    assert a.status_code == 200, a.text
    assert a.json()["executed"] is True
    assert consortium.functions.isActiveDepartment(new).call() is True
    dept = consortium.functions.department(new).call()
    assert dept[1].rstrip(b"\0") == b"NEWDEPT" and dept[3].rstrip(b"\0") == b"110000"
    again = system.http.post("/council/departments", json=_admit_body(new), headers=system.h("gov-3"))
    assert again.status_code == 409, again.text
    assert again.json()["error"] == "Conflict"


def test_appointing_an_auditor_takes_two_governors(system: System) -> None:
    new = Account.create().address
    r = system.http.post("/council/auditors", json={"address": new}, headers=system.h("gov-2"))
    assert r.status_code == 201, r.text
    consortium = system.contract("Consortium")
    assert consortium.functions.isAuditor(new).call() is False
    a = system.http.post(r.json()["approve_with"], headers=system.h("gov-3"))
    assert a.status_code == 200 and a.json()["executed"] is True
    assert consortium.functions.isAuditor(new).call() is True


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("address", "0x" + "zz" * 20),
        ("code", "lower case"),
        ("region", "11000A"),
    ],
    ids=["address-not-hex", "code-not-upper", "region-not-digits"],
)
def test_bad_admission_input_is_a_clear_422(system: System, field: str, value: str) -> None:
    body = _admit_body(Account.create().address) | {field: value}
    r = system.http.post("/council/departments", json=body, headers=system.h("gov-1"))
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "InvalidInput"
    assert r.json()["args"]["field"] == field


def test_a_department_cannot_propose_admission(system: System) -> None:
    r = system.http.post("/council/departments", json=_admit_body(Account.create().address), headers=system.h("dept-a"))
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "Forbidden"


def test_usage_rights_is_told_of_standing_and_registering_it_again_is_409(system: System) -> None:
    """The deployment registers UsageRights as the Consortium's standing listener (recordUse then
    checks standing from its own copy); a second registration is refused before any proposal."""
    consortium, rights = system.contract("Consortium"), system.contract("UsageRights").address
    assert consortium.functions.standingListeners().call() == [rights]
    count = consortium.functions.proposalCount().call()
    r = system.http.post("/council/standing-listeners", json={"address": rights}, headers=system.h("gov-1"))
    assert (r.status_code, r.json()) == (
        409,
        {"error": "Conflict", "args": {"reason": "already a standing listener", "address": rights}},
    )
    r = system.http.post("/council/standing-listeners", json={"address": rights}, headers=system.h("dept-a"))
    assert (r.status_code, r.json()["error"]) == (403, "Forbidden")
    for other in (Account.create().address, system.contract("DataCatalog").address):  # not the product's listener
        r = system.http.post("/council/standing-listeners", json={"address": other}, headers=system.h("gov-1"))
        assert (r.status_code, r.json()["args"]) == (
            422,
            {
                "reason": f"only this deployment's UsageRights ({rights}) is registered as a listener",
                "field": "address",
            },
        )
    assert consortium.functions.proposalCount().call() == count
