"""AssistedSessions: every assisted citizen session is on the record, opened only by an active department."""

from __future__ import annotations

import pytest
from contract_helpers import ZERO32, ZERO_ADDRESS, assert_custom_error, event, event_names, h
from eth_abi import encode
from eth_utils import keccak

OFFICER = h("officer-hash-desk-3")
SUBJECT = h("keyed-subject-hash")
REASON = h("keyed-reason-hash")


@pytest.fixture(scope="module")
def sessions(system, AssistedSessions):
    return AssistedSessions.deploy(system.consortium, {"from": system.deployer})


def binding(desk, subject_hash):
    """keccak256(abi.encode(desk, subjectHash)): what AssistedSessions keeps per session."""
    return "0x" + keccak(encode(["address", "bytes32"], [str(desk), bytes.fromhex(subject_hash[2:])])).hex()


def open_session(sessions, desk, officer=OFFICER, subject=SUBJECT, reason=REASON):
    return sessions.openAssistedSession(officer, subject, reason, {"from": desk})


def suspend(system, dept):
    c, g = system.consortium, system.governors
    pid = c.proposeSuspendDepartment(dept, {"from": g[0]}).return_value
    c.approve(pid, {"from": g[1]})


def test_constructor_rejects_zero_consortium(AssistedSessions, accounts):
    assert_custom_error(
        lambda: AssistedSessions.deploy(ZERO_ADDRESS, {"from": accounts[0]}), "ConsortiumManagedZeroAddress"
    )


def test_deployment(system, sessions):
    assert sessions.consortium() == system.consortium
    assert sessions.sessionCount() == 0


@pytest.mark.ganache_smoke
def test_open_records_desk_officer_subject_reason_and_id(system, sessions):
    desk = system.depts[2]
    tx = open_session(sessions, desk)
    assert tx.return_value == 1
    assert event_names(tx) == ["AssistedSessionOpened"]
    assert event(tx, "AssistedSessionOpened") == {
        "desk": desk,
        "officerHash": OFFICER,
        "subjectHash": SUBJECT,
        "reasonHash": REASON,
        "sessionId": 1,
    }
    assert sessions.sessionCount() == 1


def test_ids_count_across_desks(system, sessions):
    first = open_session(sessions, system.depts[0])
    assert first.return_value == 1
    tx = open_session(sessions, system.depts[1], officer=h("other"), subject=h("other-subject"))
    assert tx.return_value == 2
    print(f"\nGAS openAssistedSession first={first.gas_used} later={tx.gas_used}")
    assert event(tx, "AssistedSessionOpened")["desk"] == system.depts[1]
    assert sessions.sessionCount() == 2
    # each session's desk and subject are kept as one word, for the property registry's check of a
    # seller's assisted consent (given at another department's desk than the registrar's)
    assert (sessions.bindingOf(1), sessions.bindingOf(2), sessions.bindingOf(3)) == (
        binding(system.depts[0], SUBJECT),
        binding(system.depts[1], h("other-subject")),
        ZERO32,
    )


@pytest.mark.parametrize("who", ["outsider", "governor", "auditor"])
def test_non_department_refused(system, sessions, who):
    caller = {"outsider": system.outsider, "governor": system.governors[0], "auditor": system.auditor}[who]
    assert_custom_error(lambda: open_session(sessions, caller), "ConsortiumManagedNotActiveDepartment", (caller,))
    assert sessions.sessionCount() == 0


def test_suspended_department_refused(system, sessions):
    desk = system.depts[3]
    open_session(sessions, desk)
    suspend(system, desk)
    assert_custom_error(lambda: open_session(sessions, desk), "ConsortiumManagedNotActiveDepartment", (desk,))
    assert sessions.sessionCount() == 1


@pytest.mark.parametrize(
    "field, error",
    [
        ("officer", "AssistedSessionsZeroOfficer"),
        ("subject", "AssistedSessionsZeroSubject"),
        ("reason", "AssistedSessionsZeroReason"),
    ],
)
def test_zero_hashes_refused(system, sessions, field, error):
    assert_custom_error(lambda: open_session(sessions, system.depts[0], **{field: ZERO32}), error)
    assert sessions.sessionCount() == 0
