"""The demo seed of `govchain up` on a fresh bootstrap (devnet on a free port, 0.2 s blocks):
a finished house-transfer case whose citizen submitted only identity + form, the new
certificate valid through the public endpoint, every evidence pull in the citizen's
access log; and seeding twice is idempotent (also when the marker is lost: the
replayed writes converge to the same objects, no new transaction)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak
from fastapi.testclient import TestClient
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent / "cases"))

from cases_testkit import boot, demo_tokens

from backend.api.main import create_app
from backend.chain.outbox import OutboxTx
from backend.ops.demo import CITIZEN, SELLER, demo_seed_table, seed
from backend.services.common import h0x


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo")
    p = boot(tmp, network="demotest")
    try:
        lines: list[str] = []
        t0 = time.monotonic()
        summary = seed(p.ctx, log=lines.append)
        elapsed = time.monotonic() - t0
        yield p, summary, elapsed, lines
    finally:
        p.close()


def _outbox_rows(ctx) -> int:
    with ctx.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(OutboxTx)))


def test_seed_builds_a_finished_house_transfer(seeded) -> None:
    p, summary, elapsed, lines = seeded
    assert elapsed < 60, f"seed took {elapsed:.1f} s"
    assert summary["already_seeded"] is False
    assert summary["citizen"] == CITIZEN
    assert summary["counts"] == {
        "documents_submitted": 2,
        "evidence_required": 2,
        "evidence_pulled": 2,
        "departments_involved": 4,
    }
    assert set(summary["services"]) == {"house_transfer", "newborn_registration", "business_licence_change"}
    assert set(summary["resources"]) == {
        "household_registration",
        "marriage_records",
        "tax_clearance",
        "business_licences",
        "property_records",
    }
    assert any("finished" in line for line in lines)
    ops = p.ctx.services.ops
    # the catalog and the flows on chain
    assert ops.view("DataCatalog", "classificationOf", summary["resources"]["household_registration"]) == 2
    assert ops.view("UsageRights", "grant", summary["revoked_grant"])["revoked"] is True
    assert ops.view("Accountability", "incident", summary["incident_id"])["status"] == 2  # Responded
    for sid in summary["services"].values():
        assert ops.view("OneStopServices", "service", sid)["status"] == 2  # Active

    tokens = demo_tokens(p.ctx)
    app = create_app(p.ctx)
    with TestClient(app, raise_server_exceptions=False) as http:
        cert = summary["certificate"]
        v = http.get(f"/public/certificates/{cert['document_hash']}").json()
        assert v["status"] == "valid" and v["type_code"] == "PROPERTY_CERT"
        assert v["issuer"]["address"] == p.address("dept-nr")
        prior = http.get(f"/public/certificates/{summary['prior_certificate']['document_hash']}").json()
        # superseded by the transfer itself, which carried the seller's consent given at PSB's desk (not NR's:
        # the registrar cannot vouch for the seller)
        assert (prior["status"], prior["revoked_by"], prior["revocation_reason"]) == (
            "revoked",
            "registry",
            "superseded",
        )
        consent = summary["seller_consent"]
        seller = "0x" + ops.subject(SELLER["id_type"], SELLER["id_value"]).hex()
        psb = p.address("dept-psb")
        assert consent["consent_desk"]["address"] == psb
        binding = keccak(abi_encode(["address", "bytes32"], [psb, bytes.fromhex(seller[2:])]))
        assert str(ops.view("AssistedSessions", "bindingOf", consent["assisted_session_id"])).lower() == h0x(binding)
        ops.fresh()
        recorded = [
            e["args"] for e in ops.history("PropertyRegistry", "SellerConsentRecorded", unitId=summary["unit_id"])
        ]
        assert [(int(e["assistedSessionId"]), str(e["consentHash"]).lower(), e["consentDesk"]) for e in recorded] == [
            (consent["assisted_session_id"], consent["consent_hash"].lower(), psb)
        ]

        r = http.post(
            "/citizens/session",
            json={**CITIZEN, "reason": "demo: the citizen at the PSB desk"},
            headers={"Authorization": f"Bearer {tokens['dept-psb']}"},
        )
        assert r.status_code == 201, r.text
        me = {"Authorization": f"Bearer {r.json()['token']}"}
        mine = http.get("/citizens/me/cases", headers=me).json()
        hc = summary["cases"]["house_transfer"]
        case = next(c for c in mine["items"] if c["case_id"] == hc)
        assert case["status"] == "Approved"
        assert case["documents_submitted"]["count"] == 2
        assert case["evidence"]["pulled"] == case["evidence"]["required"] == 2
        assert [s["status"] for s in case["steps"]] == ["Approved"] * 3
        assert case["certificate"]["document_hash"] == cert["document_hash"]
        assert case["certificate"]["status"] == "valid"
        assert case["front_desk"]["address"] == p.address("dept-psb")
        newborn = next(c for c in mine["items"] if c["case_id"] == summary["cases"]["newborn_registration"])
        assert newborn["status"] == "Open" and newborn["evidence"]["pulled"] == 1

        # the citizen downloads the certificate document and a notary verifies it by upload
        doc = http.get(f"/citizens/me/cases/{hc}/certificate", headers=me).json()
        verified = http.post(
            "/public/certificates/verify",
            files={"document": ("cert.json", doc["document_text"].encode(), "application/json")},
        ).json()
        assert verified["status"] == "valid" and verified["cert_id"] == cert["cert_id"]

        # every evidence pull is in the citizen's access log, with the case's reference
        links = ops.view("OneStopServices", "evidenceLinks", hc)
        case_ref = ops.view("OneStopServices", "caseRef", hc)
        pulls = {(int(x["grantId"]), int(x["useIndex"])) for x in links}
        assert len(pulls) == 2 and all(g for g, _ in pulls)
        uses = http.get("/citizens/me/uses", headers=me, params={"limit": 100}).json()
        logged = {(u["grant_id"], u["use_index"]): u for u in uses["items"]}
        assert pulls <= set(logged)
        assert all(logged[x]["context_ref"] == case_ref for x in pulls)
        assert all(logged[x]["department"]["address"] == p.address("dept-nr") for x in pulls)
        # the bank's fetch about the same citizen is in the log too (outside any case)
        assert any(u["department"]["address"] == p.address("dept-bank") for u in uses["items"])


def test_seed_twice_is_idempotent(seeded) -> None:
    p, summary, _elapsed, _lines = seeded
    ops = p.ctx.services.ops
    cases_before = ops.view("OneStopServices", "caseCount")
    rows_before = _outbox_rows(p.ctx)
    t0 = time.monotonic()
    again = seed(p.ctx, log=lambda _m: None)
    assert time.monotonic() - t0 < 10
    assert again["already_seeded"] is True
    assert {k: v for k, v in again.items() if k not in ("already_seeded",)} == {
        k: v for k, v in summary.items() if k not in ("already_seeded",)
    }
    assert ops.view("OneStopServices", "caseCount") == cases_before
    assert _outbox_rows(p.ctx) == rows_before

    # a lost marker (or a run interrupted half-way): the replayed writes converge, nothing is duplicated
    with p.ctx.engine.begin() as conn:
        conn.execute(demo_seed_table.delete())
    head = p.w3.eth.block_number
    third = seed(p.ctx, log=lambda _m: None)
    assert third["already_seeded"] is False
    for key in ("resources", "services", "grants", "cases", "certificate", "unit_id", "incident_id", "counts"):
        assert third[key] == summary[key], key
    assert ops.view("OneStopServices", "caseCount") == cases_before
    assert ops.view("OneStopServices", "serviceCount") == 3
    assert ops.view("DataCatalog", "resourceCount") == 5
    assert _outbox_rows(p.ctx) == rows_before
    # no transaction of ours was mined since
    ours = {p.address(k) for k in p.ctx.keystore.names()}
    for n in range(head + 1, p.w3.eth.block_number + 1):
        for tx in p.w3.eth.get_block(n, full_transactions=True)["transactions"]:
            assert tx["from"] not in ours
