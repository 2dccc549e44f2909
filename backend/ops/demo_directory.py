"""The demo departments' node entries: each publishes, in the NodeDirectory, where its node
is reached and a real X25519 public key that peers seal releases to.

For now every demo department is served by the one demo server, so all entries carry its
URL (plain HTTP on loopback: no transport key hash). Each department's key pair is its own:
generated once with PyNaCl and kept next to its signing key, its private half sealed with
the keystore secret (backend.core.sealing_keys). Idempotent: a department whose current
entry already has this endpoint and key is left alone (no new version on every start).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from eth_utils import keccak

from backend.chain import ContractRevert
from backend.core.sealing_keys import SealingKeys
from backend.ops import roster
from backend.services import Actor

if TYPE_CHECKING:  # pragma: no cover
    from backend.composition import AppContext

Log = Callable[[str], None]


def publish_demo_nodes(ctx: AppContext, endpoint: str, log: Log = print) -> dict[str, int]:
    """Publish (when changed) each demo department's node entry; department key → entry version."""
    keys = SealingKeys(ctx.settings.keystore_dir, ctx.settings.keystore_secret)

    def one(member: roster.Member) -> tuple[str, int]:
        address = ctx.keystore.address_of(member.key)
        public = keys.ensure(member.key)
        current = _current(ctx, address)
        if current is not None and (current["endpoint"], current["encryptionKey"]) == (endpoint, "0x" + public.hex()):
            return member.key, int(current["version"])
        idem = f"demo-node-{public.hex()[:24]}-{keccak(endpoint.encode()).hex()[:16]}"
        out = ctx.directory.publish(Actor("department", address), endpoint, public, None, key=idem)
        return member.key, int(out["version"])

    with ThreadPoolExecutor(max_workers=4) as pool:  # different signers: independent transactions
        versions = dict(pool.map(one, roster.DEPARTMENTS))
    log(f"demo: node directory entries at {endpoint} (versions {versions})")
    return versions


def _current(ctx: AppContext, address: str) -> dict[str, Any] | None:
    try:
        entry: dict[str, Any] = ctx.directory.ops.view("NodeDirectory", "node", address)
        return entry
    except ContractRevert as exc:
        if exc.name == "NodeDirectoryUnknownNode":
            return None
        raise
