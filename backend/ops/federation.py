"""Bring up a whole consortium on one laptop as separate nodes: the development federation.

Every party of the demo roster (each governor, each department, the Audit Office)
gets its own node directory under ``<base>/<key>`` — its own key generated there,
its own secret, database and documents — and runs as its own OS process
(``govchain node run``) on its own port. The deployer is a directory too, used
once to deploy the contracts and never served.

Membership goes through the nodes themselves: the first governor's node proposes
each admission over its API and the other governors' nodes approve it, each
signing with its own key. The result is written to ``<base>/../federation.json``.

Each step is idempotent (existing node directories, deployments and admissions
are reused), so re-running after a crash converges.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from web3 import Web3

from backend.composition import open_officers, open_tokens
from backend.core.config import PROJECT_ROOT
from backend.core.keystore import Keystore
from backend.ops import deployer, purposes, roster
from backend.ops.devnet import free_port, wait_answering
from backend.ops.federation_idp import DevIdp
from backend.ops.node import (
    CONFIG_FILE,
    NodeConfig,
    init_node,
    install_manifest,
    load_config,
    node_secret,
    node_settings,
    set_peer_allow_networks,
)
from backend.ops.node_seal import is_sealed, seal_files

Log = Callable[[str], None]
SERVED_ROLES = ("governor", "department", "auditor")
READY_TIMEOUT_S = 300.0  # a loaded 2-core machine starts a dozen Python processes slowly
DEV_FUNDS_WEI = 10**20
# The development federation runs every node on 127.0.0.x: each node must be allowed to call
# loopback peers, which a node refuses by default (backend/federation/endpoint.py).
DEV_PEER_NETWORKS = ("127.0.0.0/8",)


class FederationError(RuntimeError):
    """A node did not start, or the council could not admit a member."""


@dataclass
class FederationNode:
    member: roster.Member
    data_dir: Path
    config: NodeConfig
    process: subprocess.Popen | None = None
    token: str = ""
    # the demo admin officer(s) of a department node: username, password, TOTP secret (development only)
    officers: list[dict[str, str]] = field(default_factory=list)
    officer_token: str | None = None  # the demo admin's signed-in token (a TOTP code works once)

    @property
    def url(self) -> str:
        return self.config.url

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.member.key,
            "role": self.member.role,
            "address": self.config.address,
            "url": self.url if self.member.role in SERVED_ROLES else None,
            "pid": self.process.pid if self.process else None,
            "data_dir": str(self.data_dir),
            **({"officers": self.officers} if self.officers else {}),
        }


@dataclass
class Federation:
    base_dir: Path
    rpc_url: str
    network: str
    nodes: dict[str, FederationNode] = field(default_factory=dict)
    identity_provider: DevIdp | None = None  # citizens' sign-in (backend/ops/federation_idp.py)

    def served(self) -> list[FederationNode]:
        return [n for n in self.nodes.values() if n.member.role in SERVED_ROLES]

    def of_role(self, role: str) -> list[FederationNode]:
        return [n for n in self.nodes.values() if n.member.role == role]

    def write_description(self, path: Path, demo: dict[str, Any] | None = None) -> None:
        doc: dict[str, Any] = {
            "chain": {"rpc": self.rpc_url, "network": self.network},
            "nodes": [n.describe() for n in self.nodes.values()],
        }
        if self.identity_provider is not None:
            doc["identity_provider"] = self.identity_provider.issuer
        if demo is not None:  # what the demo seed put on chain (backend/ops/federation_demo.py)
            doc["demo"] = demo
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False))
        os.replace(tmp, path)

    def stop(self, timeout: float = 10) -> None:
        if self.identity_provider is not None:
            self.identity_provider.stop(timeout)
        for n in self.nodes.values():
            if n.process is not None and n.process.poll() is None:
                n.process.terminate()
        for n in self.nodes.values():
            if n.process is not None:
                try:
                    n.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    n.process.kill()
                    n.process.wait()


def prepare(
    base_dir: Path,
    *,
    rpc_url: str,
    network: str,
    host: str = "127.0.0.1",
    first_port: int | None = 8001,
    members: Iterable[roster.Member] = roster.ALL,
    log: Log = print,
) -> Federation:
    """One node directory per member (created once; the key is generated inside it). The
    members must include the deployer and the governors. Ports run from ``first_port``;
    None takes any free port for each node (tests)."""
    fed = Federation(base_dir, rpc_url, network)
    port = first_port or 0
    for member in members:
        data_dir = base_dir / member.key
        if (data_dir / CONFIG_FILE).exists():
            config = load_config(data_dir)
            if not is_sealed(data_dir):  # made before nodes sealed their files; the demo's operator is you
                seal_files(data_dir, node_secret(data_dir), [CONFIG_FILE])
                log(f"node {member.key}: {CONFIG_FILE} sealed (the directory predates sealing)")
            if config.peer_allow_networks != DEV_PEER_NETWORKS:  # a directory from before the setting
                config = set_peer_allow_networks(data_dir, DEV_PEER_NETWORKS)
        else:
            served = member.role in SERVED_ROLES
            config = init_node(
                data_dir,
                name=member.key,
                role=member.role,
                network=network,
                rpc_url=rpc_url,
                host=host,
                port=(port if first_port else free_port()) if served else 0,
                secret=None,
                peer_allow_networks=DEV_PEER_NETWORKS,
            )
            log(f"node {member.key}: key generated in {data_dir} ({config.address})")
        if member.role in SERVED_ROLES:
            port = max(port, config.port) + 1
        fed.nodes[member.key] = FederationNode(member, data_dir, config)
    return fed


def attach_identity_provider(
    fed: Federation, data_dir: Path, host: str = "127.0.0.1", port: int | None = None
) -> DevIdp:
    """The development identity provider for citizens' sign-in: every department's node becomes its
    client (node.json re-sealed with the provider's settings). Started by :func:`bring_up`."""
    idp = DevIdp(data_dir, host, port or free_port())
    departments = fed.of_role("department")
    updated = idp.register((n.data_dir, n.config) for n in departments)
    for n in departments:
        n.config = updated[n.member.key]
    fed.identity_provider = idp
    return idp


def deploy(fed: Federation, w3: Web3, funder_key: str | None, *, fresh: bool = False, log: Log = print) -> Path:
    """Fund (devnet), deploy with the deployer's own directory, install the manifest in every node
    (each pins the chain its RPC serves and seals the manifest with its own secret)."""
    if funder_key is not None:
        deployer.fund(w3, Account.from_key(funder_key), [n.config.address for n in fed.nodes.values()], DEV_FUNDS_WEI)
    dep = fed.nodes[roster.DEPLOYER.key]
    account = Keystore(dep.data_dir / "keystore", node_secret(dep.data_dir)).load(dep.member.key)
    governors = [n.config.address for n in fed.of_role("governor")]
    deployments = dep.data_dir / "deployments"
    deployer.deploy_system(
        w3, account, governors, roster.THRESHOLD, network=fed.network, deployments_dir=deployments, fresh=fresh, log=log
    )
    manifest = deployments / f"{fed.network}.json"
    for n in fed.served():
        install_manifest(n.data_dir, manifest)
    return manifest


def start(fed: Federation, *, wave: int | None = None, log: Log = print) -> None:
    """Start every served node as its own process (logs in ``<data_dir>/node.log``) and wait until
    ready; ``wave`` nodes at a time when given (a dozen Python processes importing the backend
    at once on a busy 2-core machine can miss the readiness bound)."""
    served = fed.served()
    step = wave or len(served) or 1
    for i in range(0, len(served), step):
        batch = served[i : i + step]
        for n in batch:
            _spawn(n)
        for n in batch:
            _wait_ready(n)
            log(f"node {n.member.key} ready on {n.url} (pid {n.process.pid if n.process else '?'})")


def bring_up(
    fed: Federation, w3: Web3, funder_key: str | None, *, wave: int | None = None, label: str = "demo", log: Log = print
) -> Path:
    """Everything after :func:`prepare`, in order: fund and deploy, start the identity provider when
    one is attached, start the nodes, issue each
    node's token, admit the members through the governors' nodes, and wait until every
    department's node is in the directory. Returns the deployment manifest."""
    manifest = deploy(fed, w3, funder_key, log=log)
    if fed.identity_provider is not None:  # before the nodes: their citizens' sign-in points at it
        fed.identity_provider.start()
        log(f"identity provider (development) ready on {fed.identity_provider.issuer}")
    start(fed, wave=wave, log=log)
    issue_tokens(fed, label)
    admit_members(fed, w3, manifest, log=log)
    wait_for_directory(fed, w3, manifest)
    return manifest


def restart(fed: Federation, name: str, *, log: Log = print) -> FederationNode:
    """Start node ``name`` again after its process ended (a crash, a kill): same data
    directory, same port; waits until ready. A node still running is refused."""
    n = fed.nodes[name]
    if n.member.role not in SERVED_ROLES:
        raise FederationError(f"node {name} serves nothing: there is no process to restart")
    if n.process is not None and n.process.poll() is None:
        raise FederationError(f"node {name} is still running (pid {n.process.pid})")
    _spawn(n)
    _wait_ready(n)
    log(f"node {name} restarted on {n.url} (pid {n.process.pid if n.process else '?'})")
    return n


def _spawn(n: FederationNode) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GOVCHAIN_KEYSTORE_SECRET"}  # each node reads its own
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    with open(n.data_dir / "node.log", "ab") as logf:  # the child keeps its own descriptor
        n.process = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "node", "run", str(n.data_dir)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=logf,
            stderr=subprocess.STDOUT,
        )


def issue_tokens(fed: Federation, label: str = "demo") -> dict[str, str]:
    """A fresh token per served node, issued by that node's own database (older ones of
    this label revoked). Development only: the operator of every demo node is you."""
    out = {}
    for n in fed.served():
        tokens = open_tokens(node_settings(n.data_dir, n.config))
        for old in tokens.list(principal=n.config.address):
            if old.label == f"{label}:{n.member.key}" and old.revoked_at is None:
                tokens.revoke(old.id)
        n.token = tokens.issue(n.member.role, n.config.address, f"{label}:{n.member.key}", scopes="*")
        out[n.member.key] = n.token
        if n.member.role == "department":
            n.officers = [enrol_demo_admin(n)]
    return out


def enrol_demo_admin(n: FederationNode) -> dict[str, str]:
    """A demo administrator officer on a department's node, with its password and TOTP secret in
    the clear so the demo can sign in. Development only: real officers get theirs once, from
    ``govchain node officer add`` or ``POST /officers``, and nothing writes them to a file."""
    store = open_officers(node_settings(n.data_dir, n.config))
    username = f"{n.member.key}-admin"
    while store.get(username) is not None or any(o.username == username for o in store.list()):
        username = f"{n.member.key}-admin-{secrets.token_hex(2)}"  # a restart keeps the old account
    e = store.enrol(username, f"{n.member.name} administrator", "admin", "department", n.config.address)
    return {"username": username, "password": e.password, "totp_secret": e.totp_secret, "totp_uri": e.totp_uri}


def admit_members(fed: Federation, w3: Web3, manifest_file: Path, *, log: Log = print) -> int:
    """Admit every department and appoint every auditor through the governors' own nodes."""
    consortium = manifest_contract(w3, manifest_file, "Consortium")
    governors = fed.of_role("governor")
    admitted = 0
    for n in fed.nodes.values():
        m = n.member
        if m.role == "department" and not consortium.functions.isActiveDepartment(n.config.address).call():
            body = {"address": n.config.address, "code": m.code, "name": m.name, "region": m.region}
            _council(governors, "/council/departments", body)
        elif m.role == "auditor" and not consortium.functions.isAuditor(n.config.address).call():
            _council(governors, "/council/auditors", {"address": n.config.address})
        else:
            continue
        admitted += 1
        log(f"admitted {m.key} ({n.config.address}) by the governors' nodes")
    rights = manifest_contract(w3, manifest_file, "UsageRights").address
    if rights not in consortium.functions.standingListeners().call():  # recordUse then reads its own copy
        _council(governors, "/council/standing-listeners", {"address": rights})
        log("registered UsageRights as a standing listener by the governors' nodes")
    _register_catalogue(governors, manifest_contract(w3, manifest_file, "Purposes"), log)
    return admitted


def _register_catalogue(governors: list[Any], registry: Any, log: Log) -> None:
    """The demo's purposes and legal bases, each proposed through the governors' nodes (requests and grants
    must name registered entries)."""
    codes = {p[0] for p in registry.functions.purposes(0, 2**32).call()}
    hashes = {bytes(b[0]) for b in registry.functions.legalBases(0, 2**32).call()}
    for code, name_zh, name_en in purposes.PURPOSES:
        if code not in codes:
            _council(governors, "/council/purposes", {"code": code, "name_zh": name_zh, "name_en": name_en})
    for digest, citation in purposes.legal_basis_entries(purposes.LEGAL_BASES):
        if digest not in hashes:
            _council(governors, "/council/legal-bases", {"citation": citation, "text": citation})
    log("registered the demo's purposes and legal bases by the governors' nodes")


def wait_for_directory(fed: Federation, w3: Web3, manifest_file: Path, timeout: float = READY_TIMEOUT_S) -> None:
    """Every department's node has announced itself in the NodeDirectory (it does so once admitted)."""
    directory = manifest_contract(w3, manifest_file, "NodeDirectory")
    waiting = {n.config.address for n in fed.of_role("department")}
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        waiting = {a for a in waiting if not directory.functions.hasNode(a).call()}
        if waiting:
            time.sleep(0.5)
    if waiting:
        raise FederationError(f"not in the directory after {timeout:.0f}s: {', '.join(sorted(waiting))}")


def _council(governors: Iterable[FederationNode], path: str, body: dict[str, Any]) -> None:
    first, *others = list(governors)
    proposal = _post(first, path, body)
    if proposal.get("executed"):
        return
    for gov in others:
        if _post(gov, proposal["approve_with"], None).get("executed"):
            return
    raise FederationError(f"{path}: proposal {proposal.get('proposal_id')} did not reach the threshold")


def _post(node: FederationNode, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
    headers = {
        "Authorization": f"Bearer {node.token}",  # a client token: recorded as client:<token id>
        "Idempotency-Key": uuid.uuid4().hex,
    }
    r = httpx.post(node.url + path, json=body, headers=headers, timeout=120)
    if r.status_code >= 300:
        raise FederationError(f"{node.member.key} {path}: HTTP {r.status_code} {r.text[:300]}")
    answer: dict[str, Any] = r.json()
    return answer


def manifest_contract(w3: Web3, manifest_file: Path, name: str) -> Any:
    """Contract ``name`` of a deployment manifest (ABI inline or in a file beside it)."""
    raw = json.loads(manifest_file.read_text())
    entry = raw["contracts"][name]
    abi = entry["abi"]
    if isinstance(abi, str):
        loaded = json.loads((manifest_file.parent / abi).read_text())
        abi = loaded["abi"] if isinstance(loaded, dict) else loaded
    return w3.eth.contract(address=entry["address"], abi=abi)


def _wait_ready(n: FederationNode, timeout: float = READY_TIMEOUT_S) -> None:
    failure = wait_answering(n.process, n.url + "/readyz", n.data_dir / "node.log", timeout, f"node {n.member.key}")
    if failure is not None:
        raise FederationError(failure)
