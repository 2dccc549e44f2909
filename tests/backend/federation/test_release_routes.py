"""The grantee node's own routes (backend/api/routes/releases.py) over its real app: what its
staff may ask for, and what the node keeps of it."""

from __future__ import annotations

import uuid

from fed_world import APPROVED, RESIDENT, Federation
from sqlalchemy import func, select

from backend.federation.models import PeerUse, PeerUseIntent, PeerUseRetry
from backend.services.caller import Caller


def _retries(fed: Federation, grant_id: int) -> list[tuple[int, str, str]]:
    with fed.grantee.ctx.sessions() as s:
        rows = s.scalars(select(PeerUseRetry).where(PeerUseRetry.grant_id == str(grant_id)).order_by(PeerUseRetry.id))
        return [(r.use_index, r.officer_hash, r.outcome) for r in rows]


def test_a_retry_needs_an_officer_and_is_attributed(fed: Federation):
    grant_id = fed.grant()
    first = fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-1", key=uuid.uuid4().hex)
    path = f"/releases/{grant_id}/1/retry"

    # the officer is the token's person: a header naming someone else is refused
    r = fed.grantee_http.post(path, headers=fed.grantee_headers(**{"X-Officer-Id": "clerk-1"}))
    assert r.status_code == 422
    assert r.json() == {
        "error": "InvalidInput",
        "args": {
            "reason": "the officer is the signed-in person; X-Officer-Id is no longer accepted",
            "field": "X-Officer-Id",
        },
    }
    assert _retries(fed, grant_id) == []  # nothing asked, nothing served

    r = fed.grantee_http.post(path, headers=fed.grantee_headers())  # the token is bound to clerk-9
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["grant_id"], body["use_index"], body["replayed"]) == (grant_id, 1, True)
    assert body["receipt"] == first.receipt.to_json()
    clerk = "0x" + fed.grantee.ctx.ops.officer(Caller("department", fed.grantee.address, "clerk-9")).hex()
    assert _retries(fed, grant_id) == [(1, clerk, "replayed")]
    assert fed.owner.ctx.ops.contracts.usage_rights.grant(grant_id).used_count == 1  # a retry records no use


def test_a_retry_of_a_use_this_node_never_recorded_is_404_and_leaves_no_row(fed: Federation):
    grant_id = fed.grant()
    r = fed.grantee_http.post(f"/releases/{grant_id}/1/retry", headers=fed.grantee_headers())
    assert r.status_code == 404
    assert r.json() == {
        "error": "NotFound",
        "args": {"reason": "this node recorded no such use", "grant_id": grant_id, "use_index": 1},
    }
    assert _retries(fed, grant_id) == []


def test_a_field_list_unlike_the_approved_one_is_refused_before_a_use_is_spent(fed: Federation):
    grant_id = fed.grant()
    usage = fed.owner.ctx.ops.contracts.usage_rights
    with fed.grantee.ctx.sessions() as s:
        intents_before = s.scalar(select(func.count()).select_from(PeerUseIntent))
    r = fed.grantee_http.post(
        "/releases",
        json={"grant_id": grant_id, "fields": ["name", "status", "address"]},
        headers=fed.grantee_headers(**{"Idempotency-Key": uuid.uuid4().hex, "X-Data-Subject": ":".join(RESIDENT)}),
    )
    assert r.status_code == 403
    request_id = int(
        fed.grantee.ctx.ops.history("UsageRights", "GrantIssued", grantId=grant_id)[0]["args"]["requestId"]
    )
    assert r.json() == {
        "error": "ReleaseFieldsNotApproved",
        "args": {
            "reason": "the fields are not those approved for the grant",
            "grant_id": grant_id,
            "request_id": request_id,
        },
    }
    assert usage.grant(grant_id).used_count == 0  # nothing spent on chain
    with fed.grantee.ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PeerUseIntent)) == intents_before
        assert s.scalar(select(func.count()).select_from(PeerUse).where(PeerUse.grant_id == str(grant_id))) == 0

    # the approved list, in another order, spends one use and is released
    r = fed.grantee_http.post(
        "/releases",
        json={"grant_id": grant_id, "fields": list(reversed(APPROVED))},
        headers=fed.grantee_headers(**{"Idempotency-Key": uuid.uuid4().hex, "X-Data-Subject": ":".join(RESIDENT)}),
    )
    assert r.status_code == 201, r.text
    assert (r.json()["use_index"], usage.grant(grant_id).used_count) == (1, 1)
