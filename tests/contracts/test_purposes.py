"""Purposes: the council's registry of purposes and legal bases, and UsageRights refusing what it lacks.

Retirement rule under test: a retired entry keeps its words, no new request or direct grant may name it,
a request made before the retirement may still be approved (approvals do not read the registry) and an
existing grant stays usable.
"""

from __future__ import annotations

from contract_helpers import (
    DAY,
    INTERNAL,
    TEST_LEGAL_BASES,
    TEST_PURPOSES,
    ZERO32,
    ZERO_ADDRESS,
    assert_custom_error,
    event,
    h,
    now,
)


def _registered(system, fn_name: str, *args):
    return system.council_call(system.purposes, fn_name, args, description="registry")


def test_deployment(system, Purposes, accounts):
    p = system.purposes
    assert p.consortium() == system.consortium
    assert p.purposeCount() == len(TEST_PURPOSES) and p.legalBasisCount() == len(TEST_LEGAL_BASES)
    assert_custom_error(lambda: Purposes.deploy(ZERO_ADDRESS, {"from": accounts[0]}), "ConsortiumManagedZeroAddress")


def test_council_registers_a_purpose_and_a_legal_basis(system):
    p = system.purposes
    tx = _registered(system, "registerPurpose", 401, "不动产登记", "real estate registration")
    assert event(tx, "PurposeRegistered") == {"code": 401, "nameZh": "不动产登记", "nameEn": "real estate registration"}
    assert p.purpose(401).dict() == {
        "code": 401,
        "nameZh": "不动产登记",
        "nameEn": "real estate registration",
        "retired": False,
    }
    tx = _registered(system, "registerLegalBasis", h("art. 10 text"), "《契税法》第十条")
    assert event(tx, "LegalBasisRegistered") == {"textHash": h("art. 10 text"), "citation": "《契税法》第十条"}
    assert p.legalBasis(h("art. 10 text")).dict() == {
        "textHash": h("art. 10 text"),
        "citation": "《契税法》第十条",
        "retired": False,
    }
    assert p.usable(401, h("art. 10 text")) == (True, True)
    last = p.purposes(len(TEST_PURPOSES), 10)
    assert [x[0] for x in last] == [401]
    assert [x[0] for x in p.legalBases(len(TEST_LEGAL_BASES), 5)] == [h("art. 10 text")]
    assert p.purposes(1000, 5) == []


def test_writes_are_council_only(system):
    p, dept = system.purposes, system.depts[0]
    assert_custom_error(
        lambda: p.registerPurpose(401, "a", "b", {"from": dept}), "ConsortiumManagedNotCouncil", (dept,)
    )
    assert_custom_error(
        lambda: p.registerLegalBasis(h("t"), "c", {"from": dept}), "ConsortiumManagedNotCouncil", (dept,)
    )
    gov = system.governors[0]
    assert_custom_error(lambda: p.retirePurpose(7, {"from": gov}), "ConsortiumManagedNotCouncil", (gov,))
    assert_custom_error(lambda: p.retireLegalBasis(h("law"), {"from": gov}), "ConsortiumManagedNotCouncil", (gov,))


def test_registration_validation(system):
    p, refused = system.purposes, system.council_call_refused
    long = "x" * (p.MAX_TEXT_LENGTH() + 1)
    refused(p, "registerPurpose", (0, "a", "b"), "PurposesZeroCode")
    refused(p, "registerPurpose", (401, "", "b"), "PurposesInvalidName")
    refused(p, "registerPurpose", (401, "a", long), "PurposesInvalidName")
    refused(p, "registerPurpose", (7, "a", "b"), "PurposesPurposeExists", (7,))
    refused(p, "registerLegalBasis", (ZERO32, "c"), "PurposesZeroTextHash")
    refused(p, "registerLegalBasis", (h("t"), ""), "PurposesInvalidCitation")
    refused(p, "registerLegalBasis", (h("t"), long), "PurposesInvalidCitation")
    refused(p, "registerLegalBasis", (h("law"), "again"), "PurposesLegalBasisExists", (h("law"),))
    assert_custom_error(lambda: p.purpose(4), "PurposesUnknownPurpose", (4,))
    assert_custom_error(lambda: p.legalBasis(h("t")), "PurposesUnknownLegalBasis", (h("t"),))


def test_retirement_keeps_the_words_and_is_final(system):
    p, refused = system.purposes, system.council_call_refused
    assert event(_registered(system, "retirePurpose", 7), "PurposeRetired") == {"code": 7}
    assert event(_registered(system, "retireLegalBasis", h("law")), "LegalBasisRetired") == {"textHash": h("law")}
    assert p.purpose(7).dict()["retired"] is True and p.purpose(7).dict()["nameEn"] == "purpose 7"
    assert p.legalBasis(h("law")).dict()["retired"] is True
    assert p.usable(7, h("law")) == (False, False)
    refused(p, "retirePurpose", (7,), "PurposesPurposeRetired", (7,))
    refused(p, "retireLegalBasis", (h("law"),), "PurposesLegalBasisRetired", (h("law"),))
    refused(p, "retirePurpose", (4,), "PurposesUnknownPurpose", (4,))
    refused(p, "retireLegalBasis", (h("t"),), "PurposesUnknownLegalBasis", (h("t"),))
    refused(p, "registerPurpose", (7, "a", "b"), "PurposesPurposeExists", (7,))


def test_retired_entries_refuse_new_requests_and_grants_but_not_what_came_before(system):
    r, rid, owner, requester = system.rights, system.resources[INTERNAL], system.depts[0], system.depts[1]

    def request(purpose=7, law=h("law")):
        return lambda: r.requestUse(rid, purpose, law, h("f"), DAY, 5, now() + DAY, {"from": requester})

    def issue(purpose=7, law=h("law")):
        return lambda: r.issueGrant(rid, requester, purpose, law, DAY, 5, {"from": owner})

    before = request()().return_value
    grant = issue()().return_value
    _registered(system, "retirePurpose", 7)
    assert_custom_error(request(), "UsageRightsUnregisteredPurpose", (7,))
    assert_custom_error(issue(), "UsageRightsUnregisteredPurpose", (7,))
    _registered(system, "retireLegalBasis", h("law-2"))
    assert_custom_error(request(purpose=5, law=h("law-2")), "UsageRightsUnregisteredLegalBasis", (h("law-2"),))
    assert_custom_error(issue(purpose=5, law=h("law-2")), "UsageRightsUnregisteredLegalBasis", (h("law-2"),))
    # made before the retirement: approved, and the existing grant still records uses
    approved = r.approveRequest(before, h("ok"), {"from": owner})
    assert event(approved, "GrantIssued")["purposeCode"] == 7
    assert event(r.recordUse(grant, h("o"), h("s"), h("c"), {"from": requester}), "UseRecorded")["useIndex"] == 1
    # other registered entries are untouched
    assert event(request(purpose=5, law=h("law"))(), "UseRequested")["purposeCode"] == 5


def test_batches_register_in_one_council_decision(system):
    p, refused = system.purposes, system.council_call_refused
    tx = _registered(system, "registerPurposes", [401, 402], ["甲", "乙"], ["a", "b"])
    assert [e["code"] for e in tx.events["PurposeRegistered"]] == [401, 402]
    tx = _registered(system, "registerLegalBases", [h("t1"), h("t2")], ["c1", "c2"])
    assert [e["citation"] for e in tx.events["LegalBasisRegistered"]] == ["c1", "c2"]
    assert p.usable(402, h("t2")) == (True, True)
    refused(p, "registerPurposes", ([403], ["甲"], []), "PurposesInvalidBatch")
    refused(p, "registerLegalBases", ([h("t3")], []), "PurposesInvalidBatch")
    refused(p, "registerPurposes", ([403, 401], ["甲", "乙"], ["a", "b"]), "PurposesPurposeExists", (401,))
