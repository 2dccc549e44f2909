"""OneStopServices: service definitions, council activation, cases, evidence pulled through
usage grants, staged approval steps and escalation.

Setting (module fixture ``one``): the conftest system plus
- lead ``A`` (depts[0], "Land Registry", standing in for Natural Resources),
- a tax-record resource owned by Tax ``D`` (depts[3]) and a civil-status resource owned by
  Civil Affairs ``B`` (depts[1]), both INTERNAL,
- standing grants from those owners to the lead (the lead pulls evidence through them),
- an ACTIVE "second-hand house transfer" service: evidence [tax record, civil status],
  steps Tax (stage 1) ∥ Civil Affairs (stage 1) then Land Registry (stage 2),
- a PROPOSED service for the activation tests.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from contract_helpers import (
    DAY,
    INTERNAL,
    ZERO32,
    ZERO_ADDRESS,
    assert_custom_error,
    event,
    event_names,
    h,
    time_travel,
)
from eth_abi import encode as abi_encode
from eth_utils import keccak
from hexbytes import HexBytes

# IOneStopServices enums
SVC_NONE, SVC_PROPOSED, SVC_ACTIVE, SVC_RETIRED = range(4)
CASE_NONE, CASE_OPEN, CASE_APPROVED, CASE_REJECTED = range(4)
STEP_PENDING, STEP_APPROVED, STEP_REJECTED = range(3)

P_TAX, P_CIVIL = 31, 32
STEP_DEADLINE = 3 * DAY
MAX_STEP_DEADLINE = 90 * DAY
TAX_STEP, CIVIL_STEP, LAND_STEP = 0, 1, 2
TAX_REQ, CIVIL_REQ = 0, 1


@pytest.fixture(scope="module")
def one(system, OneStopServices):
    a, b, c, d = system.depts
    cat, rights = system.catalog, system.rights
    oss = OneStopServices.deploy(system.consortium, cat, rights, {"from": system.deployer})
    tax_res = cat.registerResource(
        INTERNAL, h("schema-tax"), h("content-tax"), h("steward-tax"), ZERO32, {"from": d}
    ).return_value
    civil_res = cat.registerResource(
        INTERNAL, h("schema-civil"), h("content-civil"), h("steward-civil"), ZERO32, {"from": b}
    ).return_value
    tax_grant = rights.issueGrant(tax_res, a, P_TAX, h("law-tax"), 365 * DAY, 1000, {"from": d}).return_value
    civil_grant = rights.issueGrant(civil_res, a, P_CIVIL, h("law-civil"), 365 * DAY, 1000, {"from": b}).return_value
    requirements = [(tax_res, P_TAX, h("law-tax")), (civil_res, P_CIVIL, h("law-civil"))]
    steps = [(d, 1), (b, 1), (a, 2)]
    sid = oss.registerService(h("house-transfer"), requirements, steps, STEP_DEADLINE, {"from": a}).return_value
    system.council_call(oss, "activateService", (sid,))
    proposed = oss.registerService(h("other-service"), requirements[:1], [(d, 1)], DAY, {"from": a}).return_value
    return SimpleNamespace(
        oss=oss,
        sys=system,
        a=a,
        b=b,
        c=c,
        d=d,
        tax_res=tax_res,
        civil_res=civil_res,
        tax_grant=tax_grant,
        civil_grant=civil_grant,
        requirements=requirements,
        steps=steps,
        sid=sid,
        proposed=proposed,
    )


def open_case(one, desk=None, applicant="citizen-1", docs=2):
    return one.oss.openCase(one.sid, h(applicant), h("form-" + applicant), docs, {"from": desk or one.c}).return_value


def record_use(one, grant_id, case_id, applicant="citizen-1"):
    """The lead records a use of its standing grant for this citizen and this case; returns the use index."""
    ref = one.oss.caseRef(case_id)
    return one.sys.rights.recordUse(grant_id, h("officer-a"), h(applicant), ref, {"from": one.a}).return_value


def pull(one, case_id, req_index, applicant="citizen-1"):
    """Record the use and attach it to the case (the two-transaction evidence pull)."""
    grant_id = one.tax_grant if req_index == TAX_REQ else one.civil_grant
    use = record_use(one, grant_id, case_id, applicant)
    return one.oss.attachEvidence(case_id, req_index, grant_id, use, {"from": one.a})


def pull_all(one, case_id):
    pull(one, case_id, TAX_REQ)
    pull(one, case_id, CIVIL_REQ)


# --------------------------------------------------------------------------- deployment


def test_constructor_rejects_zero_addresses(OneStopServices, system):
    c, cat, r, dep = system.consortium, system.catalog, system.rights, system.deployer
    assert_custom_error(
        lambda: OneStopServices.deploy(ZERO_ADDRESS, cat, r, {"from": dep}), "ConsortiumManagedZeroAddress"
    )
    for args in ((c, ZERO_ADDRESS, r), (c, cat, ZERO_ADDRESS)):
        assert_custom_error(lambda: OneStopServices.deploy(*args, {"from": dep}), "OneStopServicesZeroAddress")


def test_deployment_links_and_constants(one):
    oss = one.oss
    assert oss.consortium() == one.sys.consortium
    assert oss.catalog() == one.sys.catalog
    assert oss.usageRights() == one.sys.rights
    assert (oss.MAX_REQUIREMENTS(), oss.MAX_STEPS(), oss.MAX_STEP_DEADLINE()) == (16, 16, MAX_STEP_DEADLINE)
    assert oss.serviceCount() == 2 and oss.caseCount() == 0


# --------------------------------------------------------------------------- registerService


def test_register_service(one):
    oss, a = one.oss, one.a
    reqs = [(one.tax_res, 5, h("law-x"))]
    steps = [(one.d, 1), (one.b, 2), (one.c, 2), (one.d, 3)]  # the same department may return in a later stage
    tx = oss.registerService(h("svc"), reqs, steps, 2 * DAY, {"from": a})
    sid = tx.return_value
    assert sid == 3 and oss.serviceCount() == 3
    assert event_names(tx) == ["ServiceRegistered"]
    ev = event(tx, "ServiceRegistered")
    assert (ev["serviceId"], ev["lead"], ev["nameHash"], ev["stepDeadline"]) == (sid, a, h("svc"), 2 * DAY)
    assert [tuple(r) for r in ev["requirements"]] == [(one.tax_res, 5, h("law-x"))]
    assert [tuple(s) for s in ev["steps"]] == [(one.d, 1), (one.b, 2), (one.c, 2), (one.d, 3)]
    s = oss.service(sid)
    assert (s["lead"], s["nameHash"], s["status"], s["stepDeadline"], s["stageCount"], s["registeredAt"]) == (
        a,
        h("svc"),
        SVC_PROPOSED,
        2 * DAY,
        3,
        tx.timestamp,
    )
    assert [tuple(r) for r in s["requirements"]] == [(one.tax_res, 5, h("law-x"))]
    assert [tuple(x) for x in s["steps"]] == [(one.d, 1), (one.b, 2), (one.c, 2), (one.d, 3)]


def test_register_service_without_requirements(one):
    tx = one.oss.registerService(h("svc"), [], [(one.d, 1)], DAY, {"from": one.a})
    s = one.oss.service(tx.return_value)
    assert s["requirements"] == () or list(s["requirements"]) == []
    assert s["stageCount"] == 1


def test_register_service_validation(one):
    oss, a, b, d, sysm = one.oss, one.a, one.b, one.d, one.sys
    reqs, steps = one.requirements, one.steps
    own_res = sysm.resources[INTERNAL]  # owned by A, the lead
    unknown = sysm.catalog.resourceCount() + 1

    def reg(name=h("svc"), r=reqs, s=steps, deadline=DAY, sender=a):
        return lambda: oss.registerService(name, r, s, deadline, {"from": sender})

    assert_custom_error(reg(sender=sysm.outsider), "ConsortiumManagedNotActiveDepartment", (sysm.outsider,))
    assert_custom_error(reg(name=ZERO32), "OneStopServicesEmptyNameHash")
    assert_custom_error(reg(r=[reqs[0]] * 17), "OneStopServicesInvalidRequirementCount", (17, 16))
    assert_custom_error(reg(s=[]), "OneStopServicesInvalidStepCount", (0, 16))
    many = [(d, i + 1) for i in range(17)]
    assert_custom_error(reg(s=many), "OneStopServicesInvalidStepCount", (17, 16))
    assert_custom_error(reg(deadline=0), "OneStopServicesInvalidStepDeadline", (0,))
    too_long = MAX_STEP_DEADLINE + 1
    assert_custom_error(reg(deadline=too_long), "OneStopServicesInvalidStepDeadline", (too_long,))
    assert_custom_error(reg(r=[(0, 1, h("l"))]), "OneStopServicesUnknownResource", (0, 0))
    assert_custom_error(reg(r=[reqs[0], (unknown, 1, h("l"))]), "OneStopServicesUnknownResource", (1, unknown))
    assert_custom_error(reg(r=[reqs[0], (own_res, 1, h("l"))]), "OneStopServicesOwnResource", (1, own_res))
    assert_custom_error(reg(r=[(one.tax_res, 0, h("l"))]), "OneStopServicesInvalidPurpose", (0,))
    assert_custom_error(reg(r=[reqs[0], (one.tax_res, 1, ZERO32)]), "OneStopServicesEmptyLegalBasis", (1,))
    assert_custom_error(reg(s=[(d, 1), (ZERO_ADDRESS, 1)]), "OneStopServicesInvalidStepDepartment", (1, ZERO_ADDRESS))
    assert_custom_error(reg(s=[(sysm.outsider, 1)]), "OneStopServicesInvalidStepDepartment", (0, sysm.outsider))
    assert_custom_error(reg(s=[(d, 2)]), "OneStopServicesInvalidStage", (0, 2))
    assert_custom_error(reg(s=[(d, 0)]), "OneStopServicesInvalidStage", (0, 0))
    assert_custom_error(reg(s=[(d, 1), (b, 3)]), "OneStopServicesInvalidStage", (1, 3))
    assert_custom_error(reg(s=[(d, 1), (b, 2), (a, 1)]), "OneStopServicesInvalidStage", (2, 1))
    assert_custom_error(reg(s=[(d, 1), (b, 1), (d, 1)]), "OneStopServicesDuplicateStep", (2, d))
    sysm.suspend(b)
    assert_custom_error(reg(), "OneStopServicesInvalidStepDepartment", (1, b))
    sysm.suspend(a)
    assert_custom_error(reg(), "ConsortiumManagedNotActiveDepartment", (a,))


# --------------------------------------------------------------------------- activateService


def test_activate_service_by_council(one):
    oss, sysm = one.oss, one.sys
    assert oss.service(one.proposed)["status"] == SVC_PROPOSED
    tx = sysm.council_call(oss, "activateService", (one.proposed,))
    pid = event(tx, "ProposalExecuted")["proposalId"]
    assert event(tx, "ServiceActivated") == {"serviceId": one.proposed, "proposalId": pid}
    assert oss.service(one.proposed)["status"] == SVC_ACTIVE


def test_activate_service_rejections(one):
    oss, sysm = one.oss, one.sys
    assert_custom_error(
        lambda: oss.activateService(one.proposed, {"from": one.a}), "ConsortiumManagedNotCouncil", (one.a,)
    )
    assert_custom_error(
        lambda: oss.activateService(one.proposed, {"from": sysm.governors[0]}),
        "ConsortiumManagedNotCouncil",
        (sysm.governors[0],),
    )
    pid = sysm.propose_call(oss, "activateService", (one.sid,))
    sysm.council_refuses(pid, "OneStopServicesInvalidServiceStatus", (one.sid, SVC_ACTIVE))
    pid = sysm.propose_call(oss, "activateService", (99,))
    sysm.council_refuses(pid, "OneStopServicesUnknownService", (99,))


# --------------------------------------------------------------------------- retireService


def test_retire_service_by_lead(one):
    oss = one.oss
    case_id = open_case(one)
    tx = oss.retireService(one.sid, h("replaced"), {"from": one.a})
    assert event_names(tx) == ["ServiceRetired"]
    assert event(tx, "ServiceRetired") == {"serviceId": one.sid, "retiredBy": one.a, "reasonHash": h("replaced")}
    assert oss.service(one.sid)["status"] == SVC_RETIRED
    assert_custom_error(lambda: open_case(one), "OneStopServicesServiceNotActive", (one.sid,))
    # an open case runs to its end
    pull_all(one, case_id)
    oss.approveStep(case_id, TAX_STEP, h("ok"), {"from": one.d})
    assert oss.caseInfo(case_id)["status"] == CASE_OPEN


def test_retire_service_by_council(one):
    oss, sysm = one.oss, one.sys
    tx = sysm.council_call(oss, "retireService", (one.proposed, h("withdrawn")))
    assert event(tx, "ServiceRetired") == {
        "serviceId": one.proposed,
        "retiredBy": sysm.consortium,
        "reasonHash": h("withdrawn"),
    }
    assert oss.service(one.proposed)["status"] == SVC_RETIRED
    pid = sysm.propose_call(oss, "activateService", (one.proposed,))
    sysm.council_refuses(pid, "OneStopServicesInvalidServiceStatus", (one.proposed, SVC_RETIRED))


def test_retire_service_rejections(one):
    oss, sysm = one.oss, one.sys
    assert_custom_error(lambda: oss.retireService(99, h("r"), {"from": one.a}), "OneStopServicesUnknownService", (99,))
    assert_custom_error(
        lambda: oss.retireService(one.sid, h("r"), {"from": one.b}), "OneStopServicesNotServiceLead", (one.sid, one.b)
    )
    assert_custom_error(lambda: oss.retireService(one.sid, ZERO32, {"from": one.a}), "OneStopServicesEmptyReason")
    oss.retireService(one.sid, h("r"), {"from": one.a})
    assert_custom_error(
        lambda: oss.retireService(one.sid, h("r"), {"from": one.a}),
        "OneStopServicesInvalidServiceStatus",
        (one.sid, SVC_RETIRED),
    )
    sysm.suspend(one.a)
    assert_custom_error(
        lambda: oss.retireService(one.proposed, h("r"), {"from": one.a}),
        "ConsortiumManagedNotActiveDepartment",
        (one.a,),
    )


# --------------------------------------------------------------------------- openCase


def test_open_case(one):
    oss = one.oss
    tx = oss.openCase(one.sid, h("citizen-1"), h("form"), 2, {"from": one.c})
    case_id = tx.return_value
    assert case_id == 1 and oss.caseCount() == 1
    ref = "0x" + keccak(abi_encode(["address", "uint256"], [oss.address, case_id])).hex().removeprefix("0x")
    assert oss.caseRef(case_id) == ref
    assert event_names(tx) == ["CaseOpened"]
    assert event(tx, "CaseOpened") == {
        "caseId": case_id,
        "serviceId": one.sid,
        "applicantHash": h("citizen-1"),
        "frontDesk": one.c,
        "formHash": h("form"),
        "submittedDocuments": 2,
        "caseRef": ref,
    }
    assert oss.caseInfo(case_id).dict() == {
        "serviceId": one.sid,
        "applicantHash": h("citizen-1"),
        "formHash": h("form"),
        "frontDesk": one.c,
        "status": CASE_OPEN,
        "submittedDocuments": 2,
        "evidenceAttached": 0,
        "evidenceRequired": 2,
        "currentStage": 1,
        "stageCount": 2,
        "openedAt": tx.timestamp,
        "stageStartedAt": tx.timestamp,
        "stageDeadline": tx.timestamp + STEP_DEADLINE,
        "closedAt": 0,
    }
    assert [tuple(s) for s in oss.stepStatuses(case_id)] == [
        (one.d, 1, STEP_PENDING, False, 0),
        (one.b, 1, STEP_PENDING, False, 0),
        (one.a, 2, STEP_PENDING, False, 0),
    ]
    assert [tuple(e) for e in oss.evidenceLinks(case_id)] == [(one.tax_res, 0, 0, 0), (one.civil_res, 0, 0, 0)]


def test_open_case_rejections(one):
    oss, sysm = one.oss, one.sys

    def op(sid=one.sid, applicant=h("x"), form=h("f"), docs=2, sender=one.c):
        return lambda: oss.openCase(sid, applicant, form, docs, {"from": sender})

    assert_custom_error(op(sender=sysm.outsider), "ConsortiumManagedNotActiveDepartment", (sysm.outsider,))
    assert_custom_error(op(sender=sysm.auditor), "ConsortiumManagedNotActiveDepartment", (sysm.auditor,))
    assert_custom_error(op(sid=0), "OneStopServicesUnknownService", (0,))
    assert_custom_error(op(sid=99), "OneStopServicesUnknownService", (99,))
    assert_custom_error(op(sid=one.proposed), "OneStopServicesServiceNotActive", (one.proposed,))
    assert_custom_error(op(applicant=ZERO32), "OneStopServicesEmptyApplicantHash")
    assert_custom_error(op(form=ZERO32), "OneStopServicesEmptyFormHash")
    assert_custom_error(op(docs=0), "OneStopServicesInvalidDocumentCount", (0,))
    for view in (oss.caseInfo, oss.stepStatuses, oss.evidenceLinks):
        assert_custom_error(lambda: view(1), "OneStopServicesUnknownCase", (1,))
    assert_custom_error(lambda: oss.service(99), "OneStopServicesUnknownService", (99,))


# --------------------------------------------------------------------------- attachEvidence


def test_attach_evidence(one):
    oss = one.oss
    case_id = open_case(one)
    use = record_use(one, one.civil_grant, case_id)
    tx = oss.attachEvidence(case_id, CIVIL_REQ, one.civil_grant, use, {"from": one.a})
    assert event_names(tx) == ["EvidenceAttached"]
    assert event(tx, "EvidenceAttached") == {
        "caseId": case_id,
        "grantId": one.civil_grant,
        "resourceId": one.civil_res,
        "requirementIndex": CIVIL_REQ,
        "useIndex": use,
        "attachedBy": one.a,
    }
    assert oss.caseOfUse(one.civil_grant, use) == case_id
    assert oss.caseOfUse(one.tax_grant, 1) == 0
    assert [tuple(e) for e in oss.evidenceLinks(case_id)] == [
        (one.tax_res, 0, 0, 0),
        (one.civil_res, one.civil_grant, use, tx.timestamp),
    ]
    assert oss.caseInfo(case_id)["evidenceAttached"] == 1


def test_attach_evidence_rejections(one):
    oss, sysm, a = one.oss, one.sys, one.a
    case_id = open_case(one)
    tax_use = record_use(one, one.tax_grant, case_id)

    def att(case=case_id, req=TAX_REQ, grant=one.tax_grant, use=tax_use, sender=a):
        return lambda: oss.attachEvidence(case, req, grant, use, {"from": sender})

    assert_custom_error(att(case=99), "OneStopServicesUnknownCase", (99,))
    assert_custom_error(att(req=2), "OneStopServicesUnknownRequirement", (case_id, 2))
    assert_custom_error(att(sender=one.c), "OneStopServicesNotServiceLead", (one.sid, one.c))
    assert_custom_error(att(grant=0), "OneStopServicesUnknownGrant", (0,))
    assert_custom_error(att(grant=99), "OneStopServicesUnknownGrant", (99,))
    # a grant on the right resource and purpose, but held by another department
    other = sysm.rights.issueGrant(one.tax_res, one.c, P_TAX, h("law-tax"), DAY, 5, {"from": one.d}).return_value
    assert_custom_error(att(grant=other), "OneStopServicesNotGrantee", (other, a))
    # the lead's grant on another resource
    assert_custom_error(
        att(grant=one.civil_grant, use=1), "OneStopServicesWrongResource", (one.civil_grant, one.tax_res, one.civil_res)
    )
    # the lead's grant on the right resource for another purpose
    wrong_purpose = sysm.rights.issueGrant(one.tax_res, a, 99, h("law-tax"), DAY, 5, {"from": one.d}).return_value
    sysm.rights.recordUse(wrong_purpose, h("officer-a"), h("citizen-1"), oss.caseRef(case_id), {"from": a})
    assert_custom_error(att(grant=wrong_purpose, use=1), "OneStopServicesWrongPurpose", (wrong_purpose, P_TAX, 99))
    # uses that do not exist
    assert_custom_error(att(use=0), "OneStopServicesUnknownUse", (one.tax_grant, 0, tax_use))
    assert_custom_error(att(use=tax_use + 1), "OneStopServicesUnknownUse", (one.tax_grant, tax_use + 1, tax_use))

    att()()
    # the requirement has its evidence
    second_use = record_use(one, one.tax_grant, case_id)
    assert_custom_error(att(use=second_use), "OneStopServicesEvidenceAlreadyAttached", (case_id, TAX_REQ))
    # the same use cannot be evidence of another case
    other_case = open_case(one, applicant="citizen-2")
    assert_custom_error(att(case=other_case), "OneStopServicesUseAlreadyAttached", (one.tax_grant, tax_use, case_id))
    # closed cases take no evidence
    oss.rejectStep(other_case, TAX_STEP, h("no"), {"from": one.d})
    assert_custom_error(att(case=other_case, use=second_use), "OneStopServicesCaseNotOpen", (other_case, CASE_REJECTED))
    # a suspended lead cannot attach
    sysm.suspend(a)
    assert_custom_error(att(req=CIVIL_REQ, grant=one.civil_grant, use=1), "ConsortiumManagedNotActiveDepartment", (a,))


def test_revoked_grant_keeps_its_recorded_uses(one):
    """A use recorded while the grant was live stays valid evidence after revocation; no new use can be made."""
    oss, sysm = one.oss, one.sys
    case_id = open_case(one)
    use = record_use(one, one.tax_grant, case_id)
    sysm.rights.revokeGrant(one.tax_grant, h("misuse elsewhere"), {"from": one.d})
    assert_custom_error(lambda: record_use(one, one.tax_grant, case_id), "UsageRightsGrantRevoked", (one.tax_grant,))
    oss.attachEvidence(case_id, TAX_REQ, one.tax_grant, use, {"from": one.a})
    assert oss.caseInfo(case_id)["evidenceAttached"] == 1


# --------------------------------------------------------------------------- approveStep / rejectStep


def test_approve_step_and_stage_advance(one):
    oss = one.oss
    case_id = open_case(one)
    pull_all(one, case_id)
    tx = oss.approveStep(case_id, TAX_STEP, h("tax ok"), {"from": one.d})
    assert event_names(tx) == ["StepApproved"]
    assert event(tx, "StepApproved") == {
        "caseId": case_id,
        "stepIndex": TAX_STEP,
        "department": one.d,
        "stage": 1,
        "reasonHash": h("tax ok"),
    }
    assert oss.caseInfo(case_id)["currentStage"] == 1
    tx2 = oss.approveStep(case_id, CIVIL_STEP, h("civil ok"), {"from": one.b})
    assert event_names(tx2) == ["StepApproved", "StageAdvanced"]
    assert event(tx2, "StageAdvanced") == {"caseId": case_id, "stage": 2, "deadline": tx2.timestamp + STEP_DEADLINE}
    info = oss.caseInfo(case_id)
    assert (info["currentStage"], info["stageStartedAt"], info["stageDeadline"], info["status"]) == (
        2,
        tx2.timestamp,
        tx2.timestamp + STEP_DEADLINE,
        CASE_OPEN,
    )
    assert [tuple(s) for s in oss.stepStatuses(case_id)] == [
        (one.d, 1, STEP_APPROVED, False, tx.timestamp),
        (one.b, 1, STEP_APPROVED, False, tx2.timestamp),
        (one.a, 2, STEP_PENDING, False, 0),
    ]


def test_decision_rejections(one):
    oss, sysm = one.oss, one.sys
    case_id = open_case(one)
    pull(one, case_id, TAX_REQ)

    for fn in (oss.approveStep, oss.rejectStep):
        assert_custom_error(lambda: fn(99, TAX_STEP, h("r"), {"from": one.d}), "OneStopServicesUnknownCase", (99,))
        assert_custom_error(lambda: fn(case_id, 3, h("r"), {"from": one.d}), "OneStopServicesUnknownStep", (case_id, 3))
        # a step by the wrong department
        assert_custom_error(
            lambda: fn(case_id, TAX_STEP, h("r"), {"from": one.b}),
            "OneStopServicesWrongDepartment",
            (case_id, TAX_STEP, one.b),
        )
        assert_custom_error(
            lambda: fn(case_id, TAX_STEP, h("r"), {"from": sysm.outsider}),
            "OneStopServicesWrongDepartment",
            (case_id, TAX_STEP, sysm.outsider),
        )
        # stage 2 before stage 1 is done
        assert_custom_error(
            lambda: fn(case_id, LAND_STEP, h("r"), {"from": one.a}),
            "OneStopServicesStageNotCurrent",
            (case_id, LAND_STEP, 2, 1),
        )
    assert_custom_error(
        lambda: oss.rejectStep(case_id, TAX_STEP, ZERO32, {"from": one.d}), "OneStopServicesEmptyReason"
    )
    # approval needs all evidence
    assert_custom_error(
        lambda: oss.approveStep(case_id, TAX_STEP, h("r"), {"from": one.d}),
        "OneStopServicesEvidenceMissing",
        (case_id, 1, 2),
    )
    pull(one, case_id, CIVIL_REQ)
    assert_custom_error(
        lambda: oss.approveStep(case_id, TAX_STEP, ZERO32, {"from": one.d}), "OneStopServicesEmptyReason"
    )
    oss.approveStep(case_id, TAX_STEP, h("ok"), {"from": one.d})
    for fn in (oss.approveStep, oss.rejectStep):
        assert_custom_error(
            lambda: fn(case_id, TAX_STEP, h("again"), {"from": one.d}),
            "OneStopServicesStepAlreadyDecided",
            (case_id, TAX_STEP, STEP_APPROVED),
        )
    sysm.suspend(one.b)
    assert_custom_error(
        lambda: oss.approveStep(case_id, CIVIL_STEP, h("ok"), {"from": one.b}),
        "ConsortiumManagedNotActiveDepartment",
        (one.b,),
    )


def test_reject_step_rejects_case(one):
    oss = one.oss
    case_id = open_case(one)
    pull(one, case_id, TAX_REQ)  # rejection does not need all evidence
    tx = oss.rejectStep(case_id, CIVIL_STEP, h("no marriage record"), {"from": one.b})
    assert event_names(tx) == ["StepRejected", "CaseRejected"]
    assert event(tx, "StepRejected") == {
        "caseId": case_id,
        "stepIndex": CIVIL_STEP,
        "department": one.b,
        "stage": 1,
        "reasonHash": h("no marriage record"),
    }
    assert event(tx, "CaseRejected") == {
        "caseId": case_id,
        "serviceId": one.sid,
        "applicantHash": h("citizen-1"),
        "stepIndex": CIVIL_STEP,
        "department": one.b,
    }
    info = oss.caseInfo(case_id)
    assert (info["status"], info["closedAt"]) == (CASE_REJECTED, tx.timestamp)
    assert oss.stepStatuses(case_id)[CIVIL_STEP]["status"] == STEP_REJECTED
    assert_custom_error(
        lambda: oss.approveStep(case_id, TAX_STEP, h("ok"), {"from": one.d}),
        "OneStopServicesCaseNotOpen",
        (case_id, CASE_REJECTED),
    )
    assert_custom_error(
        lambda: oss.escalateStep(case_id, TAX_STEP, {"from": one.c}),
        "OneStopServicesCaseNotOpen",
        (case_id, CASE_REJECTED),
    )


# --------------------------------------------------------------------------- escalateStep


def test_escalate_step_before_and_after_deadline(one):
    oss, sysm = one.oss, one.sys
    case_id = open_case(one)
    deadline = oss.caseInfo(case_id)["stageDeadline"]
    assert_custom_error(
        lambda: oss.escalateStep(case_id, TAX_STEP, {"from": sysm.outsider}),
        "OneStopServicesDeadlineNotReached",
        (case_id, TAX_STEP, deadline),
    )
    time_travel(STEP_DEADLINE - 60)
    assert_custom_error(
        lambda: oss.escalateStep(case_id, TAX_STEP, {"from": sysm.outsider}),
        "OneStopServicesDeadlineNotReached",
        (case_id, TAX_STEP, deadline),
    )
    time_travel(61)
    assert_custom_error(
        lambda: oss.escalateStep(case_id, 3, {"from": sysm.outsider}), "OneStopServicesUnknownStep", (case_id, 3)
    )
    assert_custom_error(
        lambda: oss.escalateStep(case_id, LAND_STEP, {"from": sysm.outsider}),
        "OneStopServicesStageNotCurrent",
        (case_id, LAND_STEP, 2, 1),
    )
    tx = oss.escalateStep(case_id, TAX_STEP, {"from": sysm.outsider})  # anyone may escalate
    assert event_names(tx) == ["StepEscalated"]
    assert event(tx, "StepEscalated") == {
        "caseId": case_id,
        "stepIndex": TAX_STEP,
        "department": one.d,
        "escalatedBy": sysm.outsider,
        "deadline": deadline,
    }
    assert tuple(oss.stepStatuses(case_id)[TAX_STEP]) == (one.d, 1, STEP_PENDING, True, 0)
    assert_custom_error(
        lambda: oss.escalateStep(case_id, TAX_STEP, {"from": sysm.auditor}),
        "OneStopServicesStepAlreadyEscalated",
        (case_id, TAX_STEP),
    )
    assert_custom_error(
        lambda: oss.escalateStep(99, TAX_STEP, {"from": sysm.auditor}), "OneStopServicesUnknownCase", (99,)
    )
    # the escalated step can still be decided by its department; a decided step cannot be escalated
    pull_all(one, case_id)
    tx = oss.approveStep(case_id, TAX_STEP, h("late ok"), {"from": one.d})
    assert tuple(oss.stepStatuses(case_id)[TAX_STEP]) == (one.d, 1, STEP_APPROVED, True, tx.timestamp)
    assert_custom_error(
        lambda: oss.escalateStep(case_id, TAX_STEP, {"from": sysm.auditor}),
        "OneStopServicesStepAlreadyDecided",
        (case_id, TAX_STEP, STEP_APPROVED),
    )


def test_stage_two_deadline_counts_from_stage_start(one):
    oss = one.oss
    case_id = open_case(one)
    pull_all(one, case_id)
    time_travel(STEP_DEADLINE - 60)
    oss.approveStep(case_id, TAX_STEP, h("ok"), {"from": one.d})
    tx = oss.approveStep(case_id, CIVIL_STEP, h("ok"), {"from": one.b})
    time_travel(120)  # past the stage-1 deadline, not past the stage-2 deadline
    assert_custom_error(
        lambda: oss.escalateStep(case_id, LAND_STEP, {"from": one.c}),
        "OneStopServicesDeadlineNotReached",
        (case_id, LAND_STEP, tx.timestamp + STEP_DEADLINE),
    )


# --------------------------------------------------------------------------- full flow


@pytest.mark.ganache_smoke
def test_second_hand_house_transfer(one):
    """Citizen hands identity + form to any desk (here Public Security's counter); the lead (Land
    Registry / Natural Resources) pulls the tax record from Tax and the civil status from Civil Affairs
    through its standing grants; Tax ∥ Civil Affairs approve, then the lead approves; the case completes
    with 2 documents from the citizen, 2 evidence items pulled and 4 departments involved."""
    oss, rights = one.oss, one.sys.rights
    applicant = h("citizen-house-seller")
    tx_open = oss.openCase(one.sid, applicant, h("transfer-form"), 2, {"from": one.c})
    case_id = tx_open.return_value
    ref = event(tx_open, "CaseOpened")["caseRef"]

    uses = {}
    for req, grant, res, purpose in (
        (TAX_REQ, one.tax_grant, one.tax_res, P_TAX),
        (CIVIL_REQ, one.civil_grant, one.civil_res, P_CIVIL),
    ):
        tx_use = rights.recordUse(grant, h("officer-land-7"), applicant, ref, {"from": one.a})
        use = tx_use.return_value
        # the pull is a recorded use, for this citizen and this case
        assert event(tx_use, "UseRecorded") == {
            "grantId": grant,
            "resourceId": res,
            "user": one.a,
            "officerHash": h("officer-land-7"),
            "subjectHash": applicant,
            "purposeCode": purpose,
            "contextRef": ref,
            "useIndex": use,
        }
        oss.attachEvidence(case_id, req, grant, use, {"from": one.a})
        uses[req] = (grant, use)

    oss.approveStep(case_id, TAX_STEP, h("tax paid"), {"from": one.d})
    oss.approveStep(case_id, CIVIL_STEP, h("marital status confirmed"), {"from": one.b})
    tx = oss.approveStep(case_id, LAND_STEP, h("title transferred"), {"from": one.a})
    assert event_names(tx) == ["StepApproved", "CaseCompleted"]
    assert event(tx, "CaseCompleted") == {
        "caseId": case_id,
        "serviceId": one.sid,
        "applicantHash": applicant,
        "documentsSubmitted": 2,
        "evidencePulled": 2,
        "departmentsInvolved": 4,
    }
    info = oss.caseInfo(case_id)
    assert (info["status"], info["closedAt"], info["evidenceAttached"], info["currentStage"]) == (
        CASE_APPROVED,
        tx.timestamp,
        2,
        2,
    )
    assert [s["status"] for s in oss.stepStatuses(case_id)] == [STEP_APPROVED] * 3
    assert [(e["grantId"], e["useIndex"]) for e in oss.evidenceLinks(case_id)] == [uses[TAX_REQ], uses[CIVIL_REQ]]
    # the chain trail of the case: every UseRecorded of the case's caseRef is attached to it
    logs = rights.events.UseRecorded.get_logs(from_block=tx_open.block_number)
    of_case = [(l.args.grantId, l.args.useIndex) for l in logs if bytes(l.args.contextRef) == bytes(HexBytes(ref))]
    assert sorted(of_case) == sorted(uses.values())
    assert all(oss.caseOfUse(g, u) == case_id for g, u in of_case)
    assert_custom_error(
        lambda: oss.rejectStep(case_id, LAND_STEP, h("late"), {"from": one.a}),
        "OneStopServicesCaseNotOpen",
        (case_id, CASE_APPROVED),
    )


def test_departments_involved_counts_distinct(one):
    """Front desk = lead and a one-department service: front desk, lead, both sources and the step
    departments overlap; each department counts once."""
    oss, sysm = one.oss, one.sys
    sid = oss.registerService(h("svc"), one.requirements, [(one.d, 1)], DAY, {"from": one.a}).return_value
    sysm.council_call(oss, "activateService", (sid,))
    case_id = oss.openCase(sid, h("citizen-9"), h("form"), 1, {"from": one.a}).return_value
    for req, grant in ((TAX_REQ, one.tax_grant), (CIVIL_REQ, one.civil_grant)):
        use = record_use(one, grant, case_id, "citizen-9")
        oss.attachEvidence(case_id, req, grant, use, {"from": one.a})
    tx = oss.approveStep(case_id, 0, h("ok"), {"from": one.d})
    assert event(tx, "CaseCompleted")["departmentsInvolved"] == 3  # A (desk+lead), D (source+step), B (source)
    assert event(tx, "CaseCompleted")["documentsSubmitted"] == 1


# --------------------------------------------------------------------------- gas


def test_gas_figures(one):
    oss, sysm = one.oss, one.sys
    figures = {}
    tx = oss.registerService(h("svc"), one.requirements, one.steps, STEP_DEADLINE, {"from": one.a})
    figures["registerService (2 requirements, 3 steps)"] = tx.gas_used
    tx = oss.openCase(one.sid, h("citizen-g"), h("form"), 2, {"from": one.c})
    case_id = tx.return_value
    figures["openCase"] = tx.gas_used
    ref = oss.caseRef(case_id)
    tx = sysm.rights.recordUse(one.tax_grant, h("o"), h("citizen-g"), ref, {"from": one.a})
    figures["recordUse (UsageRights, for comparison)"] = tx.gas_used
    tx = oss.attachEvidence(case_id, TAX_REQ, one.tax_grant, tx.return_value, {"from": one.a})
    figures["attachEvidence (first)"] = tx.gas_used
    use = sysm.rights.recordUse(one.civil_grant, h("o"), h("citizen-g"), ref, {"from": one.a}).return_value
    tx = oss.attachEvidence(case_id, CIVIL_REQ, one.civil_grant, use, {"from": one.a})
    figures["attachEvidence (second)"] = tx.gas_used
    time_travel(STEP_DEADLINE + 1)
    tx = oss.escalateStep(case_id, TAX_STEP, {"from": sysm.outsider})
    figures["escalateStep"] = tx.gas_used
    tx = oss.approveStep(case_id, TAX_STEP, h("ok"), {"from": one.d})
    figures["approveStep (stage not done)"] = tx.gas_used
    tx = oss.approveStep(case_id, CIVIL_STEP, h("ok"), {"from": one.b})
    figures["approveStep (stage advance)"] = tx.gas_used
    tx = oss.approveStep(case_id, LAND_STEP, h("ok"), {"from": one.a})
    figures["approveStep (case completed)"] = tx.gas_used
    print("\n\nOneStopServices gas (tx.gas_used)")
    for k, v in figures.items():
        print(f"  {k:45s} {v:>9,}")
    assert all(v < 400_000 for v in figures.values())
