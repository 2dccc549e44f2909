"""The development federation: one OS process per party, membership voted through
the governors' own nodes (backend/ops/federation.py, run by `govchain federation up`)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pyotp
import pytest
from federation_testkit import running_federation

from backend.composition import open_tokens
from backend.core.identity import subject_hash
from backend.core.keystore import Keystore
from backend.idp.store import DEMO_CITIZEN_PASSWORD, DEMO_CITIZEN_USERNAME
from backend.ops import federation, purposes, roster
from backend.ops.demo import CITIZEN
from backend.ops.federation_idp import client_id_of
from backend.ops.node import load_config, node_secret, node_settings
from backend.web import session as web_session

# two governors are a council at the demo's threshold (2): five node processes in all
MEMBERS = [roster.DEPLOYER, *roster.GOVERNORS[:2], *roster.DEPARTMENTS[:2], *roster.AUDITORS]
NETWORK = "fedtest"


@pytest.fixture(scope="module")
def fed(tmp_path_factory) -> Iterator[tuple[federation.Federation, object]]:
    tmp = tmp_path_factory.mktemp("federation")
    with running_federation(tmp, NETWORK, MEMBERS, identity_provider=True) as (f, w3, _manifest):
        f.write_description(tmp / "federation.json")
        yield f, w3


def test_every_party_runs_its_own_process_with_only_its_own_key(fed) -> None:
    f, _ = fed
    served = f.served()
    assert len(served) == 5  # 2 governors, 2 departments, the auditor; the deployer serves nothing
    pids = {n.process.pid for n in served if n.process is not None}
    assert len(pids) == 5 and all(n.process.poll() is None for n in served if n.process is not None)
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
    consortium = federation.manifest_contract(w3, manifest, "Consortium")
    governors = {n.config.address for n in f.of_role("governor")}
    for n in f.of_role("department"):
        assert consortium.functions.isActiveDepartment(n.config.address).call() is True
    for n in f.of_role("auditor"):
        assert consortium.functions.isAuditor(n.config.address).call() is True
    approvals = consortium.events.ProposalApproved().get_logs(from_block=0)
    executed = {e["args"]["proposalId"] for e in consortium.events.ProposalExecuted().get_logs(from_block=0)}
    # two admissions, one appointment, the standing listener and one proposal per registry entry
    assert len(executed) == 4 + len(purposes.PURPOSES) + len(purposes.LEGAL_BASES)
    rights = federation.manifest_contract(w3, manifest, "UsageRights").address
    assert consortium.functions.standingListeners().call() == [rights]
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


def test_each_department_node_has_a_demo_admin_who_signs_in_with_password_and_totp(fed) -> None:
    f, _ = fed
    doc = json.loads((f.base_dir.parent / "federation.json").read_text())
    by_name = {n["name"]: n for n in doc["nodes"]}
    for n in f.served():
        if n.member.role != "department":
            assert "officers" not in by_name[n.member.key]
            continue
        [admin] = by_name[n.member.key]["officers"]
        assert admin["username"] == f"{n.member.key}-admin"
        body = {"username": admin["username"], "password": admin["password"], "totp": _code(admin["totp_secret"])}
        r = httpx.post(n.url + "/auth/officer/session", json=body, timeout=60)
        assert r.status_code == 201, r.text
        me = httpx.get(n.url + "/me", headers={"Authorization": f"Bearer {r.json()['token']}"}, timeout=60).json()
        assert (me["address"], me["kind"], me["officer"]) == (n.config.address, "officer", admin["username"])
        # the node's admin administers it: its officer list names that admin
        listed = httpx.get(n.url + "/officers", headers={"Authorization": f"Bearer {r.json()['token']}"}, timeout=60)
        assert [o["username"] for o in listed.json()["items"]] == [admin["username"]]


def _code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def test_rerunning_admission_changes_nothing(fed) -> None:
    f, w3 = fed
    manifest = f.nodes["deployer"].data_dir / "deployments" / f"{NETWORK}.json"
    assert federation.admit_members(f, w3, manifest, log=lambda _m: None) == 0


# -- the demo story across nodes: register → request → approve → use recorded → release → audit --------
RESIDENT = "110105199001011234"
TAX_PURPOSE, TAX_LEGAL_BASIS = 51, "《税收征收管理法》第五条 / Tax Collection Law art. 5"
DATASET = {
    "format": "govchain.dataset/1",
    "subject": {"id_type": "resident_id", "field": "resident_id"},
    "fields": ["resident_id", "name", "status", "address"],
    "records": [
        {"resident_id": RESIDENT, "name": "张三", "status": "married", "address": "朝阳区 1 号"},
        {"resident_id": "110105198502023456", "name": "李四", "status": "single", "address": "海淀区 2 号"},
    ],
}


def _h(node: federation.FederationNode, **extra: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {node.token}",
        "Idempotency-Key": uuid.uuid4().hex,
        **extra,
    }


def _ok(r: httpx.Response, status: int = 200) -> dict:
    assert r.status_code == status, r.text
    return r.json()


def test_a_use_travels_from_the_owners_node_to_the_grantees_and_the_auditor_sees_it(fed) -> None:
    f, _ = fed
    owner, grantee, auditor = f.nodes["dept-psb"], f.nodes["dept-ca"], f.nodes["audit-1"]
    c = httpx.Client(timeout=60)
    body = {"classification": "INTERNAL", "record": DATASET, "schema": {"type": "object", "title": "household"}}
    resource_id = _ok(c.post(f"{owner.url}/resources", json=body, headers=_h(owner)), 201)["resource_id"]
    ask = {
        "resource_id": resource_id,
        "purpose_code": TAX_PURPOSE,  # the federation registers the demo's entries
        "legal_basis": TAX_LEGAL_BASIS,
        "fields": ["name", "status"],
        "duration_s": 3600,
        "max_uses": 2,
    }
    request_id = _ok(c.post(f"{grantee.url}/requests", json=ask, headers=_h(grantee)), 201)["request_id"]
    approved = _ok(c.post(f"{owner.url}/requests/{request_id}/approve", json={"reason": "lawful"}, headers=_h(owner)))
    grant_id = approved["grant_id"]

    order = {"grant_id": grant_id, "fields": ["name", "status"], "context_ref": "case-1"}
    subject = {"X-Data-Subject": f"resident_id:{RESIDENT}"}
    released = _ok(c.post(f"{grantee.url}/releases", json=order, headers=_h(grantee, **subject)), 201)
    # only the named citizen's record, only the approved fields, from the owner, signed by the owner
    assert released["content"]["records"] == [{"name": "张三", "status": "married"}]
    assert released["owner"] == owner.config.address and released["replayed"] is False
    use_index = released["use_index"]

    # the grantee's node cannot read the owner's document, and its token means nothing there
    assert c.get(f"{owner.url}/resources/{resource_id}/content", headers=_h(grantee)).status_code == 401
    # the grantee's node lists the use as released
    listed = _ok(c.get(f"{grantee.url}/releases", headers=_h(grantee)))
    assert [(u["grant_id"], u["use_index"], u["status"]) for u in listed["items"]] == [
        (grant_id, use_index, "released")
    ]

    # the auditor's own node, indexing the chain alone (another process: it reaches the use's
    # block in its own time), shows the use by the grantee
    deadline = time.monotonic() + 60  # a bound on waiting, not a measurement
    recorded = {"grant_id": grant_id, "event": "UseRecorded"}
    while not (trail := _ok(c.get(f"{auditor.url}/audit/trail", params=recorded, headers=_h(auditor))))["items"]:
        assert time.monotonic() < deadline, trail
        time.sleep(0.2)
    uses = trail["items"]
    assert len(uses) == 1 and uses[0]["args"]["user"] == grantee.config.address
    assert int(uses[0]["args"]["useIndex"]) == use_index

    # the owner's node records the release on chain after answering (in the background): the
    # auditor's node then no longer lists the use as "recorded, not released" (decided by the
    # chain's views), and its index shows the UseReleased event once it has caught up
    query = {"grant_id": grant_id}
    deadline = time.monotonic() + 60  # a bound on waiting, not a measurement
    while (pending := _ok(c.get(f"{auditor.url}/audit/unreleased", params=query, headers=_h(auditor))))["items"]:
        assert time.monotonic() < deadline, pending
        time.sleep(0.2)
    released_query = query | {"event": "UseReleased"}
    while not (trail := _ok(c.get(f"{auditor.url}/audit/trail", params=released_query, headers=_h(auditor))))["items"]:
        assert time.monotonic() < deadline, trail
        time.sleep(0.2)
    (rel,) = trail["items"]
    assert (rel["args"]["owner"], int(rel["args"]["useIndex"]), rel["args"]["contentHash"]) == (
        owner.config.address,
        use_index,
        released["receipt"]["content_hash"],
    )


def test_an_exhausted_grant_releases_nothing_more(fed) -> None:
    f, _ = fed
    owner, grantee = f.nodes["dept-psb"], f.nodes["dept-ca"]
    c = httpx.Client(timeout=60)
    body = {"classification": "INTERNAL", "record": DATASET, "schema": {"type": "object"}}
    rid = _ok(c.post(f"{owner.url}/resources", json=body, headers=_h(owner)), 201)["resource_id"]
    ask = {
        "resource_id": rid,
        "purpose_code": TAX_PURPOSE,
        "legal_basis": TAX_LEGAL_BASIS,
        "fields": ["name"],
        "duration_s": 3600,
        "max_uses": 1,
    }
    req = _ok(c.post(f"{grantee.url}/requests", json=ask, headers=_h(grantee)), 201)["request_id"]
    grant_id = _ok(c.post(f"{owner.url}/requests/{req}/approve", json={"reason": "ok"}, headers=_h(owner)))["grant_id"]
    order = {"grant_id": grant_id, "fields": ["name"]}
    subject = {"X-Data-Subject": f"resident_id:{RESIDENT}"}
    first = _ok(c.post(f"{grantee.url}/releases", json=order, headers=_h(grantee, **subject)), 201)
    again = c.post(f"{grantee.url}/releases", json=order, headers=_h(grantee, **subject))
    assert again.status_code == 409, again.text
    assert again.json()["error"] == "UsageRightsGrantExhausted"
    # a retry of the one recorded use answers the same release from the owner's ledger
    retry = _ok(c.post(f"{grantee.url}/releases/{grant_id}/{first['use_index']}/retry", headers=_h(grantee)))
    assert retry["replayed"] is True and retry["receipt"] == first["receipt"]


def test_the_identity_provider_runs_and_every_department_node_is_its_client(fed) -> None:
    f, _ = fed
    idp = f.identity_provider
    assert idp is not None and idp.process is not None and idp.process.poll() is None
    doc = json.loads((f.base_dir.parent / "federation.json").read_text())
    assert doc["identity_provider"] == idp.issuer
    assert httpx.get(idp.issuer + "/.well-known/openid-configuration").json()["issuer"] == idp.issuer
    for n in f.of_role("department"):
        config = load_config(n.data_dir)
        assert (config.oidc_issuer, config.oidc_client_id) == (idp.issuer, client_id_of(n.member.key))
        assert config.oidc_redirect_uri == n.url + "/console/citizen/callback"
        assert node_settings(n.data_dir).oidc_issuer == idp.issuer  # re-sealed: the node's seal verifies
    for n in f.of_role("governor"):
        assert load_config(n.data_dir).oidc_issuer == ""


def test_the_demo_citizen_signs_in_on_a_department_node_through_the_provider(fed) -> None:
    """Real processes end to end: the node, the provider, and this test as the browser."""
    f, _ = fed
    node = f.of_role("department")[0]
    with httpx.Client(follow_redirects=False, timeout=60) as browser:
        r = browser.get(node.url + "/console/citizen/login")
        assert r.status_code == 303
        to_provider = r.headers["location"]
        assert to_provider.startswith(f.identity_provider.issuer + "/authorize?")
        assert browser.get(to_provider).status_code == 200
        r = browser.post(to_provider, data={"username": DEMO_CITIZEN_USERNAME, "password": DEMO_CITIZEN_PASSWORD})
        assert r.status_code == 302
        back = r.headers["location"]
        assert back.startswith(node.url + "/console/citizen/callback?")
        r = browser.get(back)
        assert r.status_code == 200, r.text
        sealed = r.cookies.get(web_session.SESSION_COOKIE)
        assert sealed
        assert browser.get(node.url + "/console/citizen").status_code == 200
    settings = node_settings(node.data_dir)
    payload = web_session.unseal(web_session.load_or_create_session_key(node.data_dir), sealed)
    info = open_tokens(settings).authenticate(payload["t"])
    assert info is not None and info.role == "citizen"
    assert info.principal == "0x" + subject_hash(settings.subject_secret, CITIZEN["id_type"], CITIZEN["id_value"]).hex()
