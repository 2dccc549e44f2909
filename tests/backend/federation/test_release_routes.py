"""The grantee node's own routes (backend/api/routes/releases.py) over its real app: what its
staff may ask for, and what the node keeps of it."""

from __future__ import annotations

import uuid

from fed_world import APPROVED, Federation
from sqlalchemy import select

from backend.federation.models import PeerUseRetry
from backend.services.caller import Caller


def _retries(fed: Federation, grant_id: int) -> list[tuple[int, str, str]]:
    with fed.grantee.ctx.sessions() as s:
        rows = s.scalars(select(PeerUseRetry).where(PeerUseRetry.grant_id == str(grant_id)).order_by(PeerUseRetry.id))
        return [(r.use_index, r.officer_hash, r.outcome) for r in rows]


def test_a_retry_needs_an_officer_and_is_attributed(fed: Federation):
    grant_id = fed.grant()
    first = fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-1", key=uuid.uuid4().hex)
    path = f"/releases/{grant_id}/1/retry"

    r = fed.grantee_http.post(path, headers=fed.grantee_headers())
    assert r.status_code == 422
    assert r.json() == {
        "error": "InvalidInput",
        "args": {"reason": "header X-Officer-Id names the acting officer and is required", "field": "X-Officer-Id"},
    }
    assert _retries(fed, grant_id) == []  # nothing asked, nothing served

    r = fed.grantee_http.post(path, headers=fed.grantee_headers(**{"X-Officer-Id": "clerk-9"}))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["grant_id"], body["use_index"], body["replayed"]) == (grant_id, 1, True)
    assert body["receipt"] == first.receipt.to_json()
    clerk = "0x" + fed.grantee.ctx.ops.officer(Caller("department", fed.grantee.address, "clerk-9")).hex()
    assert _retries(fed, grant_id) == [(1, clerk, "replayed")]
    assert fed.owner.ctx.ops.contracts.usage_rights.grant(grant_id).used_count == 1  # a retry records no use


def test_a_retry_of_a_use_this_node_never_recorded_is_404_and_leaves_no_row(fed: Federation):
    grant_id = fed.grant()
    r = fed.grantee_http.post(f"/releases/{grant_id}/1/retry", headers=fed.grantee_headers(**{"X-Officer-Id": "c"}))
    assert r.status_code == 404
    assert r.json() == {
        "error": "NotFound",
        "args": {"reason": "this node recorded no such use", "grant_id": grant_id, "use_index": 1},
    }
    assert _retries(fed, grant_id) == []
