"""The receipt watcher polls faster only while the next block is due (pure timing rule, no clock)."""

from __future__ import annotations

import pytest

from backend.chain.receipts import FAST_POLL_S, ReceiptWatcher, next_poll_wait

POLL = 0.005


def test_without_an_observed_interval_the_poll_interval_is_used():
    assert next_poll_wait(10.0, None, None, POLL) == POLL
    assert next_poll_wait(10.0, 9.0, None, POLL) == POLL


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (100.000, POLL),  # the head just moved: the next block is 0.2 s away
        (100.178, 0.002),  # poll again right when the block becomes due (at 0.18 s)
        (100.180, FAST_POLL_S),  # due: fast polls
        (100.250, FAST_POLL_S),
        (100.300, POLL),  # 1.5 intervals and no block (stalled node, irregular chain): as before
        (105.000, POLL),
    ],
)
def test_fast_polls_only_while_the_next_block_is_due(now, expected):
    assert next_poll_wait(now, 100.0, 0.2, POLL) == pytest.approx(expected)


def test_never_slower_than_the_configured_poll():
    for now in (100.0, 100.1, 100.179, 100.2, 100.4):
        assert next_poll_wait(now, 100.0, 0.2, POLL) <= POLL
        assert next_poll_wait(now, 100.0, 0.2, 0.0005) <= 0.0005


class Chain:
    def head_number(self) -> int:
        return self.head

    def get_receipt(self, tx_hash):
        return None

    def block_tx_hashes(self, number):
        return []


def test_the_block_interval_is_learnt_from_head_moves():
    chain = Chain()
    w = ReceiptWatcher(chain, poll_interval_s=POLL)
    w._note_head(10, 50.0)
    assert (w._head, w._head_at, w._block_interval) == (10, 50.0, None)
    w._note_head(10, 50.1)  # same head: nothing learnt
    assert (w._head, w._head_at, w._block_interval) == (10, 50.0, None)
    w._note_head(13, 50.6)  # three blocks in 0.6 s
    assert w._head == 13 and w._head_at == 50.6 and w._block_interval == pytest.approx(0.2)
