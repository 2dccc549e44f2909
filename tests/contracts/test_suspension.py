"""Suspension stops data access (issue 11, item 1): a suspended department records no use and makes no
request under the grants it holds, whatever their terms say; reinstatement gives them back untouched.

The grantee's standing is read live from the Consortium on every use (UsageRights._checkUsable), so a
suspension needs no revocation sweep over the department's grants."""

from __future__ import annotations

import pytest
from contract_helpers import DEPT_ACTIVE, DEPT_SUSPENDED, INTERNAL, assert_custom_error, event, h

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
