"""Owner side: every release in the ledger becomes an on-chain fact (UsageRights.recordRelease).

The grantee does not wait for it. The ledger row (committed before the answer leaves) is the
durable promise; ``release_tx IS NULL`` marks a release still owed to the chain. One worker
thread sends them, woken after each new ledger row and, as a safety net, every ``idle_s``;
its first sweep at start-up is the reconciliation after a crash.

Each send uses the idempotency key ``peer.release:<grant>:<use>`` (the outbox: one key per
signer = one transaction), so a SIGKILL at any point never sends twice:

- before the outbox row: the next sweep sends (the row is still NULL);
- after the outbox row, before it was mined: ``TxSender.reconcile`` re-broadcasts the same raw
  transaction and the next sweep's send with the same key resumes it;
- after it was mined, before ``release_tx`` was written: the same key answers the mined outcome.

A refusal (e.g. the department is suspended, or no longer owns the resource) leaves the row
owed, logged, and retried after ``retry_s``: on chain that use stays "recorded, not released",
which is then the truth the auditors should see.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.chain import ContractRevert
from backend.federation.ledger import row_verifies
from backend.federation.messages import ReleaseDomain
from backend.federation.models import PeerRelease
from backend.services.common import ChainOps

log = logging.getLogger(__name__)

OP = "peer.release"
BATCH = 200  # rows per query; a sweep goes on until none is owed or one fails


def release_key(grant_id: int, use_index: int) -> str:
    """The idempotency key of the on-chain release of one use (one per use, forever)."""
    return f"{grant_id}:{use_index}"


class ReleaseRecorder:
    def __init__(
        self,
        ops: ChainOps,
        sessions: sessionmaker[Session],
        department: str,
        *,
        idle_s: float = 60.0,
        retry_s: float = 10.0,
    ) -> None:
        self.ops = ops
        self.sessions = sessions
        self.department = department
        self._domain = ReleaseDomain(ops.client.chain_id, ops.manifest.contract("UsageRights").address)
        self.idle_s = idle_s
        self.retry_s = retry_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._sweep_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- the worker -----------------------------------------------------------------------------
    def start(self) -> threading.Thread:
        """Sweep now (reconciliation after a restart), then whenever woken or every ``idle_s``."""
        if self._thread is not None and self._thread.is_alive():
            return self._thread
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="peer-release-recorder", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def wake(self) -> None:
        """A new ledger row was committed: record it soon (called after the commit)."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # before the sweep: a row committed from now on is seen by it or the next
            try:
                all_done = self.sweep()
            except Exception as exc:  # the chain or the database is down: try again later
                log.warning("recording releases on chain failed (%s); retrying", type(exc).__name__)
                all_done = False
            self._wake.wait(self.idle_s if all_done else self.retry_s)

    # -- one pass ---------------------------------------------------------------------------------
    def owed(self, limit: int = BATCH, after_id: int = 0) -> list[PeerRelease]:
        """Ledger rows whose release is not yet recorded on chain, oldest first."""
        with self.sessions() as s:
            rows = s.scalars(
                select(PeerRelease)
                .where(PeerRelease.release_tx.is_(None), PeerRelease.id > after_id)
                .order_by(PeerRelease.id)
                .limit(limit)
            )
            return list(rows)

    def sweep(self) -> bool:
        """Record every owed release; True when none is left owed (a refused one stays owed)."""
        with self._sweep_lock:
            all_done, after = True, 0
            while rows := self.owed(after_id=after):
                for row in rows:
                    all_done = self._record(row) and all_done
                after = rows[-1].id
            return all_done

    def _record(self, row: PeerRelease) -> bool:
        grant_id, use_index = int(row.grant_id), row.use_index
        if not row_verifies(row, self._domain, self.department):
            # Not signed by this department (a row written into the database by hand): the
            # department's key records nothing for it.
            log.error("ledger row of grant %s use %s does not verify: not recorded on chain", grant_id, use_index)
            return False
        try:
            outcome = self.ops.contracts.usage_rights.record_release(
                self.ops.account_for(self.department),
                grant_id,
                use_index,
                bytes.fromhex(row.content_hash[2:]),
                op=OP,
                key=release_key(grant_id, use_index),
            )
        except ContractRevert as exc:
            log.warning("release of grant %s use %s not recorded on chain: %s", grant_id, use_index, exc.name)
            return False
        with self.sessions.begin() as s:
            s.execute(update(PeerRelease).where(PeerRelease.id == row.id).values(release_tx=outcome.tx_hash))
        log.info("recorded the release of grant %s use %s on chain (%s)", grant_id, use_index, outcome.tx_hash)
        return True
