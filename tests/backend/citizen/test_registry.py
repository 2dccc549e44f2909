"""The real-estate registry through the API on the real chain: a unit's whole life
(first registration, mortgage, seizure, transfer refusals, transfer, use reports),
wrong-role refusals with the contract's error, and who may read the history."""

from __future__ import annotations

import base64
import os
import uuid

from citizen_testkit import CITIZEN_A, CITIZEN_B, CITIZEN_C, PROPERTY_CERT, World
from eth_utils import keccak

PLANNED_RESIDENTIAL, ACTUAL_COMMERCIAL = 7, 9


def _k(text: str) -> str:
    return "0x" + keccak(text.encode()).hex()


def _unit(world: World, who: str = "nr"):
    body = {
        "parcel_code": "P-" + uuid.uuid4().hex[:12],
        "building_code": "B-3",
        "unit_code": "U-1201",
        "planned_use": PLANNED_RESIDENTIAL,
        "area_m2": 89,
    }
    return world.http.post("/registry/units", json=body, headers=world.h(who))


def _cert(world: World, person) -> str:
    doc = b"property certificate " + os.urandom(16)
    r = world.http.post(
        "/certificates",
        json={"type_code": PROPERTY_CERT, "holder": person, "document_base64": base64.b64encode(doc).decode()},
        headers=world.h("nr"),
    )
    assert r.status_code == 201, r.text
    return r.json()["document_hash"]


def _transfer(world: World, unit_id: int, cert: str, to=CITIZEN_B, who: str = "nr"):
    body = {
        "new_owner": to,
        "evidence": "sale contract + tax clearance",
        "prior_certificate_hash": cert,
        "case_ref": "case-transfer-" + uuid.uuid4().hex[:8],
    }
    return world.http.post(f"/registry/units/{unit_id}/transfers", json=body, headers=world.h(who))


def test_unit_life_with_refusals_and_history(world: World) -> None:
    r = _unit(world)
    assert r.status_code == 201, r.text
    unit_id = r.json()["unit_id"]
    r = world.http.post(
        f"/registry/units/{unit_id}/ownership",
        json={"owner": CITIZEN_A, "evidence": "construction completion", "case_ref": "case-first-1"},
        headers=world.h("nr"),
    )
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["owner_hash"] == world.subject(CITIZEN_A)
    cert_a = _cert(world, CITIZEN_A)

    # bank mortgage → transfer refused while it is outstanding
    r = world.http.post(
        f"/registry/units/{unit_id}/mortgages",
        json={"creditor_ref": "loan-778", "terms": "1,000,000 CNY, 20y"},
        headers=world.h("bank"),
    )
    assert r.status_code == 201, r.text
    mortgage_id = r.json()["mortgage_id"]
    r = _transfer(world, unit_id, cert_a)
    assert r.status_code == 409
    assert r.json() == {
        "error": "PropertyRegistryMortgageOutstanding",
        "args": {"unitId": unit_id, "mortgageId": mortgage_id},
    }
    assert world.http.post(f"/registry/mortgages/{mortgage_id}/consent", headers=world.h("bank")).status_code == 200

    # court seizure → transfer refused with the seizure's id
    r = world.http.post(
        f"/registry/units/{unit_id}/seizures", json={"court_order": "(2024) civil 17"}, headers=world.h("court")
    )
    assert r.status_code == 201, r.text
    seizure_id = r.json()["seizure_id"]
    r = _transfer(world, unit_id, cert_a)
    assert r.status_code == 409
    assert r.json() == {"error": "PropertyRegistryUnitSeized", "args": {"unitId": unit_id, "seizureId": seizure_id}}
    r = world.http.post(
        f"/registry/seizures/{seizure_id}/release", json={"order": "(2024) civil 17-release"}, headers=world.h("court")
    )
    assert r.status_code == 200, r.text

    # a revoked or someone else's certificate is refused before any transaction
    r = _transfer(world, unit_id, _cert(world, CITIZEN_C))
    assert r.status_code == 409 and r.json()["error"] == "PriorCertificateNotCurrentOwner"
    unknown = _k("no such certificate")
    r = _transfer(world, unit_id, unknown)
    assert r.status_code == 409
    assert r.json()["error"] == "PriorCertificateNotValid" and r.json()["args"]["status"] == "unknown"

    before = world.contract("PropertyRegistry").functions.titleEntryCount().call()
    r = _transfer(world, unit_id, cert_a)
    assert r.status_code == 201, r.text
    moved = r.json()
    assert moved["previous_entry_id"] == first["entry_id"] and moved["carried_mortgages"] == 1
    assert world.contract("PropertyRegistry").functions.titleEntryCount().call() == before + 1

    # inspector: actual use differs from the planned use → flagged
    r = world.http.post(
        f"/registry/units/{unit_id}/use-reports",
        json={"actual_use": ACTUAL_COMMERCIAL, "inspection": "inspection 2024-06"},
        headers=world.h("insp"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["mismatch"] is True and r.json()["event"] == "UseMismatchFlagged"
    flagged = (
        world.contract("PropertyRegistry")
        .events.UseMismatchFlagged()
        .get_logs(from_block=0, argument_filters={"unitId": unit_id})
    )
    assert [(e["args"]["plannedUse"], e["args"]["actualUse"]) for e in flagged] == [
        (PLANNED_RESIDENTIAL, ACTUAL_COMMERCIAL)
    ]

    r = world.http.get(f"/registry/units/{unit_id}/history", headers=world.h("nr"))
    assert r.status_code == 200, r.text
    hist = r.json()
    chain = hist["title_chain"]
    assert [e["owner_hash"] for e in chain] == [world.subject(CITIZEN_A), world.subject(CITIZEN_B)]
    assert chain[0]["kind"] == "first_registration" and chain[0]["previous_entry_id"] is None
    assert chain[1]["previous_entry_id"] == chain[0]["entry_id"] and chain[1]["current"] is True
    assert chain[0]["case_ref"] == _k("case-first-1") and chain[0]["evidence_hash"] == _k("construction completion")
    assert chain[1]["prior_certificate_hash"] == cert_a
    assert chain[0]["tx_hash"] == first["tx_hash"] and chain[1]["tx_hash"] == moved["tx_hash"]
    assert hist["current_owner_hash"] == world.subject(CITIZEN_B)
    [m] = hist["mortgages"]
    assert m["mortgage_id"] == mortgage_id and m["bank"]["address"] == world.addr["bank"]
    assert m["status"] == "outstanding" and m["outstanding"] is True  # carried: consent named the old entry
    [s] = hist["seizures"]
    assert (
        s["seizure_id"] == seizure_id
        and s["active"] is False
        and s["release_order_hash"] == _k("(2024) civil 17-release")
    )
    [u] = hist["use_reports"]
    assert u["mismatch"] is True and u["actual_use"] == ACTUAL_COMMERCIAL and u["planned_use"] == PLANNED_RESIDENTIAL
    assert hist["use_mismatch"] is True and hist["transferable"] is False

    # who may read it
    for who in ("bank", "court", "auditor"):
        assert world.http.get(f"/registry/units/{unit_id}/history", headers=world.h(who)).status_code == 200, who
    for who in ("other", "tax", "insp", "gov-1"):
        r = world.http.get(f"/registry/units/{unit_id}/history", headers=world.h(who))
        assert r.status_code == 403 and r.json()["error"] == "Forbidden", who
    for person, status in ((CITIZEN_A, 200), (CITIZEN_B, 200), (CITIZEN_C, 403)):
        r = world.http.get(f"/registry/units/{unit_id}/history", headers=world.bearer(world.citizen_token(person)))
        assert r.status_code == status, person
    r = world.http.get("/registry/units/999999/history", headers=world.h("nr"))
    assert r.status_code == 404 and r.json()["error"] == "PropertyRegistryUnknownUnit"


def test_wrong_department_gets_the_contract_error(world: World) -> None:
    r = _unit(world, who="bank")
    assert r.status_code == 403
    assert r.json() == {"error": "PropertyRegistryMissingRole", "args": {"account": world.addr["bank"], "role": 0}}
    unit_id = _unit(world).json()["unit_id"]
    world.http.post(
        f"/registry/units/{unit_id}/ownership",
        json={"owner": CITIZEN_C, "evidence": "e", "case_ref": "c"},
        headers=world.h("nr"),
    )
    r = world.http.post(f"/registry/units/{unit_id}/seizures", json={"court_order": "o"}, headers=world.h("bank"))
    assert r.status_code == 403 and r.json()["args"] == {"account": world.addr["bank"], "role": 2}
    r = world.http.post(
        f"/registry/units/{unit_id}/use-reports", json={"actual_use": 1, "inspection": "i"}, headers=world.h("nr")
    )
    assert r.status_code == 403 and r.json()["args"] == {"account": world.addr["nr"], "role": 3}
    r = world.http.post(
        f"/registry/units/{unit_id}/mortgages", json={"creditor_ref": "l", "terms": "t"}, headers=world.h("court")
    )
    assert r.status_code == 403 and r.json()["error"] == "PropertyRegistryMissingRole"
    # a mortgage is consented/released only by its own bank; a citizen token writes nothing
    mid = world.http.post(
        f"/registry/units/{unit_id}/mortgages", json={"creditor_ref": "l", "terms": "t"}, headers=world.h("bank")
    ).json()["mortgage_id"]
    r = world.http.post(f"/registry/mortgages/{mid}/release", headers=world.h("court"))
    assert r.status_code == 403 and r.json()["args"] == {"account": world.addr["court"], "role": 1}
    r = world.http.post(
        "/registry/units",
        json={"parcel_code": "p", "planned_use": 1, "area_m2": 1},
        headers=world.bearer(world.citizen_token(CITIZEN_C)),
    )
    assert r.status_code == 403
    # roles are the council's: a department cannot propose, and an unchanged role is refused
    body = {"department": world.addr["other"], "role": "REGISTRAR", "justification": "x"}
    assert world.http.post("/registry/roles", json=body, headers=world.h("nr")).status_code == 403
    body = {"department": world.addr["nr"], "role": "REGISTRAR", "justification": "x"}
    assert world.http.post("/registry/roles", json=body, headers=world.h("gov-1")).status_code == 409
    r = world.http.get(f"/registry/roles/{world.addr['nr']}", headers=world.h("auditor"))
    assert r.json()["roles"] == ["REGISTRAR"]
