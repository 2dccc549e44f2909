"""Chain access in one place: manifest, client, error decoding, nonces, outbox, sender.

Typical wiring (one of each per process)::

    manifest = load_manifest(manifest_path(settings.deployments_dir, settings.network))
    client = ChainClient(settings, manifest, session_factory)
    sender = TxSender(client)
    sender.reconcile()            # at startup, then periodically
    outcome = sender.send(account, "DataCatalog", "registerResource", [...], idempotency_key)
"""

from backend.chain.client import ChainClient, build_web3
from backend.chain.errors import (
    ChainConfigError,
    ChainError,
    ChainUnavailable,
    ContractRevert,
    ErrorRegistry,
    TxRejected,
    decode_revert,
    http_status_for,
)
from backend.chain.manifest import DeployedContract, Manifest, ManifestError, load_manifest, manifest_path
from backend.chain.sender import TxOutcome, TxSender

__all__ = [
    "ChainClient",
    "ChainConfigError",
    "ChainError",
    "ChainUnavailable",
    "ContractRevert",
    "DeployedContract",
    "ErrorRegistry",
    "Manifest",
    "ManifestError",
    "TxOutcome",
    "TxRejected",
    "TxSender",
    "build_web3",
    "decode_revert",
    "http_status_for",
    "load_manifest",
    "manifest_path",
]
