"""The owner's node re-checks the chain it pinned before it releases (backend/chain/pins.py): an
RPC that now serves another chain (here: a pinned code hash that the real chain does not match)
gets no release; the peer is told 503 ChainMisconfigured and nothing reaches the ledger."""

from __future__ import annotations

import json

import pytest
from fed_world import Federation
from test_release import ledger_rows, post, signed_body

from backend.chain.pins import ChainPinMismatch, ChainPins, PinnedChainWatch, check_pins, read_pins


def _addresses(fed: Federation) -> dict[str, str]:
    raw = json.loads((fed.system.deployments / "fedtest.json").read_text())
    return {name: entry["address"] for name, entry in raw["contracts"].items()}


def test_pins_read_from_the_chain_hold_and_any_other_pin_is_refused(fed: Federation):
    w3, addresses = fed.system.w3, _addresses(fed)
    pins = read_pins(w3, addresses)
    assert pins.chain_id == w3.eth.chain_id and set(pins.code) == set(addresses)
    check_pins(w3, pins, addresses)
    other_genesis = ChainPins(pins.chain_id, "0x" + "11" * 32, pins.code)
    with pytest.raises(ChainPinMismatch, match=f"the node pinned 0x{'11' * 32}$"):
        check_pins(w3, other_genesis, addresses)
    with pytest.raises(ChainPinMismatch, match=f"the RPC serves chain id {pins.chain_id}, the node pinned 7$"):
        check_pins(w3, ChainPins(7, pins.genesis_hash, pins.code), addresses)


def test_a_release_is_refused_while_the_chain_is_not_the_pinned_one(fed: Federation):
    w3, addresses = fed.system.w3, _addresses(fed)
    pins = read_pins(w3, addresses)
    foreign = ChainPins(pins.chain_id, pins.genesis_hash, {**pins.code, "UsageRights": "0x" + "ab" * 32})
    grant_id = fed.grant()
    use_index, tx = fed.record_use(grant_id, fed.subject())
    body = signed_body(fed, grant_id, use_index, tx, fed.subject())
    fed.release.chain_guard = PinnedChainWatch(w3, foreign, addresses).check
    try:
        r = post(fed, body)
        assert (r.status_code, r.json()) == (503, {"error": "ChainMisconfigured", "args": {}})
        assert ledger_rows(fed, grant_id) == []
        fed.release.chain_guard = PinnedChainWatch(w3, pins, addresses).check  # the pinned chain again
        assert post(fed, body).status_code == 200
        assert [row.use_index for row in ledger_rows(fed, grant_id)] == [use_index]
    finally:
        fed.release.chain_guard = None
