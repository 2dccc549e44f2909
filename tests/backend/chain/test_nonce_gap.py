"""A nonce the node refuses (not a nonce error) below a nonce already signed is filled,
so the signer's later transactions are mined instead of waiting forever."""

from __future__ import annotations

import time

import pytest
from chain_testkit import account
from sqlalchemy import select

from backend.chain.errors import TxRejected
from backend.chain.outbox import OutboxTx
from backend.chain.sender import GAP_FILL_FN


def rows(stack, signer: str) -> list[tuple[int, str, str]]:
    with stack.sessions() as s:
        return [
            (r.nonce, r.fn_name, r.status)
            for r in s.scalars(select(OutboxTx).where(OutboxTx.signer == signer).order_by(OutboxTx.nonce, OutboxTx.id))
        ]


def reconcile_until_settled(stack, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        stack.sender.reconcile()
        with stack.sessions() as s:
            if not s.scalars(select(OutboxTx).where(OutboxTx.status.in_(("signed", "sent")))).first():
                return
        if time.monotonic() > deadline:
            pytest.fail("rows still in flight")
        time.sleep(0.2)


def test_refused_nonce_under_a_signed_one_is_filled_at_once(anvil, probe_manifest_path, stack_factory):
    # The batcher's path: store_signed + broadcast_stored.
    st = stack_factory(anvil.url, probe_manifest_path)
    acct = account(5)
    n = st.client.w3.eth.get_transaction_count(acct.address, "pending")
    to, data, gas = st.sender.simulate(acct, "ChainProbe", "bump", [1])
    # Nonce N: a gas limit above the block gas limit, which the node refuses on submission.
    a_id, a_hash, a_nonce, a_raw = st.sender.store_signed(acct, "ChainProbe", "bump", to, data, 40_000_000)
    b_id, b_hash, b_nonce, b_raw = st.sender.store_signed(
        acct, "ChainProbe", "bump", *st.sender.encode("ChainProbe", "bump", [2]), gas
    )
    assert (a_nonce, b_nonce) == (n, n + 1)

    with pytest.raises(TxRejected):
        st.sender.broadcast_stored(acct.address, a_id, a_hash, a_raw)
    fut = st.sender.broadcast_stored(acct.address, b_id, b_hash, b_raw)
    receipt = fut.result(timeout=15)  # N+1 is mined: N was filled
    assert receipt["status"] == 1

    later = st.sender.send(acct, "ChainProbe", "bump", [3], "after-gap")
    assert (later.status, later.nonce, later.pending) == ("mined", n + 2, False)
    reconcile_until_settled(st)
    assert rows(st, acct.address) == [
        (n, "bump", "failed"),
        (n, GAP_FILL_FN, "mined"),
        (n + 1, "bump", "mined"),
        (n + 2, "bump", "mined"),
    ]
    filler = st.client.w3.eth.get_transaction(
        next(r.tx_hash for r in st.sessions().scalars(select(OutboxTx).where(OutboxTx.fn_name == GAP_FILL_FN)))
    )
    assert (filler["to"], filler["value"], filler["nonce"]) == (acct.address, 0, n)
    assert st.client.w3.eth.get_transaction_count(acct.address, "latest") == n + 3


def test_insufficient_funds_gap_is_filled_by_reconcile(anvil, probe_manifest_path, stack_factory):
    st = stack_factory(anvil.url, probe_manifest_path)
    acct = account(6)
    w3 = st.client.w3
    n = w3.eth.get_transaction_count(acct.address, "pending")
    balance = w3.eth.get_balance(acct.address)
    to, data, gas = st.sender.simulate(acct, "ChainProbe", "bump", [10])
    a_id, a_hash, _, a_raw = st.sender.store_signed(acct, "ChainProbe", "bump", to, data, gas)
    b_id, b_hash, _, b_raw = st.sender.store_signed(
        acct, "ChainProbe", "bump", *st.sender.encode("ChainProbe", "bump", [11]), gas
    )

    anvil.rpc("anvil_setBalance", [acct.address, "0x0"])
    with pytest.raises(TxRejected) as exc:
        st.sender.broadcast_stored(acct.address, a_id, a_hash, a_raw)
    assert "insufficient" in exc.value.reason.lower()
    # The filler could not be paid for either: both refused, nothing signed twice.
    assert rows(st, acct.address) == [(n, "bump", "failed"), (n, GAP_FILL_FN, "failed"), (n + 1, "bump", "signed")]

    anvil.rpc("anvil_setBalance", [acct.address, hex(balance)])
    counts = st.sender.reconcile()
    assert counts["gap_filled"] == 1
    reconcile_until_settled(st)
    assert rows(st, acct.address) == [
        (n, "bump", "failed"),
        (n, GAP_FILL_FN, "failed"),
        (n, GAP_FILL_FN, "mined"),
        (n + 1, "bump", "mined"),
    ]

    later = st.sender.send(acct, "ChainProbe", "bump", [12], "after-funds")
    assert (later.status, later.nonce) == ("mined", n + 2)


def test_refused_last_nonce_is_reused_without_filler(anvil, probe_manifest_path, stack_factory):
    st = stack_factory(anvil.url, probe_manifest_path)
    acct = account(7)
    n = st.client.w3.eth.get_transaction_count(acct.address, "pending")
    to, data, _ = st.sender.simulate(acct, "ChainProbe", "bump", [20])
    a_id, a_hash, _, a_raw = st.sender.store_signed(acct, "ChainProbe", "bump", to, data, 40_000_000)
    with pytest.raises(TxRejected):
        st.sender.broadcast_stored(acct.address, a_id, a_hash, a_raw)
    out = st.sender.send(acct, "ChainProbe", "bump", [21], "reuse")
    assert (out.status, out.nonce) == ("mined", n)
    assert rows(st, acct.address) == [(n, "bump", "failed"), (n, "bump", "mined")]
