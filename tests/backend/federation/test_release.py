"""Peer release across two department nodes on one real anvil: the owner's node (own
DB, own key, its own uvicorn on 127.0.0.2) releases recorded uses to the grantee's
node (own DB, own key) under grants issued on chain."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from eth_utils import keccak
from fed_world import APPROVED, OTHER_RESIDENT, Federation, council
from sqlalchemy import func, select

from backend.chain import ContractRevert
from backend.federation.directory import PeerNode
from backend.federation.errors import DirectoryKeyMismatch, PeerUnavailable, ReleaseNotVerified
from backend.federation.messages import ReleaseReceipt, ReleaseRequest, recover, sign
from backend.federation.models import PeerRelease, PeerReleaseNonce, PeerUse
from backend.federation.release import domain_of
from backend.services.usage import fields_hash
from backend.store import AccessDenied

ZERO = b"\0" * 32


def ledger_rows(fed: Federation, grant_id: int) -> list[PeerRelease]:
    with fed.owner.ctx.sessions() as s:
        return list(s.scalars(select(PeerRelease).where(PeerRelease.grant_id == str(grant_id))))


def post(fed: Federation, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(fed.server.url + "/peer/v1/releases", json=body, timeout=30)


def signed_body(
    fed: Federation,
    grant_id: int,
    use_index: int,
    use_tx: str,
    subject: bytes,
    fields: list[str] = APPROVED,
    *,
    signer: str = "dept-b",
    expires_in: int = 60,
    edit: Callable[[ReleaseRequest], ReleaseRequest] | None = None,
) -> dict[str, Any]:
    """A release request as a grantee's node would send it (signed with ``signer``'s chain key)."""
    ops = fed.owner.ctx.ops
    req = ReleaseRequest(
        grant_id=grant_id,
        use_index=use_index,
        use_tx=bytes.fromhex(use_tx[2:]),
        subject_hash=subject,
        fields_hash=fields_hash(fields),
        expires_at=ops.chain_time() + expires_in,
        nonce=ReleaseRequest.fresh_nonce(),
    )
    if edit is not None:
        req = edit(req)
    sig = sign(domain_of(ops), req, fed.system.accounts[signer])
    return {"request": req.to_json(), "signature": "0x" + sig.hex(), "fields": fields}


# -- each node holds only its own -------------------------------------------------------------------
def test_each_node_holds_only_its_own_key_and_documents(fed: Federation):
    assert fed.owner.ctx.keystore.names() == ["dept-a"]
    assert fed.grantee.ctx.keystore.names() == ["dept-b"]
    assert sorted(p.name for p in (fed.owner.data_dir / "keystore").iterdir()) == ["dept-a.json"]
    assert sorted(p.name for p in (fed.grantee.data_dir / "keystore").iterdir()) == ["dept-b.json"]
    rid = fed.register()
    content_hash = fed.owner.ctx.ops.contracts.data_catalog.resource(rid).content_hash
    with pytest.raises(AccessDenied):  # the grantee's node has no row, no file, no key for it
        fed.grantee.ctx.store.get(content_hash, fed.grantee.address)
    assert fed.owner.key.public_key != fed.grantee.key.public_key


# -- the happy path ---------------------------------------------------------------------------------
def test_release_of_one_subject_projected_on_the_approved_fields(fed: Federation):
    grant_id = fed.grant()
    got = fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=uuid.uuid4().hex)

    assert got.content["records"] == [{"name": "张三", "status": "married"}, {"name": "张三", "status": "divorced"}]
    assert got.content["fields"] == ["name", "status"]
    assert got.content["scope"] == "subject"
    assert (got.content["grant_id"], got.content["use_index"]) == (grant_id, 1)
    assert got.content["subject_hash"] == "0x" + fed.subject().hex()
    assert got.replayed is False
    # the receipt verifies against the chain: signed by the resource's owner, hashes match
    domain = domain_of(fed.grantee.ctx.ops)
    assert recover(domain, got.receipt, got.signature) == fed.owner.address == got.owner
    assert got.receipt.content_hash == hashlib.sha256(got.plaintext).digest()
    # the use is on chain, by the grantee, for this subject
    (ev,) = fed.system.events("UsageRights", "UseRecorded", grantId=grant_id)
    assert (ev["user"], ev["subjectHash"], ev["useIndex"]) == (fed.grantee.address, fed.subject(), 1)
    assert got.use_tx == ev["tx_hash"].lower()
    # the owner's ledger: one row; the grantee's receipt table: released, same receipt
    (row,) = ledger_rows(fed, grant_id)
    assert (row.use_index, row.grantee, row.record_count) == (1, fed.grantee.address, 2)
    assert row.envelope_hash == "0x" + got.receipt.envelope_hash.hex()
    use = fed.client.use(grant_id, 1)
    assert use is not None
    assert (use.status, use.content_hash, use.receipt_signature) == (
        "released",
        "0x" + got.receipt.content_hash.hex(),
        "0x" + got.signature.hex(),
    )


def test_aggregate_use_of_a_public_resource_releases_all_records_marked_aggregate(fed: Federation):
    grant_id = fed.grant(fed.register("PUBLIC"))
    got = fed.client.fetch(grant_id, None, APPROVED, "officer-7", key=uuid.uuid4().hex)
    assert got.content["scope"] == "aggregate"
    assert got.content["subject_hash"] == "0x" + ZERO.hex()
    assert got.content["records"] == [
        {"name": "张三", "status": "married"},
        {"name": "李四", "status": "single"},
        {"name": "张三", "status": "divorced"},
    ]


def test_second_request_for_the_same_use_returns_the_same_envelope(fed: Federation):
    grant_id = fed.grant()
    use_index, tx = fed.record_use(grant_id, fed.subject())
    first = post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject()))
    again = post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject()))  # a fresh nonce
    assert (first.status_code, again.status_code) == (200, 200), again.text
    a, b = first.json(), again.json()
    assert (a["replayed"], b["replayed"]) == (False, True)
    assert b["envelope"] == a["envelope"] and b["receipt"] == a["receipt"] and b["signature"] == a["signature"]
    assert len(ledger_rows(fed, grant_id)) == 1
    # the stored bytes are what was answered
    (row,) = ledger_rows(fed, grant_id)
    assert base64.b64decode(a["envelope"]) == row.envelope


# -- refusals: nothing leaves --------------------------------------------------------------------------
def _forged(fed: Federation, grant_id: int, use_index: int, tx: str) -> dict[str, Any]:
    body = signed_body(fed, grant_id, use_index, tx, fed.subject())
    body["signature"] = "0x" + "00" * 64 + "1b"  # r = s = 0: recovers no signer
    return body


def _tampered(fed: Federation, grant_id: int, use_index: int, tx: str) -> dict[str, Any]:
    body = signed_body(fed, grant_id, use_index, tx, fed.subject())
    body["request"]["expires_at"] += 1  # changed after signing: recovers some other address
    return body


def _expired(fed: Federation, grant_id: int, use_index: int, tx: str) -> dict[str, Any]:
    return signed_body(fed, grant_id, use_index, tx, fed.subject(), expires_in=-1)


def _too_far_ahead(fed: Federation, grant_id: int, use_index: int, tx: str) -> dict[str, Any]:
    return signed_body(fed, grant_id, use_index, tx, fed.subject(), expires_in=3600)


def _wrong_grantee(fed: Federation, grant_id: int, use_index: int, tx: str) -> dict[str, Any]:
    return signed_body(fed, grant_id, use_index, tx, fed.subject(), signer="dept-c")


def _field_not_approved(fed: Federation, grant_id: int, use_index: int, tx: str) -> dict[str, Any]:
    return signed_body(fed, grant_id, use_index, tx, fed.subject(), fields=[*APPROVED, "address"])


def _fields_unlike_signed(fed: Federation, grant_id: int, use_index: int, tx: str) -> dict[str, Any]:
    body = signed_body(fed, grant_id, use_index, tx, fed.subject())
    body["fields"] = ["name", "address"]
    return body


def _other_subject(fed: Federation, grant_id: int, use_index: int, tx: str) -> dict[str, Any]:
    # the use was recorded for RESIDENT; asking for another subject under it
    return signed_body(fed, grant_id, use_index, tx, fed.subject(OTHER_RESIDENT))


def _unused_index(fed: Federation, grant_id: int, use_index: int, tx: str) -> dict[str, Any]:
    return signed_body(fed, grant_id, use_index + 1, tx, fed.subject())


def _not_mined(fed: Federation, grant_id: int, use_index: int, tx: str) -> dict[str, Any]:
    return signed_body(fed, grant_id, use_index, "0x" + "ee" * 32, fed.subject())


REFUSALS = {
    "forged_signature": (_forged, 403, "ReleaseSignatureInvalid"),
    "tampered_after_signing": (_tampered, 403, "ReleaseNotGrantee"),
    "expired_request": (_expired, 403, "ReleaseRequestExpired"),
    "expiry_too_far_ahead": (_too_far_ahead, 403, "ReleaseRequestExpired"),
    "wrong_grantee": (_wrong_grantee, 403, "ReleaseNotGrantee"),
    "field_not_approved": (_field_not_approved, 403, "ReleaseFieldsNotApproved"),
    "fields_unlike_signed": (_fields_unlike_signed, 403, "ReleaseFieldsNotApproved"),
    "subject_other_than_the_use": (_other_subject, 409, "ReleaseUseNotRecorded"),
    "use_index_not_recorded": (_unused_index, 409, "ReleaseUseNotRecorded"),
    "use_tx_not_mined": (_not_mined, 409, "ReleaseUseNotRecorded"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refused_request_releases_nothing(fed: Federation, case: str):
    build, status, error = REFUSALS[case]
    grant_id = fed.grant()
    use_index, tx = fed.record_use(grant_id, fed.subject())
    r = post(fed, build(fed, grant_id, use_index, tx))
    assert (r.status_code, r.json()["error"]) == (status, error), r.text
    assert set(r.json()) == {"error", "args"}
    assert ledger_rows(fed, grant_id) == []
    # the same use still releases with a proper request: the refusal spent nothing
    ok = post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject()))
    assert ok.status_code == 200, ok.text


def test_replayed_nonce(fed: Federation):
    grant_id = fed.grant()
    use_index, tx = fed.record_use(grant_id, fed.subject())
    body = signed_body(fed, grant_id, use_index, tx, fed.subject())
    assert post(fed, body).status_code == 200
    r = post(fed, body)
    assert (r.status_code, r.json()["error"]) == (409, "ReleaseNonceReused"), r.text
    assert r.json()["args"]["nonce"] == body["request"]["nonce"]
    assert len(ledger_rows(fed, grant_id)) == 1


def _nonces(fed: Federation, *nonces: str) -> set[str]:
    with fed.owner.ctx.sessions() as s:
        return set(s.scalars(select(PeerReleaseNonce.nonce).where(PeerReleaseNonce.nonce.in_(nonces))))


def test_expired_nonces_are_pruned_and_an_unexpired_replay_is_still_refused(fed: Federation):
    grant_id = fed.grant()
    use_index, tx = fed.record_use(grant_id, fed.subject())
    now = fed.owner.ctx.ops.chain_time()
    stale, live = "0x" + uuid.uuid4().hex * 2, "0x" + uuid.uuid4().hex * 2
    with fed.owner.ctx.sessions.begin() as s:
        for nonce, expires_at in ((stale, now - 1), (live, now + 500)):
            s.add(
                PeerReleaseNonce(
                    nonce=nonce,
                    signer=fed.grantee.address,
                    grant_id=str(grant_id),
                    use_index=use_index,
                    expires_at=expires_at,
                    seen_at=datetime.now(UTC),
                )
            )
    body = signed_body(fed, grant_id, use_index, tx, fed.subject())
    assert post(fed, body).status_code == 200
    # the accepted request pruned the expired nonce; the unexpired ones stay
    assert _nonces(fed, stale, live, body["request"]["nonce"]) == {live, body["request"]["nonce"]}
    r = post(fed, body)
    assert r.status_code == 409
    assert r.json() == {
        "error": "ReleaseNonceReused",
        "args": {"reason": "this nonce was used before", "nonce": body["request"]["nonce"]},
    }
    assert len(ledger_rows(fed, grant_id)) == 1


def test_exhausted_grant(fed: Federation):
    grant_id = fed.grant(max_uses=1)
    use_index, tx = fed.record_use(grant_id, fed.subject())
    assert post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject())).status_code == 200
    with pytest.raises(ContractRevert) as exc:  # no second use can be recorded
        fed.record_use(grant_id, fed.subject())
    assert exc.value.name == "UsageRightsGrantExhausted"
    # a request for a use that was never recorded (index 2), pointing at use 1's transaction
    r = post(fed, signed_body(fed, grant_id, 2, tx, fed.subject()))
    assert (r.status_code, r.json()["error"]) == (409, "ReleaseUseNotRecorded"), r.text
    assert [row.use_index for row in ledger_rows(fed, grant_id)] == [1]


def test_revoked_grant(fed: Federation):
    grant_id = fed.grant()
    use_index, tx = fed.record_use(grant_id, fed.subject())
    fed.owner.ctx.services.usage.revoke(fed.owner.actor, grant_id, keccak(b"misuse"), key=uuid.uuid4().hex)
    r = post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject()))
    body = {"error": "ReleaseGrantRevoked", "args": {"reason": "the grant was revoked", "grant_id": grant_id}}
    assert (r.status_code, r.json()) == (409, body), r.text
    assert ledger_rows(fed, grant_id) == []


def test_suspended_grantee_gets_nothing_until_reinstated(fed: Federation):
    """Suspension stops data access: a use recorded before the suspension is not released, nor is
    one released before it handed out again; no new use can be recorded. Reinstated, it is."""
    grant_id = fed.grant()
    grantee = fed.grantee.address
    released, released_tx = fed.record_use(grant_id, fed.subject())
    assert post(fed, signed_body(fed, grant_id, released, released_tx, fed.subject())).status_code == 200
    owed, owed_tx = fed.record_use(grant_id, fed.subject())  # recorded while still active
    council(fed, lambda c: c.functions.proposeSuspendDepartment(grantee))
    try:
        refused = {
            "error": "ReleaseGranteeNotActive",
            "args": {"reason": "the grantee is not an active department", "grant_id": grant_id, "grantee": grantee},
        }
        for use_index, tx in ((owed, owed_tx), (released, released_tx)):
            r = post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject()))
            assert (r.status_code, r.json()) == (403, refused), r.text
        assert [row.use_index for row in ledger_rows(fed, grant_id)] == [released]
        with pytest.raises(ContractRevert) as exc:  # the chain refuses it any new use
            fed.record_use(grant_id, fed.subject())
        assert (exc.value.name, exc.value.args_dict) == ("ConsortiumManagedNotActiveDepartment", {"account": grantee})
    finally:
        council(fed, lambda c: c.functions.proposeReinstateDepartment(grantee))
    r = post(fed, signed_body(fed, grant_id, owed, owed_tx, fed.subject()))
    assert (r.status_code, r.json()["replayed"]) == (200, False), r.text
    assert [row.use_index for row in ledger_rows(fed, grant_id)] == [released, owed]


def test_subject_not_in_dataset(fed: Federation):
    grant_id = fed.grant()
    nobody = fed.subject(("resident_id", "999999199901019999"))
    use_index, tx = fed.record_use(grant_id, nobody)
    r = post(fed, signed_body(fed, grant_id, use_index, tx, nobody))
    assert (r.status_code, r.json()["error"]) == (404, "ReleaseSubjectNotInDataset"), r.text
    assert ledger_rows(fed, grant_id) == []


def test_use_tx_of_another_grant(fed: Federation):
    rid = fed.register()
    grant_id, other = fed.grant(rid), fed.grant(rid)
    fed.record_use(grant_id, fed.subject())  # grant_id's use 1 exists, but not in this tx
    _idx, other_tx = fed.record_use(other, fed.subject())
    r = post(fed, signed_body(fed, grant_id, 1, other_tx, fed.subject()))
    assert (r.status_code, r.json()["error"]) == (409, "ReleaseUseNotRecorded"), r.text
    assert ledger_rows(fed, grant_id) == []


def test_direct_grant_has_no_approved_fields(fed: Federation):
    rid = fed.register()
    ops = fed.owner.ctx.ops
    outcome = ops.contracts.usage_rights.issue_grant(
        ops.account_for(fed.owner.address),
        rid,
        fed.grantee.address,
        101,
        keccak(b"Regulation 7"),
        3600,
        5,
        op="test.issue",
        key=uuid.uuid4().hex,
    )
    grant_id = int((ops.event(outcome, "GrantIssued") or {})["grantId"])
    use_index, tx = fed.record_use(grant_id, fed.subject())
    r = post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject()))
    assert (r.status_code, r.json()["error"]) == (403, "ReleaseFieldsNotApproved"), r.text
    assert r.json()["args"]["reason"] == "a direct grant has no approved field list on chain"


def _council_grant(fed: Federation, classification: str) -> int:
    """A grant on the owner's ``classification`` resource: owner approves on its node, the council
    (governors' own keys, in the consortium's process) issues it."""
    rid = fed.register(classification)
    usage_b, usage_a = fed.grantee.ctx.services.usage, fed.owner.ctx.services.usage
    req = usage_b.request_use(
        fed.grantee.actor, rid, 101, keccak(b"Regulation 7"), fields_hash(APPROVED), 3600, 5, None, key=uuid.uuid4().hex
    )
    rq = int(req["request_id"])
    assert usage_a.approve(fed.owner.actor, rq, keccak(b"lawful"), key=uuid.uuid4().hex)["council_required"]
    sys_ = fed.system
    r = sys_.http.post(f"/council/requests/{rq}/proposals", json={"justification": "x"}, headers=sys_.h("gov-1"))
    assert r.status_code == 201, r.text
    r = sys_.http.post(f"/council/proposals/{r.json()['proposal_id']}/approve", headers=sys_.h("gov-2"))
    assert r.status_code == 200 and r.json()["executed"] is True, r.text
    return fed.owner.ctx.ops.contracts.usage_rights.request(rq).grant_id


def test_aggregate_use_of_an_internal_resource_is_refused(fed: Federation):
    grant_id = fed.grant()  # INTERNAL: per-citizen records, released one subject at a time
    use_index, tx = fed.record_use(grant_id, None)
    r = post(fed, signed_body(fed, grant_id, use_index, tx, ZERO))
    assert (r.status_code, r.json()["error"]) == (403, "ReleaseAggregateNotPermitted"), r.text
    assert ledger_rows(fed, grant_id) == []


def test_released_content_is_salted_so_its_public_hash_confirms_no_guess(fed: Federation):
    grant_id = fed.grant(max_uses=2)
    a = fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=uuid.uuid4().hex)
    b = fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=uuid.uuid4().hex)
    assert a.content["records"] == b.content["records"]
    assert a.receipt.content_hash != b.receipt.content_hash  # same records, different hashes
    assert len(bytes.fromhex(a.content["salt"])) == 32


def test_aggregate_use_of_a_sensitive_resource_is_refused(fed: Federation):
    grant_id = _council_grant(fed, "SENSITIVE")
    use_index, tx = fed.record_use(grant_id, None)
    r = post(fed, signed_body(fed, grant_id, use_index, tx, ZERO))
    assert (r.status_code, r.json()["error"]) == (403, "ReleaseAggregateNotPermitted"), r.text
    assert ledger_rows(fed, grant_id) == []
    # a use naming its subject under the same grant releases that subject's records
    got = fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=uuid.uuid4().hex)
    assert got.content["scope"] == "subject" and len(got.content["records"]) == 2


def test_not_the_owner_node(fed: Federation):
    # a grant on a resource of dept-c (acting in the consortium's process), asked of dept-a's node
    sys_ = fed.system
    rid = sys_.register("dept-c")["resource_id"]
    req = fed.grantee.ctx.services.usage.request_use(
        fed.grantee.actor, rid, 101, keccak(b"Regulation 7"), fields_hash(APPROVED), 3600, 5, None, key=uuid.uuid4().hex
    )
    grant_id = sys_.approve(int(req["request_id"]), "dept-c")["grant_id"]
    use_index, tx = fed.record_use(grant_id, fed.subject())
    resp = post(fed, signed_body(fed, grant_id, use_index, tx, fed.subject()))
    assert (resp.status_code, resp.json()["error"]) == (404, "ReleaseNotOwnedHere"), resp.text


def test_unsigned_body_is_a_validation_error_not_a_bearer_challenge(fed: Federation):
    r = post(fed, {"request": {}, "signature": "0x", "fields": []})
    assert (r.status_code, r.json()["error"]) == (422, "ValidationError")
    assert "WWW-Authenticate" not in r.headers


# -- owner down ------------------------------------------------------------------------------------------
def test_owner_down_then_retry_releases_once(fed: Federation):
    grant_id = fed.grant()
    key = uuid.uuid4().hex
    fed.server.stop()
    try:
        with pytest.raises(PeerUnavailable) as exc:
            fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=key)
        assert exc.value.to_dict()["args"]["cause"] == "ConnectError"
        use = fed.client.use(grant_id, 1)
        assert use is not None and use.status == "recorded"  # recorded, not released
        assert fed.owner.ctx.ops.contracts.usage_rights.grant(grant_id).used_count == 1
        assert ledger_rows(fed, grant_id) == []
    finally:
        fed.server.start()
    got = fed.client.deliver(grant_id, 1)  # the same use, its same transaction: no new use
    assert got.replayed is False
    again = fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=key)  # same key: same use
    assert again.replayed is True and again.receipt == got.receipt and again.signature == got.signature
    assert fed.owner.ctx.ops.contracts.usage_rights.grant(grant_id).used_count == 1
    assert len(ledger_rows(fed, grant_id)) == 1
    with fed.grantee.ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PeerUse).where(PeerUse.grant_id == str(grant_id))) == 1


# -- the requester accepts only what verifies ------------------------------------------------------------
def _flip_envelope(answer: dict[str, Any], fed: Federation) -> None:
    env = bytearray(base64.b64decode(answer["envelope"]))
    env[-1] ^= 1
    answer["envelope"] = base64.b64encode(bytes(env)).decode()


def _signed_by_grantee(answer: dict[str, Any], fed: Federation) -> None:
    receipt = ReleaseReceipt.from_json(answer["receipt"])
    answer["signature"] = "0x" + sign(domain_of(fed.owner.ctx.ops), receipt, fed.system.accounts["dept-b"]).hex()


def _other_content_hash(answer: dict[str, Any], fed: Federation) -> None:
    answer["receipt"]["content_hash"] = "0x" + "ab" * 32  # and the signature no longer recovers the owner


TAMPERED = {"envelope_altered": _flip_envelope, "receipt_not_by_owner": _signed_by_grantee}
TAMPERED["receipt_content_hash_edited"] = _other_content_hash


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_requester_refuses_an_answer_that_does_not_verify(fed: Federation, case: str):
    grant_id = fed.grant()
    use_index, tx = fed.record_use(grant_id, fed.subject())
    body = signed_body(fed, grant_id, use_index, tx, fed.subject())
    answer = post(fed, body).json()
    TAMPERED[case](answer, fed)
    request = ReleaseRequest.from_json(body["request"])
    with pytest.raises(ReleaseNotVerified):
        fed.client._verify(request, APPROVED, answer, tx)


def test_a_directory_entry_with_another_key_stops_the_node_before_it_spends_a_use(fed: Federation):
    """Someone (a clerk with a token, say) published another encryption key for this node: owners
    would seal our releases to it. The node refuses before recording any use."""
    grant_id = fed.grant()
    mine = fed.directory.resolve(fed.grantee.address)
    fed.directory.publish(fed.grantee.address, PeerNode(mine.endpoint, b"\x07" * 32, mine.transport_key_hash))
    try:
        with pytest.raises(DirectoryKeyMismatch):
            fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=uuid.uuid4().hex)
        assert fed.owner.ctx.ops.contracts.usage_rights.grant(grant_id).used_count == 0
    finally:
        fed.directory.publish(fed.grantee.address, mine)
