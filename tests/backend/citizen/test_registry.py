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


def _cert(world: World, person) -> tuple[str, int]:
    """(document hash, certificate id) of a new property certificate NR issues to ``person``."""
    doc = b"property certificate " + os.urandom(16)
    r = world.http.post(
        "/certificates",
        json={"type_code": PROPERTY_CERT, "holder": person, "document_base64": base64.b64encode(doc).decode()},
        headers=world.h("nr"),
    )
    assert r.status_code == 201, r.text
    return r.json()["document_hash"], r.json()["cert_id"]


def _bind(world: World, unit_id: int, cert_id: int, who: str = "nr"):
    return world.http.post(f"/registry/units/{unit_id}/certificate", json={"cert_id": cert_id}, headers=world.h(who))


CONSENT = _k("the seller's signed consent record")


def _session(world: World, person, desk: str = "desk") -> int:
    """A new assisted session for ``person`` opened at ``desk``'s front desk."""
    r = world.http.post("/citizens/session", json={**person, "reason": "sells a flat"}, headers=world.h(desk))
    assert r.status_code == 201, r.text
    return int(r.json()["session_id"])


def _transfer(
    world: World,
    unit_id: int,
    cert: str,
    to=CITIZEN_B,
    who: str = "nr",
    consent: str = CONSENT,
    session=None,
    seller=CITIZEN_A,
    desk: str = "desk",
):
    """A transfer with the seller's consent given in ``session`` (default: a new one for ``seller``) at ``desk``."""
    body = {
        "new_owner": to,
        "evidence": "sale contract + tax clearance",
        "prior_certificate_hash": cert,
        "case_ref": "case-transfer-" + uuid.uuid4().hex[:8],
        "seller_consent_hash": consent,
        "assisted_session_id": _session(world, seller, desk) if session is None else session,
        "consent_desk": world.addr[desk],
    }
    return world.http.post(f"/registry/units/{unit_id}/transfers", json=body, headers=world.h(who))


def _owned_unit(world: World, owner=CITIZEN_A) -> tuple[int, str, int]:
    """A unit first registered to ``owner`` with its certificate bound: (unit id, document hash, cert id)."""
    r = _unit(world)
    assert r.status_code == 201, r.text
    unit_id = r.json()["unit_id"]
    r = world.http.post(
        f"/registry/units/{unit_id}/ownership",
        json={"owner": owner, "evidence": "construction completion", "case_ref": "case-first-" + uuid.uuid4().hex},
        headers=world.h("nr"),
    )
    assert r.status_code == 201, r.text
    doc, cert_id = _cert(world, owner)
    assert _bind(world, unit_id, cert_id).status_code == 201
    return unit_id, doc, cert_id


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
    cert_a, cert_a_id = _cert(world, CITIZEN_A)
    # issued but not yet bound to the title: the title cannot move
    r = _transfer(world, unit_id, cert_a)
    assert r.status_code == 409
    assert r.json() == {
        "error": "PropertyRegistryNoCurrentCertificate",
        "args": {"unitId": unit_id, "entryId": first["entry_id"]},
    }
    r = _bind(world, unit_id, cert_a_id)
    assert r.status_code == 201, r.text
    bound = r.json()
    assert (bound["unit_id"], bound["entry_id"], bound["cert_id"]) == (unit_id, first["entry_id"], cert_a_id)
    assert bound["registrar"]["address"] == world.addr["nr"] and bound["tx_hash"].startswith("0x")

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

    # someone else's certificate or a document never issued: the contract refuses, nothing moves
    other, other_id = _cert(world, CITIZEN_C)
    r = _transfer(world, unit_id, other)
    assert r.status_code == 409
    assert r.json() == {
        "error": "PropertyRegistryNotCurrentCertificate",
        "args": {"unitId": unit_id, "presentedCertId": other_id, "currentCertId": cert_a_id},
    }
    r = _transfer(world, unit_id, _k("no such certificate"))
    assert r.status_code == 409
    assert r.json()["args"] == {"unitId": unit_id, "presentedCertId": 0, "currentCertId": cert_a_id}
    # no consent of the seller
    r = _transfer(world, unit_id, cert_a, consent="0x" + "00" * 32)
    assert r.status_code == 422 and r.json() == {"error": "PropertyRegistryEmptyConsent", "args": {}}

    before = world.contract("PropertyRegistry").functions.titleEntryCount().call()
    r = _transfer(world, unit_id, cert_a)
    assert r.status_code == 201, r.text
    moved = r.json()
    assert moved["previous_entry_id"] == first["entry_id"] and moved["carried_mortgages"] == 1
    assert moved["seller_consent_hash"] == CONSENT and moved["consent_desk"]["address"] == world.addr["desk"]
    # the seller's certificate was superseded by the transfer itself
    v = world.http.get(f"/public/certificates/{cert_a}").json()
    assert (v["status"], v["revoked_by"], v["revocation_reason"]) == ("revoked", "registry", "superseded")
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
    assert chain[0]["certificate_id"] == cert_a_id and chain[1]["certificate_id"] is None
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


def test_direct_transfer_needs_the_current_certificate_and_supersedes_it(world: World) -> None:
    """A registrar's direct transfer (no one-stop case): another unit's certificate of the same seller is
    refused; the current one moves the title and is superseded; presented again, it is refused."""
    unit_a, doc_a, cert_a = _owned_unit(world)
    unit_b, doc_b, cert_b = _owned_unit(world)
    r = _transfer(world, unit_b, doc_a)
    assert r.status_code == 409
    assert r.json() == {
        "error": "PropertyRegistryNotCurrentCertificate",
        "args": {"unitId": unit_b, "presentedCertId": cert_a, "currentCertId": cert_b},
    }
    assert world.http.get(f"/public/certificates/{doc_a}").json()["status"] == "valid"
    r = _transfer(world, unit_b, doc_b)
    assert r.status_code == 201, r.text
    assert world.http.get(f"/public/certificates/{doc_b}").json()["status"] == "revoked"
    assert world.http.get(f"/public/certificates/{doc_a}").json()["status"] == "valid"
    # the superseded certificate cannot move the unit again (the buyer's entry has none bound yet)
    r = _transfer(world, unit_b, doc_b, to=CITIZEN_C)
    assert r.status_code == 409
    entry = r.json()["args"]["entryId"]
    assert r.json() == {"error": "PropertyRegistryNoCurrentCertificate", "args": {"unitId": unit_b, "entryId": entry}}
    doc_new, cert_new = _cert(world, CITIZEN_B)
    assert _bind(world, unit_b, cert_new).status_code == 201
    r = _transfer(world, unit_b, doc_b, to=CITIZEN_C)
    assert r.status_code == 409
    assert r.json()["args"] == {"unitId": unit_b, "presentedCertId": cert_b, "currentCertId": cert_new}
    assert unit_a != unit_b and doc_new != doc_b


def test_seller_consent_in_an_assisted_session(world: World) -> None:
    unit_id, doc, _cert_id = _owned_unit(world, CITIZEN_A)
    opened = {who["id_value"]: _session(world, who) for who in (CITIZEN_A, CITIZEN_C)}
    r = _transfer(world, unit_id, doc, session=10**9)
    assert r.status_code == 404
    assert r.json() == {"error": "PropertyRegistryUnknownAssistedSession", "args": {"sessionId": 10**9}}
    other = opened[CITIZEN_C["id_value"]]
    r = _transfer(world, unit_id, doc, session=other)
    assert r.status_code == 409
    assert r.json() == {"error": "PropertyRegistryConsentNotBySeller", "args": {"unitId": unit_id, "sessionId": other}}
    seller = opened[CITIZEN_A["id_value"]]
    r = _transfer(world, unit_id, doc, session=seller)
    assert r.status_code == 201, r.text
    assert r.json()["assisted_session_id"] == seller
    events = (
        world.contract("PropertyRegistry")
        .events.SellerConsentRecorded()
        .get_logs(from_block=0, argument_filters={"unitId": unit_id})
    )
    assert [
        (e["args"]["assistedSessionId"], "0x" + e["args"]["consentHash"].hex(), e["args"]["consentDesk"])
        for e in events
    ] == [(seller, CONSENT, world.addr["desk"])]
    # the session carried this sale: it does not carry another of the seller's units
    other_unit, other_doc, _ = _owned_unit(world, CITIZEN_A)
    r = _transfer(world, other_unit, other_doc, session=seller)
    assert r.status_code == 409
    entry = events[0]["args"]["entryId"]
    assert r.json() == {"error": "PropertyRegistryConsentSessionUsed", "args": {"sessionId": seller, "entryId": entry}}


def test_registrar_alone_cannot_consent_for_the_seller(world: World) -> None:
    """NR (the registrar) opening the seller's session at its own desk does not let it move the title."""
    unit_id, doc, _cert_id = _owned_unit(world, CITIZEN_A)
    own = _session(world, CITIZEN_A, "nr")
    r = _transfer(world, unit_id, doc, session=own, desk="nr")
    assert r.status_code == 409
    assert r.json() == {
        "error": "PropertyRegistryConsentAtRegistrarDesk",
        "args": {"sessionId": own, "desk": world.addr["nr"]},
    }
    # naming another desk for it: the session is bound to the desk that opened it
    body_desk = _transfer(world, unit_id, doc, session=own, desk="desk")
    assert body_desk.status_code == 409
    assert body_desk.json() == {
        "error": "PropertyRegistryConsentNotBySeller",
        "args": {"unitId": unit_id, "sessionId": own},
    }
    # no session at all: the API requires one
    body = {
        "new_owner": CITIZEN_B,
        "evidence": "sale contract",
        "prior_certificate_hash": doc,
        "case_ref": "case-x",
        "seller_consent_hash": CONSENT,
    }
    r = world.http.post(f"/registry/units/{unit_id}/transfers", json=body, headers=world.h("nr"))
    assert r.status_code == 422
    assert world.http.get(f"/public/certificates/{doc}").json()["status"] == "valid"
