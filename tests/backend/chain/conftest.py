"""Fixtures for the chain-layer tests: real anvil + real compiled ChainProbe (nothing mocked)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from chain_testkit import PROBE_ARTIFACT, PROBE_SOURCE, ROOT, Anvil, Stack, build_stack, deploy_probe
from postgres_testkit import DATABASES, create_database, drop_database

from backend.ops.devnet import free_port


@pytest.fixture
def anvil_factory() -> Iterator[Callable[..., Anvil]]:
    started: list[Anvil] = []

    def make(*args: str, port: int | None = None) -> Anvil:
        node = Anvil(port or free_port(), list(args) or ["--block-time", "0.2"]).start()
        started.append(node)
        return node

    yield make
    for node in started:
        node.stop()


@pytest.fixture(scope="module")
def anvil() -> Iterator[Anvil]:
    node = Anvil(free_port(), ["--block-time", "0.2"]).start()
    yield node
    node.stop()


@pytest.fixture(scope="session")
def probe_artifact(tmp_path_factory) -> dict:
    """ABI + bytecode: the `make compile` artifact if present, else solc-js directly
    with the project's compiler settings (0.8.37, shanghai, optimizer 200)."""
    if PROBE_ARTIFACT.exists():
        art = json.loads(PROBE_ARTIFACT.read_text())
        return {"abi": art["abi"], "bytecode": art["bytecode"]}
    solc = next((p for p in (ROOT / "node_modules/solc",) if p.exists()), None)
    if solc is None or not shutil.which("node"):
        pytest.fail("no compiled ChainProbe and no solc-js to build it: run `make setup`")
    script = (
        "const solc=require(process.argv[1]);const fs=require('fs');"
        "const input={language:'Solidity',sources:{'ChainProbe.sol':{content:fs.readFileSync(process.argv[2],'utf8')}},"
        "settings:{evmVersion:'shanghai',optimizer:{enabled:true,runs:200},"
        "outputSelection:{'*':{'*':['abi','evm.bytecode.object']}}}};"
        "const out=JSON.parse(solc.compile(JSON.stringify(input)));"
        "const errs=(out.errors||[]).filter(e=>e.severity==='error');"
        "if(errs.length){console.error(JSON.stringify(errs));process.exit(1)}"
        "const c=out.contracts['ChainProbe.sol'].ChainProbe;"
        "fs.writeFileSync(process.argv[3],JSON.stringify({abi:c.abi,bytecode:'0x'+c.evm.bytecode.object}));"
    )
    out = tmp_path_factory.mktemp("probe") / "ChainProbe.json"
    subprocess.run(["node", "-e", script, str(solc), str(PROBE_SOURCE), str(out)], check=True)
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def probe_manifest_path(anvil: Anvil, probe_artifact: dict, outbox_db: str, tmp_path_factory) -> Path:
    return deploy_probe(anvil.url, probe_artifact, tmp_path_factory.mktemp("deployments"))


@pytest.fixture(scope="module", params=DATABASES)
def outbox_db(request) -> str:
    """Which database the outbox lives in: "sqlite" or "postgresql" (a real server).
    Module-scoped, so each variant gets its own ChainProbe (tag counts start at zero)."""
    return request.param


@pytest.fixture
def stack_factory(request, outbox_db, tmp_path) -> Iterator[Callable[..., Stack]]:
    """Stacks whose outbox is a SQLite file, or a fresh database on the session's
    PostgreSQL server (one per stack, like one file per stack)."""
    stacks: list[Stack] = []
    databases: list[str] = []
    server = request.getfixturevalue("pg_server") if outbox_db == "postgresql" else None

    def make(url: str, manifest_path: Path, db_name: str = "outbox.db", **overrides) -> Stack:
        if server is None:
            db_url = f"sqlite:///{tmp_path / db_name}"
        else:
            db_url = create_database(server)
            databases.append(db_url)
        s = build_stack(url, manifest_path, db_url, **overrides)
        stacks.append(s)
        return s

    yield make
    for s in stacks:
        s.close()
    for db_url in databases:
        drop_database(server, db_url)
