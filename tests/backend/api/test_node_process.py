"""Department nodes as separate OS processes, each with its own data directory.

Two departments run `govchain node run` on different loopback addresses
(127.0.0.2, 127.0.0.3), each with a key generated in its own directory under its
own secret. The tests check what the federation promises a department: its
directory holds its key and nothing else, another node's secret opens neither
its key nor its documents, a token of one node means nothing to another, and a
node refuses to start with a second party's key in its keystore, with a
node.json or manifest edited behind its secret's back, or against an RPC that
serves another chain than the one its manifest pinned.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from api_testkit import Anvil
from api_world import System, build_system
from eth_account import Account
from world_testkit import DEV_FUNDER_KEY

from backend.core.db import make_engine, session_factory
from backend.core.keystore import Keystore, KeystoreLocked
from backend.federation.transport import pinned_client, refused_key
from backend.ops import deployer
from backend.ops.node import init_node, install_manifest, node_secret
from backend.ops.node_seal import seal_files
from backend.ops.node_tls import transport_key_hash
from backend.store import DocumentStore
from backend.store.document_store import AccessDenied, TamperDetected

ROOT = Path(__file__).resolve().parents[3]
NETWORK = "nodetest"


@dataclass
class RunningNode:
    name: str
    data_dir: Path
    address: str
    url: str
    process: subprocess.Popen
    token: str = ""


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVCHAIN_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _wait_ready(node: RunningNode, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            raise AssertionError(f"{node.name} exited: {node.process.stderr.read() if node.process.stderr else ''}")
        try:
            if httpx.get(f"{node.url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{node.name} not ready after {timeout}s")


def _admit(s: System, address: str, code: str) -> None:
    consortium = s.contract("Consortium")
    govs = [s.accounts[g] for g in ("gov-1", "gov-2")]
    deployer.run_council(
        s.w3,
        consortium,
        govs,
        lambda c: c.functions.proposeAdmitDepartment(
            address, code.encode().ljust(32, b"\0"), code, b"110000".ljust(32, b"\0")
        ),
    )


@pytest.fixture(scope="module")
def federation(tmp_path_factory) -> Iterator[tuple[System, dict[str, RunningNode]]]:
    tmp = tmp_path_factory.mktemp("nodes")
    with build_system(tmp / "world", NETWORK) as s:
        rpc = s.w3.provider.endpoint_uri  # type: ignore[attr-defined]
        nodes: dict[str, RunningNode] = {}
        env = _env()
        try:
            for name, host in (("dept-x", "127.0.0.2"), ("dept-y", "127.0.0.3")):
                data_dir = tmp / name
                port = _free_port(host)
                cfg = init_node(
                    data_dir, name=name, role="department", network=NETWORK, rpc_url=rpc, host=host, port=port
                )
                deployer.fund(s.w3, Account.from_key(DEV_FUNDER_KEY), [cfg.address], 10**20)
                _admit(s, cfg.address, name.upper())
                install_manifest(data_dir, s.deployments / f"{NETWORK}.json")
                proc = subprocess.Popen(
                    [sys.executable, "-m", "backend.cli", "node", "run", str(data_dir)],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                nodes[name] = RunningNode(name, data_dir, cfg.address, cfg.url, proc)
            for node in nodes.values():
                _wait_ready(node)
                out = _cli("node", "token", str(node.data_dir), "--label", "test", "--scope", "*", env=env)
                assert out.returncode == 0, out.stderr
                node.token = out.stdout.strip()
            yield s, nodes
        finally:
            for node in nodes.values():
                node.process.terminate()
                node.process.wait(timeout=10)


def _h(node: RunningNode) -> dict[str, str]:
    return {"Authorization": f"Bearer {node.token}", "Idempotency-Key": uuid.uuid4().hex}


def test_each_node_acts_only_as_its_own_department(federation) -> None:
    s, nodes = federation
    x = nodes["dept-x"]
    me = httpx.get(f"{x.url}/me", headers=_h(x), timeout=10)
    assert me.status_code == 200, me.text
    assert me.json()["address"] == x.address and me.json()["role"] == "department"
    body = {"classification": "INTERNAL", "record": {"id": "r1", "name": "张三"}, "schema": {"type": "object"}}
    r = httpx.post(f"{x.url}/resources", json=body, headers=_h(x), timeout=60)
    assert r.status_code == 201, r.text
    resource = s.contract("DataCatalog").functions.resource(r.json()["resource_id"]).call()
    assert x.address in resource  # owned on chain by the node's own key


def test_a_token_of_one_node_means_nothing_to_another(federation) -> None:
    _, nodes = federation
    x, y = nodes["dept-x"], nodes["dept-y"]
    r = httpx.get(f"{y.url}/me", headers=_h(x), timeout=10)
    assert r.status_code == 401, r.text


def test_each_data_dir_holds_exactly_its_own_key(federation) -> None:
    _, nodes = federation
    for node in nodes.values():
        keystore = node.data_dir / "keystore"
        assert sorted(p.name for p in keystore.iterdir()) == [f"{node.name}.json"]
        assert Keystore(keystore, node_secret(node.data_dir)).load(node.name).address == node.address
    assert node_secret(nodes["dept-x"].data_dir) != node_secret(nodes["dept-y"].data_dir)


def test_another_nodes_secret_opens_neither_its_key_nor_its_documents(federation) -> None:
    _, nodes = federation
    x, y = nodes["dept-x"], nodes["dept-y"]
    body = {"classification": "INTERNAL", "record": {"id": "r2", "name": "李四"}, "schema": {"type": "object"}}
    r = httpx.post(f"{x.url}/resources", json=body, headers=_h(x), timeout=60)
    assert r.status_code == 201, r.text
    content_hash = r.json()["content_hash"]
    with pytest.raises(KeystoreLocked):
        Keystore(x.data_dir / "keystore", node_secret(y.data_dir)).load(x.name)
    engine = make_engine(f"sqlite:///{x.data_dir / 'govchain.db'}")
    try:
        sessions = session_factory(engine)
        own = DocumentStore(x.data_dir / "documents", node_secret(x.data_dir), sessions)
        assert json.loads(own.get(content_hash, x.address))["name"] == "李四"
        foreign = DocumentStore(x.data_dir / "documents", node_secret(y.data_dir), sessions)
        with pytest.raises((TamperDetected, AccessDenied)):
            foreign.get(content_hash, x.address)
    finally:
        engine.dispose()


def test_a_node_refuses_to_run_with_a_second_key(tmp_path) -> None:
    cfg = init_node(
        tmp_path / "n",
        name="dept-z",
        role="department",
        network=NETWORK,
        rpc_url="http://127.0.0.1:1",
        host="127.0.0.1",
        port=1,
    )
    Keystore(tmp_path / "n" / "keystore", node_secret(tmp_path / "n")).create("gov-1")
    out = _cli("node", "run", str(tmp_path / "n"), env=_env())
    assert out.returncode == 2
    assert "must hold exactly the key 'dept-z'" in out.stderr
    assert cfg.address  # the node's own key was created first


def test_init_refuses_an_existing_node_and_bad_roles(tmp_path) -> None:
    env = _env()
    ok = _cli("node", "init", str(tmp_path / "n"), "--name", "dept-q", env=env)
    assert ok.returncode == 0, ok.stderr
    shown = json.loads(ok.stdout)
    assert shown["role"] == "department" and shown["address"].startswith("0x")
    again = _cli("node", "init", str(tmp_path / "n"), "--name", "dept-q", env=env)
    assert again.returncode == 2 and "already a node" in again.stderr
    bad = _cli("node", "init", str(tmp_path / "m"), "--name", "dept-q", "--role", "king", env=env)
    assert bad.returncode == 2 and "role must be one of" in bad.stderr
    assert (tmp_path / "n" / "secret").stat().st_mode & 0o077 == 0


# -- a sysadmin edits the node's files; the chain is pinned ------------------------------------------
MANIFEST_REL = f"deployments/{NETWORK}.json"


def _sealed_node(tmp: Path, s: System) -> Path:
    """A department's node directory, initialised and its manifest installed (so sealed and pinned)."""
    data_dir = tmp / "dept-s"
    rpc = s.w3.provider.endpoint_uri  # type: ignore[attr-defined]
    init_node(
        data_dir,
        name="dept-s",
        role="department",
        network=NETWORK,
        rpc_url=rpc,
        host="127.0.0.1",
        port=_free_port("127.0.0.1"),
    )
    install_manifest(data_dir, s.deployments / f"{NETWORK}.json")
    return data_dir


def _edit_json(path: Path, edit) -> None:
    raw = json.loads(path.read_text())
    edit(raw)
    path.write_text(json.dumps(raw, indent=2))


def test_a_node_refuses_a_node_json_edited_behind_its_secret(federation, tmp_path) -> None:
    s, _ = federation
    d = _sealed_node(tmp_path, s)
    _edit_json(d / "node.json", lambda c: c.update(rpc_url="http://127.0.0.1:9"))
    changed = f"{d / 'node.json'} changed since it was sealed with this node's secret"
    out = _cli("node", "run", str(d), env=_env())
    assert out.returncode == 2 and changed in out.stderr, out.stderr
    token = _cli("node", "token", str(d), env=_env())  # anything that builds the node's settings
    assert token.returncode == 2 and changed in token.stderr, token.stderr


def test_a_node_refuses_a_manifest_edited_behind_its_secret(federation, tmp_path) -> None:
    s, _ = federation
    d = _sealed_node(tmp_path, s)
    fake = s.contract("DataCatalog").address  # contract code at the address, but not UsageRights
    _edit_json(d / MANIFEST_REL, lambda m: m["contracts"]["UsageRights"].update(address=fake))
    out = _cli("node", "run", str(d), env=_env())
    assert out.returncode == 2
    assert f"{d / MANIFEST_REL} changed since it was sealed with this node's secret" in out.stderr, out.stderr


def test_a_node_refuses_to_run_without_its_seal(federation, tmp_path) -> None:
    s, _ = federation
    d = _sealed_node(tmp_path, s)
    (d / "seal.json").unlink()
    out = _cli("node", "run", str(d), env=_env())
    assert out.returncode == 2
    assert f"{d / 'seal.json'} is missing: this node's files are not sealed" in out.stderr, out.stderr


def test_a_node_refuses_a_chain_whose_code_is_not_the_pinned_code(federation, tmp_path) -> None:
    s, _ = federation
    d = _sealed_node(tmp_path, s)
    other_code = "0x" + "ab" * 32  # as if the manifest had been pinned on a chain with other contracts
    _edit_json(d / MANIFEST_REL, lambda m: m["chain_pins"]["code"].update(UsageRights=other_code))
    seal_files(d, node_secret(d), [MANIFEST_REL])  # the seal holds: only the chain differs
    out = _cli("node", "run", str(d), env=_env())
    assert out.returncode == 2
    usage_rights = s.contract("UsageRights").address
    assert f"the code of UsageRights at {usage_rights} hashes to 0x" in out.stderr, out.stderr
    assert f"the node pinned {other_code}; refusing to run against another chain" in out.stderr


def test_a_node_refuses_another_chain_behind_its_rpc_url(federation, tmp_path) -> None:
    s, _ = federation
    d = _sealed_node(tmp_path, s)
    other = Anvil()  # a chain of the sysadmin's own: same chain id, its own genesis, none of our contracts
    try:
        moved = _cli("node", "set", str(d), f"rpc_url={other.rpc_url}", env=_env())  # even through the secret
        assert moved.returncode == 0, moved.stderr
        out = _cli("node", "run", str(d), env=_env())
        assert out.returncode == 2
        pinned = json.loads((d / MANIFEST_REL).read_text())["chain_pins"]["genesis_hash"]
        assert "the RPC's genesis block is 0x" in out.stderr and f"the node pinned {pinned}" in out.stderr, out.stderr
        # nor can the manifest be re-pinned against that chain: our contracts are not on it
        again = _cli("node", "manifest", str(d), str(s.deployments / f"{NETWORK}.json"), env=_env())
        assert again.returncode == 2
        assert "does not describe the chain at this node's RPC: no contract code at 0x" in again.stderr, again.stderr
    finally:
        other.stop()


def test_the_operator_changes_rpc_url_and_port_through_the_secret(federation, tmp_path) -> None:
    s, _ = federation
    d = _sealed_node(tmp_path, s)
    refused = _cli("node", "set", str(d), "name=gov-1", env=_env())
    assert (
        refused.returncode == 2
        and "only rpc_url, host, port, tls, peer_allow_networks, oidc_issuer, oidc_client_id, oidc_redirect_uri "
        "can be set, not name"
        in refused.stderr
    )
    port = _free_port("127.0.0.1")
    # another URL for the same chain (the world's RPC proxy), and another port
    out = _cli("node", "set", str(d), f"rpc_url={s.proxy.url}", f"port={port}", env=_env())
    assert out.returncode == 0, out.stderr
    shown = json.loads(out.stdout)
    assert shown["rpc_url"] == s.proxy.url and shown["port"] == port
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "node", "run", str(d)],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_ready(RunningNode("dept-s", d, shown["address"], f"http://127.0.0.1:{port}", proc))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -- TLS between nodes, pinned through the directory --------------------------------------------------
def test_a_tls_node_serves_its_own_certificate_and_announces_its_key(federation, tmp_path) -> None:
    s, _ = federation
    d = tmp_path / "dept-t"
    rpc = s.w3.provider.endpoint_uri  # type: ignore[attr-defined]
    port = _free_port("127.0.0.4")
    args = ["--name", "dept-t", "--network", NETWORK, "--rpc-url", rpc, "--host", "127.0.0.4", "--port", str(port)]
    made = _cli("node", "init", str(d), *args, "--tls", env=_env())
    assert made.returncode == 0, made.stderr
    shown = json.loads(made.stdout)
    assert shown["tls"] is True and shown["url"] == f"https://127.0.0.4:{port}"
    pin = transport_key_hash(d)
    deployer.fund(s.w3, Account.from_key(DEV_FUNDER_KEY), [shown["address"]], 10**20)
    _admit(s, shown["address"], "DEPT-T")
    install_manifest(d, s.deployments / f"{NETWORK}.json")
    proc = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "node", "run", str(d)],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with pinned_client(pin, httpx.Timeout(5)) as pinned:
            deadline = time.monotonic() + 60
            while True:  # ready: answers over TLS with the key the directory will pin
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                try:
                    if pinned.get(f"{shown['url']}/readyz").status_code == 200:
                        break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline, "the TLS node did not become ready"
                    time.sleep(0.2)
        directory = s.contract("NodeDirectory")
        deadline = time.monotonic() + 60
        while not directory.functions.hasNode(shown["address"]).call():
            assert time.monotonic() < deadline, "the TLS node did not announce itself"
            time.sleep(0.2)
        entry = directory.functions.node(shown["address"]).call()
        assert shown["url"] in entry and pin in entry  # endpoint and transportKeyHash as served
        with pinned_client(bytes(32), httpx.Timeout(5)) as wrong, pytest.raises(httpx.ConnectError) as refused:
            wrong.get(f"{shown['url']}/readyz")
        mismatch = refused_key(refused.value)
        assert mismatch is not None and mismatch.presented == pin
    finally:
        proc.terminate()
        proc.wait(timeout=10)
