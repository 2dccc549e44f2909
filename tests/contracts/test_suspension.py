"""Suspension stops data access (issue 11, item 1): a suspended department records no use and makes no
request under the grants it holds, whatever their terms say; reinstatement gives them back untouched.

The grantee's standing is checked on every use (UsageRights._checkUsable), so a suspension needs no
revocation sweep over the department's grants. UsageRights reads it from its own copy, which the
Consortium keeps current in the suspending transaction once the council registered UsageRights as a
standing listener (the `system` fixture does, as the deployment does); a copy that does not know a
department asks the Consortium."""

from __future__ import annotations

import pytest
from contract_helpers import (
    DEPT_ACTIVE,
    DEPT_SUSPENDED,
    INTERNAL,
    assert_custom_error,
    encode_error,
    event,
    event_names,
    h,
)

NOT_ACTIVE = "ConsortiumManagedNotActiveDepartment"


@pytest.fixture
def newcomer(system, accounts):
    """A department admitted by the council for this test (2 of 3 governors), holding nothing yet."""
    dept = accounts[10]
    pid = system.consortium.proposeAdmitDepartment(
        dept, h("code-newcomer"), "Housing Bureau", h("region-310000"), {"from": system.governors[0]}
    ).return_value
    system.consortium.approve(pid, {"from": system.governors[1]})
    assert system.consortium.isActiveDepartment(dept)
    return dept


def reinstate(system, dept) -> None:
    pid = system.consortium.proposeReinstateDepartment(dept, {"from": system.governors[1]}).return_value
    system.consortium.approve(pid, {"from": system.governors[2]})


def use(system, gid, dept, label="case"):
    return system.rights.recordUse(gid, h("officer"), h("citizen"), h(label), {"from": dept})


def use_batch(system, gid, dept, n=3):
    return system.rights.recordUseBatch(
        gid,
        [h("officer")] * n,
        [h(f"citizen-{i}") for i in range(n)],
        [h(f"case-{i}") for i in range(n)],
        {"from": dept},
    )


def test_suspended_department_cannot_record_use(system, newcomer):
    r = system.rights
    gid = system.grant(grantee=newcomer, max_uses=10)
    assert event(use(system, gid, newcomer), "UseRecorded")["useIndex"] == 1

    system.suspend(newcomer)
    assert system.consortium.department(newcomer)["status"] == DEPT_SUSPENDED

    # every way in is refused with the shared membership error, naming the department
    assert_custom_error(lambda: use(system, gid, newcomer), NOT_ACTIVE, (newcomer,))
    assert_custom_error(lambda: use_batch(system, gid, newcomer), NOT_ACTIVE, (newcomer,))
    assert_custom_error(lambda: system.request(system.resources[INTERNAL], newcomer), NOT_ACTIVE, (newcomer,))
    # the grant itself is untouched (no revocation), but no longer usable
    g = r.grant(gid)
    assert (g["revoked"], g["usedCount"]) == (False, 1)
    assert not r.isGrantUsable(gid)

    # reinstatement gives the same grant back: uses continue where they stopped
    reinstate(system, newcomer)
    assert system.consortium.department(newcomer)["status"] == DEPT_ACTIVE
    assert r.isGrantUsable(gid)
    assert event(use(system, gid, newcomer, "after"), "UseRecorded")["useIndex"] == 2
    tx = use_batch(system, gid, newcomer, n=2)
    assert [e["useIndex"] for e in tx.events["UseRecorded"]] == [3, 4]
    qid = system.request(system.resources[INTERNAL], newcomer)
    assert r.request(qid)["requester"] == newcomer


def test_suspension_is_checked_after_the_grantee_and_before_the_grant_state(system, newcomer):
    """Order of the use checks: unknown grant, not the grantee, then standing, then revoked / expired /
    exhausted (IUsageRights.recordUse)."""
    r, owner = system.rights, system.depts[0]
    gid = system.grant(grantee=newcomer, max_uses=1)
    system.suspend(newcomer)
    assert_custom_error(lambda: use(system, 99, newcomer), "UsageRightsUnknownGrant", (99,))
    assert_custom_error(lambda: use(system, gid, system.depts[2]), "UsageRightsNotGrantee", (gid, system.depts[2]))
    r.revokeGrant(gid, h("suspended"), {"from": owner})  # revoking stays possible, and still reads as suspended
    assert_custom_error(lambda: use(system, gid, newcomer), NOT_ACTIVE, (newcomer,))
    reinstate(system, newcomer)
    assert_custom_error(lambda: use(system, gid, newcomer), "UsageRightsGrantRevoked", (gid,))


def test_another_departments_suspension_does_not_touch_a_grant(system, newcomer):
    gid = system.grant(grantee=newcomer)
    system.suspend(system.depts[2])
    assert event(use(system, gid, newcomer), "UseRecorded")["user"] == newcomer
    assert system.rights.isGrantUsable(gid)


def test_a_use_recorded_before_the_suspension_can_still_be_recorded_as_released(system, newcomer):
    """recordRelease records a fact (the owner's node released the use; off chain it refuses a suspended
    grantee): it does not wait on the grantee's reinstatement."""
    r, owner = system.rights, system.depts[0]
    gid = system.grant(grantee=newcomer)
    idx = event(use(system, gid, newcomer), "UseRecorded")["useIndex"]
    system.suspend(newcomer)
    tx = r.recordRelease(gid, idx, h("released content"), {"from": owner})
    assert event(tx, "UseReleased")["contentHash"] == h("released content")


# --------------------------------------------------------------------------- the standing copy in UsageRights


def _council_listener(system, listener):
    pid = system.consortium.proposeAddStandingListener(listener, {"from": system.governors[0]}).return_value
    return system.consortium.approve(pid, {"from": system.governors[1]})


def test_only_the_consortium_tells_usage_rights_of_standing(system, newcomer):
    """A department (or anyone) cannot mark itself active again in UsageRights' copy."""
    system.suspend(newcomer)
    for caller in (newcomer, system.governors[0]):
        assert_custom_error(
            lambda caller=caller: system.rights.onDepartmentStanding(newcomer, True, {"from": caller}),
            "UsageRightsNotConsortium",
            (caller,),
        )
    gid_holder = system.depts[1]
    gid = system.grant(grantee=gid_holder)
    system.suspend(gid_holder)
    assert_custom_error(lambda: use(system, gid, gid_holder), NOT_ACTIVE, (gid_holder,))


def test_an_unregistered_usage_rights_asks_the_consortium(system, newcomer, UsageRights):
    """Without the listener registration the copy knows nobody: every use asks the Consortium (fail closed)."""
    c = system.consortium
    bare = UsageRights.deploy(c, system.catalog, system.purposes, {"from": system.deployer})
    assert c.standingListeners() == [system.rights]
    tx = bare.issueGrant(system.resources[INTERNAL], newcomer, 7, h("law"), 86_400, 5, {"from": system.depts[0]})
    gid = event(tx, "GrantIssued")["grantId"]
    assert event(bare.recordUse(gid, h("o"), h("s"), h("c"), {"from": newcomer}), "UseRecorded")["useIndex"] == 1
    system.suspend(newcomer)
    assert_custom_error(
        lambda: bare.recordUse(gid, h("o"), h("s"), h("c"), {"from": newcomer}), NOT_ACTIVE, (newcomer,)
    )


def test_a_listener_registered_later_is_told_every_standing(system, newcomer, UsageRights):
    """Registration tells the new listener each department's standing, a suspended one included."""
    c = system.consortium
    late = UsageRights.deploy(c, system.catalog, system.purposes, {"from": system.deployer})
    tx = late.issueGrant(system.resources[INTERNAL], newcomer, 7, h("law"), 86_400, 5, {"from": system.depts[0]})
    gid = event(tx, "GrantIssued")["grantId"]
    system.suspend(newcomer)
    tx = _council_listener(system, late)
    assert event(tx, "StandingListenerAdded") == {"listener": late}
    assert c.standingListeners() == [system.rights, late]
    assert_custom_error(
        lambda: late.recordUse(gid, h("o"), h("s"), h("c"), {"from": newcomer}), NOT_ACTIVE, (newcomer,)
    )
    reinstate(system, newcomer)  # told in the reinstating transaction
    assert event(late.recordUse(gid, h("o"), h("s"), h("c"), {"from": newcomer}), "UseRecorded")["useIndex"] == 1


@pytest.mark.parametrize(
    "target, error",
    [
        pytest.param("eoa", "ConsortiumInvalidTarget", id="not-a-contract"),
        pytest.param("self", "ConsortiumInvalidTarget", id="not-the-consortium-itself"),
        pytest.param("rights", "ConsortiumAlreadyStandingListener", id="registered-once"),
    ],
)
def test_standing_listener_refusals(system, target, error):
    address = {"eoa": system.outsider, "self": system.consortium, "rights": system.rights}[target]
    assert_custom_error(
        lambda: system.consortium.proposeAddStandingListener(address, {"from": system.governors[0]}),
        error,
        (address,),
    )
    assert_custom_error(
        lambda: system.consortium.proposeAddStandingListener(address, {"from": system.depts[0]}),
        "ConsortiumNotGovernor",
        (system.depts[0],),
    )


def test_at_most_eight_standing_listeners(system, UsageRights):
    c = system.consortium
    while len(c.standingListeners()) < 8:
        _council_listener(system, UsageRights.deploy(c, system.catalog, system.purposes, {"from": system.deployer}))
    ninth = UsageRights.deploy(c, system.catalog, system.purposes, {"from": system.deployer})
    assert_custom_error(
        lambda: c.proposeAddStandingListener(ninth, {"from": system.governors[0]}),
        "ConsortiumTooManyStandingListeners",
        (9, 8),
    )


def test_admission_tells_the_listeners(system, accounts):
    """A department admitted after the registration is known to the copy from its admission on."""
    dept = accounts[11]
    pid = system.consortium.proposeAdmitDepartment(
        dept, h("code-late"), "Late Bureau", h("region-310000"), {"from": system.governors[0]}
    ).return_value
    tx = system.consortium.approve(pid, {"from": system.governors[1]})
    assert "DepartmentAdmitted" in event_names(tx)
    gid = system.grant(grantee=dept)
    assert event(use(system, gid, dept), "UseRecorded")["useIndex"] == 1
    system.suspend(dept)
    assert_custom_error(lambda: use(system, gid, dept), NOT_ACTIVE, (dept,))


def test_council_call_cannot_desync_standing(system, newcomer):
    """A council call runs as the Consortium, but cannot write UsageRights' copy against the Consortium's
    record: a suspended department stays refused until a real reinstatement."""
    gid = system.grant(grantee=newcomer)
    system.suspend(newcomer)
    call_data = system.rights.onDepartmentStanding.encode_input(newcomer, True)
    pid = system.consortium.proposeCouncilCall(system.rights, call_data, h("desync"), {"from": system.governors[0]})
    inner = encode_error("UsageRightsStandingMismatch", (newcomer, True))
    assert_custom_error(
        lambda: system.consortium.approve(pid.return_value, {"from": system.governors[1]}),
        "ConsortiumCallFailed",
        (pid.return_value, inner),
    )
    assert_custom_error(lambda: use(system, gid, newcomer), NOT_ACTIVE, (newcomer,))
