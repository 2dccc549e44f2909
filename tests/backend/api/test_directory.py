"""The node directory over the API, on this module's OWN chain (a department is suspended
here, which would disturb the session's shared consortium): a department publishes only
its own entry, every signed-in principal reads, ``resolve`` answers only for an active
department from the contract (never from the index), and the keys published by the demo
path are real X25519 keys whose private half stays encrypted in the keystore directory.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from api_world import System, build_system
from sqlalchemy import insert, select

from backend.indexer.models import chain_events
from backend.ops import deployer
from backend.services.directory import DepartmentNotActive, NodeNotPublished, PeerUnresolvable, ResolvedNode

KEY_A = "0x" + "a1" * 32
TLS_A = "0x" + "7e" * 32
ZERO = "0x" + "00" * 32
ENDPOINT_A = "https://dept-a.node.example.gov:8443"


@pytest.fixture(scope="module")
def system(tmp_path_factory) -> Iterator[System]:
    with build_system(tmp_path_factory.mktemp("directory"), "directorytest") as s:
        yield s


def _publish(s: System, who: str, endpoint: str, key: str, tls: str | None = None, idem: str | None = None):
    body = {"endpoint": endpoint, "encryption_key": key}
    if tls is not None:
        body["transport_key_hash"] = tls
    return s.http.put("/directory/self", json=body, headers=s.h(who, officer=None, key=idem))


def _council(s: System, propose) -> None:
    consortium = deployer.contract_at(s.w3, s.manifest, "Consortium", s.deployments)
    deployer.run_council(s.w3, consortium, [s.accounts[g] for g in ("gov-1", "gov-2", "gov-3")], propose)


@pytest.fixture(scope="module")
def published_a(system: System) -> dict:
    r = _publish(system, "dept-a", ENDPOINT_A, KEY_A, TLS_A)
    assert r.status_code == 200, r.text
    return r.json()


# -- publish ------------------------------------------------------------------------------------------
def test_publish_answers_the_event(system, published_a):
    body = published_a
    assert set(body) == {
        "department",
        "endpoint",
        "encryption_key",
        "transport_key_hash",
        "version",
        "tx_hash",
        "block_number",
    }
    assert {k: body[k] for k in ("department", "endpoint", "encryption_key", "transport_key_hash", "version")} == {
        "department": system.addr["dept-a"],
        "endpoint": ENDPOINT_A,
        "encryption_key": KEY_A,
        "transport_key_hash": TLS_A,
        "version": 1,
    }
    ev = system.events("NodeDirectory", "NodePublished", department=system.addr["dept-a"])
    assert [(e["tx_hash"], e["version"]) for e in ev] == [(body["tx_hash"], 1)]


def test_get_entry(system, published_a):
    r = system.http.get(f"/directory/{system.addr['dept-a']}", headers=system.h("auditor"))
    assert r.status_code == 200, r.text
    body = r.json()
    published_at = body.pop("published_at")
    assert isinstance(published_at, int) and published_at > 0
    assert body == {
        "department": system.addr["dept-a"],
        "endpoint": ENDPOINT_A,
        "encryption_key": KEY_A,
        "transport_key_hash": TLS_A,
        "version": 1,
        "department_active": True,
    }


def test_republish_increments_version_and_replay_does_not(system, published_a):
    s = system
    idem = f"pub-{uuid.uuid4().hex}"
    r = _publish(s, "dept-b", "http://10.0.0.2:8000", "0x" + "b2" * 32, idem=idem)
    assert (r.status_code, r.json()["version"], r.json()["transport_key_hash"]) == (200, 1, ZERO), r.text
    again = _publish(s, "dept-b", "http://10.0.0.2:8000", "0x" + "b2" * 32, idem=idem)
    assert again.status_code == 200 and again.json()["tx_hash"] == r.json()["tx_hash"], again.text
    r2 = _publish(s, "dept-b", "http://10.0.0.2:8001", "0x" + "b3" * 32)
    assert (r2.status_code, r2.json()["version"]) == (200, 2), r2.text
    entry = s.http.get(f"/directory/{s.addr['dept-b']}", headers=s.h("dept-a")).json()
    assert (entry["endpoint"], entry["encryption_key"], entry["version"]) == (
        "http://10.0.0.2:8001",
        "0x" + "b3" * 32,
        2,
    )


@pytest.mark.parametrize("who", ["gov-1", "auditor"])
def test_only_a_department_publishes(system, who):
    s = system
    nonce = s.w3.eth.get_transaction_count(s.addr[who], "pending")
    r = _publish(s, who, "https://evil.example", "0x" + "ee" * 32)
    role = "governor" if who.startswith("gov") else "auditor"
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "Forbidden", "args": {"reason": "requires role department", "role": role}}
    assert s.w3.eth.get_transaction_count(s.addr[who], "pending") == nonce


def test_publish_needs_a_token(system):
    r = system.http.put("/directory/self", json={"endpoint": ENDPOINT_A, "encryption_key": KEY_A})
    assert r.status_code == 401 and r.json()["error"] == "Unauthorized", r.text


def test_a_department_writes_only_its_own_entry(system, published_a):
    """dept-c publishing cannot touch dept-a's entry: the body has no department field at all."""
    s = system
    r = s.http.put(
        "/directory/self",
        json={
            "endpoint": "https://attacker.example",
            "encryption_key": "0x" + "cc" * 32,
            "department": s.addr["dept-a"],
        },
        headers=s.h("dept-c", officer=None),
    )
    assert r.status_code == 422 and r.json()["error"] == "ValidationError", r.text
    entry = s.http.get(f"/directory/{s.addr['dept-a']}", headers=s.h("dept-c")).json()
    assert (entry["endpoint"], entry["encryption_key"], entry["version"]) == (ENDPOINT_A, KEY_A, 1)


@pytest.mark.parametrize(
    "endpoint,reason",
    [
        ("ftp://dept.example", "endpoint must be an http:// or https:// URL with a host"),
        ("https://", "endpoint must be an http:// or https:// URL with a host"),
        ("https://dept.example/ x", "endpoint contains spaces or control characters"),
        ("https://user:pw@dept.example", "endpoint must not carry credentials, a query or a fragment"),
        ("https://dept.example:99999", "endpoint is not a valid URL"),
        ("https://é" + "x" * 239 + ".example", "endpoint longer than 256 bytes"),
    ],
)
def test_bad_endpoint_is_refused_before_the_chain(system, endpoint, reason):
    s = system
    nonce = s.w3.eth.get_transaction_count(s.addr["dept-c"], "pending")
    r = _publish(s, "dept-c", endpoint, "0x" + "cc" * 32)
    assert r.status_code == 422, r.text
    assert r.json() == {"error": "InvalidInput", "args": {"field": "endpoint", "reason": reason}}
    assert s.w3.eth.get_transaction_count(s.addr["dept-c"], "pending") == nonce


def test_zero_encryption_key_is_refused(system):
    r = _publish(system, "dept-c", "https://c.example", ZERO)
    assert r.status_code == 422, r.text
    assert r.json() == {
        "error": "InvalidInput",
        "args": {"field": "encryption_key", "reason": "encryption_key must be a non-zero 32-byte X25519 public key"},
    }


def test_malformed_key_is_a_validation_error(system):
    r = _publish(system, "dept-c", "https://c.example", "0x1234")
    assert r.status_code == 422 and r.json()["error"] == "ValidationError", r.text


# -- reads ----------------------------------------------------------------------------------------------
def test_unknown_address_is_404(system):
    nobody = "0x" + "12" * 20
    r = system.http.get(f"/directory/{nobody}", headers=system.h("dept-a"))
    assert r.status_code == 404, r.text
    assert r.json() == {
        "error": "NodeDirectoryUnknownNode",
        "args": {"department": "0x1212121212121212121212121212121212121212"},
    }


def test_list_newest_first_with_indexed_block(system, published_a):
    s = system
    r = s.http.get("/directory?limit=100", headers=s.h("gov-2"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body["indexed_to_block"], int) and body["indexed_to_block"] >= published_a["block_number"]
    departments = [e["department"] for e in body["items"]]
    assert s.addr["dept-a"] in departments
    assert body["total"] == len(departments) == len(set(departments))
    assert departments[-1] == s.addr["dept-a"]  # dept-a published first
    assert {(e["department"], e["version"]) for e in body["items"]} >= {(s.addr["dept-a"], 1)}


def test_forged_index_row_lists_nothing_and_resolves_nothing(system, published_a):
    """A DBA copies dept-a's NodePublished row and puts dept-c (who never published) in it."""
    s = system
    s.http.get("/directory", headers=s.h("dept-a"))  # indexed up to dept-a's publish
    c = chain_events.c
    with s.ctx.sessions() as db:
        row = db.execute(select(chain_events).where(c.event == "NodePublished")).mappings().first()
        forged = {k: v for k, v in row.items() if k != "id"}
        forged["args"] = {**row["args"], "department": s.addr["dept-c"], "endpoint": "https://evil.example"}
        forged["department"] = s.addr["dept-c"].lower()
        forged["tx_hash"] = "0x" + uuid.uuid4().hex * 2
        forged["log_index"] = 999
        db.execute(insert(chain_events).values(**forged))
        db.commit()
    body = s.http.get("/directory?limit=100", headers=s.h("dept-a")).json()
    assert s.addr["dept-c"] not in [e["department"] for e in body["items"]]
    with pytest.raises(NodeNotPublished):
        s.ctx.directory.resolve(s.addr["dept-c"])


# -- resolve (what the federation's peer client calls) ---------------------------------------------------
def test_resolve_active_department(system, published_a):
    node = system.ctx.directory.resolve(system.addr["dept-a"])
    assert node == ResolvedNode(ENDPOINT_A, bytes.fromhex(KEY_A[2:]), bytes.fromhex(TLS_A[2:]))
    endpoint, key, tls = node
    assert (endpoint, len(key), len(tls or b"")) == (ENDPOINT_A, 32, 32)


def test_resolve_plain_http_node_has_no_transport_hash(system):
    _publish(system, "dept-b", "http://10.0.0.2:8002", "0x" + "b4" * 32)
    assert system.ctx.directory.resolve(system.addr["dept-b"]).transport_key_hash is None


def test_resolve_unknown_department(system):
    with pytest.raises(NodeNotPublished) as info:
        system.ctx.directory.resolve("0x" + "34" * 20)
    assert isinstance(info.value, PeerUnresolvable)
    assert info.value.to_dict() == {
        "error": "NodeNotPublished",
        "args": {
            "department": "0x3434343434343434343434343434343434343434",
            "reason": "the department has published no node",
        },
    }


def test_suspended_department_is_not_resolved_nor_can_publish(system, published_a):
    """Runs last in this module: dept-a stays suspended."""
    s = system
    a = s.addr["dept-a"]
    _council(s, lambda c: c.functions.proposeSuspendDepartment(a))

    with pytest.raises(DepartmentNotActive) as info:
        s.ctx.directory.resolve(a)
    assert info.value.to_dict() == {
        "error": "DepartmentNotActive",
        "args": {"department": a, "reason": "the department is not active"},
    }
    entry = s.http.get(f"/directory/{a}", headers=s.h("dept-b")).json()
    assert (entry["version"], entry["department_active"]) == (1, False)  # readable, marked

    r = _publish(s, "dept-a", ENDPOINT_A, "0x" + "a9" * 32)
    assert r.status_code == 403, r.text
    assert r.json() == {"error": "ConsortiumManagedNotActiveDepartment", "args": {"account": a}}
