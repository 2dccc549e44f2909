"""Certificates: council-registered types, issue by the type's department, revoke, verify by hash."""

from __future__ import annotations

import pytest
from contract_helpers import (
    DAY,
    ZERO32,
    ZERO_ADDRESS,
    assert_custom_error,
    event,
    event_names,
    h,
    now,
    time_travel,
)

UNKNOWN, VALID, REVOKED, EXPIRED, NOT_YET_VALID = range(5)
MAX_UINT64 = 2**64 - 1
YEAR = 365 * DAY
T_LICENCE = h("type-business-licence")
T_PROPERTY = h("type-property-certificate")


@pytest.fixture(scope="module")
def certs(system, Certificates):
    """Certificates with two types: business licence issued by B (1 year), property certificate by A (10 years)."""
    c = Certificates.deploy(system.consortium, ZERO_ADDRESS, {"from": system.deployer})
    system.council_call(c, "registerCertificateType", (T_LICENCE, system.depts[1], YEAR))
    system.council_call(c, "registerCertificateType", (T_PROPERTY, system.depts[0], 10 * YEAR))
    return c


def issue(certs, issuer, doc="doc-1", holder="holder-1", valid_from=0, valid_until=0, type_code=T_LICENCE):
    return certs.issue(type_code, h(doc), h(holder), valid_from, valid_until, h("case-1"), {"from": issuer})


# --------------------------------------------------------------------------- deployment and types


def test_constructor_rejects_zero_consortium(Certificates, accounts):
    assert_custom_error(
        lambda: Certificates.deploy(ZERO_ADDRESS, ZERO_ADDRESS, {"from": accounts[0]}), "ConsortiumManagedZeroAddress"
    )


def test_deployment(system, certs):
    assert certs.consortium() == system.consortium
    assert certs.certificateCount() == 0


def test_register_certificate_type(system, certs):
    t = h("type-marriage")
    tx = system.council_call(certs, "registerCertificateType", (t, system.depts[1], 0xFFFF))
    assert event(tx, "CertificateTypeRegistered") == {
        "typeCode": t,
        "issuer": system.depts[1],
        "defaultValidity": 0xFFFF,
    }
    assert certs.certificateType(t).dict() == {
        "issuer": system.depts[1],
        "defaultValidity": 0xFFFF,
        "registeredAt": now(),
    }


def test_register_type_only_council(system, certs):
    gov = system.governors[0]
    assert_custom_error(
        lambda: certs.registerCertificateType(h("t"), system.depts[0], YEAR, {"from": gov}),
        "ConsortiumManagedNotCouncil",
        (gov,),
    )


# Each case: the council's registerCertificateType arguments and the error refusing them, given the system.
REGISTER_TYPE_REFUSALS = [
    pytest.param(lambda s: ((ZERO32, s.depts[0], YEAR), "CertificatesEmptyTypeCode", ()), id="type-code-non-zero"),
    pytest.param(
        lambda s: ((T_LICENCE, s.depts[0], YEAR), "CertificatesTypeExists", (T_LICENCE,)), id="type-code-unique"
    ),
    pytest.param(lambda s: ((h("t"), ZERO_ADDRESS, YEAR), "CertificatesZeroAddress", ()), id="issuer-non-zero"),
    pytest.param(
        lambda s: ((h("t"), s.outsider, YEAR), "ConsortiumManagedNotActiveDepartment", (s.outsider,)),
        id="issuer-active-department",
    ),
    pytest.param(lambda s: ((h("t"), s.depts[0], 0), "CertificatesZeroValidity", ()), id="validity-non-zero"),
]


@pytest.mark.parametrize("case", REGISTER_TYPE_REFUSALS)
def test_register_type_refused(system, certs, case):
    args, error, error_args = case(system)
    system.council_call_refused(certs, "registerCertificateType", args, error, error_args)


def test_unknown_type_view(certs):
    assert_custom_error(lambda: certs.certificateType(h("nope")), "CertificatesUnknownType", (h("nope"),))


# --------------------------------------------------------------------------- issue


def test_issue_with_default_validity(system, certs):
    b = system.depts[1]
    tx = issue(certs, b)
    cid = tx.return_value
    t = now()
    assert cid == 1 and certs.certificateCount() == 1
    assert event_names(tx) == ["CertificateIssued"]
    assert event(tx, "CertificateIssued") == {
        "certId": 1,
        "typeCode": T_LICENCE,
        "issuer": b,
        "documentHash": h("doc-1"),
        "holderHash": h("holder-1"),
        "validFrom": t,
        "validUntil": t + YEAR,
        "caseRef": h("case-1"),
    }
    assert certs.certificate(cid).dict() == {
        "typeCode": T_LICENCE,
        "documentHash": h("doc-1"),
        "holderHash": h("holder-1"),
        "issuer": b,
        "issuedAt": t,
        "validFrom": t,
        "validUntil": t + YEAR,
        "revokedAt": 0,
    }
    assert tuple(certs.verify(h("doc-1"))) == (VALID, cid, b, T_LICENCE, t, t, t + YEAR)
    assert certs.statusOf(cid) == VALID
    assert certs.certificateIdOf(h("doc-1")) == cid


def test_issue_with_explicit_window_and_no_expiry(system, certs):
    a = system.depts[0]
    start = now() - 10 * YEAR  # a digitised paper certificate
    cid = issue(certs, a, doc="deed", valid_from=start, valid_until=MAX_UINT64, type_code=T_PROPERTY).return_value
    c = certs.certificate(cid)
    assert (c["validFrom"], c["validUntil"]) == (start, MAX_UINT64)
    assert certs.statusOf(cid) == VALID


def test_certificates_of_holder(system, certs):
    a, b = system.depts[0], system.depts[1]
    issue(certs, b, doc="d1", holder="alice")
    issue(certs, b, doc="d2", holder="bob")
    issue(certs, a, doc="d3", holder="alice", type_code=T_PROPERTY)
    assert list(certs.certificatesOf(h("alice"))) == [1, 3]
    assert list(certs.certificatesOf(h("bob"))) == [2]
    assert list(certs.certificatesOf(h("carol"))) == []


def test_issue_rejections(system, certs):
    a, b = system.depts[0], system.depts[1]

    def fails(args, sender, name, err_args=()):
        assert_custom_error(lambda: certs.issue(*args, {"from": sender}), name, err_args)

    fails((h("nope"), h("d"), h("x"), 0, 0, h("c")), b, "CertificatesUnknownType", (h("nope"),))
    fails((T_LICENCE, h("d"), h("x"), 0, 0, h("c")), a, "CertificatesNotTypeIssuer", (T_LICENCE, a))
    fails(
        (T_LICENCE, h("d"), h("x"), 0, 0, h("c")),
        system.outsider,
        "CertificatesNotTypeIssuer",
        (T_LICENCE, system.outsider),
    )
    fails((T_LICENCE, ZERO32, h("x"), 0, 0, h("c")), b, "CertificatesEmptyDocumentHash")
    fails((T_LICENCE, h("d"), ZERO32, 0, 0, h("c")), b, "CertificatesEmptyHolderHash")
    fails((T_LICENCE, h("d"), h("x"), 0, 0, ZERO32), b, "CertificatesEmptyCaseRef")
    t = now()
    fails((T_LICENCE, h("d"), h("x"), t + 100, t + 100, h("c")), b, "CertificatesInvalidValidity", (t + 100, t + 100))
    fails((T_LICENCE, h("d"), h("x"), t - 100, t - 50, h("c")), b, "CertificatesInvalidValidity", (t - 100, t - 50))
    cid = issue(certs, b, doc="d").return_value
    fails((T_LICENCE, h("d"), h("y"), 0, 0, h("c")), b, "CertificatesDocumentExists", (h("d"), cid))
    # a revoked document can never be issued again
    certs.revoke(cid, h("reason"), {"from": b})
    fails((T_LICENCE, h("d"), h("y"), 0, 0, h("c")), b, "CertificatesDocumentExists", (h("d"), cid))


def test_suspended_issuer_cannot_issue_or_revoke(system, certs):
    b = system.depts[1]
    cid = issue(certs, b).return_value
    system.suspend(b)
    assert_custom_error(lambda: issue(certs, b, doc="d2"), "ConsortiumManagedNotActiveDepartment", (b,))
    assert_custom_error(lambda: certs.revoke(cid, h("r"), {"from": b}), "ConsortiumManagedNotActiveDepartment", (b,))


# --------------------------------------------------------------------------- revoke


def test_revoke(system, certs):
    b = system.depts[1]
    cid = issue(certs, b).return_value
    issued_at = now()
    tx = certs.revoke(cid, h("court-ruling"), {"from": b})
    assert event_names(tx) == ["CertificateRevoked"]
    assert event(tx, "CertificateRevoked") == {"certId": cid, "issuer": b, "reasonHash": h("court-ruling")}
    assert certs.certificate(cid)["revokedAt"] == now()
    assert tuple(certs.verify(h("doc-1"))) == (REVOKED, cid, b, T_LICENCE, issued_at, issued_at, issued_at + YEAR)
    assert certs.statusOf(cid) == REVOKED


def test_revoke_rejections(system, certs):
    a, b = system.depts[0], system.depts[1]
    cid = issue(certs, b).return_value
    assert_custom_error(lambda: certs.revoke(99, h("r"), {"from": b}), "CertificatesUnknownCertificate", (99,))
    assert_custom_error(lambda: certs.revoke(cid, h("r"), {"from": a}), "CertificatesNotIssuer", (cid, a))
    assert_custom_error(lambda: certs.revoke(cid, ZERO32, {"from": b}), "CertificatesEmptyReasonHash")
    certs.revoke(cid, h("r"), {"from": b})
    revoked_at = now()
    assert_custom_error(lambda: certs.revoke(cid, h("r"), {"from": b}), "CertificatesAlreadyRevoked", (cid, revoked_at))


# --------------------------------------------------------------------------- the council revokes any certificate

# ICertificates.RevocationReason
R_NONE, R_ISSUER, R_COMPROMISED, R_SUSPENDED, R_IN_ERROR, R_FRAUD, R_COURT = range(7)


def test_council_revokes_a_suspended_issuers_certificate(system, certs):
    """A suspended (or compromised) issuer cannot revoke its own certificates; the council can, and
    verification shows that the council did it and why."""
    b = system.depts[1]
    cid = issue(certs, b).return_value
    system.suspend(b)
    assert_custom_error(lambda: certs.revoke(cid, h("r"), {"from": b}), "ConsortiumManagedNotActiveDepartment", (b,))
    tx = system.council_call(certs, "councilRevoke", (cid, R_SUSPENDED, h("council decision 7")))
    assert event(tx, "CertificateRevokedByCouncil") == {
        "certId": cid,
        "issuer": b,
        "reason": R_SUSPENDED,
        "decisionHash": h("council decision 7"),
    }
    assert certs.verify(h("doc-1"))[0] == REVOKED
    assert certs.revocation(cid).dict() == {"revokedAt": now(), "byCouncil": True, "reason": R_SUSPENDED}
    assert certs.certificate(cid)["revokedAt"] == now()


def test_an_issuers_revocation_is_marked_as_its_own(system, certs):
    b = system.depts[1]
    cid = issue(certs, b).return_value
    assert certs.revocation(cid).dict() == {"revokedAt": 0, "byCouncil": False, "reason": R_NONE}
    certs.revoke(cid, h("r"), {"from": b})
    assert certs.revocation(cid).dict() == {"revokedAt": now(), "byCouncil": False, "reason": R_ISSUER}


def test_council_revoke_is_a_council_call_only(system, certs):
    b = system.depts[1]
    cid = issue(certs, b).return_value
    for caller in (b, system.governors[0]):
        assert_custom_error(
            lambda caller=caller: certs.councilRevoke(cid, R_FRAUD, h("d"), {"from": caller}),
            "ConsortiumManagedNotCouncil",
            (caller,),
        )
    assert certs.statusOf(cid) == VALID


@pytest.mark.parametrize(
    "reason, decision, error, args",
    [
        pytest.param(R_NONE, "d", "CertificatesInvalidRevocationReason", (R_NONE,), id="reason-none"),
        pytest.param(R_ISSUER, "d", "CertificatesInvalidRevocationReason", (R_ISSUER,), id="reason-issuers-own"),
        pytest.param(7, "d", "CertificatesInvalidRevocationReason", (7,), id="reason-superseded"),
        pytest.param(R_FRAUD, None, "CertificatesEmptyReasonHash", (), id="decision-hash-non-zero"),
    ],
)
def test_council_revoke_refusals(system, certs, reason, decision, error, args):
    cid = issue(certs, system.depts[1]).return_value
    system.council_call_refused(certs, "councilRevoke", (cid, reason, h(decision) if decision else ZERO32), error, args)
    assert certs.statusOf(cid) == VALID


def test_council_revoke_of_unknown_or_revoked_certificate(system, certs):
    b = system.depts[1]
    system.council_call_refused(certs, "councilRevoke", (99, R_FRAUD, h("d")), "CertificatesUnknownCertificate", (99,))
    cid = issue(certs, b).return_value
    certs.revoke(cid, h("r"), {"from": b})
    revoked_at = now()
    system.council_call_refused(
        certs, "councilRevoke", (cid, R_FRAUD, h("d")), "CertificatesAlreadyRevoked", (cid, revoked_at)
    )
    assert certs.revocation(cid).dict()["byCouncil"] is False


# --------------------------------------------------------------------------- verify


def test_verify_unknown(certs):
    assert tuple(certs.verify(h("never-issued"))) == (UNKNOWN, 0, ZERO_ADDRESS, ZERO32, 0, 0, 0)
    assert_custom_error(lambda: certs.statusOf(1), "CertificatesUnknownCertificate", (1,))
    assert_custom_error(lambda: certs.certificate(1), "CertificatesUnknownCertificate", (1,))
    assert certs.certificateIdOf(h("never-issued")) == 0


def test_verify_expired(system, certs):
    b = system.depts[1]
    t = now()
    cid = issue(certs, b, valid_from=t, valid_until=t + 1000).return_value
    assert certs.verify(h("doc-1"))[0] == VALID
    time_travel(999 - (now() - t))
    assert now() == t + 999 and certs.verify(h("doc-1"))[0] == VALID
    time_travel(1)  # validUntil is exclusive
    assert certs.verify(h("doc-1"))[0] == EXPIRED and certs.statusOf(cid) == EXPIRED


def test_verify_not_yet_valid_then_valid(system, certs):
    b = system.depts[1]
    t = now()
    cid = issue(certs, b, valid_from=t + DAY).return_value
    c = certs.certificate(cid)
    assert (c["validFrom"], c["validUntil"]) == (t + DAY, t + DAY + YEAR)  # default validity counts from validFrom
    assert certs.verify(h("doc-1"))[0] == NOT_YET_VALID
    time_travel(t + DAY - now())
    assert certs.verify(h("doc-1"))[0] == VALID


def test_revoked_takes_precedence_over_expiry(system, certs):
    b = system.depts[1]
    t = now()
    cid = issue(certs, b, valid_from=t, valid_until=t + 100).return_value
    certs.revoke(cid, h("r"), {"from": b})
    time_travel(200)
    assert certs.statusOf(cid) == REVOKED


def test_gas_of_main_operations(system, certs):
    b = system.depts[1]
    tx = issue(certs, b)
    issue_gas = tx.gas_used
    revoke_gas = certs.revoke(tx.return_value, h("r"), {"from": b}).gas_used
    second = issue(certs, b, doc="doc-2").gas_used  # same holder: the holder list already exists
    print(f"\nCertificates gas: issue {issue_gas}, issue (same holder) {second}, revoke {revoke_gas}")
    assert issue_gas < 250_000 and revoke_gas < 60_000
