"""One background thread per client that finds receipts for ALL in-flight
transactions, so 50 waiting requests cost one block poll, not 50 poll loops.

Each poll: read the head; look up receipts of hashes registered as possibly
already mined ("direct"); then walk every new block's transaction list and
fetch receipts only for our hashes. A hash registered before its broadcast can
only be mined in a block after the current head, so the block walk cannot miss
it; anything else gets one direct lookup after registration.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from typing import Any, Protocol


class ReceiptSource(Protocol):
    """What the watcher reads from a node (the chain client provides it)."""

    def head_number(self) -> int: ...

    def get_receipt(self, tx_hash: str) -> Any | None: ...

    def block_tx_hashes(self, number: int) -> list[str]: ...


log = logging.getLogger(__name__)

MAX_BLOCK_WALK = 64  # further behind than this, look every hash up directly instead
FAST_POLL_S = 0.001  # poll interval while the next block is due
DUE_FROM, DUE_UNTIL = 0.9, 1.5  # the due window, in observed block intervals after the head last moved


def next_poll_wait(now: float, moved_at: float | None, block_interval: float | None, poll_s: float) -> float:
    """Seconds until the next poll. Blocks come at a steady interval (interval mining,
    QBFT): polling every ``poll_s`` finds a block on average poll_s/2 late, so while the
    next block is due (0.9-1.5 observed intervals after the head last moved) poll every
    ``FAST_POLL_S``. Never later than ``poll_s``; outside the window (no steady interval,
    a stalled node) exactly as before, so the extra polls per block stay bounded."""
    if moved_at is None or block_interval is None:
        return poll_s
    due, until = moved_at + DUE_FROM * block_interval, moved_at + DUE_UNTIL * block_interval
    if due <= now < until:
        return min(poll_s, FAST_POLL_S)
    if now < due:
        return min(poll_s, max(FAST_POLL_S, due - now))
    return poll_s


class ReceiptWatcher:
    def __init__(self, client: ReceiptSource, poll_interval_s: float = 0.02) -> None:
        self._client = client
        self._poll = max(0.001, float(poll_interval_s))
        self._cond = threading.Condition()
        self._futures: dict[str, Future[Any]] = {}
        self._refs: dict[str, int] = {}
        self._direct: set[str] = set()
        self._last_block: int | None = None
        self._head: int | None = None  # last head seen, when it was first seen, and the
        self._head_at: float | None = None  # block interval observed between head moves
        self._block_interval: float | None = None
        self._stopped = False
        self._thread: threading.Thread | None = None

    # -- public ------------------------------------------------------------------
    def watch(self, tx_hash: str, *, maybe_mined: bool = False) -> Future[Any]:
        """Future resolved with the receipt. Register BEFORE broadcasting a fresh
        transaction; pass ``maybe_mined=True`` for one that may be on chain already."""
        h = tx_hash.lower()
        with self._cond:
            fut = self._futures.get(h)
            if fut is None:
                fut = self._futures[h] = Future()
            self._refs[h] = self._refs.get(h, 0) + 1
            if maybe_mined:
                self._direct.add(h)
            self._ensure_thread()
            self._cond.notify_all()
            return fut

    def unwatch(self, tx_hash: str) -> None:
        """The caller stopped waiting (timeout); forget the hash when nobody waits."""
        h = tx_hash.lower()
        with self._cond:
            n = self._refs.get(h, 0) - 1
            if n <= 0:
                self._refs.pop(h, None)
                self._futures.pop(h, None)
                self._direct.discard(h)
            else:
                self._refs[h] = n

    def in_flight(self) -> int:
        with self._cond:
            return len(self._futures)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- loop ------------------------------------------------------------------------
    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="receipt-watcher", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._futures and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
            try:
                self._poll_once()
            except Exception as exc:  # node down or flaky: keep watching, waiters time out on their own
                log.warning("receipt watcher poll failed: %s", type(exc).__name__)
            with self._cond:
                if self._stopped:
                    return
                self._cond.wait(next_poll_wait(time.monotonic(), self._head_at, self._block_interval, self._poll))

    def _poll_once(self) -> None:
        client = self._client
        head = client.head_number()
        self._note_head(head, time.monotonic())
        with self._cond:
            direct, self._direct = self._direct, set()
            if self._last_block is None or head - self._last_block > MAX_BLOCK_WALK:
                # First poll, or idle for long: walking is pointless, look hashes up directly.
                direct |= set(self._futures)
                first = head + 1
            else:
                first = self._last_block + 1
        try:
            for h in direct:
                self._resolve(h, client.get_receipt(h))
            for n in range(first, head + 1):
                with self._cond:
                    wanted = set(self._futures)
                if not wanted:
                    break
                for h in client.block_tx_hashes(n):
                    if h in wanted:
                        self._resolve(h, client.get_receipt(h))
        except Exception:
            with self._cond:  # retry the direct lookups next time
                self._direct |= {h for h in direct if h in self._futures}
            raise
        with self._cond:
            self._last_block = head

    def _note_head(self, head: int, now: float) -> None:
        with self._cond:
            if self._head is not None and self._head_at is not None and head > self._head:
                self._block_interval = (now - self._head_at) / (head - self._head)
            if head != self._head:
                self._head, self._head_at = head, now

    def _resolve(self, h: str, receipt: Any | None) -> None:
        if receipt is None:
            return
        with self._cond:
            fut = self._futures.pop(h, None)
            self._refs.pop(h, None)
            self._direct.discard(h)
        if fut is not None and not fut.done():
            fut.set_result(receipt)
