"""The field list a grant was approved for, by the chain: used by the owner before it releases
(check 7) and by the grantee before it spends a use (a wrong list would burn one for nothing).

The index only finds which request the grant was issued for (its ``GrantIssued`` event); the
contract confirms it (``request(id).grantId``) and holds the approved ``fieldsHash``. A direct
grant (``issueGrant``, no request) has no approved field list on chain: nothing is released
under it through the peer protocol."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

from backend.chain.bindings import Contracts
from backend.federation.errors import ReleaseFieldsNotApproved
from backend.indexer.query import IndexBehind
from backend.services.common import ChainOps, h0x
from backend.services.errors import IndexLagging

ISSUED_BY_MEMO_SIZE = 4096  # grants whose issuing request a memo remembers (cleared when full)


def check_approved_fields(
    ops: ChainOps,
    grant_id: int,
    given: bytes,
    *,
    index_to: int | Callable[[], int],
    memo: MutableMapping[int, int] | None = None,
    contracts: Contracts | None = None,
) -> int:
    """The id of the request ``grant_id`` was issued for, when its on-chain ``fieldsHash`` is
    ``given``; raises ReleaseFieldsNotApproved. ``index_to``: a block (or how to read one) the
    GrantIssued event is known to be at or before (the index is waited for up to it only when
    the event is not found). The contract confirms whatever the index names, so a found row
    needs no wait, and ``memo`` may remember it per grant: a GrantIssued never changes, and a
    stale hint could only make the contract's check refuse, never allow. ``contracts``: the
    bindings to read the request through (e.g. a batch read just before), else ``ops``'s."""
    request_id = memo.get(grant_id, 0) if memo is not None else 0
    if not request_id:
        request_id = _issuing_request(ops, grant_id, index_to)
        if request_id and memo is not None:
            if len(memo) >= ISSUED_BY_MEMO_SIZE:
                memo.clear()
            memo[grant_id] = request_id
    if request_id == 0:
        raise ReleaseFieldsNotApproved("a direct grant has no approved field list on chain", grant_id=grant_id)
    req = (contracts or ops.contracts).usage_rights.request(request_id)
    if req.grant_id != grant_id or req.fields_hash.lower() != h0x(given):
        raise ReleaseFieldsNotApproved(
            "the fields are not those approved for the grant", grant_id=grant_id, request_id=request_id
        )
    return request_id


def _issuing_request(ops: ChainOps, grant_id: int, index_to: int | Callable[[], int]) -> int:
    """From the index: the request the grant was issued for (0: a direct grant, or not indexed)."""
    issued = ops.history("UsageRights", "GrantIssued", grantId=grant_id)
    if not issued:  # not indexed yet? wait for the block it must be in, then look again
        try:
            ops.index.wait_for(index_to() if callable(index_to) else index_to)
        except IndexBehind as exc:
            raise IndexLagging(exc.needed_block, exc.indexed_to_block) from None
        issued = ops.history("UsageRights", "GrantIssued", grantId=grant_id)
    return int(issued[0]["args"]["requestId"]) if issued else 0
