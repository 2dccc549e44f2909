"""A department's node: one data directory that holds exactly one party's key and data.

Layout of ``<data_dir>``::

    node.json          who this node is (name, role, address) and where it listens / reads the chain
    secret             development only: the keystore secret (mode 0600); production passes
                       GOVCHAIN_KEYSTORE_SECRET in the environment and this file does not exist
    keystore/<name>.json   the one signing key (Ethereum keystore v3, scrypt)
    deployments/<network>.json   the deployment manifest (public: contract addresses, deploy block)
    govchain.db        this node's own database (tokens, outbox, index, release ledger)
    documents/         this node's own documents, encrypted with keys only its secret derives

Why one key per directory: whoever runs a host can use every key on it. A process
that holds two governors' keys can pass any council decision alone, so a node
refuses to start when its keystore holds anything but its own key.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from backend.chain.manifest import load_manifest
from backend.core.config import Settings
from backend.core.keystore import KeyNotFound, Keystore

ROLES = ("department", "governor", "auditor", "deployer")
CONFIG_FILE = "node.json"
SECRET_FILE = "secret"  # noqa: S105  (a file name, not a secret)


class NodeError(RuntimeError):
    """The node's data directory is missing, incomplete or holds more than its own key."""


@dataclass(frozen=True)
class NodeConfig:
    name: str  # keystore name of the one key (e.g. dept-psb)
    role: str  # department | governor | auditor | deployer
    address: str  # its chain address (checksummed)
    network: str
    rpc_url: str
    host: str
    port: int
    # non-public networks (CIDR) this node may call as peers (backend/federation/endpoint.py);
    # empty: public addresses only. The development federation on 127.0.0.x sets 127.0.0.0/8.
    peer_allow_networks: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def init_node(
    data_dir: Path,
    *,
    name: str,
    role: str,
    network: str,
    rpc_url: str,
    host: str,
    port: int,
    secret: str | None = None,
    peer_allow_networks: tuple[str, ...] = (),
) -> NodeConfig:
    """Create the directory, generate the key on this machine, write ``node.json``.

    ``secret`` None: take GOVCHAIN_KEYSTORE_SECRET, else (development) generate a random
    one into ``<data_dir>/secret``. Re-running on an initialised directory is refused:
    a node's key is never replaced by accident."""
    if role not in ROLES:
        raise NodeError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not 0 <= port <= 65535:
        raise NodeError(f"port must be 0..65535 (0: a node that serves no API), not {port}")
    if (data_dir / CONFIG_FILE).exists():
        raise NodeError(f"{data_dir} is already a node ({CONFIG_FILE} exists)")
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Resumable: a run interrupted after the secret or the key was written reuses them.
    secret = secret or os.environ.get("GOVCHAIN_KEYSTORE_SECRET") or _dev_secret(data_dir)
    keystore = Keystore(data_dir / "keystore", secret)
    try:
        address = keystore.address_of(name)
    except KeyNotFound:
        address = keystore.create(name)
    check_networks(peer_allow_networks)
    config = NodeConfig(name, role, address, network, rpc_url, host, port, tuple(peer_allow_networks))
    _write_private(data_dir / CONFIG_FILE, json.dumps(asdict(config), indent=2).encode())
    return config


def check_networks(networks: tuple[str, ...]) -> None:
    for n in networks:
        try:
            ipaddress.ip_network(n, strict=False)
        except ValueError:
            raise NodeError(f"not a network (CIDR): {n!r}") from None


def set_peer_allow_networks(data_dir: Path, networks: tuple[str, ...]) -> NodeConfig:
    """Rewrite ``node.json`` with these peer networks (the development federation's allowance
    for node directories written before the setting existed)."""
    check_networks(networks)
    config = replace(load_config(data_dir), peer_allow_networks=tuple(networks))
    tmp = data_dir / (CONFIG_FILE + ".tmp")
    tmp.unlink(missing_ok=True)
    _write_private(tmp, json.dumps(asdict(config), indent=2).encode())
    os.replace(tmp, data_dir / CONFIG_FILE)
    return config


def load_config(data_dir: Path) -> NodeConfig:
    try:
        raw = json.loads((data_dir / CONFIG_FILE).read_text())
    except FileNotFoundError:
        raise NodeError(f"{data_dir} is not a node directory (no {CONFIG_FILE}; run `govchain node init`)") from None
    except json.JSONDecodeError as exc:
        raise NodeError(f"{data_dir / CONFIG_FILE} is not valid JSON: {exc}") from None
    try:
        config = NodeConfig(**raw)
        return replace(config, peer_allow_networks=tuple(config.peer_allow_networks))  # JSON gives a list
    except TypeError as exc:
        raise NodeError(f"{data_dir / CONFIG_FILE} does not describe a node: {exc}") from None


def node_secret(data_dir: Path) -> str:
    """The environment's secret wins; the development file is the fallback."""
    env = os.environ.get("GOVCHAIN_KEYSTORE_SECRET")
    if env:
        return env
    try:
        return (data_dir / SECRET_FILE).read_text().strip()
    except FileNotFoundError:
        raise NodeError(
            f"no keystore secret: set GOVCHAIN_KEYSTORE_SECRET or create {data_dir / SECRET_FILE}"
        ) from None


def node_settings(data_dir: Path, config: NodeConfig | None = None) -> Settings:
    """Settings for this node alone: its own database, keystore, documents and manifest copy."""
    config = config or load_config(data_dir)
    return Settings(
        rpc_url=config.rpc_url,
        network=config.network,
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'govchain.db'}",
        deployments_dir=data_dir / "deployments",
        keystore_secret=node_secret(data_dir),
    )


def check_single_key(data_dir: Path, config: NodeConfig) -> None:
    """A node holds its own key and nothing else (see the module's docstring)."""
    names = Keystore(data_dir / "keystore", "").names()
    if names != [config.name]:
        raise NodeError(
            f"{data_dir / 'keystore'} must hold exactly the key {config.name!r}; it holds {names or 'none'}"
        )
    if Keystore(data_dir / "keystore", "").address_of(config.name) != config.address:
        raise NodeError(f"the key {config.name!r} does not match the address in {CONFIG_FILE}")


def install_manifest(data_dir: Path, manifest_file: Path, network: str) -> Path:
    """Place the (public) deployment manifest where the node reads it, with its ABIs inline
    so the node needs nothing else from the deployer's disk."""
    raw = json.loads(manifest_file.read_text())
    for entry in raw.get("contracts", {}).values():
        if isinstance(entry.get("abi"), str):
            abi = json.loads((manifest_file.parent / entry["abi"]).read_text())
            entry["abi"] = abi["abi"] if isinstance(abi, dict) else abi
    load_manifest_text = json.dumps(raw, indent=1)
    target = data_dir / "deployments" / f"{network}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(load_manifest_text)
    os.replace(tmp, target)
    load_manifest(target)  # refuse a manifest the node could not read, now rather than at start-up
    return target


def _dev_secret(data_dir: Path) -> str:
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(32)
    _write_private(path, secret.encode())
    return secret


def _write_private(path: Path, payload: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)
