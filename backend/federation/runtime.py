"""A node's share of the federation, built once by the node process: its encryption
key, the peer directory, the owner-side release service and the requester-side client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from backend.federation.client import PeerClient
from backend.federation.directory import PeerDirectory
from backend.federation.endpoint import EndpointPolicy
from backend.federation.envelope import NodeEncryptionKey
from backend.federation.onchain import ReleaseRecorder
from backend.federation.release import ReleaseService
from backend.services.common import ChainOps
from backend.store import DocumentStore


@dataclass(frozen=True)
class NodeFederation:
    key: NodeEncryptionKey
    directory: PeerDirectory
    release: ReleaseService
    client: PeerClient
    recorder: ReleaseRecorder  # owed on-chain releases; start() it (its first sweep reconciles)


def build_node_federation(
    ops: ChainOps,
    store: DocumentStore,
    sessions: sessionmaker[Session],
    directory: PeerDirectory,
    *,
    data_dir: Path,
    secret: str,
    department: str,
    peer_allow_networks: tuple[str, ...] = (),
    chain_guard: Callable[[], None] | None = None,
) -> NodeFederation:
    key = NodeEncryptionKey.load_or_create(data_dir, secret)
    recorder = ReleaseRecorder(ops, sessions, department)
    return NodeFederation(
        key=key,
        directory=directory,
        release=ReleaseService(ops, store, sessions, directory, department, recorder, chain_guard),
        client=PeerClient(ops, sessions, directory, key, department, endpoints=EndpointPolicy(peer_allow_networks)),
        recorder=recorder,
    )
