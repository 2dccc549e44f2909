"""The field list a grant was approved for, by the chain: used by the owner before it releases
(check 7) and by the grantee before it spends a use (a wrong list would burn one for nothing).

The index only finds which request the grant was issued for (its ``GrantIssued`` event); the
contract confirms it (``request(id).grantId``) and holds the approved ``fieldsHash``. A direct
grant (``issueGrant``, no request) has no approved field list on chain: nothing is released
under it through the peer protocol."""

from __future__ import annotations

from backend.federation.errors import ReleaseFieldsNotApproved
from backend.indexer.query import IndexBehind
from backend.services.common import ChainOps, h0x
from backend.services.errors import IndexLagging


def check_approved_fields(ops: ChainOps, grant_id: int, given: bytes, *, index_to: int) -> int:
    """The id of the request ``grant_id`` was issued for, when its on-chain ``fieldsHash`` is
    ``given``; raises ReleaseFieldsNotApproved. ``index_to``: a block the GrantIssued event is
    known to be at or before (the index is waited for up to it when the event is not found).
    The contract confirms whatever the index names, so a found row needs no wait."""
    issued = ops.history("UsageRights", "GrantIssued", grantId=grant_id)
    if not issued:  # not indexed yet? wait for the block it must be in, then look again
        try:
            ops.index.wait_for(index_to)
        except IndexBehind as exc:
            raise IndexLagging(exc.needed_block, exc.indexed_to_block) from None
        issued = ops.history("UsageRights", "GrantIssued", grantId=grant_id)
    request_id = int(issued[0]["args"]["requestId"]) if issued else 0
    if request_id == 0:
        raise ReleaseFieldsNotApproved("a direct grant has no approved field list on chain", grant_id=grant_id)
    req = ops.contracts.usage_rights.request(request_id)
    if req.grant_id != grant_id or req.fields_hash.lower() != h0x(given):
        raise ReleaseFieldsNotApproved(
            "the fields are not those approved for the grant", grant_id=grant_id, request_id=request_id
        )
    return request_id
