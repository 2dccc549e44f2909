"""A node announces itself: it publishes its endpoint, encryption key and (serving TLS) the
SHA-256 of its TLS key in the on-chain NodeDirectory once its department is active, and
again whenever they change.

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
ZERO32 = b"\0" * 32  # no TLS key: plain HTTP


def announce_once(
    ops: ChainOps,
    directory: DirectoryService,
    department: str,
    endpoint: str,
    public_key: bytes,
    transport_key_hash: bytes | None = None,
) -> bool:
    """Publish if needed; True once the directory holds this node's entry."""
    if not ops.contracts.consortium.is_active_department(department):
        return False
    tls = transport_key_hash or ZERO32
    try:
        current = ops.contracts.node_directory.node(department)
        published = (current.endpoint, current.encryption_key.lower(), current.transport_key_hash.lower())
        if published == (endpoint, "0x" + public_key.hex(), "0x" + tls.hex()):
            return True
    except ContractRevert as exc:
        if exc.name != "NodeDirectoryUnknownNode":
            raise
    # The key names what is published: a restart after a lost answer replays, not re-publishes.
    key = "announce-" + keccak(endpoint.encode() + public_key + tls).hex()[:32]
    directory.publish(Caller("department", department), endpoint, public_key, transport_key_hash, key=key)
    log.info("published this node in the directory: %s", endpoint)
    return True


def start_announcer(
    ops: ChainOps,
    directory: DirectoryService,
    department: str,
    endpoint: str,
    public_key: bytes,
    transport_key_hash: bytes | None = None,
) -> threading.Thread:
    """Announce in the background until it succeeds (waiting for admission, riding out a node outage)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                if announce_once(ops, directory, department, endpoint, public_key, transport_key_hash):
                    return
            except Exception as exc:  # chain down, or a transient refusal: try again
                log.warning("directory announcement failed (%s); retrying", type(exc).__name__)
            stop.wait(RETRY_S)

    t = threading.Thread(target=loop, name="directory-announce", daemon=True)
    t.start()
    return t
