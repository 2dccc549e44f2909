"""Council epochs: a proposal belongs to the governor set of its time (GovChain issue 11, item 2).

Every governor added or removed starts a new council epoch. A unanimous proposal needs every member
of its council with that council still in office, so removing a dissenter never makes it unanimous;
an approval counts only while its giver serves in the same membership, so a removed and re-added
governor's old approvals never count again.
"""

from __future__ import annotations

from contract_helpers import (
    DAY,
    K_UNANIMOUS_CALL,
    SECRET,
    assert_custom_error,
    event,
    event_names,
    h,
)


def run(system, propose, approvers):
    """`propose(governor 0)`, then approvals by `approvers` until it executes; returns the last tx."""
    c = system.consortium
    tx = propose(system.governors[0])
    pid = tx.return_value
    for gov in approvers:
        tx = c.approve(pid, {"from": gov})
    assert c.proposal(pid)["executed"]
    return tx


def test_deployment_starts_epoch_zero(system):
    c = system.consortium
    assert event(c.tx, "CouncilEpochStarted") == {"epoch": 0, "governorCount": 3}
    assert c.councilEpoch() == 0
    assert [c.governorSince(g) for g in system.governors] == [0, 0, 0]
    assert_custom_error(lambda: c.governorSince(system.outsider), "ConsortiumNotGovernor", (system.outsider,))


def test_removing_a_dissenter_does_not_make_a_proposal_unanimous(system):
    """3 governors, threshold 2: g0 and g1 want a SECRET grant, g2 does not approve. They remove g2
    (2 of 3 suffice) and try to execute the proposal as if 2 of 2 were unanimous."""
    c, r, (g0, g1, g2) = system.consortium, system.rights, system.governors
    secret, grantee = system.resources[SECRET], system.depts[1]
    data = r.issueGrant.encode_input(secret, grantee, 5, h("law"), DAY, 1)
    tx = c.proposeUnanimousCouncilCall(r, data, h("secret grant"), {"from": g0})
    pid = tx.return_value
    c.approve(pid, {"from": g1})  # 2 of 3: waits for g2, who dissents

    tx = run(system, lambda g: c.proposeRemoveGovernor(g2, {"from": g}), [g1])
    assert event_names(tx)[-2:] == ["GovernorRemoved", "CouncilEpochStarted"]
    assert event(tx, "CouncilEpochStarted") == {"epoch": 1, "governorCount": 2}
    assert c.councilEpoch() == 1

    grants_before = r.grantCount()
    for gov in (g0, g1):
        assert_custom_error(
            lambda: c.executeProposal(pid, {"from": gov}), "ConsortiumCouncilChangedSinceProposal", (pid, 0, 1)
        )
    assert r.grantCount() == grants_before
    p = c.proposal(pid)
    assert (p["kind"], p["executed"], p["councilEpoch"], p["councilSize"], p["approvals"]) == (
        K_UNANIMOUS_CALL,
        False,
        0,
        3,
        2,
    )

    # Re-adding the dissenter does not reopen it either: the council of epoch 0 is gone.
    run(system, lambda g: c.proposeAddGovernor(g2, {"from": g}), [g1])
    assert_custom_error(lambda: c.approve(pid, {"from": g2}), "ConsortiumCouncilChangedSinceProposal", (pid, 0, 2))
    assert r.grantCount() == grants_before


def test_readded_governor_approvals_do_not_revive(system, accounts):
    """4 governors, threshold 3: g2 approves P, is removed, then re-added. Before epochs, g2's old
    approval counted again and g1's approval executed P without g2 agreeing anew."""
    c, (g0, g1, g2), g3 = system.consortium, system.governors, accounts[10]
    run(system, lambda g: c.proposeAddGovernor(g3, {"from": g}), [g1])  # epoch 1
    run(system, lambda g: c.proposeChangeThreshold(3, {"from": g}), [g1])
    pid = c.proposeAppointAuditor(system.outsider, {"from": g0}).return_value  # council of epoch 1
    c.approve(pid, {"from": g2})
    assert c.proposal(pid)["approvals"] == 2

    run(system, lambda g: c.proposeRemoveGovernor(g2, {"from": g}), [g1, g3])  # epoch 2
    assert c.proposal(pid)["approvals"] == 1
    run(system, lambda g: c.proposeAddGovernor(g2, {"from": g}), [g1, g3])  # epoch 3
    assert c.governorSince(g2) == 3 and c.governorSince(g3) == 1 and c.councilEpoch() == 3

    assert c.hasApproved(pid, g2)  # the record stays, but it no longer counts
    assert c.proposal(pid)["approvals"] == 1
    assert_custom_error(lambda: c.approve(pid, {"from": g2}), "ConsortiumGovernorJoinedAfterProposal", (pid, g2, 3, 1))

    tx = c.approve(pid, {"from": g1})
    assert event_names(tx) == ["ProposalApproved"]
    assert event(tx, "ProposalApproved") == {"proposalId": pid, "governor": g1, "approvals": 2}
    assert not c.isAuditor(system.outsider)
    assert_custom_error(lambda: c.executeProposal(pid, {"from": g2}), "ConsortiumInsufficientApprovals", (pid, 2, 3))

    # g3 served in the proposal's council (epoch 1) and still does: the third approval that counts.
    tx = c.approve(pid, {"from": g3})
    assert event(tx, "ProposalApproved")["approvals"] == 3
    assert event(tx, "AuditorAppointed") == {"account": system.outsider}


def test_governor_added_after_a_proposal_cannot_approve_it(system, accounts):
    c, (g0, g1, g2), new = system.consortium, system.governors, accounts[10]
    pid = c.proposeAppointAuditor(system.outsider, {"from": g0}).return_value  # epoch 0
    run(system, lambda g: c.proposeAddGovernor(new, {"from": g}), [g1])  # epoch 1
    assert_custom_error(
        lambda: c.approve(pid, {"from": new}), "ConsortiumGovernorJoinedAfterProposal", (pid, new, 1, 0)
    )
    # a member of the proposal's council still completes it at the threshold
    tx = c.approve(pid, {"from": g2})
    assert event(tx, "ProposalApproved")["approvals"] == 2
    assert c.isAuditor(system.outsider)


def test_unanimous_call_proposed_to_the_new_council_executes(system):
    """After the council changed, a unanimous call is proposed again and needs the whole new council."""
    c, r, (g0, g1, g2) = system.consortium, system.rights, system.governors
    run(system, lambda g: c.proposeRemoveGovernor(g2, {"from": g}), [g1])
    data = r.issueGrant.encode_input(system.resources[SECRET], system.depts[1], 5, h("law"), DAY, 1)
    pid = c.proposeUnanimousCouncilCall(r, data, h("secret grant again"), {"from": g0}).return_value
    p = c.proposal(pid)
    assert (p["councilEpoch"], p["councilSize"]) == (1, 2)
    tx = c.approve(pid, {"from": g1})
    assert event(tx, "ProposalExecuted") == {"proposalId": pid, "kind": K_UNANIMOUS_CALL}
    assert event(tx, "GrantIssued")["grantee"] == system.depts[1]
