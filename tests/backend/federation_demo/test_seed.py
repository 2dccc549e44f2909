"""The demo seeded through the federation's nodes (backend/ops/federation_demo.py): every
action by the acting party's own node (the house transfer's evidence pulled peer to peer); the chain
shows who did what; a re-run is a no-op."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak
from federation_testkit import quiet, running_federation
from sqlalchemy import create_engine, select

from backend.core.config import DEV_SECRET
from backend.core.identity import subject_hash
from backend.federation.models import PeerRelease
from backend.ops import federation, federation_demo, roster
from backend.ops.demo import CITIZEN, NEIGHBOUR, SELLER

MEMBERS = [roster.DEPLOYER, *(roster.by_key(k) for k in federation_demo.NEEDED)]
NETWORK = "fedemo"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[tuple[federation.Federation, Any, dict[str, Any]]]:
    with running_federation(tmp_path_factory.mktemp("fdemo"), NETWORK, MEMBERS) as (f, w3, _manifest):
        yield f, w3, federation_demo.seed(f, log=quiet)


def _contract(f: federation.Federation, w3: Any, name: str) -> Any:
    manifest = f.nodes["deployer"].data_dir / "deployments" / f"{NETWORK}.json"
    return federation.manifest_contract(w3, manifest, name)


def _addr(f: federation.Federation, key: str) -> str:
    return f.nodes[key].config.address


def _nonces(f: federation.Federation, w3: Any) -> dict[str, int]:
    return {k: w3.eth.get_transaction_count(n.config.address) for k, n in f.nodes.items()}


def test_each_dataset_was_registered_by_its_owners_node(world) -> None:
    f, w3, summary = world
    assert summary["resources"] == {
        "household_registration": 1,
        "marriage_records": 2,
        "tax_clearance": 3,
        "business_licences": 4,
        "property_records": 5,
    }
    catalog = _contract(f, w3, "DataCatalog")
    owners = {name: owner for name, owner, *_ in federation_demo.CATALOG}
    for name, rid in summary["resources"].items():
        assert catalog.functions.ownerOf(rid).call() == _addr(f, owners[name])


def test_each_grant_went_to_the_asking_department_and_was_used_once_about_its_citizen(world) -> None:
    f, w3, summary = world
    usage = _contract(f, w3, "UsageRights")
    expected = {  # flow: (grantee, subject, revoked)
        "tax_on_property_records": ("dept-tax", SELLER, False),
        "bank_on_tax_clearance": ("dept-bank", CITIZEN, False),
        "notary_on_marriage_records": ("dept-notary", NEIGHBOUR, True),
        "samr_on_household_registration": ("dept-samr", CITIZEN, False),
    }
    uses = usage.events.UseRecorded().get_logs(from_block=0)
    assert len(uses) == 4 + 2  # the four flows, the house transfer's two evidence items
    for name, (grantee, person, revoked) in expected.items():
        gid = summary["grants"][name]
        _res, g_grantee, _purpose, _issued, _expires, _max, used, g_revoked = usage.functions.grant(gid).call()
        assert (g_grantee, used, g_revoked) == (_addr(f, grantee), 1, revoked), name
        mine = [e["args"] for e in uses if e["args"]["grantId"] == gid]
        assert len(mine) == 1 and mine[0]["user"] == _addr(f, grantee)
        assert mine[0]["useIndex"] == summary["uses"][name]
        assert mine[0]["subjectHash"] == subject_hash(DEV_SECRET, person["id_type"], person["id_value"])
    revoked = usage.events.GrantRevoked().get_logs(from_block=0)
    assert [e["args"]["grantId"] for e in revoked] == [summary["revoked_grant"]]
    assert summary["revoked_grant"] == summary["grants"]["notary_on_marriage_records"]


def test_the_sensitive_grant_was_voted_by_two_governors_each_on_its_own_node(world) -> None:
    f, w3, summary = world
    consortium = _contract(f, w3, "Consortium")
    pid = summary["council"]["proposal_id"]
    votes = [
        e["args"]["governor"]
        for e in consortium.events.ProposalApproved().get_logs(from_block=0)
        if e["args"]["proposalId"] == pid
    ]
    assert votes == [_addr(f, "gov-bdb"), _addr(f, "gov-gov")]
    assert summary["council"]["voted_by"] == ["gov-bdb", "gov-gov"]
    executed = {e["args"]["proposalId"] for e in consortium.events.ProposalExecuted().get_logs(from_block=0)}
    assert pid in executed


def test_the_incident_was_filed_by_tax_and_answered_by_nr(world) -> None:
    f, w3, summary = world
    acc = _contract(f, w3, "Accountability")
    filed = acc.events.IncidentFiled().get_logs(from_block=0)
    assert [(e["args"]["incidentId"], e["args"]["reporter"]) for e in filed] == [
        (summary["incident_id"], _addr(f, "dept-tax"))
    ]
    responded = acc.events.IncidentResponded().get_logs(from_block=0)
    assert [e["args"]["incidentId"] for e in responded] == [summary["incident_id"]]


def test_the_citizen_sees_the_bank_and_samr_uses_and_the_house_transfers_evidence(world) -> None:
    _, _, summary = world
    view = summary["citizen_uses"]
    assert view["front_desk"] == "dept-psb" and view["uses_total"] == 4
    # the desk's session itself is on the record and in the citizen's own view
    assert view["assisted_sessions"] == [
        {"session_id": view["session_id"], "desk": roster.by_key("dept-psb").name, "this_session": True}
    ]
    got = sorted((u["grant_id"], u["use_index"], u["department"]) for u in view["uses"])
    nr = roster.by_key("dept-nr").name
    evidence = [(e["grant_id"], e["use_index"], nr) for e in summary["house_transfer"]["evidence"]]
    assert got == sorted(
        [
            (summary["grants"]["bank_on_tax_clearance"], 1, roster.by_key("dept-bank").name),
            (summary["grants"]["samr_on_household_registration"], 1, roster.by_key("dept-samr").name),
            *evidence,
        ]
    )
    assert summary["audit_uses_recorded"] == 6


def _get(f: federation.Federation, key: str, path: str) -> Any:
    n = f.nodes[key]
    r = httpx.get(n.url + path, headers={"Authorization": f"Bearer {n.token}"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def _ledger(f: federation.Federation, key: str) -> list[tuple[int, int, str]]:
    """(grant, use, subject hash) of each release in a node's own ledger (its SQLite database)."""
    engine = create_engine(f"sqlite:///{f.nodes[key].data_dir / 'govchain.db'}")
    try:
        with engine.connect() as c:
            rows = c.execute(select(PeerRelease.grant_id, PeerRelease.use_index, PeerRelease.subject_hash))
            return [(int(g), int(u), s) for g, u, s in rows]
    finally:
        engine.dispose()


def test_the_house_transfer_went_through_the_nodes_to_a_verifiable_certificate(world) -> None:
    f, w3, summary = world
    house = summary["house_transfer"]
    case = _get(f, "dept-nr", f"/cases/{house['case_id']}")
    assert (case["status"], case["front_desk"]["address"]) == ("Approved", _addr(f, "dept-nr"))
    assert [s["status"] for s in case["steps"]] == ["Approved", "Approved", "Approved"]
    assert (case["evidence"]["required"], case["evidence"]["pulled"]) == (2, 2)
    citizen = subject_hash(DEV_SECRET, CITIZEN["id_type"], CITIZEN["id_value"])
    usage = _contract(f, w3, "UsageRights")
    sources = {
        0: ("dept-tax", house["standing_grants"]["tax_clearance"]),
        1: ("dept-ca", house["standing_grants"]["marriage_records"]),
    }
    for item in case["evidence"]["items"]:
        owner, grant_id = sources[item["requirement_index"]]
        assert (item["status"], item["source"]["address"]) == ("attached", _addr(f, owner))
        assert (item["grant_id"], item["use_index"]) == (grant_id, 1)
        # the standing grant went to NR through a request; the one use is NR's, about the applicant, in the case
        _res, grantee, *_rest, used, revoked = usage.functions.grant(grant_id).call()
        assert (grantee, used, revoked) == (_addr(f, "dept-nr"), 1, False)
        (use,) = [
            e["args"] for e in usage.events.UseRecorded().get_logs(from_block=0) if e["args"]["grantId"] == grant_id
        ]
        assert (use["user"], use["subjectHash"], use["contextRef"]) == (
            _addr(f, "dept-nr"),
            citizen,
            bytes.fromhex(case["case_ref"][2:]),
        )
        # released by the owner's node exactly once: one ledger row there, one UseReleased on chain
        mine = [r for r in _ledger(f, owner) if r[0] == grant_id]
        assert mine == [(grant_id, 1, "0x" + citizen.hex())]
        released = [
            e["args"] for e in usage.events.UseReleased().get_logs(from_block=0) if e["args"]["grantId"] == grant_id
        ]
        assert [(r["useIndex"], r["owner"]) for r in released] == [(1, _addr(f, owner))]
    assert house["counts"] == {"documents_submitted": 2, "evidence_pulled": 2, "departments_involved": 3}
    # the certificate verifies by its hash on any node (public); the seller's is revoked
    cert = _get(f, "dept-psb", f"/public/certificates/{house['certificate']['document_hash']}")
    assert (cert["status"], cert["type_code"], cert["cert_id"]) == (
        "valid",
        "PROPERTY_CERT",
        house["certificate"]["cert_id"],
    )
    assert cert["issuer"]["address"] == _addr(f, "dept-nr")
    prior = _get(f, "dept-psb", f"/public/certificates/{house['prior_certificate']['document_hash']}")
    assert (prior["status"], prior["revoked_by"], prior["revocation_reason"]) == ("revoked", "registry", "superseded")
    # the seller consented in an assisted session at PSB's desk (not the registrar's), recorded with the transfer
    seller = subject_hash(DEV_SECRET, SELLER["id_type"], SELLER["id_value"])
    sessions = _contract(f, w3, "AssistedSessions")
    session_id = house["seller_consent"]["assisted_session_id"]
    psb = _addr(f, "dept-psb")
    assert sessions.functions.bindingOf(session_id).call() == keccak(abi_encode(["address", "bytes32"], [psb, seller]))
    consents = [
        e["args"] for e in _contract(f, w3, "PropertyRegistry").events.SellerConsentRecorded().get_logs(from_block=0)
    ]
    assert [(c["unitId"], c["assistedSessionId"], c["consentDesk"]) for c in consents] == [
        (house["unit_id"], session_id, psb)
    ]
    # the title moved to the applicant under this case
    registry = _contract(f, w3, "PropertyRegistry")
    moved = [e["args"] for e in registry.events.TitleTransferred().get_logs(from_block=0)]
    assert [(m["unitId"], m["newOwnerHash"], m["entryId"]) for m in moved] == [
        (house["unit_id"], citizen, house["title_entry_id"])
    ]
    # the form stayed on NR's node: TAX's node (a deciding department) says where it is
    n = f.nodes["dept-tax"]
    r = httpx.get(f"{n.url}/cases/{house['case_id']}/form", headers={"Authorization": f"Bearer {n.token}"}, timeout=60)
    assert r.status_code == 409 and r.json()["error"] == "CaseFormOnAnotherNode"
    assert r.json()["args"]["held_by"] == _addr(f, "dept-nr")


def test_a_second_run_changes_nothing(world) -> None:
    f, w3, summary = world
    before = _nonces(f, w3)
    again = federation_demo.seed(f, log=quiet)
    assert again["already_seeded"] is True
    assert {k: v for k, v in again.items() if k != "already_seeded"} == {
        k: v for k, v in summary.items() if k != "already_seeded"
    }
    assert _nonces(f, w3) == before


def test_a_run_that_lost_its_marker_converges_without_a_transaction(world) -> None:
    """A crash after the last write and before the marker: the next run replays every step."""
    f, w3, summary = world
    before = _nonces(f, w3)
    (f.base_dir / federation_demo.MARKER).unlink()
    again = federation_demo.seed(f, log=quiet)
    assert again["already_seeded"] is False
    for key in (
        "resources",
        "grants",
        "uses",
        "revoked_grant",
        "council",
        "incident_id",
        "house_transfer",
        "citizen_uses",
    ):
        assert again[key] == summary[key], key
    assert _nonces(f, w3) == before
    assert (
        json.loads((f.base_dir / federation_demo.MARKER).read_text())[summary["deployment"]]["grants"]
        == (summary["grants"])
    )
