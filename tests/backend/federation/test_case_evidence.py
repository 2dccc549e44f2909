"""A one-stop case's evidence pulled peer to peer: the lead's node (dept-b, with its PeerClient
given through the composition) records each use with the applicant and the case's ref, and
the owner's node (dept-a, its own uvicorn) releases that applicant's records only; the form
is read only on the node of the desk that opened the case."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from api_testkit import CORE
from api_world import build_system
from fed_world import APPROVED, DATASET, OTHER_RESIDENT, RESIDENT, Federation, build_federation
from sqlalchemy import delete, select
from world_testkit import GOVERNORS

from backend.federation.client import RELEASE_PATH, PeerClient
from backend.federation.messages import ReleaseRequest, sign
from backend.federation.models import PeerRelease, PeerUse, PeerUseIntent
from backend.services.caller import Caller
from backend.services.common import h0x, text_hash
from backend.services.usage import fields_hash

LEGAL = "Regulation 7 (one-stop)"
# in the dataset, never an applicant of any case in this module
NON_APPLICANT = ("resident_id", "110105197703034567")
CASE_DATASET = {
    **DATASET,
    "records": [
        *DATASET["records"],
        {"resident_id": NON_APPLICANT[1], "name": "王五", "status": "married", "address": "4 Qianmen St"},
    ],
}


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
    rid = fed.register(record=CASE_DATASET)
    sid = _active_service(
        fed,
        [
            {"resource_id": rid, "purpose_code": 101, "legal_basis": LEGAL, "fields": APPROVED},
            {"resource_id": rid, "purpose_code": 102, "legal_basis": LEGAL},
        ],
    )
    return {"service_id": sid, "resource_id": rid, "grant_id": _standing_grant(fed, rid, APPROVED)}


def _active_service(fed: Federation, requirements: list[dict[str, Any]]) -> int:
    """A service led by dept-b (the grantee's node), activated by the council."""
    sid = int(
        fed.grantee.ctx.services.cases.register_service(
            fed.grantee.actor,
            "evidence across nodes",
            None,
            "generic",
            requirements,
            [{"department": fed.owner.address, "stage": 1}],
            3600,
            key=uuid.uuid4().hex,
        )["service_id"]
    )
    council = fed.system.ctx.services  # the consortium's governors (their keys are in the system's ctx)
    pid = council.cases.propose_activation(_gov(fed, 0), sid, "test", key=uuid.uuid4().hex)["proposal_id"]
    council.council.approve_proposal(_gov(fed, 1), int(pid), key=uuid.uuid4().hex)
    return sid


def _standing_grant(fed: Federation, rid: int, fields: list[str]) -> int:
    """A request-based grant to the lead for requirement 0's terms (purpose 101, LEGAL)."""
    req = fed.grantee.ctx.services.usage.request_use(
        fed.grantee.actor, rid, 101, text_hash(LEGAL), fields_hash(fields), 3600, 10, None, key=uuid.uuid4().hex
    )
    gid = fed.owner.ctx.services.usage.approve(
        fed.owner.actor, int(req["request_id"]), text_hash("ok"), key=uuid.uuid4().hex
    )["grant_id"]
    return int(gid)


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
    token = fed.owner.ctx.tokens.issue("department", fed.owner.address, "case test", scopes="*")
    r = httpx.get(f"{fed.server.url}/cases/{cid}/form", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["error"] == "CaseFormOnAnotherNode"
    assert body["args"]["held_by"].lower() == fed.grantee.address.lower()


# -- a standing grant releases only for a case of its service (owner's check 7b) ------------------
def _release_order(fed: Federation, grant_id: int, person: tuple[str, str], context_ref: str | None) -> httpx.Response:
    """What a clerk of the lead can do by hand: POST /releases on the lead's own node."""
    body: dict[str, Any] = {"grant_id": grant_id, "fields": APPROVED}
    if context_ref is not None:
        body["context_ref"] = context_ref
    return fed.grantee_http.post(
        "/releases",
        json=body,
        headers=fed.grantee_headers(**{"Idempotency-Key": uuid.uuid4().hex, "X-Data-Subject": ":".join(person)}),
    )


def _ask_owner(fed: Federation, grant_id: int, use_index: int) -> httpx.Response:
    """The owner's own answer to a signed request for a use the lead's node noted."""
    use = fed.client.use(grant_id, use_index)
    assert use is not None
    fields = json.loads(use.fields_json)
    request = ReleaseRequest(
        grant_id=grant_id,
        use_index=use_index,
        use_tx=bytes.fromhex(use.use_tx[2:]),
        subject_hash=bytes.fromhex(use.subject_hash[2:]),
        fields_hash=fields_hash(fields),
        expires_at=fed.grantee.ctx.ops.chain_time() + 120,
        nonce=ReleaseRequest.fresh_nonce(),
    )
    signature = sign(fed.client.domain, request, fed.grantee.ctx.ops.account_for(fed.grantee.address))
    return httpx.post(
        fed.server.url + RELEASE_PATH,
        json={"request": request.to_json(), "signature": h0x(signature), "fields": fields},
        timeout=30,
    )


NOT_FOR_CASE = (
    "this grant serves a one-stop service: it releases only for an open case of that service "
    "whose applicant is the use's subject"
)


def _refused_not_for_case(fed: Federation, r: httpx.Response, grant_id: int) -> None:
    """The lead's node spent the use (on chain) and the owner's node refused it, 403 ReleaseNotForCase."""
    assert r.status_code == 502, r.text
    args = r.json()["args"]
    use_index = args["use_index"]
    assert r.json() == {
        "error": "PeerRefused",
        "args": {
            "reason": "the owner's node refused the release",
            "owner": fed.owner.address,
            "peer_status": 403,
            "peer_error": "ReleaseNotForCase",
            "grant_id": grant_id,
            "use_index": use_index,
            "use_tx": args["use_tx"],
        },
    }
    direct = _ask_owner(fed, grant_id, use_index)
    assert (direct.status_code, direct.json()) == (
        403,
        {"error": "ReleaseNotForCase", "args": {"reason": NOT_FOR_CASE, "grant_id": grant_id}},
    )


def test_the_leads_standing_grant_releases_nothing_outside_an_open_case_of_its_service(fed: Federation, service):
    gid = service["grant_id"]
    opened = _open(fed, service, RESIDENT)
    # another service of the same lead on the same dataset (another purpose): its own open case
    other_sid = _active_service(
        fed, [{"resource_id": service["resource_id"], "purpose_code": 103, "legal_basis": LEGAL}]
    )
    other_case = fed.grantee.ctx.services.cases.open_case(
        fed.grantee.actor, other_sid, fed.subject(RESIDENT), {"note": "other"}, key=uuid.uuid4().hex
    )
    ledger_before = len(_ledger(fed, gid))

    # a citizen who applied for nothing: no context, then the open case's ref (not its applicant)
    _refused_not_for_case(fed, _release_order(fed, gid, NON_APPLICANT, None), gid)
    _refused_not_for_case(fed, _release_order(fed, gid, NON_APPLICANT, opened["case_ref"]), gid)
    # the applicant, with the ref of another service's case (one this grant does not serve)
    _refused_not_for_case(fed, _release_order(fed, gid, RESIDENT, other_case["case_ref"]), gid)
    assert len(_ledger(fed, gid)) == ledger_before  # nothing left the owner's node

    # the case's own pull still works
    pulled = fed.grantee.ctx.services.cases.pull_evidence(fed.grantee.actor, int(opened["case_id"]), key="p1")
    item = pulled["items"][0]
    assert (item["status"], item["grant_id"], item["recovered_use"]) == ("attached", gid, False)
    assert item["record_for_applicant"] == {"name": "张三", "status": "married"}
    assert len(_ledger(fed, gid)) == ledger_before + 1


# -- crash recovery takes only a use the owner will release as this requirement's evidence ----------
def test_a_use_of_the_case_under_a_grant_for_other_fields_is_ignored_and_a_fresh_use_recorded(fed: Federation, service):
    opened = _open(fed, service, OTHER_RESIDENT)
    narrow = _standing_grant(fed, service["resource_id"], ["name"])  # same terms, another field list
    fed.client.fetch(
        narrow,
        fed.subject(OTHER_RESIDENT),
        ["name"],
        "officer-1",
        key=uuid.uuid4().hex,
        context_ref=bytes.fromhex(opened["case_ref"][2:]),
    )
    pulled = fed.grantee.ctx.services.cases.pull_evidence(fed.grantee.actor, int(opened["case_id"]), key="p2")
    item = pulled["items"][0]
    assert (item["status"], item["grant_id"], item["recovered_use"]) == ("attached", service["grant_id"], False)
    assert item["record_for_applicant"] == {"name": "李四", "status": "single"}  # the definition's fields


def test_a_use_of_the_case_under_a_grant_revoked_since_is_ignored_and_a_fresh_use_recorded(fed: Federation, service):
    opened = _open(fed, service, RESIDENT)
    later = _standing_grant(fed, service["resource_id"], APPROVED)
    fed.client.fetch(
        later,
        fed.subject(RESIDENT),
        APPROVED,
        "officer-1",
        key=uuid.uuid4().hex,
        context_ref=bytes.fromhex(opened["case_ref"][2:]),
    )
    fed.owner.ctx.services.usage.revoke(fed.owner.actor, later, text_hash("withdrawn"), key=uuid.uuid4().hex)
    pulled = fed.grantee.ctx.services.cases.pull_evidence(fed.grantee.actor, int(opened["case_id"]), key="p3")
    item = pulled["items"][0]
    assert (item["status"], item["grant_id"], item["recovered_use"]) == ("attached", service["grant_id"], False)
    assert item["record_for_applicant"] == {"name": "张三", "status": "married"}


def test_a_use_whose_note_is_lost_says_whether_pulling_again_helps(fed: Federation, service):
    opened = _open(fed, service, OTHER_RESIDENT)
    cid, gid = int(opened["case_id"]), service["grant_id"]
    spent = fed.client.fetch(
        gid,
        fed.subject(OTHER_RESIDENT),
        APPROVED,
        "officer-1",
        key=uuid.uuid4().hex,
        context_ref=bytes.fromhex(opened["case_ref"][2:]),
    )
    use_index = spent.receipt.use_index
    with fed.grantee.ctx.sessions.begin() as s:  # the note is gone (a restored or edited database)
        s.execute(delete(PeerUse).where(PeerUse.grant_id == str(gid), PeerUse.use_index == use_index))
    expected_args = {"case_id": cid, "requirement_index": 0, "grant_id": gid, "use_index": use_index}

    # an intent of this grant and citizen still pending: recover() notes it after the restart
    with fed.grantee.ctx.sessions.begin() as s:
        s.add(
            PeerUseIntent(
                idempotency_key="pending-" + uuid.uuid4().hex,
                grant_id=str(gid),
                owner=fed.owner.address,
                subject_hash=h0x(fed.subject(OTHER_RESIDENT)),
                fields_json=json.dumps(APPROVED),
                created_at=datetime.now(UTC),
            )
        )
    item = fed.grantee.ctx.services.cases.pull_evidence(fed.grantee.actor, cid, key="p4")["items"][0]
    assert item == {
        "requirement_index": 0,
        "resource_id": service["resource_id"],
        "status": "failed",
        "http_status": 409,
        "error": "EvidenceUseNotNoted",
        "args": {
            "reason": "the use is on chain; this node notes it after its restart: pull again shortly",
            **expected_args,
        },
    }

    # nothing pending: pulling again will never help, and the answer says what will
    with fed.grantee.ctx.sessions.begin() as s:
        s.execute(delete(PeerUseIntent).where(PeerUseIntent.grant_id == str(gid)))
    item = fed.grantee.ctx.services.cases.pull_evidence(fed.grantee.actor, cid, key="p5")["items"][0]
    assert item == {
        "requirement_index": 0,
        "resource_id": service["resource_id"],
        "status": "failed",
        "http_status": 409,
        "error": "EvidenceUseUnrecoverable",
        "args": {
            "reason": "the use is on chain but this node's database holds neither its note nor a pending intent "
            "(peer_uses / peer_use_intents lost): restore the node's database from a backup, "
            "or reject this case and open a new one; pulling again will not help",
            **expected_args,
        },
    }
    assert fed.grantee.ctx.ops.contracts.one_stop_services.case_of_use(gid, use_index) == 0


# -- a federation node opens a case only at the service's lead ----------------------------------------
def test_a_case_is_opened_only_at_the_desk_of_the_services_lead(fed: Federation, service):
    oss = fed.owner.ctx.ops.contracts.one_stop_services
    cases_before = oss.case_count()
    opened_before = len(fed.system.events("OneStopServices", "CaseOpened"))
    token = fed.owner.ctx.tokens.issue("department", fed.owner.address, "desk test", scopes="*")
    r = httpx.post(
        f"{fed.server.url}/cases",
        json={
            "service_id": service["service_id"],
            "applicant": dict(zip(("id_type", "id_value"), RESIDENT)),
            "form": {},
        },
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert (r.status_code, r.json()) == (
        409,
        {
            "error": "CaseDeskNotLead",
            "args": {
                "reason": "on a federation node a case is opened at the service's lead department",
                "service_id": service["service_id"],
                "lead": fed.grantee.address,
            },
        },
    )
    assert oss.case_count() == cases_before
    assert len(fed.system.events("OneStopServices", "CaseOpened")) == opened_before
