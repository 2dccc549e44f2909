"""UsageRights: requests, owner/council approvals, grants, revocation and recorded uses."""

from __future__ import annotations

import pytest
from contract_helpers import (
    DAY,
    INTERNAL,
    PUBLIC,
    REQ_APPROVED,
    REQ_DENIED,
    REQ_ESCALATED,
    REQ_OWNER_APPROVED,
    REQ_PENDING,
    SECRET,
    SENSITIVE,
    ZERO32,
    ZERO_ADDRESS,
    assert_custom_error,
    event,
    event_names,
    h,
    now,
    time_travel,
)

MAX_DURATION = 5 * 365 * DAY
MAX_WINDOW = 90 * DAY


# --------------------------------------------------------------------------- deployment


def test_constructor_rejects_zero_addresses(UsageRights, system, accounts):
    c, cat, reg = system.consortium, system.catalog, system.purposes
    assert_custom_error(
        lambda: UsageRights.deploy(ZERO_ADDRESS, cat, reg, {"from": accounts[0]}), "ConsortiumManagedZeroAddress"
    )
    assert_custom_error(
        lambda: UsageRights.deploy(c, ZERO_ADDRESS, reg, {"from": accounts[0]}), "UsageRightsZeroAddress"
    )
    assert_custom_error(
        lambda: UsageRights.deploy(c, cat, ZERO_ADDRESS, {"from": accounts[0]}), "UsageRightsZeroAddress"
    )


def test_deployment_links(system):
    assert system.rights.consortium() == system.consortium
    assert system.rights.catalog() == system.catalog
    assert system.rights.purposeRegistry() == system.purposes
    assert system.rights.grantCount() == 0 and system.rights.requestCount() == 0


# --------------------------------------------------------------------------- requestUse


def test_request_use(system):
    r, rid, requester = system.rights, system.resources[INTERNAL], system.depts[1]
    deadline = now() + 2 * DAY
    tx = r.requestUse(rid, 7, h("law"), h("fields"), 30 * DAY, 10, deadline, {"from": requester})
    qid = tx.return_value
    assert qid == 1 and r.requestCount() == 1
    assert event_names(tx) == ["UseRequested"]
    # the request as asked: in the event and, with its status and grant, in the view
    asked = {
        "resourceId": rid,
        "requester": requester,
        "purposeCode": 7,
        "legalBasisHash": h("law"),
        "fieldsHash": h("fields"),
        "duration": 30 * DAY,
        "maxUses": 10,
        "approvalDeadline": deadline,
    }
    assert event(tx, "UseRequested") == {"requestId": qid, **asked}
    assert dict(r.request(qid).dict()) == {**asked, "status": REQ_PENDING, "grantId": 0}


# rule -> (system, now) -> (overrides of a valid requestUse by department B, error, error args)
REQUEST_USE_REFUSALS = {
    "outsider-is-no-department": lambda s, t: (
        {"sender": s.outsider},
        "ConsortiumManagedNotActiveDepartment",
        (s.outsider,),
    ),
    "auditor-is-no-department": lambda s, t: (
        {"sender": s.auditor},
        "ConsortiumManagedNotActiveDepartment",
        (s.auditor,),
    ),
    "resource-zero-unknown": lambda s, t: ({"resource": 0}, "UsageRightsUnknownResource", (0,)),
    "resource-unknown": lambda s, t: ({"resource": 99}, "UsageRightsUnknownResource", (99,)),
    "owner-may-not-request": lambda s, t: (
        {"sender": s.depts[0]},
        "UsageRightsOwnUse",
        (s.resources[INTERNAL], s.depts[0]),
    ),
    "purpose-non-zero": lambda s, t: ({"purpose": 0}, "UsageRightsInvalidPurpose", ()),
    "legal-basis-non-zero": lambda s, t: ({"law": ZERO32}, "UsageRightsEmptyLegalBasis", ()),
    "purpose-registered": lambda s, t: ({"purpose": 4}, "UsageRightsUnregisteredPurpose", (4,)),
    "legal-basis-registered": lambda s, t: (
        {"law": h("no such law")},
        "UsageRightsUnregisteredLegalBasis",
        (h("no such law"),),
    ),
    "fields-non-zero": lambda s, t: ({"fields": ZERO32}, "UsageRightsEmptyFieldsHash", ()),
    "duration-non-zero": lambda s, t: ({"duration": 0}, "UsageRightsInvalidDuration", (0,)),
    "duration-at-most-max": lambda s, t: (
        {"duration": MAX_DURATION + 1},
        "UsageRightsInvalidDuration",
        (MAX_DURATION + 1,),
    ),
    "max-uses-non-zero": lambda s, t: ({"uses": 0}, "UsageRightsInvalidMaxUses", (0,)),
    "deadline-in-future": lambda s, t: ({"deadline": t - 1}, "UsageRightsInvalidDeadline", (t - 1,)),
    "deadline-within-window": lambda s, t: (
        {"deadline": t + MAX_WINDOW + 3600},
        "UsageRightsInvalidDeadline",
        (t + MAX_WINDOW + 3600,),
    ),
}


@pytest.mark.parametrize("rule", REQUEST_USE_REFUSALS)
def test_request_use_refused(system, rule):
    t = now()
    overrides, error, error_args = REQUEST_USE_REFUSALS[rule](system, t)
    req = {
        "resource": system.resources[INTERNAL],
        "purpose": 7,
        "law": h("law"),
        "fields": h("f"),
        "duration": DAY,
        "uses": 1,
        "deadline": t + DAY,
        "sender": system.depts[1],
    } | overrides
    assert_custom_error(
        lambda: system.rights.requestUse(
            req["resource"],
            req["purpose"],
            req["law"],
            req["fields"],
            req["duration"],
            req["uses"],
            req["deadline"],
            {"from": req["sender"]},
        ),
        error,
        error_args,
    )


def test_request_use_refused_once_the_requester_is_suspended(system):
    requester = system.depts[1]
    system.suspend(requester)
    assert_custom_error(
        lambda: system.request(system.resources[INTERNAL], requester),
        "ConsortiumManagedNotActiveDepartment",
        (requester,),
    )


# --------------------------------------------------------------------------- owner approval


@pytest.mark.ganache_smoke
def test_approve_internal_request_issues_grant(system):
    r, owner, requester = system.rights, system.depts[0], system.depts[1]
    rid = system.resources[INTERNAL]
    qid = system.request(rid, requester, purpose=9, duration=10 * DAY, max_uses=3)
    tx = r.approveRequest(qid, h("ok"), {"from": owner})
    gid = tx.return_value
    assert gid == 1
    assert event_names(tx) == ["RequestApproved", "GrantIssued"]
    assert event(tx, "RequestApproved") == {
        "requestId": qid,
        "approver": owner,
        "status": REQ_APPROVED,
        "reasonHash": h("ok"),
    }
    assert event(tx, "GrantIssued") == {
        "grantId": gid,
        "resourceId": rid,
        "grantee": requester,
        "requestId": qid,
        "issuer": owner,
        "purposeCode": 9,
        "legalBasisHash": h("law"),
        "expiresAt": tx.timestamp + 10 * DAY,
        "maxUses": 3,
    }
    assert dict(r.grant(gid).dict()) == {
        "resourceId": rid,
        "grantee": requester,
        "purposeCode": 9,
        "issuedAt": tx.timestamp,
        "expiresAt": tx.timestamp + 10 * DAY,
        "maxUses": 3,
        "usedCount": 0,
        "revoked": False,
    }
    q = r.request(qid)
    assert q["status"] == REQ_APPROVED and q["grantId"] == gid
    assert r.isGrantUsable(gid) and r.grantCount() == 1


def test_approve_public_request_issues_grant(system):
    qid = system.request(system.resources[PUBLIC], system.depts[2])
    tx = system.rights.approveRequest(qid, h("ok"), {"from": system.depts[0]})
    assert event_names(tx) == ["RequestApproved", "GrantIssued"]
    assert event(tx, "GrantIssued")["grantee"] == system.depts[2]


def _owner_decision_refusal(rule: str, system, qid: int):
    """(requestId, reason, caller), error, error_args of an owner decision on ``qid`` breaking ``rule``."""
    owner, requester, rid = system.depts[0], system.depts[1], system.resources[INTERNAL]
    return {
        "request-exists": ((99, h("reason"), owner), "UsageRightsUnknownRequest", (99,)),
        "caller-is-owner": ((qid, h("reason"), requester), "UsageRightsNotOwner", (rid, requester)),
        "reason-non-zero": ((qid, ZERO32, owner), "UsageRightsEmptyReason", ()),
    }[rule]


@pytest.mark.parametrize("decision", ["approveRequest", "denyRequest"])
@pytest.mark.parametrize("rule", ["request-exists", "caller-is-owner", "reason-non-zero"])
def test_owner_decision_refused(system, decision, rule):
    qid = system.request(system.resources[INTERNAL], system.depts[1])
    (request_id, reason, caller), error, error_args = _owner_decision_refusal(rule, system, qid)
    decide = getattr(system.rights, decision)
    assert_custom_error(lambda: decide(request_id, reason, {"from": caller}), error, error_args)


def test_approve_refused_once_the_requester_is_suspended(system):
    r, owner, requester = system.rights, system.depts[0], system.depts[1]
    qid = system.request(system.resources[INTERNAL], requester)
    system.suspend(requester)
    assert_custom_error(
        lambda: r.approveRequest(qid, h("ok"), {"from": owner}), "ConsortiumManagedNotActiveDepartment", (requester,)
    )


def test_suspended_owner_cannot_approve_or_issue(system):
    r, owner = system.rights, system.depts[0]
    qid = system.request(system.resources[INTERNAL], system.depts[1])
    system.suspend(owner)
    assert_custom_error(
        lambda: r.approveRequest(qid, h("ok"), {"from": owner}), "ConsortiumManagedNotActiveDepartment", (owner,)
    )
    assert_custom_error(
        lambda: r.issueGrant(system.resources[INTERNAL], system.depts[1], 5, h("law"), DAY, 1, {"from": owner}),
        "ConsortiumManagedNotActiveDepartment",
        (owner,),
    )
    # the council still acts on the suspended owner's resources
    r.denyRequest(qid, h("no"), {"from": owner})  # denying only restricts: allowed
    tx = system.council_call(r, "issueGrant", (system.resources[INTERNAL], system.depts[1], 5, h("law"), DAY, 1))
    assert "GrantIssued" in tx.events


def test_approve_request_twice_or_after_denial(system):
    r, owner = system.rights, system.depts[0]
    q1 = system.request(system.resources[INTERNAL], system.depts[1])
    q2 = system.request(system.resources[INTERNAL], system.depts[2])
    r.approveRequest(q1, h("ok"), {"from": owner})
    r.denyRequest(q2, h("no"), {"from": owner})
    assert_custom_error(
        lambda: r.approveRequest(q1, h("ok"), {"from": owner}), "UsageRightsInvalidRequestStatus", (q1, REQ_APPROVED)
    )
    assert_custom_error(
        lambda: r.approveRequest(q2, h("ok"), {"from": owner}), "UsageRightsInvalidRequestStatus", (q2, REQ_DENIED)
    )


# --------------------------------------------------------------------------- council approval


def test_sensitive_request_needs_owner_then_council(system):
    r, owner, requester = system.rights, system.depts[0], system.depts[1]
    qid = system.request(system.resources[SENSITIVE], requester)
    tx = r.approveRequest(qid, h("ok"), {"from": owner})
    assert tx.return_value == 0
    assert event_names(tx) == ["RequestApproved"]
    assert event(tx, "RequestApproved")["status"] == REQ_OWNER_APPROVED
    assert r.request(qid)["status"] == REQ_OWNER_APPROVED and r.grantCount() == 0

    tx = system.council_call(r, "councilApprove", (qid,))
    pid = event(tx, "ProposalExecuted")["proposalId"]
    assert event_names(tx) == ["ProposalApproved", "ProposalExecuted", "RequestCouncilApproved", "GrantIssued"]
    assert event(tx, "RequestCouncilApproved") == {"requestId": qid, "proposalId": pid}
    issued = event(tx, "GrantIssued")
    assert issued["issuer"] == system.consortium and issued["grantee"] == requester and issued["requestId"] == qid
    assert r.request(qid)["status"] == REQ_APPROVED and r.request(qid)["grantId"] == issued["grantId"]


def test_council_cannot_approve_sensitive_before_the_owner(system):
    qid = system.request(system.resources[SENSITIVE], system.depts[1])
    pid = system.propose_call(system.rights, "councilApprove", (qid,))
    system.council_refuses(pid, "UsageRightsInvalidRequestStatus", (qid, REQ_PENDING))


def test_council_approve_only_from_consortium(system):
    r = system.rights
    qid = system.request(system.resources[SENSITIVE], system.depts[1])
    r.approveRequest(qid, h("ok"), {"from": system.depts[0]})
    for caller in (system.depts[0], system.governors[0], system.outsider):
        assert_custom_error(lambda: r.councilApprove(qid, {"from": caller}), "ConsortiumManagedNotCouncil", (caller,))


def test_council_approve_unknown_request(system):
    pid = system.propose_call(system.rights, "councilApprove", (42,))
    system.council_refuses(pid, "UsageRightsUnknownRequest", (42,))


@pytest.mark.ganache_smoke
def test_secret_request_needs_unanimous_council(system):
    r, c, g = system.rights, system.consortium, system.governors
    qid = system.request(system.resources[SECRET], system.depts[1])
    r.approveRequest(qid, h("ok"), {"from": system.depts[0]})

    # a threshold council call (2 of 3) is not enough for SECRET
    pid = system.propose_call(r, "councilApprove", (qid,))
    system.council_refuses(pid, "UsageRightsCouncilNotUnanimous", (pid,))

    # a unanimous council call executes only at 3 of 3 and then grants
    pid = system.propose_call(r, "councilApprove", (qid,), unanimous=True)
    assert "ProposalExecuted" not in c.approve(pid, {"from": g[1]}).events
    tx = c.approve(pid, {"from": g[2]})
    assert event(tx, "RequestCouncilApproved") == {"requestId": qid, "proposalId": pid}
    assert event(tx, "GrantIssued")["grantee"] == system.depts[1]
    assert r.request(qid)["status"] == REQ_APPROVED


def test_threshold_call_is_unanimous_when_all_governors_approve(system):
    """With threshold == governor count an ordinary council call is unanimous too."""
    c, g, r = system.consortium, system.governors, system.rights
    pid = c.proposeChangeThreshold(3, {"from": g[0]}).return_value
    c.approve(pid, {"from": g[1]})
    qid = system.request(system.resources[SECRET], system.depts[1])
    r.approveRequest(qid, h("ok"), {"from": system.depts[0]})
    tx = system.council_call(r, "councilApprove", (qid,))
    assert "GrantIssued" in tx.events


# --------------------------------------------------------------------------- deny and escalate


def test_deny_request_by_owner_and_by_council(system):
    r, owner = system.rights, system.depts[0]
    q1 = system.request(system.resources[INTERNAL], system.depts[1])
    tx = r.denyRequest(q1, h("no"), {"from": owner})
    assert event_names(tx) == ["RequestDenied"]
    assert event(tx, "RequestDenied") == {"requestId": q1, "denier": owner, "reasonHash": h("no")}
    assert r.request(q1)["status"] == REQ_DENIED

    q2 = system.request(system.resources[SENSITIVE], system.depts[1])
    r.approveRequest(q2, h("ok"), {"from": owner})  # owner-approved, council says no
    tx = system.council_call(r, "denyRequest", (q2, h("council-no")))
    assert event(tx, "RequestDenied") == {"requestId": q2, "denier": system.consortium, "reasonHash": h("council-no")}
    assert r.request(q2)["status"] == REQ_DENIED


def test_deny_refused_once_approved(system):
    r, owner = system.rights, system.depts[0]
    qid = system.request(system.resources[INTERNAL], system.depts[1])
    r.approveRequest(qid, h("ok"), {"from": owner})
    assert_custom_error(
        lambda: r.denyRequest(qid, h("no"), {"from": owner}), "UsageRightsInvalidRequestStatus", (qid, REQ_APPROVED)
    )


def test_escalate_request_after_deadline(system):
    r, owner = system.rights, system.depts[0]
    qid = system.request(system.resources[INTERNAL], system.depts[1], deadline_in=DAY)
    deadline = r.request(qid)["approvalDeadline"]
    assert_custom_error(
        lambda: r.escalateRequest(qid, {"from": system.outsider}), "UsageRightsDeadlineNotReached", (qid, deadline)
    )
    time_travel(DAY + 1)
    tx = r.escalateRequest(qid, {"from": system.outsider})  # anyone may escalate
    assert event_names(tx) == ["RequestEscalated"]
    assert event(tx, "RequestEscalated") == {"requestId": qid, "escalatedBy": system.outsider}
    assert r.request(qid)["status"] == REQ_ESCALATED
    assert_custom_error(
        lambda: r.escalateRequest(qid, {"from": system.outsider}),
        "UsageRightsInvalidRequestStatus",
        (qid, REQ_ESCALATED),
    )
    assert_custom_error(lambda: r.escalateRequest(99, {"from": system.outsider}), "UsageRightsUnknownRequest", (99,))

    # the council decides the escalated request
    tx = system.council_call(r, "councilApprove", (qid,))
    assert "GrantIssued" in tx.events and r.request(qid)["status"] == REQ_APPROVED


def test_owner_may_still_decide_an_escalated_request(system):
    r, owner = system.rights, system.depts[0]
    q1 = system.request(system.resources[INTERNAL], system.depts[1], deadline_in=DAY)
    q2 = system.request(system.resources[INTERNAL], system.depts[2], deadline_in=DAY)
    time_travel(DAY + 1)
    r.escalateRequest(q1, {"from": system.outsider})
    r.escalateRequest(q2, {"from": system.outsider})
    assert "GrantIssued" in r.approveRequest(q1, h("late ok"), {"from": owner}).events
    assert "RequestDenied" in r.denyRequest(q2, h("late no"), {"from": owner}).events


def test_council_cannot_approve_a_pending_internal_request(system):
    qid = system.request(system.resources[INTERNAL], system.depts[1])
    pid = system.propose_call(system.rights, "councilApprove", (qid,))
    system.council_refuses(pid, "UsageRightsInvalidRequestStatus", (qid, REQ_PENDING))


# --------------------------------------------------------------------------- issueGrant


def test_owner_issues_grant_directly(system):
    r, owner, grantee = system.rights, system.depts[0], system.depts[2]
    for cls in (PUBLIC, INTERNAL):
        rid = system.resources[cls]
        tx = r.issueGrant(rid, grantee, 5, h("law"), 7 * DAY, 4, {"from": owner})
        gid = tx.return_value
        assert event_names(tx) == ["GrantIssued"]
        assert event(tx, "GrantIssued") == {
            "grantId": gid,
            "resourceId": rid,
            "grantee": grantee,
            "requestId": 0,
            "issuer": owner,
            "purposeCode": 5,
            "legalBasisHash": h("law"),
            "expiresAt": tx.timestamp + 7 * DAY,
            "maxUses": 4,
        }
        assert r.isGrantUsable(gid)


def test_council_issues_grants_of_any_class(system):
    r = system.rights
    for cls in (PUBLIC, INTERNAL, SENSITIVE):
        tx = system.council_call(r, "issueGrant", (system.resources[cls], system.depts[1], 5, h("law"), DAY, 1))
        assert event(tx, "GrantIssued")["issuer"] == system.consortium
    pid = system.propose_call(r, "issueGrant", (system.resources[SECRET], system.depts[1], 5, h("law"), DAY, 1))
    system.council_refuses(pid, "UsageRightsCouncilNotUnanimous", (pid,))
    tx = system.council_call(
        r, "issueGrant", (system.resources[SECRET], system.depts[1], 5, h("law"), DAY, 1), unanimous=True
    )
    assert event(tx, "GrantIssued")["resourceId"] == system.resources[SECRET]


def test_issue_grant_validation(system):
    r, owner, grantee = system.rights, system.depts[0], system.depts[1]
    rid = system.resources[INTERNAL]

    def issue(resource=rid, to=grantee, purpose=5, law=h("law"), duration=DAY, uses=1, sender=owner):
        return lambda: r.issueGrant(resource, to, purpose, law, duration, uses, {"from": sender})

    assert_custom_error(issue(resource=99), "UsageRightsUnknownResource", (99,))
    assert_custom_error(issue(sender=grantee), "UsageRightsNotOwner", (rid, grantee))
    assert_custom_error(issue(sender=system.governors[0]), "UsageRightsNotOwner", (rid, system.governors[0]))
    for cls in (SENSITIVE, SECRET):
        assert_custom_error(
            issue(resource=system.resources[cls]), "UsageRightsCouncilRequired", (system.resources[cls], cls)
        )
    assert_custom_error(issue(to=owner), "UsageRightsOwnUse", (rid, owner))
    assert_custom_error(issue(to=system.outsider), "ConsortiumManagedNotActiveDepartment", (system.outsider,))
    assert_custom_error(issue(to=ZERO_ADDRESS), "ConsortiumManagedNotActiveDepartment", (ZERO_ADDRESS,))
    assert_custom_error(issue(purpose=0), "UsageRightsInvalidPurpose")
    assert_custom_error(issue(law=ZERO32), "UsageRightsEmptyLegalBasis")
    assert_custom_error(issue(purpose=4), "UsageRightsUnregisteredPurpose", (4,))
    assert_custom_error(issue(law=h("no such law")), "UsageRightsUnregisteredLegalBasis", (h("no such law"),))
    assert_custom_error(issue(duration=0), "UsageRightsInvalidDuration", (0,))
    assert_custom_error(issue(duration=MAX_DURATION + 1), "UsageRightsInvalidDuration", (MAX_DURATION + 1,))
    assert_custom_error(issue(uses=0), "UsageRightsInvalidMaxUses", (0,))
    system.suspend(grantee)
    assert_custom_error(issue(), "ConsortiumManagedNotActiveDepartment", (grantee,))


# --------------------------------------------------------------------------- revokeGrant


def test_revoke_grant_by_owner(system):
    r, owner = system.rights, system.depts[0]
    gid = system.grant()
    tx = r.revokeGrant(gid, h("misuse"), {"from": owner})
    assert event_names(tx) == ["GrantRevoked"]
    assert event(tx, "GrantRevoked") == {
        "grantId": gid,
        "resourceId": system.resources[INTERNAL],
        "revokedBy": owner,
        "reasonHash": h("misuse"),
    }
    assert r.grant(gid)["revoked"] and not r.isGrantUsable(gid)


def test_revoke_grant_by_council(system):
    gid = system.grant(classification=SECRET)
    tx = system.council_call(system.rights, "revokeGrant", (gid, h("suspended")))
    assert event(tx, "GrantRevoked")["revokedBy"] == system.consortium
    assert system.rights.grant(gid)["revoked"]


def test_revoke_grant_validation(system):
    r, owner, grantee = system.rights, system.depts[0], system.depts[1]
    gid = system.grant()
    assert_custom_error(lambda: r.revokeGrant(99, h("x"), {"from": owner}), "UsageRightsUnknownGrant", (99,))
    assert_custom_error(
        lambda: r.revokeGrant(gid, h("x"), {"from": grantee}),
        "UsageRightsNotOwner",
        (system.resources[INTERNAL], grantee),
    )
    assert_custom_error(lambda: r.revokeGrant(gid, ZERO32, {"from": owner}), "UsageRightsEmptyReason")
    r.revokeGrant(gid, h("x"), {"from": owner})
    assert_custom_error(lambda: r.revokeGrant(gid, h("x"), {"from": owner}), "UsageRightsGrantRevoked", (gid,))


def test_new_owner_controls_existing_grants(system):
    r, old, new = system.rights, system.depts[0], system.depts[2]
    gid = system.grant()
    system.council_call(system.catalog, "transferOwnership", (system.resources[INTERNAL], new))
    assert_custom_error(
        lambda: r.revokeGrant(gid, h("x"), {"from": old}), "UsageRightsNotOwner", (system.resources[INTERNAL], old)
    )
    r.revokeGrant(gid, h("x"), {"from": new})


# --------------------------------------------------------------------------- recordUse


def test_record_use(system):
    r, grantee = system.rights, system.depts[1]
    gid = system.grant(purpose=11, max_uses=3)
    tx = r.recordUse(gid, h("officer"), h("citizen"), h("case-1"), {"from": grantee})
    assert tx.return_value == 1
    assert event_names(tx) == ["UseRecorded"]
    assert event(tx, "UseRecorded") == {
        "grantId": gid,
        "resourceId": system.resources[INTERNAL],
        "user": grantee,
        "officerHash": h("officer"),
        "subjectHash": h("citizen"),
        "purposeCode": 11,
        "contextRef": h("case-1"),
        "useIndex": 1,
    }
    assert r.recordUse(gid, h("officer"), ZERO32, ZERO32, {"from": grantee}).return_value == 2
    assert r.grant(gid)["usedCount"] == 2


def test_record_use_rejects_unknown_and_foreign_grants(system):
    r = system.rights
    gid = system.grant(grantee=system.depts[1])
    other = system.grant(grantee=system.depts[2])
    assert_custom_error(
        lambda: r.recordUse(99, h("o"), ZERO32, ZERO32, {"from": system.depts[1]}), "UsageRightsUnknownGrant", (99,)
    )
    for caller in (system.depts[2], system.depts[0], system.outsider):
        assert_custom_error(
            lambda: r.recordUse(gid, h("o"), ZERO32, ZERO32, {"from": caller}), "UsageRightsNotGrantee", (gid, caller)
        )
    # a use never counts against another grant
    r.recordUse(other, h("o"), ZERO32, ZERO32, {"from": system.depts[2]})
    assert r.grant(gid)["usedCount"] == 0 and r.grant(other)["usedCount"] == 1


def test_record_use_rejects_revoked_grant(system):
    r, grantee = system.rights, system.depts[1]
    gid = system.grant()
    r.revokeGrant(gid, h("x"), {"from": system.depts[0]})
    assert_custom_error(
        lambda: r.recordUse(gid, h("o"), ZERO32, ZERO32, {"from": grantee}), "UsageRightsGrantRevoked", (gid,)
    )


@pytest.mark.ganache_smoke
def test_record_use_rejects_expired_grant(system):
    r, grantee = system.rights, system.depts[1]
    gid = system.grant(duration=DAY)
    expires = r.grant(gid)["expiresAt"]
    time_travel(DAY - 60)
    r.recordUse(gid, h("o"), ZERO32, ZERO32, {"from": grantee})  # still valid just before expiry
    time_travel(120)
    assert not r.isGrantUsable(gid)
    assert_custom_error(
        lambda: r.recordUse(gid, h("o"), ZERO32, ZERO32, {"from": grantee}), "UsageRightsGrantExpired", (gid, expires)
    )


def test_record_use_rejects_exhausted_grant(system):
    r, grantee = system.rights, system.depts[1]
    gid = system.grant(max_uses=2)
    r.recordUse(gid, h("o"), ZERO32, ZERO32, {"from": grantee})
    r.recordUse(gid, h("o"), ZERO32, ZERO32, {"from": grantee})
    assert not r.isGrantUsable(gid)
    assert_custom_error(
        lambda: r.recordUse(gid, h("o"), ZERO32, ZERO32, {"from": grantee}), "UsageRightsGrantExhausted", (gid, 2)
    )


def test_record_use_requires_officer(system):
    gid = system.grant()
    assert_custom_error(
        lambda: system.rights.recordUse(gid, ZERO32, h("s"), h("c"), {"from": system.depts[1]}),
        "UsageRightsEmptyOfficerHash",
    )


# --------------------------------------------------------------------------- recordUseBatch


@pytest.mark.ganache_smoke
def test_record_use_batch(system):
    r, grantee = system.rights, system.depts[1]
    gid = system.grant(purpose=3, max_uses=5)
    r.recordUse(gid, h("o"), ZERO32, ZERO32, {"from": grantee})
    officers = [h(f"o{i}") for i in range(3)]
    subjects = [h(f"s{i}") for i in range(3)]
    contexts = [h(f"c{i}") for i in range(3)]
    tx = r.recordUseBatch(gid, officers, subjects, contexts, {"from": grantee})
    assert tx.return_value == 2
    assert event_names(tx) == ["UseRecorded"] * 3
    for i in range(3):
        assert event(tx, "UseRecorded", i) == {
            "grantId": gid,
            "resourceId": system.resources[INTERNAL],
            "user": grantee,
            "officerHash": officers[i],
            "subjectHash": subjects[i],
            "purposeCode": 3,
            "contextRef": contexts[i],
            "useIndex": 2 + i,
        }
    assert r.grant(gid)["usedCount"] == 4
    # exactly the remaining use is fine, one more is not
    r.recordUseBatch(gid, [h("o")], [ZERO32], [ZERO32], {"from": grantee})
    assert_custom_error(
        lambda: r.recordUseBatch(gid, [h("o")], [ZERO32], [ZERO32], {"from": grantee}),
        "UsageRightsGrantExhausted",
        (gid, 5),
    )


def test_record_use_batch_validation(system):
    r, grantee = system.rights, system.depts[1]
    gid = system.grant(max_uses=3, duration=DAY)
    one = [h("x")]
    assert_custom_error(
        lambda: r.recordUseBatch(gid, [], [], [], {"from": grantee}), "UsageRightsInvalidBatch", (0, 0, 0)
    )
    assert_custom_error(
        lambda: r.recordUseBatch(gid, one * 2, one, one * 2, {"from": grantee}), "UsageRightsInvalidBatch", (2, 1, 2)
    )
    assert_custom_error(
        lambda: r.recordUseBatch(gid, one, one, [], {"from": grantee}), "UsageRightsInvalidBatch", (1, 1, 0)
    )
    assert_custom_error(
        lambda: r.recordUseBatch(gid, one * 4, one * 4, one * 4, {"from": grantee}),
        "UsageRightsGrantExhausted",
        (gid, 3),
    )
    assert_custom_error(
        lambda: r.recordUseBatch(gid, [h("o"), ZERO32], one * 2, one * 2, {"from": grantee}),
        "UsageRightsEmptyOfficerHash",
    )
    assert_custom_error(
        lambda: r.recordUseBatch(gid, one, one, one, {"from": system.depts[2]}),
        "UsageRightsNotGrantee",
        (gid, system.depts[2]),
    )
    assert_custom_error(
        lambda: r.recordUseBatch(99, one, one, one, {"from": grantee}), "UsageRightsUnknownGrant", (99,)
    )
    expires = r.grant(gid)["expiresAt"]
    time_travel(DAY + 1)
    assert_custom_error(
        lambda: r.recordUseBatch(gid, one, one, one, {"from": grantee}), "UsageRightsGrantExpired", (gid, expires)
    )
    gid2 = system.grant()
    r.revokeGrant(gid2, h("x"), {"from": system.depts[0]})
    assert_custom_error(
        lambda: r.recordUseBatch(gid2, one, one, one, {"from": grantee}), "UsageRightsGrantRevoked", (gid2,)
    )


# --------------------------------------------------------------------------- views


def test_views_reject_unknown_ids(system):
    assert_custom_error(lambda: system.rights.grant(1), "UsageRightsUnknownGrant", (1,))
    assert_custom_error(lambda: system.rights.request(1), "UsageRightsUnknownRequest", (1,))
    assert not system.rights.isGrantUsable(1)
