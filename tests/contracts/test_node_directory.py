"""NodeDirectory: each active department publishes its own node entry; nobody writes another's."""

from __future__ import annotations

import pytest
from contract_helpers import ZERO32, ZERO_ADDRESS, assert_custom_error, encode_error, event, event_names, h, now

ENDPOINT = "https://land.node.example.gov:8443"
ENC_KEY = h("x25519-public-key-A")
TLS_HASH = h("tls-spki-A")


@pytest.fixture(scope="module")
def directory(system, NodeDirectory):
    return NodeDirectory.deploy(system.consortium, {"from": system.deployer})


def publish(directory, dept, endpoint=ENDPOINT, key=ENC_KEY, tls=TLS_HASH):
    return directory.publishNode(endpoint, key, tls, {"from": dept})


def suspend(system, dept):
    c, g = system.consortium, system.governors
    pid = c.proposeSuspendDepartment(dept, {"from": g[0]}).return_value
    c.approve(pid, {"from": g[1]})


def reinstate(system, dept):
    c, g = system.consortium, system.governors
    pid = c.proposeReinstateDepartment(dept, {"from": g[0]}).return_value
    c.approve(pid, {"from": g[1]})


# --------------------------------------------------------------------------- deployment


def test_constructor_rejects_zero_consortium(NodeDirectory, accounts):
    assert_custom_error(
        lambda: NodeDirectory.deploy(ZERO_ADDRESS, {"from": accounts[0]}), "ConsortiumManagedZeroAddress"
    )


def test_deployment(system, directory):
    assert directory.consortium() == system.consortium
    assert directory.MAX_ENDPOINT_LENGTH() == 256
    assert directory.hasNode(system.depts[0]) is False


# --------------------------------------------------------------------------- publish


@pytest.mark.ganache_smoke
def test_publish_records_entry_and_event(system, directory):
    dept = system.depts[0]
    tx = publish(directory, dept)
    assert tx.return_value == 1
    assert event_names(tx) == ["NodePublished"]
    assert event(tx, "NodePublished") == {
        "department": dept,
        "endpoint": ENDPOINT,
        "encryptionKey": ENC_KEY,
        "transportKeyHash": TLS_HASH,
        "version": 1,
    }
    assert directory.hasNode(dept) is True
    assert directory.node(dept).dict() == {
        "endpoint": ENDPOINT,
        "encryptionKey": ENC_KEY,
        "transportKeyHash": TLS_HASH,
        "version": 1,
        "publishedAt": now(),
    }
    assert directory.activeNode(dept).dict() == directory.node(dept).dict()


def test_version_increments_and_entry_is_replaced(system, directory):
    dept = system.depts[0]
    publish(directory, dept)
    tx = publish(directory, dept, endpoint="http://10.0.0.7:8000", key=h("rotated"), tls=ZERO32)
    assert tx.return_value == 2
    assert event(tx, "NodePublished")["version"] == 2
    entry = directory.node(dept)
    assert (entry["endpoint"], entry["encryptionKey"], entry["transportKeyHash"], entry["version"]) == (
        "http://10.0.0.7:8000",
        h("rotated"),
        ZERO32,
        2,
    )
    assert publish(directory, dept).return_value == 3


def test_entries_are_per_department(system, directory):
    a, b = system.depts[0], system.depts[1]
    publish(directory, a)
    tx = publish(directory, b, endpoint="https://civil.example.gov", key=h("key-B"), tls=h("tls-B"))
    assert tx.return_value == 1  # B's own counter
    assert directory.node(a)["endpoint"] == ENDPOINT
    assert directory.node(b)["endpoint"] == "https://civil.example.gov"


def test_endpoint_of_max_length_accepted(system, directory):
    tx = publish(directory, system.depts[0], endpoint="h" * 256)
    assert directory.node(system.depts[0])["endpoint"] == "h" * 256
    assert tx.return_value == 1


# --------------------------------------------------------------------------- attacks


def test_non_member_cannot_publish(system, directory):
    for account in (system.outsider, system.governors[0], system.auditor, system.deployer):
        assert_custom_error(lambda a=account: publish(directory, a), "ConsortiumManagedNotActiveDepartment", (account,))
        assert directory.hasNode(account) is False


@pytest.mark.ganache_smoke
def test_suspended_department_cannot_publish(system, directory):
    dept = system.depts[2]
    suspend(system, dept)
    assert_custom_error(lambda: publish(directory, dept), "ConsortiumManagedNotActiveDepartment", (dept,))
    assert directory.hasNode(dept) is False


def test_suspended_department_entry_readable_but_not_active(system, directory):
    dept = system.depts[2]
    publish(directory, dept)
    suspend(system, dept)
    assert directory.hasNode(dept) is True
    assert directory.node(dept)["version"] == 1  # as published
    assert_custom_error(lambda: directory.activeNode(dept), "ConsortiumManagedNotActiveDepartment", (dept,))
    reinstate(system, dept)
    assert directory.activeNode(dept)["version"] == 1


def test_empty_endpoint_refused(system, directory):
    assert_custom_error(lambda: publish(directory, system.depts[0], endpoint=""), "NodeDirectoryInvalidEndpoint", (0,))


def test_too_long_endpoint_refused(system, directory):
    assert_custom_error(
        lambda: publish(directory, system.depts[0], endpoint="h" * 257), "NodeDirectoryInvalidEndpoint", (257,)
    )


def test_zero_encryption_key_refused(system, directory):
    assert_custom_error(lambda: publish(directory, system.depts[0], key=ZERO32), "NodeDirectoryZeroEncryptionKey")


def test_other_department_cannot_overwrite_entry(system, directory):
    a, b = system.depts[0], system.depts[1]
    publish(directory, a)
    # B's publish writes B's entry only: there is no way to name another department's entry.
    publish(directory, b, endpoint="https://attacker.example", key=h("attacker"), tls=ZERO32)
    entry = directory.node(a)
    assert (entry["endpoint"], entry["encryptionKey"], entry["transportKeyHash"], entry["version"]) == (
        ENDPOINT,
        ENC_KEY,
        TLS_HASH,
        1,
    )


def test_governor_cannot_clear_directly(system, directory):
    publish(directory, system.depts[0])
    gov = system.governors[0]
    assert_custom_error(
        lambda: directory.clearNode(system.depts[0], {"from": gov}), "ConsortiumManagedNotCouncil", (gov,)
    )
    assert directory.hasNode(system.depts[0]) is True


# --------------------------------------------------------------------------- council clear


def test_council_clears_entry_and_version_continues(system, directory):
    dept = system.depts[0]
    publish(directory, dept)
    publish(directory, dept)
    tx = system.council_call(directory, "clearNode", (dept,))
    assert event(tx, "NodeCleared") == {"department": dept, "version": 2}
    assert directory.hasNode(dept) is False
    assert_custom_error(lambda: directory.node(dept), "NodeDirectoryUnknownNode", (dept,))
    assert_custom_error(lambda: directory.activeNode(dept), "NodeDirectoryUnknownNode", (dept,))
    assert publish(directory, dept).return_value == 3  # a version number is never reused


def test_council_clear_of_unknown_entry_refused(system, directory):
    dept = system.depts[3]
    data = directory.clearNode.encode_input(dept)
    pid = system.consortium.proposeCouncilCall(directory, data, h("clear"), {"from": system.governors[0]}).return_value
    inner = encode_error("NodeDirectoryUnknownNode", (dept,))
    assert_custom_error(
        lambda: system.consortium.approve(pid, {"from": system.governors[1]}), "ConsortiumCallFailed", (pid, inner)
    )


# --------------------------------------------------------------------------- views


def test_unknown_entry_views(system, directory):
    dept = system.depts[3]
    assert directory.hasNode(dept) is False
    assert_custom_error(lambda: directory.node(dept), "NodeDirectoryUnknownNode", (dept,))
    assert_custom_error(lambda: directory.activeNode(dept), "NodeDirectoryUnknownNode", (dept,))
