"""Views read in one JSON-RPC batch (ChainClient.call_many, ChainOps.prefetch) answer exactly
what the same views read one by one answer; a view that reverts in the batch is read again
directly, so it raises the same custom error at the same place."""

from __future__ import annotations

import pytest

from backend.chain import ContractRevert
from backend.chain.client import UNREAD

UNKNOWN_GRANT = 10**9


def test_a_batch_answers_what_direct_reads_answer(fed):
    gid = fed.grant()
    ops = fed.owner.ctx.ops
    views = [
        ("UsageRights", "grant", (gid,)),
        ("Consortium", "isActiveDepartment", (fed.grantee.address,)),
        ("UsageRights", "releaseOf", (gid, 0)),
        ("DataCatalog", "resourceCount", ()),
    ]
    reads = ops.prefetch(views, with_time=True)
    assert reads.contracts.usage_rights.grant(gid) == ops.contracts.usage_rights.grant(gid)
    assert reads.contracts.consortium.is_active_department(fed.grantee.address) is True
    assert reads.contracts.usage_rights.release_of(gid, 0) == "0x" + "00" * 32
    assert reads.contracts.data_catalog.resource_count() == ops.contracts.data_catalog.resource_count()
    # every view came from the one batch, none was read again
    read = ops.client.call_many(views, with_time=True)
    assert UNREAD not in read.results
    assert isinstance(read.time, int) and read.time <= ops.chain_time()
    assert reads.chain_time() <= ops.chain_time()


def test_a_reverting_view_is_unread_and_raises_as_a_direct_read(fed):
    ops = fed.owner.ctx.ops
    read = ops.client.call_many([("UsageRights", "grant", (UNKNOWN_GRANT,))])
    assert read.results == [UNREAD] and read.time is None and read.receipts == {}
    reads = ops.prefetch([("UsageRights", "grant", (UNKNOWN_GRANT,))], with_time=True)
    with pytest.raises(ContractRevert) as direct:
        ops.contracts.usage_rights.grant(UNKNOWN_GRANT)
    with pytest.raises(ContractRevert) as batched:
        reads.contracts.usage_rights.grant(UNKNOWN_GRANT)
    assert batched.value.name == direct.value.name == "UsageRightsUnknownGrant"
    assert batched.value.args_dict == direct.value.args_dict == {"grantId": UNKNOWN_GRANT}


def test_without_a_batch_transport_every_view_is_read_directly(fed, monkeypatch):
    gid = fed.grant()
    ops = fed.owner.ctx.ops

    def no_batches(_requests):
        raise ValueError("no JSON-RPC batches here")

    monkeypatch.setattr(ops.client, "_raw_batch", no_batches)
    reads = ops.prefetch([("UsageRights", "grant", (gid,))], with_time=True)
    assert reads.contracts.usage_rights.grant(gid) == ops.contracts.usage_rights.grant(gid)
    assert reads.chain_time() <= ops.chain_time()


def test_the_chain_directory_resolves_through_a_batch_as_directly(fed):
    from backend.federation.directory import ChainPeerDirectory
    from backend.services.directory import NodeNotPublished

    ops, directory = fed.owner.ctx.ops, ChainPeerDirectory(fed.owner.ctx.directory.resolve)
    who = fed.grantee.address
    assert directory.views_for(who) == [("NodeDirectory", "activeNode", (who,))]
    assert directory.views_for("not an address") == []
    reads = ops.prefetch(directory.views_for(who))
    with pytest.raises(NodeNotPublished) as direct:
        directory.resolve(who)
    with pytest.raises(NodeNotPublished) as batched:
        directory.resolve(who, reads)
    assert batched.value.args_dict == direct.value.args_dict
    assert batched.value.args_dict["department"] == who


def test_a_receipt_read_in_a_batch_is_the_receipt_read_directly(fed):
    gid = fed.grant()
    _, tx = fed.record_use(gid, fed.subject())
    ops = fed.grantee.ctx.ops
    unmined = "0x" + "ab" * 32
    reads = ops.prefetch([], receipts=[tx.upper().replace("0X", "0x"), unmined])
    batched, direct = reads.receipt(tx), ops.client.get_receipt(tx)
    assert batched == direct
    assert ops.client.decode_receipt_events(batched) == ops.client.decode_receipt_events(direct)
    assert reads.receipt(unmined) is None
