"""Everything one backend process needs, wired once from Settings.

``AppContext.from_settings()`` opens the database (creating tables), loads the
deployment manifest, and builds the chain client, the transaction sender (with
its outbox), the keystore, the document store, the token service and the use
cases. ``start()`` reconciles the outbox once (a node that is down is not an
error at start-up) and keeps reconciling in a background thread; ``close()``
stops the threads and releases connections.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from eth_account.signers.local import LocalAccount
from eth_utils import is_hex_address, to_checksum_address

from backend.chain import ChainClient, ChainUnavailable, Manifest, TxSender, load_manifest, manifest_path
from backend.core.config import Settings, load_settings
from backend.core.db import make_engine, session_factory
from backend.core.keystore import Keystore, KeystoreError
from backend.core.officers import OfficerStore
from backend.core.throttle import Throttle, ThrottleLimits
from backend.core.tokens import TokenService
from backend.indexer.indexer import Indexer
from backend.indexer.query import EventIndex
from backend.indexer.runtime import IndexerThread, make_indexer, start_indexer_thread
from backend.migrations import init_db
from backend.services import ChainOps, Services
from backend.services.cases import PeerEvidence
from backend.services.directory import DirectoryService
from backend.services.errors import SignerUnavailable
from backend.services.officers import OfficerService
from backend.services.session_limits import SessionLimits
from backend.store import DocumentStore

log = logging.getLogger(__name__)

RECONCILE_INTERVAL_S = 5.0


class AppContext:
    def __init__(self, settings: Settings, *, manifest: Manifest | None = None) -> None:
        self.settings = settings
        self.indexer_thread: IndexerThread | None = None
        if settings.database_url.startswith("sqlite:///"):
            Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(settings.database_url)
        init_db(self.engine)
        self.sessions = session_factory(self.engine)
        self.manifest = manifest or load_manifest(manifest_path(settings.deployments_dir, settings.network))
        self.client = ChainClient(settings, self.manifest, self.sessions)
        self.sender = TxSender(self.client)
        self.keystore = Keystore(settings.keystore_dir, settings.keystore_secret)
        self.sender.account_lookup = self.account_for  # gap fillers after a restart
        self.store = DocumentStore(settings.documents_dir, settings.keystore_secret, self.sessions)
        self.tokens = TokenService(self.sessions, settings.keystore_secret)
        # officer accounts and sign-in throttling (issue 10): beside Services, like the directory
        self.throttle = Throttle(ThrottleLimits.from_settings(settings))
        self.officers = OfficerService(
            OfficerStore(self.sessions, settings.keystore_secret), self.tokens, self.throttle
        )
        # The read model: past events come from the SQL index (no per-request log queries to the node).
        self.index = EventIndex(self.sessions, wait_s=settings.index_wait_s)
        self.index.catch_up = self._catch_up
        self._catch_up_lock = threading.Lock()
        self._inline_indexer: Indexer | None = None
        self.ops = ChainOps(
            self.client, self.sender, self.manifest, self.index, self.account_for, settings.subject_secret
        )
        self.services = Services(
            self.ops, self.store, self.tokens, self.sessions, subject_secret=settings.subject_secret
        )
        self.services.citizens.use_session_limits(
            SessionLimits(settings.assisted_sessions_per_officer, settings.assisted_sessions_per_desk)
        )
        # the node directory (issue 9): beside Services, which other work is reshaping
        self.directory = DirectoryService(self.ops)
        self._names: dict[str, str] = {}  # checksummed address -> keystore name
        self._names_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.last_reconcile: dict[str, int] | None = None

    def use_peer_client(self, client: PeerEvidence) -> None:
        """A department's node in a federation (``govchain node run``): case evidence is pulled from
        the owners' nodes through the peer release protocol instead of this node's own store."""
        self.services.cases.use_peer_evidence(client)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> AppContext:
        return cls(settings or load_settings())

    # -- signing accounts ---------------------------------------------------------------------
    def refresh_accounts(self) -> dict[str, str]:
        """Re-read keystore names → addresses (no decryption)."""
        names = {addr: name for name, addr in self.keystore.addresses().items()}
        with self._names_lock:
            self._names = names
        return dict(names)

    def account_for(self, address: str) -> LocalAccount:
        """The keystore account of a department/governor/auditor address."""
        if not is_hex_address(address):
            raise SignerUnavailable("not a chain address", address=address)
        addr = to_checksum_address(address)
        with self._names_lock:
            name = self._names.get(addr)
        if name is None:
            name = self.refresh_accounts().get(addr)
        if name is None:
            raise SignerUnavailable("the backend holds no key for this account", address=addr)
        try:
            return self.keystore.load(name)
        except KeystoreError as exc:
            raise SignerUnavailable(f"key {name} cannot be used: {type(exc).__name__}", address=addr) from None

    # -- background work ------------------------------------------------------------------------
    def reconcile_once(self) -> dict[str, int] | None:
        try:
            self.last_reconcile = self.sender.reconcile()
            return self.last_reconcile
        except ChainUnavailable:
            log.warning("outbox reconcile skipped: chain node unavailable")
        except Exception:  # keep the API up; the next round retries
            log.exception("outbox reconcile failed")
        return None

    def start(self, reconcile_interval_s: float = RECONCILE_INTERVAL_S) -> None:
        """Reconcile the outbox now, then every ``reconcile_interval_s`` in a daemon thread."""
        if any(t.name == "outbox-reconcile" and t.is_alive() for t in self._threads):
            return
        self._stop.clear()
        self.refresh_accounts()
        self.reconcile_once()

        def loop() -> None:
            while not self._stop.wait(reconcile_interval_s):
                self.reconcile_once()

        t = threading.Thread(target=loop, name="outbox-reconcile", daemon=True)
        t.start()
        self._threads.append(t)

    def make_indexer(self):
        return make_indexer(self)

    def _catch_up(self, block: int) -> None:
        """Without an indexer thread (CLI, scripts): index up to ``block`` in the caller's thread."""
        with self._catch_up_lock:
            if self._inline_indexer is None:
                self._inline_indexer = make_indexer(self)
            try:
                self._inline_indexer.sync(to_block=block)
            except Exception as exc:  # node down: the caller answers IndexBehind
                log.warning("index catch-up to block %s failed: %s", block, exc)

    def start_indexer(self, interval_s: float = 1.0):
        """Follow chain events into SQL in the background (retries while the node is down)."""
        self.indexer_thread = start_indexer_thread(self, interval_s)
        return self.indexer_thread

    def stop_indexer(self) -> None:
        """Stop the indexer thread; reads then catch up inline again."""
        t = self.indexer_thread
        if t is not None:
            t.stop()
            if self.index.follower is t:
                self.index.follower = None
            self.indexer_thread = None

    def close(self) -> None:
        if self.indexer_thread is not None:
            self.indexer_thread.stop()
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        self._threads.clear()
        self.services.usage.batcher.stop()
        self.client.close()
        self.engine.dispose()


def open_officers(settings: Settings) -> OfficerStore:
    """The officer accounts of ``settings``' database alone (the CLI enrols the first admin)."""
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    init_db(engine)
    return OfficerStore(session_factory(engine), settings.keystore_secret)


def open_tokens(settings: Settings) -> TokenService:
    """The token table of ``settings``' database alone (created or migrated first), for
    the CLI and set-up scripts that issue tokens without building a whole node."""
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    init_db(engine)
    return TokenService(session_factory(engine), settings.keystore_secret)
