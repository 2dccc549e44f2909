"""Reorgs: a dev chain reverted to a snapshot and re-mined with other
transactions replaces blocks the indexer already stored."""

from __future__ import annotations

import pytest
from chain_helpers import anvil, deploy_event_source, emit_uses, raw_logs
from sqlalchemy import select
from web3 import Web3

from backend.indexer import Indexer, chain_events


def _rows(db):
    with db() as s:
        return {
            (r.tx_hash, r.log_index, r.block_hash)
            for r in s.execute(select(chain_events.c.tx_hash, chain_events.c.log_index, chain_events.c.block_hash))
        }


@pytest.mark.parametrize("reorg_depth", [64, 1])  # 1 forces the walk-back to widen step by step
def test_reorg_detected_and_replaced_rows(db, reorg_depth):
    with anvil(block_time=0.2) as url:
        w3 = Web3(Web3.HTTPProvider(url))
        address, abi, deploy_block = deploy_event_source(w3)
        # Let a few empty blocks pass so the replaced range sits above the deployment.
        start = w3.eth.block_number
        while w3.eth.block_number < start + 2:
            w3.provider.make_request("evm_mine", [])
        snapshot = w3.provider.make_request("evm_snapshot", [])["result"]

        old_last = emit_uses(w3, address, abi, batches=[(1, 1, 40)])
        old_last = max(old_last, emit_uses(w3, address, abi, batches=[(1, 1, 10)]))
        idx = Indexer(w3, {"EventSource": (address, abi)}, db, start_block=deploy_block, reorg_depth=reorg_depth)
        assert idx.sync(to_block=old_last) == 50
        old_rows = _rows(db)

        assert w3.provider.make_request("evm_revert", [snapshot])["result"] is True
        new_last = emit_uses(w3, address, abi, batches=[(2, 2, 15)], sender_index=1)
        while w3.eth.block_number < old_last + 1:  # the new fork outgrows the old one
            w3.provider.make_request("evm_mine", [])
        head = w3.eth.block_number

        idx.sync(to_block=head)

        assert idx.reorgs_handled == 1
        truth = raw_logs(w3, address, deploy_block, head)
        assert len(truth) == 15 and new_last <= head
        assert _rows(db) == truth
        assert not (_rows(db) & old_rows)
        with db() as s:
            resources = set(s.scalars(select(chain_events.c.resource_id)))
        assert resources == {"2"}
        assert idx.cursor().block_hash == w3.eth.get_block(head)["hash"].to_0x_hex()
