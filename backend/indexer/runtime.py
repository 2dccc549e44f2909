"""The indexer as the running backend uses it: built from the AppContext, and
followed in a background thread that survives node outages.

- ``make_indexer(ctx)``: an :class:`~backend.indexer.Indexer` over every contract
  of ctx's deployment manifest (addresses + ABIs), from the manifest's deploy
  block, writing into ctx's database (its own web3 connection: the indexer
  thread never shares an HTTP session with the request threads).
- ``IndexerThread(ctx)``: calls ``sync()`` in a loop until stopped. A failed
  round (node down, RPC error, database busy) is logged and retried with a
  capped exponential back-off; the rows already indexed stay readable the
  whole time, and the next successful round resumes
  from the persisted cursor, so nothing is lost or duplicated when the node
  returns. ``status()`` reports progress and the last error for /audit/index.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from backend.chain import build_web3
from backend.chain.manifest import Manifest
from backend.core.config import Settings
from backend.indexer.indexer import Indexer
from backend.indexer.query import EventIndex


class IndexSource(Protocol):
    """What the indexer needs from the application (the composition root provides it)."""

    # read-only members (properties), so that e.g. a ``sessionmaker`` satisfies ``sessions``
    @property
    def settings(self) -> Settings: ...
    @property
    def manifest(self) -> Manifest: ...
    @property
    def sessions(self) -> Callable[[], Session]: ...
    @property
    def index(self) -> EventIndex: ...

    indexer_thread: Any


log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 1.0
MAX_BACKOFF_S = 15.0
THREAD_NAME = "indexer"


def make_indexer(ctx: IndexSource, *, chunk: int = 2000, name: str = "main") -> Indexer:
    """An Indexer over ctx's deployed contracts, starting at the deployment block."""
    contracts = {n: (c.address, c.abi) for n, c in ctx.manifest.contracts.items()}
    return Indexer(
        build_web3(ctx.settings.rpc_url),
        contracts,
        ctx.sessions,
        start_block=ctx.manifest.deploy_block,
        chunk=chunk,
        name=name,
    )


@dataclass
class IndexerStatus:
    running: bool = False
    last_block: int | None = None  # last fully indexed block (the persisted cursor)
    target_block: int | None = None  # head seen by the last successful round
    rows_inserted: int = 0  # since this thread started
    rounds: int = 0
    failures: int = 0  # consecutive failed rounds (0 once a round succeeds)
    last_error: str | None = None
    last_success_at: float | None = None  # unix time
    last_error_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class IndexerThread:
    """Follow chain events into SQL in a daemon thread until ``stop()``.

    ``start()`` is idempotent; ``stop()`` sets the stop event and joins.
    ``wait_for(block)`` blocks until the cursor reaches ``block`` (tests, CLI).
    """

    def __init__(
        self,
        ctx: IndexSource,
        interval_s: float = DEFAULT_INTERVAL_S,
        *,
        indexer: Indexer | None = None,
        max_backoff_s: float = MAX_BACKOFF_S,
    ) -> None:
        self.ctx = ctx
        self.interval_s = interval_s
        self.max_backoff_s = max(max_backoff_s, interval_s)
        self.indexer = indexer or make_indexer(ctx)
        self.stop_event = threading.Event()
        self._wake = threading.Event()
        self._progress = threading.Condition()
        self._status = IndexerStatus()
        self._ticks = 0  # bumped (under _progress) whenever readers may see a new cursor
        self._thread: threading.Thread | None = None
        cursor = self.indexer.cursor()
        self._status.last_block = cursor.block_number if cursor else None

    # -- control ---------------------------------------------------------------------------
    def start(self) -> IndexerThread:
        if self._thread is not None and self._thread.is_alive():
            return self
        self.stop_event.clear()
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self._status.running = True
        self._thread.start()
        return self

    def wake(self) -> None:
        """Start the next round now (a reader waits for a block)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self._wake.set()
        with self._progress:
            self._notify()
        if self._thread is not None:
            self._thread.join(timeout)
        self._status.running = bool(self._thread and self._thread.is_alive())

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> dict[str, Any]:
        with self._progress:
            return self._status.to_dict()

    def progress_mark(self) -> int:
        """A token for :meth:`wait_progress`: take it before reading the cursor."""
        with self._progress:
            return self._ticks

    def wait_progress(self, mark: int, timeout: float) -> None:
        """Return once a round made progress (committed a chunk, finished or the thread
        stopped) after ``mark`` was taken, or after ``timeout`` (a stopped thread: always)."""
        with self._progress:
            if self._ticks == mark:
                self._progress.wait(timeout)

    def _notify(self) -> None:
        # caller holds _progress
        self._ticks += 1
        self._progress.notify_all()

    def wait_for(self, block: int, timeout: float = 30.0) -> bool:
        """True once every block up to ``block`` is indexed (False on timeout)."""
        deadline = time.monotonic() + timeout
        with self._progress:
            while (self._status.last_block or -1) < block:
                left = deadline - time.monotonic()
                if left <= 0 or self.stop_event.is_set():
                    return False
                self._progress.wait(min(left, 0.2))
                # the cursor may also have been advanced by another process (govchain index)
                cur = self.indexer.cursor()
                if cur is not None and (self._status.last_block or -1) < cur.block_number:
                    self._status.last_block = cur.block_number
            return True

    # -- the loop ----------------------------------------------------------------------------
    def _on_progress(self, last_block: int, target: int, inserted: int) -> None:
        with self._progress:
            self._status.last_block = last_block
            self._status.target_block = target
            self._notify()

    def _run(self) -> None:
        delay = self.interval_s
        while not self.stop_event.is_set():
            try:
                n = self.indexer.sync(progress=self._on_progress)
            except Exception as exc:  # node down, RPC error, DB busy: keep the thread alive
                with self._progress:
                    self._status.failures += 1
                    self._status.last_error = f"{type(exc).__name__}: {exc}"[:500]
                    self._status.last_error_at = time.time()
                    failures = self._status.failures
                if failures == 1:
                    log.warning("indexer: sync failed (%s); retrying", exc)
                else:
                    log.debug("indexer: sync failed again (%d): %s", failures, exc)
                delay = min(self.max_backoff_s, max(self.interval_s, delay * 2))
            else:
                with self._progress:
                    if self._status.failures:
                        log.info("indexer: node reachable again after %d failed rounds", self._status.failures)
                    self._status.rows_inserted += n
                    self._status.rounds += 1
                    self._status.failures = 0
                    self._status.last_error = None
                    self._status.last_success_at = time.time()
                    cur = self.indexer.cursor()
                    if cur is not None:
                        self._status.last_block = cur.block_number
                    self._notify()
                delay = self.interval_s
            if self._status.failures:  # backing off: readers' wake-ups do not shorten it
                self.stop_event.wait(delay)
            else:
                self._wake.wait(delay)
            self._wake.clear()
        with self._progress:
            self._status.running = False
            self._notify()


def start_indexer_thread(ctx: IndexSource, interval_s: float = DEFAULT_INTERVAL_S) -> IndexerThread:
    """Start (once) the context's indexer thread and remember it as ``ctx.indexer_thread``
    so the auditor API can report its status."""
    existing = getattr(ctx, "indexer_thread", None)
    if isinstance(existing, IndexerThread) and existing.is_alive():
        return existing
    t = IndexerThread(ctx, interval_s).start()
    ctx.indexer_thread = t
    ctx.index.follower = t  # readers wake it and wait for it
    return t


__all__ = ["IndexerStatus", "IndexerThread", "make_indexer", "start_indexer_thread"]
