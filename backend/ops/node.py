"""A department's node: one data directory that holds exactly one party's key and data.

Layout of ``<data_dir>``::

    node.json          who this node is (name, role, address) and where it listens / reads the chain
    seal.json          MACs of node.json and the installed manifest under the node's secret
                       (backend/ops/node_seal.py): the node refuses to start when either changed
    secret             development only: the keystore secret (mode 0600); production passes
                       GOVCHAIN_KEYSTORE_SECRET in the environment and this file does not exist
    keystore/<name>.json   the one signing key (Ethereum keystore v3, scrypt)
    deployments/<network>.json   the deployment manifest (public: contract addresses, deploy block),
                       with the chain it was installed against pinned (backend/chain/pins.py)
    govchain.db        this node's own database (tokens, outbox, index, release ledger)
    documents/         this node's own documents, encrypted with keys only its secret derives
    tls/               with ``tls`` on: the self-signed certificate peers pin (backend/ops/node_tls.py)

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

from backend.chain.client import build_web3
from backend.chain.manifest import load_manifest
from backend.chain.pins import ChainPinMismatch, ChainPins, PinnedChainWatch, check_pins, read_pins
from backend.core.config import Settings
from backend.core.keystore import KeyNotFound, Keystore
from backend.ops.files import replace_private, write_private
from backend.ops.node_seal import SealBroken, seal_files, verify_files

ROLES = ("department", "governor", "auditor", "deployer")
CONFIG_FILE = "node.json"
SECRET_FILE = "secret"  # noqa: S105  (a file name, not a secret)
SETTABLE = (
    "rpc_url",
    "host",
    "port",
    "tls",
    "peer_allow_networks",
    "oidc_issuer",
    "oidc_client_id",
    "oidc_redirect_uri",
)  # `govchain node set`; who the node is never changes
PINS_KEY = "chain_pins"  # in the installed manifest


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
    tls: bool = False  # serve TLS with the certificate in tls/ (peers pin its key through the directory)
    # citizens' sign-in (docs/identity.md): the OIDC provider and this node's registration there;
    # a confidential client's secret comes from GOVCHAIN_OIDC_CLIENT_SECRET, never from this file
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_redirect_uri: str = ""

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"


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
    tls: bool = False,
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
    config = NodeConfig(
        name, role, address, network, rpc_url, host, port, peer_allow_networks=tuple(peer_allow_networks), tls=tls
    )
    if tls:
        from backend.ops.node_tls import ensure_tls_identity

        ensure_tls_identity(data_dir, secret, name=name, host=host)
    write_private(data_dir / CONFIG_FILE, json.dumps(asdict(config), indent=2).encode())
    seal_files(data_dir, secret, [CONFIG_FILE])
    return config


def check_networks(networks: tuple[str, ...]) -> None:
    for n in networks:
        try:
            ipaddress.ip_network(n, strict=False)
        except ValueError:
            raise NodeError(f"not a network (CIDR): {n!r}") from None


def set_peer_allow_networks(data_dir: Path, networks: tuple[str, ...]) -> NodeConfig:
    """Re-seal ``node.json`` with these peer networks (the development federation's allowance
    for node directories written before the setting existed)."""
    return set_config(data_dir, {"peer_allow_networks": ",".join(networks)})


def set_config(data_dir: Path, changes: dict[str, str], *, accept_current: bool = False) -> NodeConfig:
    """Change where the node listens or reads the chain, and re-seal ``node.json`` (needs the
    secret). The current file must verify first, unless ``accept_current``: the operator has
    reviewed a file that does not (e.g. a directory from before sealing) and seals it as is."""
    unknown = sorted(set(changes) - set(SETTABLE))
    if unknown:
        raise NodeError(f"only {', '.join(SETTABLE)} can be set, not {', '.join(unknown)}")
    secret = node_secret(data_dir)
    config = load_config(data_dir)
    if not accept_current:
        _verify(data_dir, secret, [CONFIG_FILE])
    values = asdict(config)
    for key, value in changes.items():
        values[key] = value
    try:
        values["port"] = int(values["port"])
    except ValueError:
        raise NodeError(f"port must be a number, not {values['port']!r}") from None
    if isinstance(values["tls"], str):
        if values["tls"].lower() not in ("true", "false"):
            raise NodeError(f"tls must be true or false, not {values['tls']!r}")
        values["tls"] = values["tls"].lower() == "true"
    if isinstance(values["peer_allow_networks"], str):
        values["peer_allow_networks"] = tuple(n.strip() for n in values["peer_allow_networks"].split(",") if n.strip())
    values["peer_allow_networks"] = tuple(values["peer_allow_networks"])
    check_networks(values["peer_allow_networks"])
    updated = NodeConfig(**values)
    if updated.tls:
        from backend.ops.node_tls import ensure_tls_identity

        ensure_tls_identity(data_dir, secret, name=updated.name, host=updated.host)
    path = data_dir / CONFIG_FILE
    replace_private(path, json.dumps(asdict(updated), indent=2).encode())
    seal_files(data_dir, secret, [CONFIG_FILE])
    return updated


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


def manifest_relpath(network: str) -> str:
    return f"deployments/{network}.json"


def node_settings(data_dir: Path, config: NodeConfig | None = None) -> Settings:
    """Settings for this node alone: its own database, keystore, documents and manifest copy.
    Refuses (NodeError) when ``node.json`` or the installed manifest is not as sealed."""
    config = config or load_config(data_dir)
    secret = node_secret(data_dir)
    sealed = [CONFIG_FILE]
    if (data_dir / manifest_relpath(config.network)).exists():
        sealed.append(manifest_relpath(config.network))
    _verify(data_dir, secret, sealed)
    return Settings(
        rpc_url=config.rpc_url,
        network=config.network,
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'govchain.db'}",
        deployments_dir=data_dir / "deployments",
        keystore_secret=secret,
        oidc_issuer=config.oidc_issuer,
        oidc_client_id=config.oidc_client_id,
        oidc_redirect_uri=config.oidc_redirect_uri,
    )


def set_oidc(data_dir: Path, issuer: str, client_id: str, redirect_uri: str) -> NodeConfig:
    """Re-seal ``node.json`` with the citizens' sign-in provider (what `govchain node set` does)."""
    return set_config(data_dir, {"oidc_issuer": issuer, "oidc_client_id": client_id, "oidc_redirect_uri": redirect_uri})


def check_pinned_chain(settings: Settings) -> PinnedChainWatch:
    """The RPC serves the chain the manifest pinned (chain id, genesis, each contract's code);
    returns a watch that re-checks later (before releases). Refuses (NodeError) otherwise."""
    path = settings.deployments_dir / f"{settings.network}.json"
    raw = json.loads(path.read_text())
    if PINS_KEY not in raw:
        raise NodeError(f"{path} pins no chain (installed before pinning): re-run `govchain node manifest`")
    pins = ChainPins.from_json(raw[PINS_KEY])
    addresses = _addresses(raw)
    w3 = build_web3(settings.rpc_url)
    try:
        check_pins(w3, pins, addresses)
    except ChainPinMismatch as exc:
        raise NodeError(f"{path}: {exc}; refusing to run against another chain") from None
    except Exception as exc:  # unreachable, not a JSON-RPC node, ...: the pins cannot be checked
        raise NodeError(f"cannot check the chain pinned in {path}: {type(exc).__name__}") from None
    return PinnedChainWatch(w3, pins, addresses)


def check_single_key(data_dir: Path, config: NodeConfig) -> None:
    """A node holds its own key and nothing else (see the module's docstring)."""
    names = Keystore(data_dir / "keystore", "").names()
    if names != [config.name]:
        raise NodeError(
            f"{data_dir / 'keystore'} must hold exactly the key {config.name!r}; it holds {names or 'none'}"
        )
    if Keystore(data_dir / "keystore", "").address_of(config.name) != config.address:
        raise NodeError(f"the key {config.name!r} does not match the address in {CONFIG_FILE}")


def install_manifest(data_dir: Path, manifest_file: Path) -> Path:
    """Place the (public) deployment manifest where the node reads it, with its ABIs inline
    so the node needs nothing else from the deployer's disk; pin the chain its RPC serves
    (which must hold the manifest's contracts) into it, and seal it with the node's secret."""
    config = load_config(data_dir)
    secret = node_secret(data_dir)
    _verify(data_dir, secret, [CONFIG_FILE])  # the rpc_url to pin against must be the sealed one
    raw = json.loads(manifest_file.read_text())
    for entry in raw.get("contracts", {}).values():
        if isinstance(entry.get("abi"), str):
            abi = json.loads((manifest_file.parent / entry["abi"]).read_text())
            entry["abi"] = abi["abi"] if isinstance(abi, dict) else abi
    raw.pop(PINS_KEY, None)
    try:
        pins = read_pins(build_web3(config.rpc_url), _addresses(raw))
    except ChainPinMismatch as exc:
        raise NodeError(f"{manifest_file} does not describe the chain at this node's RPC: {exc}") from None
    except Exception as exc:  # unreachable, not a JSON-RPC node, ...
        raise NodeError(f"cannot read the chain to pin {manifest_file}: {type(exc).__name__}") from None
    if pins.chain_id != int(raw.get("chain_id", -1)):
        raise NodeError(f"{manifest_file} is for chain id {raw.get('chain_id')}, the RPC serves {pins.chain_id}")
    raw[PINS_KEY] = pins.to_json()
    target = data_dir / manifest_relpath(config.network)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(raw, indent=1))
    os.replace(tmp, target)
    load_manifest(target)  # refuse a manifest the node could not read, now rather than at start-up
    seal_files(data_dir, secret, [manifest_relpath(config.network)])
    return target


def _addresses(raw_manifest: dict) -> dict[str, str]:
    return {name: str(entry["address"]) for name, entry in raw_manifest.get("contracts", {}).items()}


def _verify(data_dir: Path, secret: str, relpaths: list[str]) -> None:
    try:
        verify_files(data_dir, secret, relpaths)
    except SealBroken as exc:
        raise NodeError(str(exc)) from None


def _dev_secret(data_dir: Path) -> str:
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(32)
    write_private(path, secret.encode())
    return secret
