"""Consortium: governors, threshold, departments, auditors, proposals and council calls."""

from __future__ import annotations

import eth_abi
import pytest
from contract_helpers import (
    DAY,
    DEPT_ACTIVE,
    DEPT_SUSPENDED,
    HOUR,
    K_ADD_GOV,
    K_ADMIT,
    K_APPOINT_AUDITOR,
    K_CALL,
    K_REMOVE_AUDITOR,
    K_REMOVE_GOV,
    K_SUSPEND,
    K_THRESHOLD,
    K_UNANIMOUS_CALL,
    ZERO32,
    ZERO_ADDRESS,
    assert_custom_error,
    encode_error,
    event,
    event_names,
    h,
    time_travel,
)


def admit(system, account, code="code-new", name="Housing Bureau", region="region-310000"):
    c, g = system.consortium, system.governors
    pid = c.proposeAdmitDepartment(account, h(code), name, h(region), {"from": g[0]}).return_value
    return c.approve(pid, {"from": g[1]})


def execute_account_proposal(system, fn_name, account):
    c, g = system.consortium, system.governors
    pid = getattr(c, fn_name)(account, {"from": g[0]}).return_value
    return c.approve(pid, {"from": g[1]})


# --------------------------------------------------------------------------- deployment


def test_deployment_state_and_events(system):
    c, g = system.consortium, system.governors
    assert c.governors() == g
    assert c.governorCount() == 3
    assert c.threshold() == 2
    assert all(c.isGovernor(x) for x in g)
    assert not c.isGovernor(system.deployer)
    assert c.departments() == system.depts
    assert all(c.isActiveDepartment(d) for d in system.depts)
    assert c.isAuditor(system.auditor)
    assert c.auditors() == [system.auditor]
    names = [e["account"] for e in c.tx.events["GovernorAdded"]]
    assert names == g
    assert event(c.tx, "ThresholdChanged") == {"previousThreshold": 0, "newThreshold": 2}
    executing, unanimous = c.executingProposal()
    assert executing == 0 and not unanimous


def test_constructor_rejects_bad_governor_sets(Consortium, accounts):
    a = accounts
    assert_custom_error(
        lambda: Consortium.deploy([a[1], a[2]], 0, {"from": a[0]}), "ConsortiumInvalidThreshold", (0, 2)
    )
    # no single account may act for the council: threshold 1 is refused
    assert_custom_error(
        lambda: Consortium.deploy([a[1], a[2]], 1, {"from": a[0]}), "ConsortiumInvalidThreshold", (1, 2)
    )
    assert_custom_error(
        lambda: Consortium.deploy([a[1], a[2]], 3, {"from": a[0]}), "ConsortiumInvalidThreshold", (3, 2)
    )
    assert_custom_error(lambda: Consortium.deploy([], 2, {"from": a[0]}), "ConsortiumInvalidThreshold", (2, 0))
    assert_custom_error(lambda: Consortium.deploy([a[1], ZERO_ADDRESS], 2, {"from": a[0]}), "ConsortiumZeroAddress", ())
    assert_custom_error(
        lambda: Consortium.deploy([a[1], a[1]], 2, {"from": a[0]}), "ConsortiumAlreadyGovernor", (a[1],)
    )
    many = [f"0x{i:040x}" for i in range(1, 34)]
    assert_custom_error(lambda: Consortium.deploy(many, 2, {"from": a[0]}), "ConsortiumTooManyGovernors", (33, 32))


# --------------------------------------------------------------------------- departments


@pytest.mark.ganache_smoke
def test_admit_department_through_proposal(system, accounts):
    c, g = system.consortium, system.governors
    new = accounts[10]
    tx = c.proposeAdmitDepartment(new, h("code-new"), "Housing Bureau", h("region-310000"), {"from": g[0]})
    pid = tx.return_value
    assert event_names(tx) == ["ProposalCreated", "ProposalApproved"]
    created = event(tx, "ProposalCreated")
    assert created["proposalId"] == pid and created["kind"] == K_ADMIT and created["proposer"] == g[0]
    assert created["target"] == new
    assert (
        created["data"]
        == "0x"
        + eth_abi.encode(
            ["bytes32", "string", "bytes32"],
            [bytes.fromhex(h("code-new")[2:]), "Housing Bureau", bytes.fromhex(h("region-310000")[2:])],
        ).hex()
    )
    assert created["expiresAt"] == tx.timestamp + 7 * DAY
    assert event(tx, "ProposalApproved") == {"proposalId": pid, "governor": g[0], "approvals": 1}
    assert not c.isActiveDepartment(new)
    p = c.proposal(pid)
    assert (p["kind"], p["proposer"], p["target"], p["approvals"], p["executed"]) == (K_ADMIT, g[0], new, 1, False)
    assert p["createdAt"] == tx.timestamp and p["expiresAt"] == tx.timestamp + 7 * DAY
    assert c.hasApproved(pid, g[0]) and not c.hasApproved(pid, g[1])
    assert c.proposalCount() == pid

    tx = c.approve(pid, {"from": g[1]})
    assert event_names(tx) == ["ProposalApproved", "ProposalExecuted", "DepartmentAdmitted"]
    assert event(tx, "ProposalApproved")["approvals"] == 2
    assert event(tx, "ProposalExecuted") == {"proposalId": pid, "kind": K_ADMIT}
    assert event(tx, "DepartmentAdmitted") == {
        "account": new,
        "code": h("code-new"),
        "name": "Housing Bureau",
        "regionCode": h("region-310000"),
    }
    d = c.department(new)
    assert (d["account"], d["code"], d["name"], d["regionCode"], d["status"]) == (
        new,
        h("code-new"),
        "Housing Bureau",
        h("region-310000"),
        DEPT_ACTIVE,
    )
    assert d["admittedAt"] == tx.timestamp
    assert c.isActiveDepartment(new)
    assert c.departments()[-1] == new
    assert c.proposal(pid)["executed"]


def test_admission_proposal_validation(system, accounts):
    c, g = system.consortium, system.governors
    new, taken = accounts[10], system.depts[0]

    def propose(account=new, code=h("x"), name="Name", region=h("r"), sender=g[0]):
        return lambda: c.proposeAdmitDepartment(account, code, name, region, {"from": sender})

    assert_custom_error(propose(sender=system.outsider), "ConsortiumNotGovernor", (system.outsider,))
    assert_custom_error(propose(sender=system.depts[0]), "ConsortiumNotGovernor", (system.depts[0],))
    assert_custom_error(propose(account=ZERO_ADDRESS), "ConsortiumZeroAddress")
    assert_custom_error(propose(account=taken), "ConsortiumDepartmentExists", (taken,))
    assert_custom_error(propose(code=ZERO32), "ConsortiumEmptyCode")
    assert_custom_error(propose(code=h("code-0")), "ConsortiumDepartmentCodeTaken", (h("code-0"), taken))
    assert_custom_error(propose(name=""), "ConsortiumInvalidName", (0,))
    assert_custom_error(propose(name="x" * 129), "ConsortiumInvalidName", (129,))
    assert_custom_error(propose(region=ZERO32), "ConsortiumEmptyRegionCode")
    propose(name="x" * 128)()  # the maximum length is accepted


def test_admission_rechecked_at_execution(system, accounts):
    """Two pending admissions of the same account: the second cannot execute."""
    c, g = system.consortium, system.governors
    new = accounts[10]
    p1 = c.proposeAdmitDepartment(new, h("c1"), "One", h("r"), {"from": g[0]}).return_value
    p2 = c.proposeAdmitDepartment(new, h("c2"), "Two", h("r"), {"from": g[0]}).return_value
    c.approve(p1, {"from": g[1]})
    assert_custom_error(lambda: c.approve(p2, {"from": g[1]}), "ConsortiumDepartmentExists", (new,))
    assert not c.hasApproved(p2, g[1])  # the failed approval was not recorded


def test_suspend_and_reinstate_department(system):
    c, dept = system.consortium, system.depts[3]
    tx = execute_account_proposal(system, "proposeSuspendDepartment", dept)
    pid = event(tx, "ProposalExecuted")["proposalId"]
    assert event(tx, "ProposalExecuted")["kind"] == K_SUSPEND
    assert event(tx, "DepartmentSuspended") == {"account": dept, "proposalId": pid}
    assert not c.isActiveDepartment(dept)
    assert c.department(dept)["status"] == DEPT_SUSPENDED

    tx = execute_account_proposal(system, "proposeReinstateDepartment", dept)
    pid = event(tx, "ProposalExecuted")["proposalId"]
    assert event(tx, "DepartmentReinstated") == {"account": dept, "proposalId": pid}
    assert c.isActiveDepartment(dept)
    assert c.department(dept)["status"] == DEPT_ACTIVE


def test_suspend_and_reinstate_validation(system):
    c, g, dept, out = system.consortium, system.governors, system.depts[3], system.outsider
    assert_custom_error(lambda: c.proposeSuspendDepartment(dept, {"from": out}), "ConsortiumNotGovernor", (out,))
    assert_custom_error(lambda: c.proposeReinstateDepartment(dept, {"from": out}), "ConsortiumNotGovernor", (out,))
    assert_custom_error(lambda: c.proposeSuspendDepartment(out, {"from": g[0]}), "ConsortiumUnknownDepartment", (out,))
    assert_custom_error(
        lambda: c.proposeReinstateDepartment(out, {"from": g[0]}), "ConsortiumUnknownDepartment", (out,)
    )
    assert_custom_error(
        lambda: c.proposeReinstateDepartment(dept, {"from": g[0]}), "ConsortiumDepartmentNotSuspended", (dept,)
    )
    execute_account_proposal(system, "proposeSuspendDepartment", dept)
    assert_custom_error(
        lambda: c.proposeSuspendDepartment(dept, {"from": g[0]}), "ConsortiumDepartmentNotActive", (dept,)
    )


def test_department_view_rejects_unknown(system):
    assert_custom_error(
        lambda: system.consortium.department(system.outsider), "ConsortiumUnknownDepartment", (system.outsider,)
    )


# --------------------------------------------------------------------------- governors and threshold


def test_add_and_remove_governor(system, accounts):
    c, g = system.consortium, system.governors
    new = accounts[10]
    tx = execute_account_proposal(system, "proposeAddGovernor", new)
    assert event(tx, "ProposalExecuted")["kind"] == K_ADD_GOV
    assert event(tx, "GovernorAdded") == {"account": new}
    assert c.isGovernor(new) and c.governorCount() == 4

    tx = execute_account_proposal(system, "proposeRemoveGovernor", g[0])
    assert event(tx, "ProposalExecuted")["kind"] == K_REMOVE_GOV
    assert event(tx, "GovernorRemoved") == {"account": g[0]}
    assert not c.isGovernor(g[0]) and c.governorCount() == 3
    assert sorted(c.governors()) == sorted(str(x) for x in (g[1], g[2], new))
    assert_custom_error(lambda: c.proposeAddGovernor(accounts[11], {"from": g[0]}), "ConsortiumNotGovernor", (g[0],))


def test_governor_proposal_validation(system):
    c, g, out = system.consortium, system.governors, system.outsider
    assert_custom_error(lambda: c.proposeAddGovernor(out, {"from": out}), "ConsortiumNotGovernor", (out,))
    assert_custom_error(lambda: c.proposeRemoveGovernor(g[1], {"from": out}), "ConsortiumNotGovernor", (out,))
    assert_custom_error(lambda: c.proposeAddGovernor(ZERO_ADDRESS, {"from": g[0]}), "ConsortiumZeroAddress")
    assert_custom_error(lambda: c.proposeAddGovernor(g[1], {"from": g[0]}), "ConsortiumAlreadyGovernor", (g[1],))
    assert_custom_error(lambda: c.proposeRemoveGovernor(out, {"from": g[0]}), "ConsortiumNotGovernor", (out,))
    # 3 governors, threshold 2: one removal is fine, a second would leave 1 < 2
    execute_account_proposal(system, "proposeRemoveGovernor", g[2])
    assert_custom_error(lambda: c.proposeRemoveGovernor(g[1], {"from": g[0]}), "ConsortiumInvalidThreshold", (2, 1))


def test_governor_cap(Consortium, accounts):
    many = [accounts[0]] + [f"0x{i:040x}" for i in range(1, 32)]
    c = Consortium.deploy(many, 2, {"from": accounts[0]})
    assert_custom_error(
        lambda: c.proposeAddGovernor(accounts[1], {"from": accounts[0]}), "ConsortiumTooManyGovernors", (33, 32)
    )


def test_change_threshold(system):
    c, g = system.consortium, system.governors
    pid = c.proposeChangeThreshold(3, {"from": g[0]}).return_value
    tx = c.approve(pid, {"from": g[1]})
    assert event(tx, "ProposalExecuted")["kind"] == K_THRESHOLD
    assert event(tx, "ThresholdChanged") == {"previousThreshold": 2, "newThreshold": 3}
    assert c.threshold() == 3
    # now three approvals are needed
    pid = c.proposeChangeThreshold(2, {"from": g[0]}).return_value
    tx = c.approve(pid, {"from": g[1]})
    assert "ProposalExecuted" not in tx.events
    tx = c.approve(pid, {"from": g[2]})
    assert event(tx, "ThresholdChanged") == {"previousThreshold": 3, "newThreshold": 2}
    # back at 2: the proposer plus one more governor execute
    pid = c.proposeAppointAuditor(system.outsider, {"from": g[2]}).return_value
    tx = c.approve(pid, {"from": g[0]})
    assert event_names(tx) == ["ProposalApproved", "ProposalExecuted", "AuditorAppointed"]


def test_change_threshold_validation(system):
    c, g, out = system.consortium, system.governors, system.outsider
    assert_custom_error(lambda: c.proposeChangeThreshold(2, {"from": out}), "ConsortiumNotGovernor", (out,))
    assert_custom_error(lambda: c.proposeChangeThreshold(0, {"from": g[0]}), "ConsortiumInvalidThreshold", (0, 3))
    assert_custom_error(lambda: c.proposeChangeThreshold(1, {"from": g[0]}), "ConsortiumInvalidThreshold", (1, 3))
    assert_custom_error(lambda: c.proposeChangeThreshold(4, {"from": g[0]}), "ConsortiumInvalidThreshold", (4, 3))


def test_threshold_rechecked_at_execution(system):
    """A pending threshold of 3 cannot execute after a governor was removed."""
    c, g = system.consortium, system.governors
    pid = c.proposeChangeThreshold(3, {"from": g[0]}).return_value
    execute_account_proposal(system, "proposeRemoveGovernor", g[2])
    assert_custom_error(lambda: c.approve(pid, {"from": g[1]}), "ConsortiumInvalidThreshold", (3, 2))


# --------------------------------------------------------------------------- auditors


def test_appoint_and_remove_auditor(system, accounts):
    c, new = system.consortium, accounts[10]
    tx = execute_account_proposal(system, "proposeAppointAuditor", new)
    assert event(tx, "ProposalExecuted")["kind"] == K_APPOINT_AUDITOR
    assert event(tx, "AuditorAppointed") == {"account": new}
    assert c.isAuditor(new) and c.auditors() == [system.auditor, new]
    tx = execute_account_proposal(system, "proposeRemoveAuditor", system.auditor)
    assert event(tx, "ProposalExecuted")["kind"] == K_REMOVE_AUDITOR
    assert event(tx, "AuditorRemoved") == {"account": system.auditor}
    assert not c.isAuditor(system.auditor) and c.auditors() == [new]


def test_auditor_proposal_validation(system):
    c, g, out, aud = system.consortium, system.governors, system.outsider, system.auditor
    assert_custom_error(lambda: c.proposeAppointAuditor(out, {"from": out}), "ConsortiumNotGovernor", (out,))
    assert_custom_error(lambda: c.proposeRemoveAuditor(aud, {"from": out}), "ConsortiumNotGovernor", (out,))
    assert_custom_error(lambda: c.proposeAppointAuditor(ZERO_ADDRESS, {"from": g[0]}), "ConsortiumZeroAddress")
    assert_custom_error(lambda: c.proposeAppointAuditor(aud, {"from": g[0]}), "ConsortiumAlreadyAuditor", (aud,))
    assert_custom_error(lambda: c.proposeRemoveAuditor(out, {"from": g[0]}), "ConsortiumNotAuditor", (out,))


# --------------------------------------------------------------------------- approvals, expiry, execution


def test_approve_validation(system):
    c, g, out = system.consortium, system.governors, system.outsider
    pid = c.proposeAppointAuditor(out, {"from": g[0]}).return_value
    assert_custom_error(lambda: c.approve(pid, {"from": out}), "ConsortiumNotGovernor", (out,))
    assert_custom_error(lambda: c.approve(pid + 1, {"from": g[1]}), "ConsortiumUnknownProposal", (pid + 1,))
    assert_custom_error(lambda: c.approve(pid, {"from": g[0]}), "ConsortiumAlreadyApproved", (pid, g[0]))
    c.approve(pid, {"from": g[1]})
    assert_custom_error(lambda: c.approve(pid, {"from": g[2]}), "ConsortiumProposalAlreadyExecuted", (pid,))


def test_proposal_expires(system):
    c, g = system.consortium, system.governors
    pid = c.proposeAppointAuditor(system.outsider, {"from": g[0]}).return_value
    expires = c.proposal(pid)["expiresAt"]
    time_travel(7 * DAY + 1)
    assert_custom_error(lambda: c.approve(pid, {"from": g[1]}), "ConsortiumProposalExpired", (pid, expires))
    assert_custom_error(lambda: c.executeProposal(pid, {"from": g[1]}), "ConsortiumProposalExpired", (pid, expires))


def test_proposal_view_rejects_unknown(system):
    assert_custom_error(lambda: system.consortium.proposal(99), "ConsortiumUnknownProposal", (99,))


def test_removed_governor_approval_stops_counting(system):
    c, g = system.consortium, system.governors
    pid = c.proposeAppointAuditor(system.outsider, {"from": g[2]}).return_value
    assert c.proposal(pid)["approvals"] == 1
    # g[2] is removed before anyone else approves; its approval no longer counts
    execute_account_proposal(system, "proposeRemoveGovernor", g[2])
    assert c.proposal(pid)["approvals"] == 0
    assert c.hasApproved(pid, g[2])
    tx = c.approve(pid, {"from": g[0]})
    assert event(tx, "ProposalApproved")["approvals"] == 1
    assert "ProposalExecuted" not in tx.events
    tx = c.approve(pid, {"from": g[1]})
    assert event(tx, "AuditorAppointed") == {"account": system.outsider}


def test_execute_proposal_after_threshold_decrease(system):
    c, g = system.consortium, system.governors
    p_threshold3 = c.proposeChangeThreshold(3, {"from": g[0]}).return_value
    c.approve(p_threshold3, {"from": g[1]})
    pid = c.proposeAppointAuditor(system.outsider, {"from": g[0]}).return_value
    c.approve(pid, {"from": g[1]})  # 2 of 3 needed: pending
    assert not c.proposal(pid)["executed"]
    assert_custom_error(lambda: c.executeProposal(pid, {"from": g[0]}), "ConsortiumInsufficientApprovals", (pid, 2, 3))
    assert_custom_error(
        lambda: c.executeProposal(pid, {"from": system.outsider}), "ConsortiumNotGovernor", (system.outsider,)
    )
    p_back = c.proposeChangeThreshold(2, {"from": g[0]}).return_value
    c.approve(p_back, {"from": g[1]})
    c.approve(p_back, {"from": g[2]})
    tx = c.executeProposal(pid, {"from": g[2]})
    assert event_names(tx) == ["ProposalExecuted", "AuditorAppointed"]
    assert_custom_error(lambda: c.executeProposal(pid, {"from": g[2]}), "ConsortiumProposalAlreadyExecuted", (pid,))
    assert_custom_error(lambda: c.executeProposal(77, {"from": g[2]}), "ConsortiumUnknownProposal", (77,))


# --------------------------------------------------------------------------- generic propose and lifetimes


def test_generic_propose_with_lifetime(system, accounts):
    c, g = system.consortium, system.governors
    data = eth_abi.encode(["bytes32", "string", "bytes32"], [b"\x01" * 32, "Water Authority", b"\x02" * 32])
    tx = c.propose(K_ADMIT, accounts[10], data, ZERO32, 2 * DAY, {"from": g[0]})
    pid = tx.return_value
    assert event(tx, "ProposalCreated")["expiresAt"] == tx.timestamp + 2 * DAY
    tx = c.approve(pid, {"from": g[1]})
    assert event(tx, "DepartmentAdmitted")["name"] == "Water Authority"

    tx = c.propose(K_THRESHOLD, ZERO_ADDRESS, eth_abi.encode(["uint256"], [3]), h("why"), HOUR, {"from": g[0]})
    assert event(tx, "ProposalCreated")["descriptionHash"] == h("why")
    assert c.proposal(tx.return_value)["descriptionHash"] == h("why")
    tx = c.propose(K_SUSPEND, accounts[10], b"", ZERO32, 30 * DAY, {"from": g[0]})
    assert event(tx, "ProposalCreated")["expiresAt"] == tx.timestamp + 30 * DAY


def test_generic_propose_validation(system, accounts):
    c, g, new = system.consortium, system.governors, accounts[10]
    good = eth_abi.encode(["bytes32", "string", "bytes32"], [b"\x01" * 32, "Water", b"\x02" * 32])

    def propose(kind, target, data, lifetime=DAY, desc=ZERO32, sender=g[0]):
        return lambda: c.propose(kind, target, data, desc, lifetime, {"from": sender})

    assert_custom_error(
        propose(K_ADMIT, new, good, sender=system.outsider), "ConsortiumNotGovernor", (system.outsider,)
    )
    assert_custom_error(propose(K_ADMIT, new, good, lifetime=HOUR - 1), "ConsortiumInvalidLifetime", (HOUR - 1,))
    assert_custom_error(
        propose(K_ADMIT, new, good, lifetime=30 * DAY + 1), "ConsortiumInvalidLifetime", (30 * DAY + 1,)
    )
    assert_custom_error(propose(K_ADMIT, new, good, lifetime=0), "ConsortiumInvalidLifetime", (0,))
    assert_custom_error(propose(K_ADMIT, new, good[:-1]), "ConsortiumInvalidProposalData", (K_ADMIT,))
    assert_custom_error(propose(K_ADMIT, new, good + b"\x00" * 32), "ConsortiumInvalidProposalData", (K_ADMIT,))
    assert_custom_error(propose(K_ADMIT, new, b"\x00" * 64), "ConsortiumInvalidProposalData", (K_ADMIT,))
    bad_offset = good[:32] + (64).to_bytes(32, "big") + good[64:]
    assert_custom_error(propose(K_ADMIT, new, bad_offset), "ConsortiumInvalidProposalData", (K_ADMIT,))
    too_long = eth_abi.encode(["bytes32", "string", "bytes32"], [b"\x01" * 32, "x" * 129, b"\x02" * 32])
    assert_custom_error(propose(K_ADMIT, new, too_long), "ConsortiumInvalidProposalData", (K_ADMIT,))
    empty_name = eth_abi.encode(["bytes32", "string", "bytes32"], [b"\x01" * 32, "", b"\x02" * 32])
    assert_custom_error(propose(K_ADMIT, new, empty_name), "ConsortiumInvalidName", (0,))
    assert_custom_error(propose(K_SUSPEND, system.depts[0], b"\x01"), "ConsortiumInvalidProposalData", (K_SUSPEND,))
    assert_custom_error(propose(K_ADD_GOV, new, b"\x01" * 32), "ConsortiumInvalidProposalData", (K_ADD_GOV,))
    assert_custom_error(
        propose(K_THRESHOLD, new, eth_abi.encode(["uint256"], [2])), "ConsortiumInvalidProposalData", (K_THRESHOLD,)
    )
    assert_custom_error(propose(K_THRESHOLD, ZERO_ADDRESS, b"\x02"), "ConsortiumInvalidProposalData", (K_THRESHOLD,))
    assert_custom_error(
        propose(K_THRESHOLD, ZERO_ADDRESS, eth_abi.encode(["uint256"], [2**200])),
        "ConsortiumInvalidThreshold",
        (2**200, 3),
    )
    assert_custom_error(propose(K_REMOVE_AUDITOR, new, b""), "ConsortiumNotAuditor", (new,))
    assert_custom_error(propose(K_CALL, system.catalog, b"\x12\x34\x56\x78"), "ConsortiumEmptyDescription")


# --------------------------------------------------------------------------- council calls


def test_council_call_executes_at_threshold(system):
    c, g, cat = system.consortium, system.governors, system.catalog
    rid = system.resources[0]
    data = cat.transferOwnership.encode_input(rid, system.depts[1])
    tx = c.proposeCouncilCall(cat, data, h("reorganisation"), {"from": g[0]})
    pid = tx.return_value
    created = event(tx, "ProposalCreated")
    assert (created["kind"], created["target"], created["data"], created["descriptionHash"]) == (
        K_CALL,
        cat,
        data,
        h("reorganisation"),
    )
    assert cat.ownerOf(rid) == system.depts[0]
    tx = c.approve(pid, {"from": g[1]})
    assert event_names(tx) == ["ProposalApproved", "ProposalExecuted", "ResourceOwnershipTransferred"]
    assert event(tx, "ProposalExecuted") == {"proposalId": pid, "kind": K_CALL}
    assert cat.ownerOf(rid) == system.depts[1]
    executing, unanimous = c.executingProposal()
    assert executing == 0 and not unanimous


def test_council_call_validation(system):
    c, g, cat = system.consortium, system.governors, system.catalog
    data = cat.transferOwnership.encode_input(1, system.depts[1])
    out = system.outsider
    for fn in (c.proposeCouncilCall, c.proposeUnanimousCouncilCall):
        kind = K_CALL if fn is c.proposeCouncilCall else K_UNANIMOUS_CALL
        assert_custom_error(lambda: fn(cat, data, h("d"), {"from": out}), "ConsortiumNotGovernor", (out,))
        assert_custom_error(lambda: fn(out, data, h("d"), {"from": g[0]}), "ConsortiumInvalidTarget", (out,))
        assert_custom_error(
            lambda: fn(ZERO_ADDRESS, data, h("d"), {"from": g[0]}), "ConsortiumInvalidTarget", (ZERO_ADDRESS,)
        )
        assert_custom_error(lambda: fn(c, data, h("d"), {"from": g[0]}), "ConsortiumInvalidTarget", (c,))
        assert_custom_error(
            lambda: fn(cat, "0x123456", h("d"), {"from": g[0]}), "ConsortiumInvalidProposalData", (kind,)
        )
        assert_custom_error(lambda: fn(cat, data, ZERO32, {"from": g[0]}), "ConsortiumEmptyDescription")


@pytest.mark.ganache_smoke
def test_failed_council_call_reverts_the_approval(system):
    c, g, cat = system.consortium, system.governors, system.catalog
    data = cat.transferOwnership.encode_input(999, system.depts[1])
    pid = c.proposeCouncilCall(cat, data, h("d"), {"from": g[0]}).return_value
    inner = encode_error("DataCatalogUnknownResource", (999,))
    assert_custom_error(lambda: c.approve(pid, {"from": g[1]}), "ConsortiumCallFailed", (pid, inner))
    assert not c.proposal(pid)["executed"]
    assert not c.hasApproved(pid, g[1])


@pytest.mark.ganache_smoke
def test_unanimous_council_call_waits_for_every_governor(system):
    c, g, cat = system.consortium, system.governors, system.catalog
    rid = system.resources[0]
    data = cat.transferOwnership.encode_input(rid, system.depts[1])
    tx = c.proposeUnanimousCouncilCall(cat, data, h("d"), {"from": g[0]})
    pid = tx.return_value
    assert event(tx, "ProposalCreated")["kind"] == K_UNANIMOUS_CALL
    tx = c.approve(pid, {"from": g[1]})
    assert "ProposalExecuted" not in tx.events
    assert_custom_error(lambda: c.executeProposal(pid, {"from": g[1]}), "ConsortiumInsufficientApprovals", (pid, 2, 3))
    tx = c.approve(pid, {"from": g[2]})
    assert event(tx, "ProposalExecuted") == {"proposalId": pid, "kind": K_UNANIMOUS_CALL}
    assert cat.ownerOf(rid) == system.depts[1]
