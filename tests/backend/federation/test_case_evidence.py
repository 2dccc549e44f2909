"""A one-stop case's evidence pulled peer to peer: the lead's node (dept-b, with its PeerClient
given through the composition) records each use with the applicant and the case's ref, and
the owner's node (dept-a, its own uvicorn) releases that applicant's records only; the form
is read only on the node of the desk that opened the case."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_testkit import CORE
from api_world import build_system
from fed_world import APPROVED, DATASET, OTHER_RESIDENT, RESIDENT, Federation, build_federation
from sqlalchemy import select
from world_testkit import GOVERNORS

from backend.federation.client import PeerClient
from backend.federation.models import PeerRelease, PeerUse
from backend.services.caller import Caller
from backend.services.common import text_hash
from backend.services.usage import fields_hash

LEGAL = "Regulation 7 (one-stop)"


@pytest.fixture(scope="module")
def fed(tmp_path_factory) -> Iterator[Federation]:
    tmp = tmp_path_factory.mktemp("case-evidence")
    with build_system(tmp / "consortium", "fedcase", contracts=(*CORE, "OneStopServices")) as system:
        f = build_federation(tmp / "nodes", system)
        # the composition's one door: each node's cases pull evidence through its own PeerClient
        f.grantee.ctx.use_peer_client(f.client)
        owner_client = PeerClient(f.owner.ctx.ops, f.owner.ctx.sessions, f.directory, f.owner.key, f.owner.address)
        f.owner.ctx.use_peer_client(owner_client)
        try:
            yield f
        finally:
            owner_client.http.close()
            f.close()


def _gov(fed: Federation, i: int) -> Caller:
    return Caller("governor", fed.system.addr[GOVERNORS[i]], officer_id="gov-officer")


@pytest.fixture(scope="module")
def service(fed: Federation) -> dict[str, Any]:
    """Lead dept-b; requirement 0 on dept-a's dataset with a field list (a request-based standing
    grant for exactly it), requirement 1 on the same dataset without one; the step is dept-a's."""
    rid = fed.register(record=DATASET)
    cases = fed.grantee.ctx.services.cases
    sid = int(
        cases.register_service(
            fed.grantee.actor,
            "evidence across nodes",
            None,
            "generic",
            [
                {"resource_id": rid, "purpose_code": 101, "legal_basis": LEGAL, "fields": APPROVED},
                {"resource_id": rid, "purpose_code": 102, "legal_basis": LEGAL},
            ],
            [{"department": fed.owner.address, "stage": 1}],
            3600,
            key=uuid.uuid4().hex,
        )["service_id"]
    )
    council = fed.system.ctx.services  # the consortium's governors (their keys are in the system's ctx)
    pid = council.cases.propose_activation(_gov(fed, 0), sid, "test", key=uuid.uuid4().hex)["proposal_id"]
    council.council.approve_proposal(_gov(fed, 1), int(pid), key=uuid.uuid4().hex)
    req = fed.grantee.ctx.services.usage.request_use(
        fed.grantee.actor, rid, 101, text_hash(LEGAL), fields_hash(APPROVED), 3600, 10, None, key=uuid.uuid4().hex
    )
    gid = fed.owner.ctx.services.usage.approve(
        fed.owner.actor, int(req["request_id"]), text_hash("ok"), key=uuid.uuid4().hex
    )["grant_id"]
    return {"service_id": sid, "resource_id": rid, "grant_id": int(gid)}


def _open(fed: Federation, service: dict[str, Any], person: tuple[str, str]) -> dict[str, Any]:
    return fed.grantee.ctx.services.cases.open_case(
        fed.grantee.actor,
        service["service_id"],
        fed.subject(person),
        {"note": "form held by the lead's node"},
        key=uuid.uuid4().hex,
    )


def _ledger(fed: Federation, grant_id: int) -> list[PeerRelease]:
    with fed.owner.ctx.sessions() as s:
        return list(s.scalars(select(PeerRelease).where(PeerRelease.grant_id == str(grant_id))))


def _uses(fed: Federation, grant_id: int) -> list[dict[str, Any]]:
    return fed.system.events("UsageRights", "UseRecorded", grantId=grant_id)


def test_the_lead_gets_only_the_applicants_records_from_the_owners_node(fed: Federation, service):
    opened = _open(fed, service, RESIDENT)
    cid, gid = int(opened["case_id"]), service["grant_id"]
    pulled = fed.grantee.ctx.services.cases.pull_evidence(fed.grantee.actor, cid, key=uuid.uuid4().hex)

    item, other = pulled["items"]
    assert (item["status"], item["grant_id"], item["use_index"], item["recovered_use"]) == ("attached", gid, 1, False)
    # the applicant's two records (the dataset writes the id two ways), not the other resident's;
    # projected on the approved fields (no identifier, no address)
    assert item["records_released"] == 2
    assert item["record_for_applicant"] == {"name": "张三", "status": "married"}
    assert item["released_by"]["address"] == fed.owner.address
    # requirement 1 names no field list: a peer release cannot ask for it
    assert (other["status"], other["error"], other["http_status"]) == ("failed", "EvidenceFieldsUnknown", 409)
    assert (pulled["evidence_attached"], pulled["complete"]) == (1, False)

    # on chain: one use, about the applicant, in the case's context, attached to the case
    (use,) = _uses(fed, gid)
    assert use["subjectHash"] == fed.subject(RESIDENT)
    assert "0x" + bytes(use["contextRef"]).hex() == opened["case_ref"].lower()
    oss = fed.grantee.ctx.ops.contracts.one_stop_services
    assert oss.case_of_use(gid, 1) == cid
    # the owner's node released that use once, about that subject, one record
    (row,) = _ledger(fed, gid)
    assert (row.use_index, row.subject_hash, row.record_count) == (1, "0x" + fed.subject(RESIDENT).hex(), 2)
    # the lead's node holds the owner-signed receipt; nothing came from its own document store
    with fed.grantee.ctx.sessions() as s:
        noted = s.scalar(select(PeerUse).where(PeerUse.grant_id == str(gid), PeerUse.use_index == 1))
    assert noted is not None and (noted.status, noted.content_hash) == ("released", item["content_hash"])
    assert not fed.grantee.ctx.store.has_access(
        fed.owner.ctx.ops.contracts.data_catalog.resource(service["resource_id"]).content_hash, fed.grantee.address
    )


def test_a_use_recorded_but_not_attached_is_delivered_again_not_spent_again(fed: Federation, service):
    """A crash between recording the use and attaching it: the next pull asks the owner's node
    for that same use (its ledger answers the same envelope) and attaches it."""
    opened = _open(fed, service, OTHER_RESIDENT)
    cid, gid = int(opened["case_id"]), service["grant_id"]
    before = len(_uses(fed, gid))
    spent = fed.client.fetch(
        gid,
        fed.subject(OTHER_RESIDENT),
        APPROVED,
        "officer-1",
        key=uuid.uuid4().hex,
        context_ref=bytes.fromhex(opened["case_ref"][2:]),
    )
    use_index = spent.receipt.use_index

    pulled = fed.grantee.ctx.services.cases.pull_evidence(fed.grantee.actor, cid, key=uuid.uuid4().hex)
    item = pulled["items"][0]
    assert (item["status"], item["use_index"], item["recovered_use"]) == ("attached", use_index, True)
    assert item["record_for_applicant"] == {"name": "李四", "status": "single"}
    assert len(_uses(fed, gid)) == before + 1  # the one use recorded before the "crash"
    assert [r.use_index for r in _ledger(fed, gid) if r.use_index == use_index] == [use_index]  # released once


def test_the_form_is_read_only_on_the_node_of_the_desk_that_opened_the_case(fed: Federation, service):
    opened = _open(fed, service, RESIDENT)
    cid = int(opened["case_id"])
    # the lead's node (the desk) holds it
    form = fed.grantee.ctx.services.cases.form(fed.grantee.actor, cid)
    assert form["form"]["form"] == {"note": "form held by the lead's node"}
    # the step department's node does not: a clear 409 naming the node that holds it
    token = fed.owner.ctx.tokens.issue("department", fed.owner.address, "case test")
    r = httpx.get(f"{fed.server.url}/cases/{cid}/form", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == "CaseFormOnAnotherNode"
    assert body["args"]["held_by"].lower() == fed.grantee.address.lower()
