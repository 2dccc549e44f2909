"""E-certificates through the API on the real chain: council type, issue, revoke,
public verification (no token) for every status, and refusals by the wrong party."""

from __future__ import annotations

import base64
import os

from citizen_testkit import CITIZEN_A, CITIZEN_B, PROPERTY_CERT, World
from eth_utils import keccak


def _doc() -> bytes:
    return b"%PDF-1.7 property certificate " + os.urandom(16)


def _issue(world: World, doc: bytes, person=CITIZEN_A, who: str = "nr", **extra):
    body = {"type_code": PROPERTY_CERT, "document_base64": base64.b64encode(doc).decode(), "holder": person, **extra}
    return world.http.post("/certificates", json=body, headers=world.h(who))


def test_council_registered_the_type(world: World) -> None:
    r = world.http.get(f"/certificates/types/{PROPERTY_CERT}", headers=world.h("bank"))
    assert r.status_code == 200, r.text
    assert r.json()["issuer"] == {"address": world.addr["nr"], "name": "自然资源局 / Natural Resources"}
    ev = world.contract("Certificates").events.CertificateTypeRegistered().get_logs(from_block=0)
    assert [e["args"]["issuer"] for e in ev] == [world.addr["nr"]]
    # registering it again is refused before any proposal; a department cannot propose at all
    body = {"type_code": PROPERTY_CERT, "issuer": world.addr["nr"], "default_validity_s": 1, "justification": "x"}
    r = world.http.post("/certificates/types", json=body, headers=world.h("gov-1"))
    assert r.status_code == 409 and r.json()["args"]["type_code"] == PROPERTY_CERT
    r = world.http.post("/certificates/types", json=body, headers=world.h("nr"))
    assert r.status_code == 403


def test_issue_and_public_verify_without_token(world: World) -> None:
    doc = _doc()
    r = _issue(world, doc, case_ref="case-2024-0001")
    assert r.status_code == 201, r.text
    cert = r.json()
    doc_hash = "0x" + keccak(doc).hex()
    assert cert["document_hash"] == doc_hash
    assert cert["holder_hash"] == world.subject(CITIZEN_A)
    assert cert["case_ref"] == "0x" + keccak(b"case-2024-0001").hex()
    ev = (
        world.contract("Certificates")
        .events.CertificateIssued()
        .get_logs(from_block=0, argument_filters={"certId": cert["cert_id"]})
    )
    assert len(ev) == 1 and "0x" + ev[0]["args"]["holderHash"].hex() == world.subject(CITIZEN_A)

    # multipart upload, no token at all
    r = world.http.post("/public/certificates/verify", files={"document": ("cert.pdf", doc, "application/pdf")})
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["status"] == "valid"
    assert v["issuer"] == {"address": world.addr["nr"], "name": "自然资源局 / Natural Resources"}
    assert v["type_code"] == PROPERTY_CERT and v["cert_id"] == cert["cert_id"]
    assert v["issued_at"] > 0 and v["valid_from"] <= v["issued_at"] < v["valid_until"]
    assert "holder_hash" not in v  # public answers never link holders
    # JSON by hash, and GET by hash
    assert world.http.post("/public/certificates/verify", json={"document_hash": doc_hash}).json() == v
    assert world.http.get(f"/public/certificates/{doc_hash}").json() == v


def test_verify_unknown_and_malformed(world: World) -> None:
    unknown = "0x" + keccak(b"never issued").hex()
    r = world.http.get(f"/public/certificates/{unknown}")
    assert r.status_code == 200 and r.json()["status"] == "unknown" and r.json()["issuer"] is None
    r = world.http.post("/public/certificates/verify", files={"document": ("x.pdf", b"forged", "application/pdf")})
    assert r.status_code == 200 and r.json()["status"] == "unknown"
    assert world.http.post("/public/certificates/verify", json={"document_hash": "0x12"}).status_code == 422
    assert (
        world.http.post(
            "/public/certificates/verify", content=b"{", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )
    assert (
        world.http.post(
            "/public/certificates/verify", content=b"abc", headers={"content-type": "text/plain"}
        ).status_code
        == 422
    )
    assert world.http.post("/public/certificates/verify", files={"other": ("x", b"1")}).status_code == 422
    assert world.http.get("/public/certificates/0xnothex").status_code == 422


def test_wrong_department_cannot_issue_or_revoke(world: World) -> None:
    r = _issue(world, _doc(), who="bank")
    assert r.status_code == 403, r.text
    assert r.json() == {
        "error": "CertificatesNotTypeIssuer",
        "args": {"typeCode": "0x" + PROPERTY_CERT.encode().ljust(32, b"\0").hex(), "account": world.addr["bank"]},
    }
    cert = _issue(world, _doc()).json()
    r = world.http.post(f"/certificates/{cert['cert_id']}/revoke", json={"reason": "x"}, headers=world.h("court"))
    assert r.status_code == 403
    assert r.json() == {
        "error": "CertificatesNotIssuer",
        "args": {"certId": cert["cert_id"], "account": world.addr["court"]},
    }
    # and the holder hash is only for the issuer / auditors
    assert world.http.get(f"/certificates/{cert['cert_id']}", headers=world.h("court")).status_code == 403
    r = world.http.get(f"/certificates/{cert['cert_id']}", headers=world.h("auditor"))
    assert r.status_code == 200 and r.json()["holder_hash"] == world.subject(CITIZEN_A)
    r = world.http.post("/certificates/99999/revoke", json={"reason": "x"}, headers=world.h("nr"))
    assert r.status_code == 404 and r.json()["error"] == "CertificatesUnknownCertificate"


def test_revoked_certificate_verifies_revoked(world: World) -> None:
    doc = _doc()
    cert = _issue(world, doc).json()
    r = world.http.post(
        f"/certificates/{cert['cert_id']}/revoke", json={"reason": "issued in error"}, headers=world.h("nr")
    )
    assert r.status_code == 200, r.text
    ev = (
        world.contract("Certificates")
        .events.CertificateRevoked()
        .get_logs(from_block=0, argument_filters={"certId": cert["cert_id"]})
    )
    assert "0x" + ev[0]["args"]["reasonHash"].hex() == "0x" + keccak(b"issued in error").hex()
    v = world.http.get(f"/public/certificates/{cert['document_hash']}").json()
    assert v["status"] == "revoked" and v["revoked_at"] > 0
    assert (v["revoked_by"], v["revocation_reason"]) == ("issuer", "issuer_decision")
    r = world.http.post(f"/certificates/{cert['cert_id']}/revoke", json={"reason": "again"}, headers=world.h("nr"))
    assert r.status_code == 409 and r.json()["error"] == "CertificatesAlreadyRevoked"
    # nor can the council revoke it a second time (refused before any proposal)
    body = {"reason": "fraud", "decision": "council decision 2026-12"}
    r = world.http.post(f"/council/certificates/{cert['cert_id']}/revocation", json=body, headers=world.h("gov-1"))
    assert (r.status_code, r.json()["error"]) == (409, "Conflict")


def _verify_page(world: World, document_hash: str) -> str:
    import re

    from fastapi.testclient import TestClient

    with TestClient(world.http.app, raise_server_exceptions=False) as browser:
        browser.cookies.set("gc_lang", "en")
        page = browser.get("/console/verify")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf, page.text[:300]
        r = browser.post("/console/verify", data={"csrf": csrf.group(1), "document_hash": document_hash})
        assert r.status_code == 200, r.text
        return r.text


def test_the_council_revokes_any_certificate_and_verification_says_so(world: World) -> None:
    """A compromised or suspended issuer cannot revoke its certificates itself: the council can
    (k-of-n, from the governors' own tokens), and public verification shows who revoked and why."""
    cert = _issue(world, _doc()).json()
    body = {"reason": "issuer_compromised", "decision": "Council decision 2026-41: the issuer's key leaked"}
    proposal = world.council(f"/council/certificates/{cert['cert_id']}/revocation", body)
    assert (proposal["cert_id"], proposal["reason"], proposal["issuer"]) == (
        cert["cert_id"],
        "issuer_compromised",
        world.addr["nr"],
    )
    assert proposal["decision_hash"] == "0x" + keccak(body["decision"].encode()).hex()
    ev = (
        world.contract("Certificates")
        .events.CertificateRevokedByCouncil()
        .get_logs(from_block=0, argument_filters={"certId": cert["cert_id"]})
    )
    assert [(e["args"]["issuer"], e["args"]["reason"]) for e in ev] == [(world.addr["nr"], 2)]  # IssuerCompromised
    v = world.http.get(f"/public/certificates/{cert['document_hash']}").json()
    assert (v["status"], v["revoked_by"], v["revocation_reason"]) == ("revoked", "council", "issuer_compromised")
    page = _verify_page(world, cert["document_hash"])
    assert "the council (a k-of-n decision) · the issuer&#39;s key or system was compromised" in page


def test_council_revocation_refusals(world: World) -> None:
    cert = _issue(world, _doc()).json()
    url = f"/council/certificates/{cert['cert_id']}/revocation"
    good = {"reason": "fraud", "decision": "Council decision 2026-42"}
    r = world.http.post(url, json=good, headers=world.h("nr"))  # a department, even the issuer, is no council
    assert (r.status_code, r.json()["error"]) == (403, "Forbidden")
    r = world.http.post(url, json={**good, "reason": "issuer_decision"}, headers=world.h("gov-1"))
    assert (r.status_code, r.json()["error"], r.json()["detail"][0]["loc"]) == (
        422,
        "ValidationError",
        ["body", "reason"],
    )
    r = world.http.post(url, json={**good, "decision": " "}, headers=world.h("gov-1"))
    assert (r.status_code, r.json()["args"]) == (422, {"reason": "the decision must not be empty", "field": "decision"})
    r = world.http.post("/council/certificates/99999/revocation", json=good, headers=world.h("gov-1"))
    assert (r.status_code, r.json()["error"]) == (404, "CertificatesUnknownCertificate")
    assert world.http.get(f"/public/certificates/{cert['document_hash']}").json()["status"] == "valid"


def test_not_yet_valid_and_expired(world: World) -> None:
    now = world.chain_time()
    future = _issue(world, _doc(), valid_from=now + 10**6).json()
    short = _issue(world, _doc(), valid_until=now + 8)
    assert short.status_code == 201, short.text
    short = short.json()
    assert world.http.get(f"/public/certificates/{future['document_hash']}").json()["status"] == "not_yet_valid"
    assert world.http.get(f"/public/certificates/{short['document_hash']}").json()["status"] == "valid"
    world.w3.provider.make_request("evm_increaseTime", [60])
    world.w3.provider.make_request("evm_mine", [])
    v = world.http.get(f"/public/certificates/{short['document_hash']}").json()
    assert v["status"] == "expired" and v["valid_until"] == now + 8
    # an already-over window is refused by the contract with its arguments
    r = _issue(world, _doc(), valid_from=now - 100, valid_until=now - 50)
    assert r.status_code == 422 and r.json() == {
        "error": "CertificatesInvalidValidity",
        "args": {"validFrom": now - 100, "validUntil": now - 50},
    }


def test_citizen_lists_own_certificates(world: World) -> None:
    mine = _issue(world, _doc(), person=CITIZEN_B).json()
    token = world.citizen_token(CITIZEN_B)
    r = world.http.get("/citizens/me/certificates", headers=world.bearer(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] >= 1 and body["items"][0]["cert_id"] == mine["cert_id"]
    assert {c["document_hash"] for c in body["items"]} >= {mine["document_hash"]}
    assert all("holder_hash" not in c for c in body["items"])
    # a department token is not a citizen
    assert world.http.get("/citizens/me/certificates", headers=world.h("nr")).status_code == 403
