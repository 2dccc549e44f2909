"""One nonce sequence per signing address, shared by every thread of the process.

The next nonce starts at max(node's pending count, highest outbox nonce + 1):
the outbox covers transactions signed before a crash that the node never saw.
A nonce is only consumed when the caller commits its reservation, and the lock
is held from reservation until the outbox row is committed, so the outbox's
nonces per signer stay contiguous even if the process dies mid-way.

Assumes one backend process signs for a given address (the usual deployment:
the backend holds the department keys).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from eth_utils import to_checksum_address


class NonceSlot:
    """A reserved nonce; ``commit()`` consumes it, otherwise it is handed out again."""

    def __init__(self, nonce: int) -> None:
        self.nonce = nonce
        self.committed = False

    def commit(self) -> None:
        self.committed = True


class NonceManager:
    def __init__(self, address: str, chain_count: Callable[[str], int], outbox_next: Callable[[str], int]) -> None:
        self.address = to_checksum_address(address)
        self._chain_count = chain_count
        self._outbox_next = outbox_next
        # Re-entrant: the gap filler (TxSender._fill_gaps) holds it across a resync().
        self._lock = threading.RLock()
        self._next: int | None = None

    @property
    def initialised(self) -> bool:
        return self._next is not None

    @contextmanager
    def reserve(self) -> Iterator[NonceSlot]:
        """Hold the signer's lock and yield the next nonce. The nonce advances only
        if the caller called ``slot.commit()`` and the block did not raise."""
        with self._lock:
            if self._next is None:
                # May raise ChainUnavailable: better no nonce than a guessed one.
                self._next = max(self._chain_count(self.address), self._outbox_next(self.address))
            slot = NonceSlot(self._next)
            yield slot
            if slot.committed:
                self._next = slot.nonce + 1

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the signer's lock without reserving: nothing else is signed meanwhile
        (used to sign a gap filler at a nonce that was handed out before)."""
        with self._lock:
            yield

    def resync(self) -> None:
        """Forget the cached value; the next reservation re-reads chain and outbox."""
        with self._lock:
            self._next = None

    def peek(self) -> int | None:
        return self._next


class NonceRegistry:
    def __init__(self, chain_count: Callable[[str], int], outbox_next: Callable[[str], int]) -> None:
        self._chain_count = chain_count
        self._outbox_next = outbox_next
        self._managers: dict[str, NonceManager] = {}
        self._lock = threading.Lock()

    def for_address(self, address: str) -> NonceManager:
        key = to_checksum_address(address)
        with self._lock:
            mgr = self._managers.get(key)
            if mgr is None:
                mgr = self._managers[key] = NonceManager(key, self._chain_count, self._outbox_next)
            return mgr
