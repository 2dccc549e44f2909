"""PropertyRegistry: roles, units, chain of title, mortgages, seizures and use reports."""

from __future__ import annotations

import brownie
import pytest
from contract_helpers import DAY, ZERO32, ZERO_ADDRESS, assert_custom_error, event, event_names, h, now
from eth_abi import encode
from eth_utils import keccak

REGISTRAR, BANK, COURT, INSPECTOR = range(4)
RESIDENTIAL, COMMERCIAL, INDUSTRIAL = 7, 5, 6
MAX_MORTGAGES, MAX_SEIZURES = 8, 16
T_PROPERTY = h("type-property-certificate")  # issued by A, the registrar
T_LICENCE = h("type-business-licence")  # issued by B
CERT_VALID, CERT_REVOKED = 1, 2  # ICertificates.CertificateStatus
R_ISSUER, R_SUPERSEDED = 1, 7  # ICertificates.RevocationReason


@pytest.fixture(scope="module")
def linked(system, Certificates, PropertyRegistry, AssistedSessions):
    """(certificates, registry, sessions); roles: A registrar, B bank, C court, D inspector."""
    certs, registry, sessions = system.deploy_title_contracts(Certificates, PropertyRegistry, AssistedSessions)
    a, b, c, d = system.depts
    for dept, role in ((a, REGISTRAR), (b, BANK), (c, COURT), (d, INSPECTOR)):
        system.council_call(registry, "setRole", (dept, role, True))
    system.council_call(certs, "registerCertificateType", (T_PROPERTY, a, 30 * 365 * DAY))
    system.council_call(certs, "registerCertificateType", (T_LICENCE, b, 365 * DAY))
    return certs, registry, sessions


@pytest.fixture(scope="module")
def reg(linked):
    return linked[1]


@pytest.fixture(scope="module")
def certs(linked):
    return linked[0]


@pytest.fixture(scope="module")
def sessions(linked):
    return linked[2]


def _certs(reg):
    return brownie.Certificates.at(reg.certificates())


@pytest.fixture
def actors(system):
    a, b, c, d = system.depts
    return {"registrar": a, "bank": b, "court": c, "inspector": d}


def new_unit(reg, registrar, n=1, planned=RESIDENTIAL, area=90):
    return reg.registerUnit(
        h(f"parcel-{n}"), h("building-1"), h(f"unit-{n}"), planned, area, {"from": registrar}
    ).return_value


def issue_certificate(reg, registrar, uid, *, bind=True):
    """The registrar issues a property certificate to the unit's current owner and (by default) binds it."""
    u = reg.unit(uid)
    entry = u["currentEntryId"]
    doc = h(f"certificate-{uid}-{entry}-{_certs(reg).certificateCount()}")
    cid = (
        _certs(reg)
        .issue(T_PROPERTY, doc, u["currentOwnerHash"], 0, 0, h(f"case-{entry}"), {"from": registrar})
        .return_value
    )
    if bind:
        reg.bindCertificate(uid, cid, {"from": registrar})
    return cid


def document_of(reg, cid):
    return _certs(reg).certificate(cid)["documentHash"]


def current_document(reg, uid):
    """The document hash of the certificate bound to the unit's current entry (a dummy if none)."""
    entry = reg.unit(uid)["currentEntryId"]
    cid = reg.titleEntry(entry)["certificateId"] if entry else 0
    return document_of(reg, cid) if cid else h("no-certificate")


def owned_unit(reg, registrar, n=1, owner="owner-1"):
    uid = new_unit(reg, registrar, n)
    reg.registerFirstOwnership(uid, h(owner), h("evidence-0"), h("case-0"), {"from": registrar})
    issue_certificate(reg, registrar, uid)
    return uid


def consent_desk():
    """The front desk sellers consent at: department D (the inspector's), never the registrar A."""
    return brownie.accounts[7]


def binding(desk, subject_hash):
    """What AssistedSessions keeps per session: keccak256(abi.encode(desk, subjectHash))."""
    return "0x" + keccak(encode(["address", "bytes32"], [str(desk), bytes.fromhex(subject_hash[2:])])).hex()


def consent_session(reg, uid, desk=None, subject=None):
    """A new assisted session at ``desk`` (default: consent_desk()) for ``subject`` (default: the current owner)."""
    if subject is None:
        known = 0 < uid <= reg.unitCount()
        subject = reg.unit(uid)["currentOwnerHash"] if known else ZERO32
        subject = h("nobody") if subject == ZERO32 else subject
    sessions = brownie.AssistedSessions.at(reg.assistedSessions())
    return sessions.openAssistedSession(h("officer"), subject, h("sell"), {"from": desk or consent_desk()}).return_value


def transfer(reg, registrar, uid, owner, *, prior=None, consent="consent", session=None, desk=None, **kw):
    """Transfer presenting the unit's current certificate (unless ``prior``), with the seller's consent given
    in ``session`` at ``desk`` (default: a new session for the current owner at consent_desk())."""
    doc = current_document(reg, uid) if prior is None else prior
    consent_hash = h(consent) if consent else ZERO32
    desk = desk or consent_desk()
    if session is None:
        session = consent_session(reg, uid, desk)
    return reg.registerTransfer(
        uid, h(owner), h("evidence"), doc, h("case"), consent_hash, session, desk, {"from": registrar, **kw}
    )


def transfer_and_certify(reg, registrar, uid, owner):
    """A completed transfer: the new owner's certificate is issued and bound."""
    tx = transfer(reg, registrar, uid, owner)
    issue_certificate(reg, registrar, uid)
    return tx


# --------------------------------------------------------------------------- deployment


def test_constructor_rejects_zero_consortium(PropertyRegistry, accounts):
    assert_custom_error(
        lambda: PropertyRegistry.deploy(ZERO_ADDRESS, accounts[1], accounts[2], {"from": accounts[0]}),
        "ConsortiumManagedZeroAddress",
    )


def test_constructor_rejects_zero_links(system, PropertyRegistry, accounts):
    for certs_at, sessions_at in ((ZERO_ADDRESS, accounts[2]), (accounts[1], ZERO_ADDRESS)):
        assert_custom_error(
            lambda c=certs_at, s=sessions_at: PropertyRegistry.deploy(system.consortium, c, s, {"from": accounts[0]}),
            "PropertyRegistryZeroAddress",
        )


def test_registry_constructor_refuses_unlinked_certificates(system, Certificates, PropertyRegistry, sessions, accounts):
    """A registry deployed next to a Certificates that names another title registry refuses to deploy."""
    other = accounts[3]
    certs = Certificates.deploy(system.consortium, other, {"from": accounts[0]})
    assert_custom_error(
        lambda: PropertyRegistry.deploy(system.consortium, certs, sessions, {"from": accounts[0]}),
        "PropertyRegistryCertificatesNotLinked",
        (certs, other),
    )


def test_deployment(system, reg, certs, sessions):
    assert reg.consortium() == system.consortium
    assert (reg.certificates(), reg.assistedSessions(), certs.titleRegistry()) == (certs, sessions, reg)
    assert (reg.unitCount(), reg.titleEntryCount(), reg.mortgageCount(), reg.seizureCount()) == (0, 0, 0, 0)
    assert reg.MAX_ACTIVE_MORTGAGES() == MAX_MORTGAGES and reg.MAX_ACTIVE_SEIZURES() == MAX_SEIZURES
    a, b, c, d = system.depts
    assert reg.hasRole(a, REGISTRAR) and reg.hasRole(b, BANK) and reg.hasRole(c, COURT) and reg.hasRole(d, INSPECTOR)
    assert not reg.hasRole(a, BANK) and not reg.hasRole(system.outsider, REGISTRAR)


# --------------------------------------------------------------------------- setRole


def test_set_role_through_council(system, reg):
    b = system.depts[1]
    tx = system.council_call(reg, "setRole", (b, REGISTRAR, True))
    assert event(tx, "RoleSet") == {"department": b, "role": REGISTRAR, "enabled": True}
    assert reg.hasRole(b, REGISTRAR)
    tx = system.council_call(reg, "setRole", (b, REGISTRAR, False))
    assert event(tx, "RoleSet") == {"department": b, "role": REGISTRAR, "enabled": False}
    assert not reg.hasRole(b, REGISTRAR)


def test_set_role_only_council(system, reg):
    gov = system.governors[0]
    assert_custom_error(
        lambda: reg.setRole(system.depts[1], REGISTRAR, True, {"from": gov}), "ConsortiumManagedNotCouncil", (gov,)
    )


# Each case: the council's setRole arguments and the error refusing them, given the system.
SET_ROLE_REFUSALS = [
    pytest.param(lambda s: ((ZERO_ADDRESS, BANK, True), "PropertyRegistryZeroAddress", ()), id="holder-non-zero"),
    pytest.param(
        lambda s: ((s.outsider, BANK, True), "ConsortiumManagedNotActiveDepartment", (s.outsider,)),
        id="holder-active-department",
    ),
    pytest.param(
        lambda s: ((s.depts[0], REGISTRAR, True), "PropertyRegistryRoleUnchanged", (s.depts[0], REGISTRAR, True)),
        id="grant-changes-the-role",
    ),
    pytest.param(
        lambda s: ((s.depts[0], BANK, False), "PropertyRegistryRoleUnchanged", (s.depts[0], BANK, False)),
        id="removal-changes-the-role",
    ),
]


@pytest.mark.parametrize("case", SET_ROLE_REFUSALS)
def test_set_role_refused(system, reg, case):
    args, error, error_args = case(system)
    system.council_call_refused(reg, "setRole", args, error, error_args)


def test_role_removed_cannot_act(system, reg, actors):
    a = actors["registrar"]
    system.council_call(reg, "setRole", (a, REGISTRAR, False))
    assert_custom_error(lambda: new_unit(reg, a), "PropertyRegistryMissingRole", (a, REGISTRAR))


def test_suspended_department_with_role_cannot_act(system, reg, actors):
    a = actors["registrar"]
    system.suspend(a)
    assert_custom_error(lambda: new_unit(reg, a), "ConsortiumManagedNotActiveDepartment", (a,))


# --------------------------------------------------------------------------- registerUnit


def test_register_unit(reg, actors):
    a = actors["registrar"]
    tx = reg.registerUnit(h("parcel-1"), h("building-1"), h("unit-1"), RESIDENTIAL, 90, {"from": a})
    uid = tx.return_value
    assert uid == 1 and reg.unitCount() == 1
    assert event_names(tx) == ["UnitRegistered"]
    assert event(tx, "UnitRegistered") == {
        "unitId": 1,
        "parcelCode": h("parcel-1"),
        "registrar": a,
        "buildingCode": h("building-1"),
        "unitCode": h("unit-1"),
        "plannedUse": RESIDENTIAL,
        "areaM2": 90,
    }
    u = reg.unit(uid).dict()
    assert u == {
        "parcelCode": h("parcel-1"),
        "buildingCode": h("building-1"),
        "unitCode": h("unit-1"),
        "plannedUse": RESIDENTIAL,
        "areaM2": 90,
        "registrar": a,
        "registeredAt": now(),
        "currentOwnerHash": ZERO32,
        "currentEntryId": 0,
        "titleLength": 0,
        "activeSeizureCount": 0,
        "activeMortgageCount": 0,
        "outstandingMortgageCount": 0,
        "useReportCount": 0,
        "lastActualUse": 0,
        "useMismatch": False,
    }
    assert reg.unitIdOf(h("parcel-1"), h("building-1"), h("unit-1")) == uid
    assert reg.unitIdOf(h("parcel-1"), h("building-1"), h("unit-2")) == 0
    assert list(reg.titleChain(uid)) == []


def test_register_land_only_unit(reg, actors):
    uid = reg.registerUnit(h("parcel-9"), ZERO32, ZERO32, INDUSTRIAL, 5000, {"from": actors["registrar"]}).return_value
    assert reg.unit(uid)["buildingCode"] == ZERO32 and reg.unitIdOf(h("parcel-9"), ZERO32, ZERO32) == uid


def test_register_unit_rejections(reg, actors, system):
    a = actors["registrar"]
    for who in (actors["bank"], system.outsider):
        assert_custom_error(lambda: new_unit(reg, who), "PropertyRegistryMissingRole", (who, REGISTRAR))
    assert_custom_error(
        lambda: reg.registerUnit(ZERO32, h("b"), h("u"), RESIDENTIAL, 90, {"from": a}),
        "PropertyRegistryEmptyParcelCode",
    )
    assert_custom_error(
        lambda: reg.registerUnit(h("p"), h("b"), h("u"), 0, 90, {"from": a}), "PropertyRegistryInvalidUse", (0,)
    )
    assert_custom_error(
        lambda: reg.registerUnit(h("p"), h("b"), h("u"), RESIDENTIAL, 0, {"from": a}), "PropertyRegistryZeroArea"
    )
    uid = new_unit(reg, a)
    assert_custom_error(lambda: new_unit(reg, a), "PropertyRegistryUnitExists", (uid,))


# --------------------------------------------------------------------------- registerFirstOwnership


def test_register_first_ownership(reg, actors):
    a = actors["registrar"]
    uid = new_unit(reg, a)
    tx = reg.registerFirstOwnership(uid, h("owner-1"), h("evidence-0"), h("case-0"), {"from": a})
    entry_id = tx.return_value
    assert entry_id == 1 and reg.titleEntryCount() == 1
    assert event_names(tx) == ["FirstOwnershipRegistered"]
    assert event(tx, "FirstOwnershipRegistered") == {
        "unitId": uid,
        "ownerHash": h("owner-1"),
        "registrar": a,
        "entryId": 1,
        "evidenceHash": h("evidence-0"),
        "caseRef": h("case-0"),
    }
    assert reg.titleEntry(1).dict() == {
        "entryId": 1,
        "unitId": uid,
        "ownerHash": h("owner-1"),
        "previousEntryId": 0,
        "evidenceHash": h("evidence-0"),
        "priorCertificateHash": ZERO32,
        "caseRef": h("case-0"),
        "registrar": a,
        "registeredAt": now(),
        "certificateId": 0,
    }
    u = reg.unit(uid)
    assert (u["currentOwnerHash"], u["currentEntryId"], u["titleLength"]) == (h("owner-1"), 1, 1)
    assert list(reg.titleChain(uid)) == [1]


def test_register_first_ownership_rejections(reg, actors):
    a = actors["registrar"]
    uid = new_unit(reg, a)
    bank = actors["bank"]
    assert_custom_error(
        lambda: reg.registerFirstOwnership(uid, h("o"), h("e"), h("c"), {"from": bank}),
        "PropertyRegistryMissingRole",
        (bank, REGISTRAR),
    )
    assert_custom_error(
        lambda: reg.registerFirstOwnership(99, h("o"), h("e"), h("c"), {"from": a}),
        "PropertyRegistryUnknownUnit",
        (99,),
    )
    assert_custom_error(
        lambda: reg.registerFirstOwnership(uid, ZERO32, h("e"), h("c"), {"from": a}), "PropertyRegistryEmptyOwnerHash"
    )
    assert_custom_error(
        lambda: reg.registerFirstOwnership(uid, h("o"), ZERO32, h("c"), {"from": a}),
        "PropertyRegistryEmptyEvidenceHash",
    )
    assert_custom_error(
        lambda: reg.registerFirstOwnership(uid, h("o"), h("e"), ZERO32, {"from": a}), "PropertyRegistryEmptyCaseRef"
    )
    reg.registerFirstOwnership(uid, h("o"), h("e"), h("c"), {"from": a})
    assert_custom_error(
        lambda: reg.registerFirstOwnership(uid, h("o2"), h("e"), h("c"), {"from": a}),
        "PropertyRegistryAlreadyOwned",
        (uid, 1),
    )


def test_first_ownership_allowed_while_pre_seized(reg, actors):
    uid = new_unit(reg, actors["registrar"])
    reg.registerSeizure(uid, h("order"), {"from": actors["court"]})
    reg.registerFirstOwnership(uid, h("o"), h("e"), h("c"), {"from": actors["registrar"]})
    assert reg.unit(uid)["currentOwnerHash"] == h("o")


# --------------------------------------------------------------------------- registerTransfer


def test_register_transfer_extends_the_chain(reg, actors):
    a = actors["registrar"]
    uid = owned_unit(reg, a)
    other = owned_unit(reg, a, n=2, owner="owner-x")  # entry 2, interleaved
    prior = current_document(reg, uid)
    sid = consent_session(reg, uid)
    tx = reg.registerTransfer(
        uid, h("owner-2"), h("evidence-1"), prior, h("case-1"), h("consent"), sid, consent_desk(), {"from": a}
    )
    assert tx.return_value == 3
    assert event_names(tx) == ["TitleTransferred", "SellerConsentRecorded", "CertificateSuperseded"]
    assert event(tx, "TitleTransferred") == {
        "unitId": uid,
        "newOwnerHash": h("owner-2"),
        "registrar": a,
        "entryId": 3,
        "previousEntryId": 1,
        "evidenceHash": h("evidence-1"),
        "priorCertificateHash": prior,
        "caseRef": h("case-1"),
        "carriedMortgages": 0,
    }
    issue_certificate(reg, a, uid)
    transfer(reg, a, uid, "owner-3")
    assert list(reg.titleChain(uid)) == [1, 3, 4] and list(reg.titleChain(other)) == [2]
    e = reg.titleEntry(3)
    assert (e["unitId"], e["ownerHash"], e["previousEntryId"], e["priorCertificateHash"]) == (
        uid,
        h("owner-2"),
        1,
        prior,
    )
    assert reg.titleEntry(4)["previousEntryId"] == 3
    u = reg.unit(uid)
    assert (u["currentOwnerHash"], u["currentEntryId"], u["titleLength"]) == (h("owner-3"), 4, 3)


def test_register_transfer_rejections(reg, actors):
    a = actors["registrar"]
    uid = new_unit(reg, a)
    court = actors["court"]
    assert_custom_error(lambda: transfer(reg, court, uid, "x"), "PropertyRegistryMissingRole", (court, REGISTRAR))
    assert_custom_error(lambda: transfer(reg, a, 99, "x"), "PropertyRegistryUnknownUnit", (99,))
    assert_custom_error(lambda: transfer(reg, a, uid, "x"), "PropertyRegistryUnitNotOwned", (uid,))
    reg.registerFirstOwnership(uid, h("owner-1"), h("e"), h("c"), {"from": a})
    p, k, d = h("p"), h("k"), consent_desk()
    cases = [
        ((uid, ZERO32, h("e"), p, h("c"), k, 0, d), "PropertyRegistryEmptyOwnerHash", ()),
        ((uid, h("n"), ZERO32, p, h("c"), k, 0, d), "PropertyRegistryEmptyEvidenceHash", ()),
        ((uid, h("n"), h("e"), ZERO32, h("c"), k, 0, d), "PropertyRegistryEmptyCertificateHash", ()),
        ((uid, h("n"), h("e"), p, ZERO32, k, 0, d), "PropertyRegistryEmptyCaseRef", ()),
        ((uid, h("owner-1"), h("e"), p, h("c"), k, 0, d), "PropertyRegistrySameOwner", (uid, h("owner-1"))),
        ((uid, h("n"), h("e"), p, h("c"), ZERO32, 0, d), "PropertyRegistryEmptyConsent", ()),
        ((uid, h("n"), h("e"), p, h("c"), k, 0, d), "PropertyRegistryNoCurrentCertificate", (uid, 1)),
    ]
    for args, name, err_args in cases:
        assert_custom_error(lambda: reg.registerTransfer(*args, {"from": a}), name, err_args)
    assert reg.titleEntryCount() == 1


def test_transfer_refused_while_seized(reg, actors):
    a, court = actors["registrar"], actors["court"]
    uid = owned_unit(reg, a)
    s1 = reg.registerSeizure(uid, h("order-1"), {"from": court}).return_value
    s2 = reg.registerSeizure(uid, h("order-2"), {"from": court}).return_value
    assert_custom_error(lambda: transfer(reg, a, uid, "buyer"), "PropertyRegistryUnitSeized", (uid, s1))
    reg.releaseSeizure(s1, h("release-1"), {"from": court})
    assert_custom_error(lambda: transfer(reg, a, uid, "buyer"), "PropertyRegistryUnitSeized", (uid, s2))
    reg.releaseSeizure(s2, h("release-2"), {"from": court})
    transfer(reg, a, uid, "buyer")
    assert reg.unit(uid)["currentOwnerHash"] == h("buyer")


def test_transfer_refused_with_unreleased_mortgage(reg, actors):
    a, bank = actors["registrar"], actors["bank"]
    uid = owned_unit(reg, a)
    mid = reg.registerMortgage(uid, h("loan-1"), h("terms-1"), {"from": bank}).return_value
    assert_custom_error(lambda: transfer(reg, a, uid, "buyer"), "PropertyRegistryMortgageOutstanding", (uid, mid))
    reg.releaseMortgage(mid, {"from": bank})
    tx = transfer(reg, a, uid, "buyer")
    assert event(tx, "TitleTransferred")["carriedMortgages"] == 0


def test_consented_mortgage_is_carried_and_blocks_the_next_transfer(reg, actors):
    a, bank = actors["registrar"], actors["bank"]
    uid = owned_unit(reg, a)
    m1 = reg.registerMortgage(uid, h("loan-1"), h("terms-1"), {"from": bank}).return_value
    m2 = reg.registerMortgage(uid, h("loan-2"), h("terms-2"), {"from": bank}).return_value
    reg.consentToTransfer(m1, {"from": bank})
    assert reg.unit(uid)["outstandingMortgageCount"] == 1
    assert_custom_error(lambda: transfer(reg, a, uid, "buyer"), "PropertyRegistryMortgageOutstanding", (uid, m2))
    reg.consentToTransfer(m2, {"from": bank})
    tx = transfer(reg, a, uid, "buyer")
    entry = tx.return_value
    issue_certificate(reg, a, uid)
    assert event(tx, "TitleTransferred")["carriedMortgages"] == 2
    u = reg.unit(uid)
    assert (u["activeMortgageCount"], u["outstandingMortgageCount"]) == (2, 2)
    m = reg.mortgage(m1)
    assert (m["consentedEntryId"], m["releasedAt"], m["outstanding"]) == (1, 0, True)
    assert_custom_error(lambda: transfer(reg, a, uid, "buyer-2"), "PropertyRegistryMortgageOutstanding", (uid, m1))
    reg.consentToTransfer(m1, {"from": bank})
    reg.releaseMortgage(m2, {"from": bank})
    tx = transfer(reg, a, uid, "buyer-2")
    assert event(tx, "TitleTransferred")["previousEntryId"] == entry
    assert event(tx, "TitleTransferred")["carriedMortgages"] == 1


# --------------------------------------------------------------------------- certificates and consent


def test_bind_certificate(reg, certs, actors):
    a = actors["registrar"]
    uid = new_unit(reg, a)
    reg.registerFirstOwnership(uid, h("owner-1"), h("e"), h("c"), {"from": a})
    cid = issue_certificate(reg, a, uid, bind=False)
    assert reg.titleEntry(1)["certificateId"] == 0
    tx = reg.bindCertificate(uid, cid, {"from": a})
    assert event_names(tx) == ["CertificateBound"]
    assert event(tx, "CertificateBound") == {"unitId": uid, "entryId": 1, "certId": cid, "registrar": a}
    assert reg.titleEntry(1)["certificateId"] == cid and reg.entryOfCertificate(cid) == 1


def test_bind_certificate_rejections(system, reg, certs, actors):
    a, bank = actors["registrar"], actors["bank"]
    uid = new_unit(reg, a)
    assert_custom_error(lambda: reg.bindCertificate(uid, 1, {"from": bank}), "PropertyRegistryMissingRole", (bank, 0))
    assert_custom_error(lambda: reg.bindCertificate(99, 1, {"from": a}), "PropertyRegistryUnknownUnit", (99,))
    assert_custom_error(lambda: reg.bindCertificate(uid, 1, {"from": a}), "PropertyRegistryUnitNotOwned", (uid,))
    reg.registerFirstOwnership(uid, h("owner-1"), h("e"), h("c"), {"from": a})
    assert_custom_error(lambda: reg.bindCertificate(uid, 99, {"from": a}), "CertificatesUnknownCertificate", (99,))
    licence = certs.issue(T_LICENCE, h("licence"), h("owner-1"), 0, 0, h("c"), {"from": bank}).return_value
    assert_custom_error(
        lambda: reg.bindCertificate(uid, licence, {"from": a}), "PropertyRegistryNotCertificateIssuer", (licence, bank)
    )
    stranger = certs.issue(T_PROPERTY, h("stranger"), h("owner-9"), 0, 0, h("c"), {"from": a}).return_value
    assert_custom_error(
        lambda: reg.bindCertificate(uid, stranger, {"from": a}),
        "PropertyRegistryCertificateHolderMismatch",
        (uid, stranger, h("owner-9")),
    )
    revoked = issue_certificate(reg, a, uid, bind=False)
    certs.revoke(revoked, h("lost"), {"from": a})
    assert_custom_error(
        lambda: reg.bindCertificate(uid, revoked, {"from": a}),
        "PropertyRegistryCertificateNotValid",
        (revoked, CERT_REVOKED),
    )
    cid = issue_certificate(reg, a, uid)
    again = issue_certificate(reg, a, uid, bind=False)
    assert_custom_error(
        lambda: reg.bindCertificate(uid, again, {"from": a}), "PropertyRegistryCertificateAlreadyBound", (uid, 1, cid)
    )
    # a certificate evidences one title entry only: another unit of the same owner cannot reuse it
    other = new_unit(reg, a, n=2)
    reg.registerFirstOwnership(other, h("owner-1"), h("e"), h("c"), {"from": a})
    assert_custom_error(
        lambda: reg.bindCertificate(other, cid, {"from": a}), "PropertyRegistryCertificateBoundElsewhere", (cid, 1)
    )


def test_a_revoked_current_certificate_can_be_replaced(reg, certs, actors):
    a = actors["registrar"]
    uid = owned_unit(reg, a)
    old = reg.titleEntry(1)["certificateId"]
    certs.revoke(old, h("reported lost"), {"from": a})
    new = issue_certificate(reg, a, uid)
    assert reg.titleEntry(1)["certificateId"] == new
    transfer(reg, a, uid, "buyer")
    assert certs.statusOf(new) == CERT_REVOKED


def test_transfer_with_certificate_of_another_unit_reverts(reg, certs, actors):
    """The seller's certificate for unit A cannot move unit B: B stays with its owner, both stay VALID."""
    a = actors["registrar"]
    unit_a = owned_unit(reg, a, n=1, owner="seller")
    unit_b = owned_unit(reg, a, n=2, owner="someone-else")
    cert_a, cert_b = reg.titleEntry(1)["certificateId"], reg.titleEntry(2)["certificateId"]
    assert_custom_error(
        lambda: transfer(reg, a, unit_b, "buyer", prior=document_of(reg, cert_a)),
        "PropertyRegistryNotCurrentCertificate",
        (unit_b, cert_a, cert_b),
    )
    # a document that was never issued names certificate 0
    assert_custom_error(
        lambda: transfer(reg, a, unit_b, "buyer", prior=h("forged")),
        "PropertyRegistryNotCurrentCertificate",
        (unit_b, 0, cert_b),
    )
    assert reg.unit(unit_b)["currentOwnerHash"] == h("someone-else")
    assert reg.unit(unit_a)["currentOwnerHash"] == h("seller")
    assert (certs.statusOf(cert_a), certs.statusOf(cert_b)) == (CERT_VALID, CERT_VALID)


def test_transfer_supersedes_current_certificate(reg, certs, actors):
    a = actors["registrar"]
    uid = owned_unit(reg, a, owner="seller")
    cid = reg.titleEntry(1)["certificateId"]
    tx = transfer(reg, a, uid, "buyer")
    assert event(tx, "CertificateSuperseded") == {"certId": cid, "issuer": a, "caseRef": h("case")}
    assert certs.statusOf(cid) == CERT_REVOKED
    assert certs.verify(document_of(reg, cid))[0] == CERT_REVOKED
    r = certs.revocation(cid)
    assert (r["revokedAt"] > 0, r["byCouncil"], r["reason"]) == (True, False, R_SUPERSEDED)
    # the buyer's entry has no certificate until the registrar issues and binds one
    assert reg.titleEntry(2)["certificateId"] == 0 and reg.entryOfCertificate(cid) == 1


def test_registrar_direct_transfer_supersedes_certificate(reg, certs, actors):
    """A registrar's own transfer (no one-stop case) is the same call: it supersedes as well."""
    a = actors["registrar"]
    uid = owned_unit(reg, a, owner="seller")
    cid = reg.titleEntry(1)["certificateId"]
    sid, desk = consent_session(reg, uid), consent_desk()
    tx = reg.registerTransfer(
        uid, h("buyer"), h("deed"), document_of(reg, cid), h("desk-case"), h("consent"), sid, desk, {"from": a}
    )
    assert event_names(tx) == ["TitleTransferred", "SellerConsentRecorded", "CertificateSuperseded"]
    assert certs.statusOf(cid) == CERT_REVOKED


def test_transfer_with_superseded_certificate_reverts(reg, certs, actors):
    a = actors["registrar"]
    uid = owned_unit(reg, a, owner="seller")
    old = reg.titleEntry(1)["certificateId"]
    transfer(reg, a, uid, "buyer")
    old_doc = document_of(reg, old)
    assert_custom_error(
        lambda: transfer(reg, a, uid, "next", prior=old_doc), "PropertyRegistryNoCurrentCertificate", (uid, 2)
    )
    new = issue_certificate(reg, a, uid)
    assert_custom_error(
        lambda: transfer(reg, a, uid, "next", prior=old_doc), "PropertyRegistryNotCurrentCertificate", (uid, old, new)
    )


def test_transfer_with_revoked_certificate_reverts(reg, certs, actors):
    a = actors["registrar"]
    uid = owned_unit(reg, a)
    cid = reg.titleEntry(1)["certificateId"]
    certs.revoke(cid, h("court order"), {"from": a})
    assert_custom_error(
        lambda: transfer(reg, a, uid, "buyer"), "PropertyRegistryCertificateNotValid", (cid, CERT_REVOKED)
    )
    assert reg.unit(uid)["currentEntryId"] == 1


def test_transfer_without_consent_reverts(reg, actors):
    a = actors["registrar"]
    uid = owned_unit(reg, a)
    assert_custom_error(lambda: transfer(reg, a, uid, "buyer", consent=None), "PropertyRegistryEmptyConsent")
    assert reg.unit(uid)["currentEntryId"] == 1


def test_transfer_consent_in_an_assisted_session(reg, sessions, actors, system):
    a, desk = actors["registrar"], system.depts[2]
    uid = owned_unit(reg, a, owner="seller")
    for_seller = consent_session(reg, uid, desk)
    for_other = consent_session(reg, uid, desk, subject=h("neighbour"))
    assert sessions.bindingOf(for_seller) == binding(desk, h("seller")) and sessions.bindingOf(99) == ZERO32
    assert_custom_error(
        lambda: transfer(reg, a, uid, "buyer", session=99, desk=desk), "PropertyRegistryUnknownAssistedSession", (99,)
    )
    assert_custom_error(
        lambda: transfer(reg, a, uid, "buyer", session=for_other, desk=desk),
        "PropertyRegistryConsentNotBySeller",
        (uid, for_other),
    )
    # the right session, but another desk named: the binding does not match
    assert_custom_error(
        lambda: transfer(reg, a, uid, "buyer", session=for_seller, desk=consent_desk()),
        "PropertyRegistryConsentNotBySeller",
        (uid, for_seller),
    )
    assert reg.entryOfConsentSession(for_seller) == 0
    tx = transfer(reg, a, uid, "buyer", session=for_seller, desk=desk, consent="signed at the desk")
    assert event(tx, "SellerConsentRecorded") == {
        "unitId": uid,
        "entryId": 2,
        "assistedSessionId": for_seller,
        "consentHash": h("signed at the desk"),
        "consentDesk": desk,
    }
    assert reg.entryOfConsentSession(for_seller) == 2


def test_transfer_requires_a_consent_session(reg, actors):
    """No session (the old 'signed in' path) is refused: the registrar alone would vouch for the seller."""
    a = actors["registrar"]
    uid = owned_unit(reg, a, owner="seller")
    assert_custom_error(
        lambda: transfer(reg, a, uid, "buyer", session=0), "PropertyRegistryConsentSessionRequired", (uid,)
    )
    assert reg.unit(uid)["currentEntryId"] == 1


def test_transfer_refuses_session_opened_by_registrar(reg, sessions, actors):
    """The registrar opening the seller's session at its own desk cannot consent for them."""
    a = actors["registrar"]
    uid = owned_unit(reg, a, owner="seller")
    own = consent_session(reg, uid, a)
    assert sessions.bindingOf(own) == binding(a, h("seller"))
    assert_custom_error(
        lambda: transfer(reg, a, uid, "buyer", session=own, desk=a),
        "PropertyRegistryConsentAtRegistrarDesk",
        (own, a),
    )
    # naming another desk for it does not help: the session is bound to the desk that opened it
    assert_custom_error(
        lambda: transfer(reg, a, uid, "buyer", session=own, desk=consent_desk()),
        "PropertyRegistryConsentNotBySeller",
        (uid, own),
    )
    assert reg.unit(uid)["currentEntryId"] == 1
    transfer(reg, a, uid, "buyer")  # a session at another department's desk is accepted
    assert reg.unit(uid)["currentOwnerHash"] == h("buyer")


def test_assisted_session_consent_is_single_use(reg, actors):
    """A seller's consent carries one transfer: not the sale of their other unit, not a later sale."""
    a = actors["registrar"]
    first = owned_unit(reg, a, n=1, owner="seller")
    second = owned_unit(reg, a, n=2, owner="seller")
    sid = consent_session(reg, first)
    entry = transfer(reg, a, first, "buyer", session=sid).return_value
    assert reg.entryOfConsentSession(sid) == entry
    assert_custom_error(
        lambda: transfer(reg, a, second, "buyer", session=sid), "PropertyRegistryConsentSessionUsed", (sid, entry)
    )
    # the unit comes back to the seller; the old session does not sell it again
    issue_certificate(reg, a, first)
    transfer(reg, a, first, "seller")
    issue_certificate(reg, a, first)
    assert_custom_error(
        lambda: transfer(reg, a, first, "buyer-2", session=sid), "PropertyRegistryConsentSessionUsed", (sid, entry)
    )
    assert reg.unit(second)["currentOwnerHash"] == h("seller")


def test_only_the_title_registry_supersedes(reg, certs, actors):
    a = actors["registrar"]
    owned_unit(reg, a)
    cid = reg.titleEntry(1)["certificateId"]
    assert_custom_error(lambda: certs.supersede(cid, h("c"), {"from": a}), "CertificatesNotTitleRegistry", (a,))
    assert certs.statusOf(cid) == CERT_VALID


# --------------------------------------------------------------------------- mortgages


def test_register_mortgage(reg, actors):
    a, bank = actors["registrar"], actors["bank"]
    uid = owned_unit(reg, a)
    tx = reg.registerMortgage(uid, h("loan-1"), h("terms-1"), {"from": bank})
    mid = tx.return_value
    assert mid == 1 and reg.mortgageCount() == 1
    assert event_names(tx) == ["MortgageRegistered"]
    assert event(tx, "MortgageRegistered") == {
        "mortgageId": 1,
        "unitId": uid,
        "bank": bank,
        "titleEntryId": 1,
        "creditorRef": h("loan-1"),
        "termsHash": h("terms-1"),
    }
    assert reg.mortgage(mid).dict() == {
        "mortgageId": 1,
        "unitId": uid,
        "bank": bank,
        "creditorRef": h("loan-1"),
        "termsHash": h("terms-1"),
        "titleEntryId": 1,
        "consentedEntryId": 0,
        "registeredAt": now(),
        "releasedAt": 0,
        "outstanding": True,
    }
    u = reg.unit(uid)
    assert (u["activeMortgageCount"], u["outstandingMortgageCount"]) == (1, 1)
    assert [m["mortgageId"] for m in reg.mortgages(uid)] == [1]


def test_register_mortgage_rejections(reg, actors):
    a, bank, court = actors["registrar"], actors["bank"], actors["court"]
    uid = new_unit(reg, a)
    assert_custom_error(
        lambda: reg.registerMortgage(uid, h("l"), h("t"), {"from": a}), "PropertyRegistryMissingRole", (a, BANK)
    )
    assert_custom_error(
        lambda: reg.registerMortgage(99, h("l"), h("t"), {"from": bank}), "PropertyRegistryUnknownUnit", (99,)
    )
    assert_custom_error(
        lambda: reg.registerMortgage(uid, h("l"), h("t"), {"from": bank}), "PropertyRegistryUnitNotOwned", (uid,)
    )
    reg.registerFirstOwnership(uid, h("o"), h("e"), h("c"), {"from": a})
    assert_custom_error(
        lambda: reg.registerMortgage(uid, ZERO32, h("t"), {"from": bank}), "PropertyRegistryEmptyCreditorRef"
    )
    assert_custom_error(
        lambda: reg.registerMortgage(uid, h("l"), ZERO32, {"from": bank}), "PropertyRegistryEmptyTermsHash"
    )
    sid = reg.registerSeizure(uid, h("order"), {"from": court}).return_value
    assert_custom_error(
        lambda: reg.registerMortgage(uid, h("l"), h("t"), {"from": bank}), "PropertyRegistryUnitSeized", (uid, sid)
    )
    reg.releaseSeizure(sid, h("release"), {"from": court})
    for i in range(MAX_MORTGAGES):
        reg.registerMortgage(uid, h(f"l{i}"), h("t"), {"from": bank})
    assert_custom_error(
        lambda: reg.registerMortgage(uid, h("l"), h("t"), {"from": bank}),
        "PropertyRegistryTooManyMortgages",
        (uid, MAX_MORTGAGES),
    )
    reg.releaseMortgage(3, {"from": bank})  # a released mortgage frees a place
    reg.registerMortgage(uid, h("l-new"), h("t"), {"from": bank})
    assert reg.unit(uid)["activeMortgageCount"] == MAX_MORTGAGES and len(reg.mortgages(uid)) == MAX_MORTGAGES + 1


def test_consent_to_transfer(reg, actors):
    a, bank = actors["registrar"], actors["bank"]
    uid = owned_unit(reg, a)
    mid = reg.registerMortgage(uid, h("loan"), h("terms"), {"from": bank}).return_value
    tx = reg.consentToTransfer(mid, {"from": bank})
    assert event_names(tx) == ["MortgageTransferConsented"]
    assert event(tx, "MortgageTransferConsented") == {"mortgageId": mid, "unitId": uid, "bank": bank, "titleEntryId": 1}
    m = reg.mortgage(mid)
    assert (m["consentedEntryId"], m["outstanding"]) == (1, False)
    assert reg.unit(uid)["outstandingMortgageCount"] == 0


def test_mortgage_bank_actions_rejections(system, reg, actors):
    a, bank = actors["registrar"], actors["bank"]
    other_bank = system.depts[2]
    system.council_call(reg, "setRole", (other_bank, BANK, True))
    uid = owned_unit(reg, a)
    mid = reg.registerMortgage(uid, h("loan"), h("terms"), {"from": bank}).return_value
    for fn in (reg.consentToTransfer, reg.releaseMortgage):
        assert_custom_error(lambda: fn(mid, {"from": a}), "PropertyRegistryMissingRole", (a, BANK))
        assert_custom_error(lambda: fn(99, {"from": bank}), "PropertyRegistryUnknownMortgage", (99,))
        assert_custom_error(lambda: fn(mid, {"from": other_bank}), "PropertyRegistryNotMortgagee", (mid, other_bank))
    reg.consentToTransfer(mid, {"from": bank})
    assert_custom_error(
        lambda: reg.consentToTransfer(mid, {"from": bank}), "PropertyRegistryMortgageAlreadyConsented", (mid, 1)
    )
    tx = reg.releaseMortgage(mid, {"from": bank})
    released_at = now()
    for fn in (reg.consentToTransfer, reg.releaseMortgage):
        assert_custom_error(lambda: fn(mid, {"from": bank}), "PropertyRegistryMortgageReleased", (mid, released_at))
    assert tx.events["MortgageReleased"][0]["mortgageId"] == mid


def test_release_mortgage(reg, actors):
    a, bank = actors["registrar"], actors["bank"]
    uid = owned_unit(reg, a)
    m1 = reg.registerMortgage(uid, h("loan-1"), h("terms"), {"from": bank}).return_value
    m2 = reg.registerMortgage(uid, h("loan-2"), h("terms"), {"from": bank}).return_value
    tx = reg.releaseMortgage(m1, {"from": bank})
    assert event_names(tx) == ["MortgageReleased"]
    assert event(tx, "MortgageReleased") == {"mortgageId": m1, "unitId": uid, "bank": bank}
    m = reg.mortgage(m1)
    assert (m["releasedAt"], m["outstanding"]) == (now(), False)
    u = reg.unit(uid)
    assert (u["activeMortgageCount"], u["outstandingMortgageCount"]) == (1, 1)
    assert_custom_error(lambda: transfer(reg, a, uid, "buyer"), "PropertyRegistryMortgageOutstanding", (uid, m2))
    assert [m["mortgageId"] for m in reg.mortgages(uid)] == [m1, m2]


# --------------------------------------------------------------------------- seizures


def test_register_and_release_seizure(reg, actors):
    a, court = actors["registrar"], actors["court"]
    uid = owned_unit(reg, a)
    tx = reg.registerSeizure(uid, h("order-1"), {"from": court})
    sid = tx.return_value
    assert sid == 1 and reg.seizureCount() == 1
    assert event_names(tx) == ["SeizureRegistered"]
    assert event(tx, "SeizureRegistered") == {
        "seizureId": 1,
        "unitId": uid,
        "court": court,
        "courtOrderHash": h("order-1"),
    }
    seized_at = now()
    assert reg.unit(uid)["activeSeizureCount"] == 1
    tx = reg.releaseSeizure(sid, h("release-1"), {"from": court})
    assert event_names(tx) == ["SeizureReleased"]
    assert event(tx, "SeizureReleased") == {"seizureId": 1, "unitId": uid, "court": court, "orderHash": h("release-1")}
    assert reg.seizure(sid).dict() == {
        "seizureId": 1,
        "unitId": uid,
        "court": court,
        "courtOrderHash": h("order-1"),
        "releaseOrderHash": h("release-1"),
        "registeredAt": seized_at,
        "releasedAt": now(),
    }
    assert reg.unit(uid)["activeSeizureCount"] == 0
    assert [s["seizureId"] for s in reg.seizures(uid)] == [1]


def test_register_seizure_rejections(reg, actors):
    a, court = actors["registrar"], actors["court"]
    uid = new_unit(reg, a)
    assert_custom_error(
        lambda: reg.registerSeizure(uid, h("o"), {"from": a}), "PropertyRegistryMissingRole", (a, COURT)
    )
    assert_custom_error(lambda: reg.registerSeizure(99, h("o"), {"from": court}), "PropertyRegistryUnknownUnit", (99,))
    assert_custom_error(lambda: reg.registerSeizure(uid, ZERO32, {"from": court}), "PropertyRegistryEmptyOrderHash")
    for i in range(MAX_SEIZURES):
        reg.registerSeizure(uid, h(f"o{i}"), {"from": court})
    assert_custom_error(
        lambda: reg.registerSeizure(uid, h("o"), {"from": court}),
        "PropertyRegistryTooManySeizures",
        (uid, MAX_SEIZURES),
    )
    reg.releaseSeizure(1, h("r"), {"from": court})
    assert_custom_error(lambda: transfer(reg, a, uid, "x"), "PropertyRegistryUnitNotOwned", (uid,))
    reg.registerFirstOwnership(uid, h("o"), h("e"), h("c"), {"from": a})
    issue_certificate(reg, a, uid)
    assert_custom_error(lambda: transfer(reg, a, uid, "x"), "PropertyRegistryUnitSeized", (uid, 2))


def test_release_seizure_rejections(system, reg, actors):
    a, court = actors["registrar"], actors["court"]
    other_court = system.depts[3]
    system.council_call(reg, "setRole", (other_court, COURT, True))
    uid = owned_unit(reg, a)
    sid = reg.registerSeizure(uid, h("o"), {"from": court}).return_value
    assert_custom_error(lambda: reg.releaseSeizure(sid, h("r"), {"from": a}), "PropertyRegistryMissingRole", (a, COURT))
    assert_custom_error(
        lambda: reg.releaseSeizure(99, h("r"), {"from": court}), "PropertyRegistryUnknownSeizure", (99,)
    )
    assert_custom_error(
        lambda: reg.releaseSeizure(sid, h("r"), {"from": other_court}),
        "PropertyRegistryNotSeizingCourt",
        (sid, other_court),
    )
    assert_custom_error(lambda: reg.releaseSeizure(sid, ZERO32, {"from": court}), "PropertyRegistryEmptyOrderHash")
    reg.releaseSeizure(sid, h("r"), {"from": court})
    released_at = now()
    assert_custom_error(
        lambda: reg.releaseSeizure(sid, h("r"), {"from": court}), "PropertyRegistrySeizureReleased", (sid, released_at)
    )


# --------------------------------------------------------------------------- use reports


def test_report_matching_use(reg, actors):
    a, insp = actors["registrar"], actors["inspector"]
    uid = new_unit(reg, a)
    tx = reg.reportActualUse(uid, RESIDENTIAL, h("inspection-1"), {"from": insp})
    assert event_names(tx) == ["UseReported"]
    assert event(tx, "UseReported") == {
        "unitId": uid,
        "inspector": insp,
        "reportIndex": 0,
        "actualUse": RESIDENTIAL,
        "inspectionHash": h("inspection-1"),
    }
    u = reg.unit(uid)
    assert (u["useReportCount"], u["lastActualUse"], u["useMismatch"]) == (1, RESIDENTIAL, False)


def test_report_mismatching_use_flags_and_a_later_match_clears(reg, actors):
    a, insp = actors["registrar"], actors["inspector"]
    uid = new_unit(reg, a)
    reg.reportActualUse(uid, RESIDENTIAL, h("inspection-1"), {"from": insp})
    tx = reg.reportActualUse(uid, COMMERCIAL, h("inspection-2"), {"from": insp})
    assert event_names(tx) == ["UseMismatchFlagged"]
    assert event(tx, "UseMismatchFlagged") == {
        "unitId": uid,
        "plannedUse": RESIDENTIAL,
        "actualUse": COMMERCIAL,
        "inspector": insp,
        "reportIndex": 1,
        "inspectionHash": h("inspection-2"),
    }
    flagged_at = now()
    u = reg.unit(uid)
    assert (u["useReportCount"], u["lastActualUse"], u["useMismatch"]) == (2, COMMERCIAL, True)
    reg.reportActualUse(uid, RESIDENTIAL, h("inspection-3"), {"from": insp})
    assert reg.unit(uid)["useMismatch"] is False
    reports = [r.dict() for r in reg.useReports(uid)]
    assert [r["actualUse"] for r in reports] == [RESIDENTIAL, COMMERCIAL, RESIDENTIAL]
    assert reports[1] == {
        "actualUse": COMMERCIAL,
        "mismatch": True,
        "inspector": insp,
        "reportedAt": flagged_at,
        "inspectionHash": h("inspection-2"),
    }


def test_report_actual_use_rejections(reg, actors):
    a, insp = actors["registrar"], actors["inspector"]
    uid = new_unit(reg, a)
    assert_custom_error(
        lambda: reg.reportActualUse(uid, 1, h("i"), {"from": a}), "PropertyRegistryMissingRole", (a, INSPECTOR)
    )
    assert_custom_error(
        lambda: reg.reportActualUse(99, 1, h("i"), {"from": insp}), "PropertyRegistryUnknownUnit", (99,)
    )
    assert_custom_error(lambda: reg.reportActualUse(uid, 0, h("i"), {"from": insp}), "PropertyRegistryInvalidUse", (0,))
    assert_custom_error(
        lambda: reg.reportActualUse(uid, 1, ZERO32, {"from": insp}), "PropertyRegistryEmptyInspectionHash"
    )


# --------------------------------------------------------------------------- views


def test_views_reject_unknown_ids(reg):
    assert_custom_error(lambda: reg.unit(1), "PropertyRegistryUnknownUnit", (1,))
    assert_custom_error(lambda: reg.titleChain(1), "PropertyRegistryUnknownUnit", (1,))
    assert_custom_error(lambda: reg.mortgages(1), "PropertyRegistryUnknownUnit", (1,))
    assert_custom_error(lambda: reg.seizures(1), "PropertyRegistryUnknownUnit", (1,))
    assert_custom_error(lambda: reg.useReports(1), "PropertyRegistryUnknownUnit", (1,))
    assert_custom_error(lambda: reg.titleEntry(1), "PropertyRegistryUnknownTitleEntry", (1,))
    assert_custom_error(lambda: reg.mortgage(1), "PropertyRegistryUnknownMortgage", (1,))
    assert_custom_error(lambda: reg.seizure(1), "PropertyRegistryUnknownSeizure", (1,))


def test_gas_of_main_operations(reg, actors):
    """Upper bounds on gas (figures are printed with -s; see docs/registry.md)."""
    a, bank, court, insp = actors["registrar"], actors["bank"], actors["court"], actors["inspector"]
    figures = {}
    tx = reg.registerUnit(h("p"), h("b"), h("u"), RESIDENTIAL, 90, {"from": a})
    uid = tx.return_value
    figures["registerUnit"] = tx.gas_used
    figures["registerFirstOwnership"] = reg.registerFirstOwnership(uid, h("o"), h("e"), h("c"), {"from": a}).gas_used
    tx = reg.registerMortgage(uid, h("l"), h("t"), {"from": bank})
    figures["registerMortgage"] = tx.gas_used
    figures["consentToTransfer"] = reg.consentToTransfer(tx.return_value, {"from": bank}).gas_used
    issue_certificate(reg, a, uid, bind=False)
    figures["bindCertificate"] = reg.bindCertificate(uid, _certs(reg).certificateCount(), {"from": a}).gas_used
    figures["registerTransfer (1 carried mortgage)"] = transfer(reg, a, uid, "o2").gas_used
    figures["releaseMortgage"] = reg.releaseMortgage(tx.return_value, {"from": bank}).gas_used
    issue_certificate(reg, a, uid)
    figures["registerTransfer"] = transfer(reg, a, uid, "o3").gas_used
    tx = reg.registerSeizure(uid, h("order"), {"from": court})
    figures["registerSeizure"] = tx.gas_used
    figures["releaseSeizure"] = reg.releaseSeizure(tx.return_value, h("r"), {"from": court}).gas_used
    figures["reportActualUse (mismatch)"] = reg.reportActualUse(uid, COMMERCIAL, h("i"), {"from": insp}).gas_used
    print("\nPropertyRegistry gas:", figures)
    assert max(figures.values()) < 300_000
