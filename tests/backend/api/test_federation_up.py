"""The development federation: one OS process per party, membership voted through
the governors' own nodes (backend/ops/federation.py, run by `govchain federation up`)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from api_testkit import Anvil

from backend.chain.client import build_web3
from backend.core.keystore import Keystore
from backend.ops import federation, roster
from backend.ops.devnet import DEV_FUNDER_KEY
from backend.ops.node import node_secret

MEMBERS = [roster.DEPLOYER, *roster.GOVERNORS, *roster.DEPARTMENTS[:2], *roster.AUDITORS]
NETWORK = "fedtest"


@pytest.fixture(scope="module")
def fed(tmp_path_factory) -> Iterator[tuple[federation.Federation, object]]:
    tmp = tmp_path_factory.mktemp("federation")
    chain = Anvil(block_time=0.2)
    f = None
    try:
        w3 = build_web3(chain.rpc_url)
        f = federation.prepare(
            tmp / "nodes", rpc_url=chain.rpc_url, network=NETWORK, first_port=None, members=MEMBERS, log=lambda _m: None
        )
        manifest = federation.deploy(f, w3, DEV_FUNDER_KEY, log=lambda _m: None)
        federation.start(f, log=lambda _m: None)
        federation.issue_tokens(f)
        federation.admit_members(f, w3, manifest, log=lambda _m: None)
        f.write_description(tmp / "federation.json")
        yield f, w3
    finally:
        if f is not None:
            f.stop()
        chain.stop()


def test_every_party_runs_its_own_process_with_only_its_own_key(fed) -> None:
    f, _ = fed
    served = f.served()
    assert len(served) == 6  # 3 governors, 2 departments, the auditor; the deployer serves nothing
    pids = {n.process.pid for n in served if n.process is not None}
    assert len(pids) == 6 and all(n.process.poll() is None for n in served if n.process is not None)
    secrets = set()
    for n in f.nodes.values():
        keystore = n.data_dir / "keystore"
        assert sorted(p.name for p in keystore.iterdir()) == [f"{n.member.key}.json"]
        assert Keystore(keystore, node_secret(n.data_dir)).load(n.member.key).address == n.config.address
        secrets.add(node_secret(n.data_dir))
    assert len(secrets) == len(f.nodes)  # no two nodes share a secret


def test_members_were_admitted_by_two_governors_nodes(fed) -> None:
    f, w3 = fed
    manifest = f.nodes["deployer"].data_dir / "deployments" / f"{NETWORK}.json"
    consortium = federation._consortium(w3, manifest)
    governors = {n.config.address for n in f.of_role("governor")}
    for n in f.of_role("department"):
        assert consortium.functions.isActiveDepartment(n.config.address).call() is True
    for n in f.of_role("auditor"):
        assert consortium.functions.isAuditor(n.config.address).call() is True
    approvals = consortium.events.ProposalApproved().get_logs(from_block=0)
    executed = {e["args"]["proposalId"] for e in consortium.events.ProposalExecuted().get_logs(from_block=0)}
    assert len(executed) == 3  # two admissions and one appointment
    for pid in executed:
        voters = {e["args"]["governor"] for e in approvals if e["args"]["proposalId"] == pid}
        assert len(voters) == roster.THRESHOLD and voters <= governors


def test_the_description_lists_every_node(fed, tmp_path_factory) -> None:
    f, _ = fed
    doc = json.loads((f.base_dir.parent / "federation.json").read_text())
    assert doc["chain"]["network"] == NETWORK
    by_name = {n["name"]: n for n in doc["nodes"]}
    assert set(by_name) == {m.key for m in MEMBERS}
    assert by_name["deployer"]["url"] is None and by_name["deployer"]["pid"] is None
    for n in f.served():
        entry = by_name[n.member.key]
        assert entry["url"] == n.url and entry["pid"] == n.process.pid and entry["address"] == n.config.address


def test_rerunning_admission_changes_nothing(fed) -> None:
    f, w3 = fed
    manifest = f.nodes["deployer"].data_dir / "deployments" / f"{NETWORK}.json"
    assert federation.admit_members(f, w3, manifest, log=lambda _m: None) == 0
