"""Accountability: stewards, grant officers, who may file which incident, attribution that follows the
record (the use's officer, the version's publisher), rulings."""

from __future__ import annotations

import pytest
from contract_helpers import (
    DATA_ERROR,
    DAY,
    GRANT,
    HOUR,
    INC_DISMISSED,
    INC_ESCALATED,
    INC_OPEN,
    INC_RESPONDED,
    INC_UPHELD,
    INTERNAL,
    LEAK,
    RESOURCE_VERSION,
    SECRET,
    TAMPER,
    UNAUTHORIZED_USE,
    USE,
    ZERO32,
    ZERO_ADDRESS,
    assert_custom_error,
    event,
    event_names,
    h,
    time_travel,
)


@pytest.fixture
def used_grant(system):
    """A grant of department B on the INTERNAL resource with two recorded uses."""
    gid = system.grant()
    for i in range(2):
        system.rights.recordUse(gid, h(f"officer-{i}"), h("citizen"), h("case"), {"from": system.depts[1]})
    return gid


def file(system, incident_type, kind, subject_id, index, sender=None, window=3 * DAY, officer=ZERO32, via=0):
    """Files an incident (by default as the auditor); ``officer`` is the cited officer, ``via`` the
    reporter's grant on the resource (grantees filing about a version)."""
    sender = sender or system.auditor
    return system.accountability.fileIncident(
        incident_type, kind, subject_id, index, officer, via, h("evidence"), window, {"from": sender}
    )


def file_data_error(system, resource_id, version=1, **kw):
    """DATA_ERROR about a version; version 1's officer is the registration's steward (conftest: "steward")."""
    kw.setdefault("officer", h("steward") if version == 1 else ZERO32)
    return file(system, DATA_ERROR, RESOURCE_VERSION, resource_id, version, **kw)


# --------------------------------------------------------------------------- deployment


def test_constructor_rejects_zero_addresses(Accountability, system, accounts):
    c, cat, r = system.consortium, system.catalog, system.rights
    assert_custom_error(
        lambda: Accountability.deploy(ZERO_ADDRESS, cat, r, {"from": accounts[0]}), "ConsortiumManagedZeroAddress"
    )
    for args in ((c, ZERO_ADDRESS, r), (c, cat, ZERO_ADDRESS)):
        assert_custom_error(lambda: Accountability.deploy(*args, {"from": accounts[0]}), "AccountabilityZeroAddress")


def test_deployment_links(system):
    a = system.accountability
    assert (a.consortium(), a.catalog(), a.usageRights()) == (system.consortium, system.catalog, system.rights)
    assert a.incidentCount() == 0


# --------------------------------------------------------------------------- stewards and grant officers


def test_assign_steward(system):
    a, owner, rid = system.accountability, system.depts[0], system.resources[SECRET]
    tx = a.assignSteward(rid, h("steward-2"), {"from": owner})
    assert event_names(tx) == ["StewardAssigned"]
    assert event(tx, "StewardAssigned") == {"resourceId": rid, "owner": owner, "officerHash": h("steward-2")}
    assert a.stewardOf(rid) == h("steward-2")


def test_assign_steward_validation(system):
    a, owner, rid, other = system.accountability, system.depts[0], system.resources[SECRET], system.depts[1]
    assert_custom_error(lambda: a.assignSteward(0, h("s"), {"from": owner}), "AccountabilityUnknownResource", (0,))
    assert_custom_error(lambda: a.assignSteward(99, h("s"), {"from": owner}), "AccountabilityUnknownResource", (99,))
    assert_custom_error(
        lambda: a.assignSteward(rid, h("s"), {"from": other}), "AccountabilityNotResourceOwner", (rid, other)
    )
    assert_custom_error(lambda: a.assignSteward(rid, ZERO32, {"from": owner}), "AccountabilityEmptyOfficerHash")


def test_assign_grant_officer(system):
    a, grantee = system.accountability, system.depts[1]
    gid = system.grant()
    tx = a.assignGrantOfficer(gid, h("officer"), {"from": grantee})
    assert event_names(tx) == ["GrantOfficerAssigned"]
    assert event(tx, "GrantOfficerAssigned") == {"grantId": gid, "grantee": grantee, "officerHash": h("officer")}
    assert a.grantOfficerOf(gid) == h("officer")


def test_assign_grant_officer_validation(system):
    a, grantee, owner = system.accountability, system.depts[1], system.depts[0]
    gid = system.grant()
    assert_custom_error(lambda: a.assignGrantOfficer(0, h("o"), {"from": grantee}), "AccountabilityUnknownGrant", (0,))
    assert_custom_error(lambda: a.assignGrantOfficer(9, h("o"), {"from": grantee}), "AccountabilityUnknownGrant", (9,))
    assert_custom_error(
        lambda: a.assignGrantOfficer(gid, h("o"), {"from": owner}), "AccountabilityNotGrantee", (gid, owner)
    )
    assert_custom_error(lambda: a.assignGrantOfficer(gid, ZERO32, {"from": grantee}), "AccountabilityEmptyOfficerHash")


# --------------------------------------------------------------------------- filing and attribution


def test_data_error_is_attributed_to_the_publisher_of_the_version(system):
    a, owner, rid = system.accountability, system.depts[0], system.resources[INTERNAL]
    a.assignSteward(rid, h("steward-x"), {"from": owner})  # a later steward does not answer for version 1
    tx = file_data_error(system, rid)
    iid = tx.return_value
    assert iid == 1 and a.incidentCount() == 1
    assert event_names(tx) == ["IncidentFiled"]
    assert event(tx, "IncidentFiled") == {
        "incidentId": iid,
        "responsible": owner,
        "reporter": system.auditor,
        "incidentType": DATA_ERROR,
        "subjectKind": RESOURCE_VERSION,
        "subjectId": rid,
        "useIndex": 1,
        "evidenceHash": h("evidence"),
        "responsibleOfficerHash": h("steward"),
        "responseDeadline": tx.timestamp + 3 * DAY,
    }
    assert dict(a.incident(iid).dict()) == {
        "incidentType": DATA_ERROR,
        "subjectKind": RESOURCE_VERSION,
        "status": INC_OPEN,
        "subjectId": rid,
        "useIndex": 1,
        "reporter": system.auditor,
        "responsible": owner,
        "responsibleOfficerHash": h("steward"),
        "evidenceHash": h("evidence"),
        "responseHash": ZERO32,
        "rulingHash": ZERO32,
        "filedAt": tx.timestamp,
        "responseDeadline": tx.timestamp + 3 * DAY,
    }


def test_data_error_names_the_publisher_after_ownership_transfer(system):
    a, cat, rid = system.accountability, system.catalog, system.resources[INTERNAL]
    old_owner, new_owner = system.depts[0], system.depts[2]
    cat.publishVersion(rid, h("v2"), h("officer-v2"), {"from": old_owner})
    system.council_call(cat, "transferOwnership", (rid, new_owner))
    a.assignSteward(rid, h("new-steward"), {"from": new_owner})
    cat.publishVersion(rid, h("v3"), h("officer-v3"), {"from": new_owner})

    e2 = event(file_data_error(system, rid, 2, sender=new_owner), "IncidentFiled")
    assert (e2["responsible"], e2["responsibleOfficerHash"]) == (old_owner, h("officer-v2"))
    e1 = event(file_data_error(system, rid, 1), "IncidentFiled")
    assert (e1["responsible"], e1["responsibleOfficerHash"]) == (old_owner, h("steward"))
    e3 = event(file_data_error(system, rid, 3, officer=h("officer-v3")), "IncidentFiled")
    assert (e3["responsible"], e3["responsibleOfficerHash"]) == (new_owner, h("officer-v3"))
    # the old owner answers for what it published, not the new one
    iid = e2["incidentId"]
    assert_custom_error(
        lambda: a.respond(iid, h("r"), {"from": new_owner}), "AccountabilityNotResponsible", (iid, new_owner)
    )
    a.respond(iid, h("r"), {"from": old_owner})
    # TAMPER stays with the custodian: the current owner and the steward it assigned
    e = event(file(system, TAMPER, RESOURCE_VERSION, rid, 2), "IncidentFiled")
    assert (e["responsible"], e["responsibleOfficerHash"]) == (new_owner, h("new-steward"))


def test_tamper_on_a_later_version_filed_by_a_grantee(system):
    owner, rid, grantee = system.depts[0], system.resources[INTERNAL], system.depts[2]
    gid = system.grant(grantee=grantee)
    system.catalog.publishVersion(rid, h("v2"), h("o"), {"from": owner})
    tx = file(system, TAMPER, RESOURCE_VERSION, rid, 2, sender=grantee, via=gid)
    e = event(tx, "IncidentFiled")
    assert (e["responsible"], e["reporter"], e["incidentType"], e["useIndex"]) == (owner, grantee, TAMPER, 2)
    assert e["responsibleOfficerHash"] == ZERO32  # no steward assigned


def test_use_incidents_are_attributed_to_the_grantee(system, used_grant):
    a, grantee = system.accountability, system.depts[1]
    a.assignGrantOfficer(used_grant, h("grant-officer"), {"from": grantee})
    tx = file(system, UNAUTHORIZED_USE, GRANT, used_grant, 0, sender=system.depts[0])
    e = event(tx, "IncidentFiled")
    assert (e["responsible"], e["subjectKind"], e["subjectId"], e["responsibleOfficerHash"]) == (
        grantee,
        GRANT,
        used_grant,
        h("grant-officer"),
    )
    tx = file(system, LEAK, USE, used_grant, 2, officer=h("officer-1"))
    e = event(tx, "IncidentFiled")
    assert (e["responsible"], e["incidentType"], e["subjectKind"], e["useIndex"]) == (grantee, LEAK, USE, 2)
    assert e["responsibleOfficerHash"] == h("officer-1")


def test_unauthorized_use_names_the_officer_recorded_in_the_use(system):
    a, rights, owner, grantee = system.accountability, system.rights, system.depts[0], system.depts[1]
    gid = system.grant()
    a.assignGrantOfficer(gid, h("grant-officer"), {"from": grantee})
    use = rights.recordUse(gid, h("officer-who-used"), h("citizen"), h("case"), {"from": grantee})
    recorded = event(use, "UseRecorded")["officerHash"]
    # the grantee reassigns its grant officer after the use: the use still names its own officer
    a.assignGrantOfficer(gid, h("scapegoat"), {"from": grantee})
    tx = file(system, UNAUTHORIZED_USE, USE, gid, 1, sender=owner, officer=recorded)
    e = event(tx, "IncidentFiled")
    assert (e["responsible"], e["responsibleOfficerHash"]) == (grantee, h("officer-who-used"))
    a.assignGrantOfficer(gid, h("scapegoat-2"), {"from": grantee})
    assert a.incident(e["incidentId"])["responsibleOfficerHash"] == h("officer-who-used")
    # the grant officer answers only for the grant as a whole
    e = event(file(system, LEAK, GRANT, gid, 0, sender=owner), "IncidentFiled")
    assert e["responsibleOfficerHash"] == h("scapegoat-2")


@pytest.mark.parametrize(
    "who, incident_type, kind",
    [
        ("auditor", UNAUTHORIZED_USE, USE),
        ("owner", UNAUTHORIZED_USE, USE),
        ("grantee", UNAUTHORIZED_USE, USE),
        ("auditor", LEAK, GRANT),
        ("owner", LEAK, GRANT),
        ("grantee", LEAK, USE),
    ],
)
def test_who_may_file_about_a_grant_or_use(system, used_grant, who, incident_type, kind):
    sender = {"auditor": system.auditor, "owner": system.depts[0], "grantee": system.depts[1]}[who]
    index, officer = (1, h("officer-0")) if kind == USE else (0, ZERO32)
    e = event(file(system, incident_type, kind, used_grant, index, sender=sender, officer=officer), "IncidentFiled")
    assert (e["reporter"], e["responsible"]) == (sender, system.depts[1])


@pytest.mark.parametrize("who", ["auditor", "owner", "publisher", "grantee", "past grantee"])
@pytest.mark.parametrize("incident_type", [DATA_ERROR, TAMPER])
def test_who_may_file_about_a_version(system, who, incident_type):
    cat, rid, publisher, owner = system.catalog, system.resources[INTERNAL], system.depts[0], system.depts[2]
    gid = system.grant(grantee=system.depts[1])
    cat.publishVersion(rid, h("v2"), h("officer-v2"), {"from": publisher})
    system.council_call(cat, "transferOwnership", (rid, owner))
    if who == "past grantee":
        system.rights.revokeGrant(gid, h("revoked"), {"from": owner})
    sender, via = {
        "auditor": (system.auditor, 0),
        "owner": (owner, 0),
        "publisher": (publisher, 0),
        "grantee": (system.depts[1], gid),
        "past grantee": (system.depts[1], gid),
    }[who]
    e = event(file(system, incident_type, RESOURCE_VERSION, rid, 2, sender=sender, via=via), "IncidentFiled")
    assert (e["reporter"], e["responsible"]) == (sender, publisher if incident_type == DATA_ERROR else owner)


def _refusal_cases():
    """(name, setup) pairs; setup(system, grant) returns (call kwargs for file(), error, error args)."""

    def stranger_on_use(s, gid):
        return {
            "t": UNAUTHORIZED_USE,
            "k": USE,
            "sid": gid,
            "idx": 1,
            "sender": s.depts[2],
            "officer": h("officer-0"),
        }, (
            "AccountabilityNotPartyToGrant",
            (gid, s.depts[2]),
        )

    def stranger_on_grant(s, gid):
        return {"t": LEAK, "k": GRANT, "sid": gid, "idx": 0, "sender": s.depts[3]}, (
            "AccountabilityNotPartyToGrant",
            (gid, s.depts[3]),
        )

    def grant_named_for_a_use(s, gid):
        return {
            "t": LEAK,
            "k": USE,
            "sid": gid,
            "idx": 1,
            "sender": s.depts[0],
            "officer": h("officer-0"),
            "via": gid,
        }, (
            "AccountabilityInvalidReporterGrant",
            (gid, s.depts[0]),
        )

    def no_grant_on_the_resource(s, gid):
        rid = s.resources[INTERNAL]
        return {
            "t": DATA_ERROR,
            "k": RESOURCE_VERSION,
            "sid": rid,
            "idx": 1,
            "sender": s.depts[2],
            "officer": h("steward"),
        }, (
            "AccountabilityNoStandingOnResource",
            (rid, 1, s.depts[2]),
        )

    def someone_elses_grant(s, gid):
        rid = s.resources[INTERNAL]
        return {"t": TAMPER, "k": RESOURCE_VERSION, "sid": rid, "idx": 1, "sender": s.depts[2], "via": gid}, (
            "AccountabilityInvalidReporterGrant",
            (gid, s.depts[2]),
        )

    def grant_on_another_resource(s, gid):
        other = s.catalog.registerResource(INTERNAL, h("schema"), h("c"), h("st"), ZERO32, {"from": s.depts[0]})
        rid = other.return_value
        return {
            "t": DATA_ERROR,
            "k": RESOURCE_VERSION,
            "sid": rid,
            "idx": 1,
            "sender": s.depts[1],
            "officer": h("st"),
            "via": gid,
        }, (
            "AccountabilityInvalidReporterGrant",
            (gid, s.depts[1]),
        )

    def unknown_grant_named(s, gid):
        rid = s.resources[INTERNAL]
        return {"t": TAMPER, "k": RESOURCE_VERSION, "sid": rid, "idx": 1, "sender": s.depts[1], "via": 99}, (
            "AccountabilityInvalidReporterGrant",
            (99, s.depts[1]),
        )

    def former_owner_on_a_version_it_did_not_publish(s, gid):
        rid, old, new = s.resources[INTERNAL], s.depts[0], s.depts[2]
        s.council_call(s.catalog, "transferOwnership", (rid, new))
        s.catalog.publishVersion(rid, h("v2"), h("officer-v2"), {"from": new})
        return {"t": DATA_ERROR, "k": RESOURCE_VERSION, "sid": rid, "idx": 2, "sender": old}, (
            "AccountabilityNoStandingOnResource",
            (rid, 2, old),
        )

    def use_without_its_officer(s, gid):
        return {"t": UNAUTHORIZED_USE, "k": USE, "sid": gid, "idx": 2, "sender": s.depts[0]}, (
            "AccountabilityEmptyOfficerCitation",
            (USE, gid, 2),
        )

    def version_one_without_its_steward(s, gid):
        rid = s.resources[INTERNAL]
        return {"t": DATA_ERROR, "k": RESOURCE_VERSION, "sid": rid, "idx": 1}, (
            "AccountabilityEmptyOfficerCitation",
            (RESOURCE_VERSION, rid, 1),
        )

    def another_officer_than_the_publisher(s, gid):
        rid = s.resources[INTERNAL]
        s.catalog.publishVersion(rid, h("v2"), h("officer-v2"), {"from": s.depts[0]})
        return {"t": DATA_ERROR, "k": RESOURCE_VERSION, "sid": rid, "idx": 2, "officer": h("someone-else")}, (
            "AccountabilityInvalidOfficerCitation",
            (h("officer-v2"), h("someone-else")),
        )

    def an_officer_for_a_grant_without_one(s, gid):
        return {"t": LEAK, "k": GRANT, "sid": gid, "idx": 0, "officer": h("someone")}, (
            "AccountabilityInvalidOfficerCitation",
            (ZERO32, h("someone")),
        )

    return [
        (f.__name__, f)
        for f in (
            stranger_on_use,
            stranger_on_grant,
            grant_named_for_a_use,
            no_grant_on_the_resource,
            someone_elses_grant,
            grant_on_another_resource,
            unknown_grant_named,
            former_owner_on_a_version_it_did_not_publish,
            use_without_its_officer,
            version_one_without_its_steward,
            another_officer_than_the_publisher,
            an_officer_for_a_grant_without_one,
        )
    ]


@pytest.mark.parametrize("case", [f for _, f in _refusal_cases()], ids=[n for n, _ in _refusal_cases()])
def test_filing_rule_refusals(system, used_grant, case):
    kw, (error, args) = case(system, used_grant)
    a = system.accountability
    call = {"t": None, "k": None, "sid": None, "idx": None, "sender": system.auditor, "officer": ZERO32, "via": 0}
    call.update(kw)
    assert_custom_error(
        lambda: a.fileIncident(
            call["t"],
            call["k"],
            call["sid"],
            call["idx"],
            call["officer"],
            call["via"],
            h("e"),
            DAY,
            {"from": call["sender"]},
        ),
        error,
        args,
    )


def test_file_incident_validation(system, used_grant):
    a, rid = system.accountability, system.resources[INTERNAL]

    def f(t=DATA_ERROR, k=RESOURCE_VERSION, sid=rid, idx=1, evidence=h("e"), window=DAY, sender=system.auditor):
        return lambda: a.fileIncident(t, k, sid, idx, h("steward"), 0, evidence, window, {"from": sender})

    for caller in (system.outsider, system.governors[0]):
        assert_custom_error(f(sender=caller), "AccountabilityNotReporter", (caller,))
    assert_custom_error(f(t=4), "AccountabilityInvalidIncidentType", (4,))
    assert_custom_error(f(k=3), "AccountabilityInvalidSubjectKind", (3,))
    assert_custom_error(f(evidence=ZERO32), "AccountabilityEmptyEvidence")
    assert_custom_error(f(window=0), "AccountabilityInvalidResponseWindow", (0,))
    assert_custom_error(f(window=HOUR - 1), "AccountabilityInvalidResponseWindow", (HOUR - 1,))
    assert_custom_error(f(window=90 * DAY + 1), "AccountabilityInvalidResponseWindow", (90 * DAY + 1,))
    # invalid combinations
    for t in (UNAUTHORIZED_USE, LEAK):
        assert_custom_error(f(t=t, k=RESOURCE_VERSION), "AccountabilityInvalidSubject", (t, RESOURCE_VERSION))
    for t in (DATA_ERROR, TAMPER):
        for k in (GRANT, USE):
            assert_custom_error(f(t=t, k=k, sid=used_grant), "AccountabilityInvalidSubject", (t, k))
    # unknown subjects
    for sid, idx in ((0, 1), (99, 1), (rid, 0), (rid, 2)):
        assert_custom_error(f(sid=sid, idx=idx), "AccountabilityUnknownSubject", (RESOURCE_VERSION, sid, idx))
    for k, sid, idx in (
        (GRANT, 0, 0),
        (GRANT, 99, 0),
        (GRANT, used_grant, 1),
        (USE, used_grant, 0),
        (USE, used_grant, 3),
        (USE, 99, 1),
    ):
        assert_custom_error(f(t=LEAK, k=k, sid=sid, idx=idx), "AccountabilityUnknownSubject", (k, sid, idx))
    # a suspended department can no longer file
    system.suspend(system.depts[0])
    assert_custom_error(f(sender=system.depts[0]), "AccountabilityNotReporter", (system.depts[0],))


# --------------------------------------------------------------------------- respond / escalate


def test_respond_within_window(system):
    a, owner = system.accountability, system.depts[0]
    iid = file_data_error(system, system.resources[INTERNAL]).return_value
    tx = a.respond(iid, h("correction"), {"from": owner})
    assert event_names(tx) == ["IncidentResponded"]
    assert event(tx, "IncidentResponded") == {"incidentId": iid, "responsible": owner, "responseHash": h("correction")}
    i = a.incident(iid)
    assert i["status"] == INC_RESPONDED and i["responseHash"] == h("correction")


def test_respond_validation(system):
    a, owner = system.accountability, system.depts[0]
    iid = file_data_error(system, system.resources[INTERNAL], window=DAY).return_value
    deadline = a.incident(iid)["responseDeadline"]
    assert_custom_error(lambda: a.respond(99, h("r"), {"from": owner}), "AccountabilityUnknownIncident", (99,))
    for caller in (system.depts[1], system.auditor):
        assert_custom_error(
            lambda: a.respond(iid, h("r"), {"from": caller}), "AccountabilityNotResponsible", (iid, caller)
        )
    assert_custom_error(lambda: a.respond(iid, ZERO32, {"from": owner}), "AccountabilityEmptyResponse")
    time_travel(DAY + 1)
    assert_custom_error(
        lambda: a.respond(iid, h("r"), {"from": owner}), "AccountabilityResponseWindowClosed", (iid, deadline)
    )


def test_respond_only_once(system):
    a, owner = system.accountability, system.depts[0]
    iid = file_data_error(system, system.resources[INTERNAL]).return_value
    a.respond(iid, h("r"), {"from": owner})
    assert_custom_error(
        lambda: a.respond(iid, h("r2"), {"from": owner}), "AccountabilityInvalidIncidentStatus", (iid, INC_RESPONDED)
    )


def test_escalate_after_window(system):
    a = system.accountability
    iid = file_data_error(system, system.resources[INTERNAL], window=DAY).return_value
    deadline = a.incident(iid)["responseDeadline"]
    assert_custom_error(
        lambda: a.escalate(iid, {"from": system.outsider}), "AccountabilityResponseWindowOpen", (iid, deadline)
    )
    time_travel(DAY + 1)
    tx = a.escalate(iid, {"from": system.outsider})
    assert event_names(tx) == ["IncidentEscalated"]
    assert event(tx, "IncidentEscalated") == {"incidentId": iid, "escalatedBy": system.outsider}
    assert a.incident(iid)["status"] == INC_ESCALATED
    assert_custom_error(
        lambda: a.escalate(iid, {"from": system.outsider}), "AccountabilityInvalidIncidentStatus", (iid, INC_ESCALATED)
    )
    assert_custom_error(
        lambda: a.respond(iid, h("late"), {"from": system.depts[0]}),
        "AccountabilityInvalidIncidentStatus",
        (iid, INC_ESCALATED),
    )
    assert_custom_error(lambda: a.escalate(99, {"from": system.outsider}), "AccountabilityUnknownIncident", (99,))


# --------------------------------------------------------------------------- rulings


@pytest.mark.ganache_smoke
def test_rule_upheld_and_dismissed(system, used_grant):
    a, owner, grantee = system.accountability, system.depts[0], system.depts[1]
    i1 = file_data_error(system, system.resources[INTERNAL]).return_value
    a.respond(i1, h("r"), {"from": owner})
    tx = system.council_call(a, "rule", (i1, True, h("ruling-1")))
    pid = event(tx, "ProposalExecuted")["proposalId"]
    assert event(tx, "IncidentRuled") == {
        "incidentId": i1,
        "responsible": owner,
        "proposalId": pid,
        "upheld": True,
        "rulingHash": h("ruling-1"),
    }
    assert a.incident(i1)["status"] == INC_UPHELD and a.incident(i1)["rulingHash"] == h("ruling-1")
    assert a.upheldCount(owner) == 1

    i2 = file(system, LEAK, USE, used_grant, 1, window=DAY, officer=h("officer-0")).return_value
    time_travel(DAY + 1)
    a.escalate(i2, {"from": system.outsider})
    tx = system.council_call(a, "rule", (i2, False, h("ruling-2")))
    assert event(tx, "IncidentRuled")["upheld"] is False
    assert a.incident(i2)["status"] == INC_DISMISSED
    assert a.upheldCount(grantee) == 0 and a.upheldCount(owner) == 1


def test_rule_validation(system):
    a, owner = system.accountability, system.depts[0]
    iid = file_data_error(system, system.resources[INTERNAL]).return_value
    for caller in (system.governors[0], owner, system.auditor):
        assert_custom_error(
            lambda: a.rule(iid, True, h("r"), {"from": caller}), "ConsortiumManagedNotCouncil", (caller,)
        )

    def council_fails(args, error, error_args):
        system.council_call_refused(a, "rule", args, error, error_args)

    council_fails((99, True, h("r")), "AccountabilityUnknownIncident", (99,))
    council_fails((iid, True, h("r")), "AccountabilityInvalidIncidentStatus", (iid, INC_OPEN))  # not answered yet
    a.respond(iid, h("resp"), {"from": owner})
    council_fails((iid, True, ZERO32), "AccountabilityEmptyRuling", ())
    system.council_call(a, "rule", (iid, True, h("r")))
    council_fails((iid, False, h("r2")), "AccountabilityInvalidIncidentStatus", (iid, INC_UPHELD))


def test_views_reject_unknown_incident(system):
    assert_custom_error(lambda: system.accountability.incident(1), "AccountabilityUnknownIncident", (1,))
