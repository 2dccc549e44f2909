"""A node announces itself: it publishes its endpoint and encryption key in the on-chain
NodeDirectory once its department is active, and again whenever they change.

A node starts before the council admits it (its operator sends the address first), so
the announcement waits in a background thread and retries; an entry that already says
the same is left alone (no new version on every restart).
"""

from __future__ import annotations

import logging
import threading

from eth_utils import keccak

from backend.chain import ContractRevert
from backend.services.caller import Caller
from backend.services.common import ChainOps
from backend.services.directory import DirectoryService

log = logging.getLogger(__name__)

RETRY_S = 2.0


def announce_once(
    ops: ChainOps, directory: DirectoryService, department: str, endpoint: str, public_key: bytes
) -> bool:
    """Publish if needed; True once the directory holds this node's entry."""
    if not ops.contracts.consortium.is_active_department(department):
        return False
    try:
        current = ops.contracts.node_directory.node(department)
        if (current.endpoint, current.encryption_key.lower()) == (endpoint, "0x" + public_key.hex()):
            return True
    except ContractRevert as exc:
        if exc.name != "NodeDirectoryUnknownNode":
            raise
    # The key names what is published: a restart after a lost answer replays, not re-publishes.
    key = "announce-" + keccak(endpoint.encode() + public_key).hex()[:32]
    directory.publish(Caller("department", department), endpoint, public_key, None, key=key)
    log.info("published this node in the directory: %s", endpoint)
    return True


def start_announcer(
    ops: ChainOps, directory: DirectoryService, department: str, endpoint: str, public_key: bytes
) -> threading.Thread:
    """Announce in the background until it succeeds (waiting for admission, riding out a node outage)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                if announce_once(ops, directory, department, endpoint, public_key):
                    return
            except Exception as exc:  # chain down, or a transient refusal: try again
                log.warning("directory announcement failed (%s); retrying", type(exc).__name__)
            stop.wait(RETRY_S)

    t = threading.Thread(target=loop, name="directory-announce", daemon=True)
    t.start()
    return t
