"""Stateful property test of the PropertyRegistry chain of title.

Hypothesis drives random sequences of unit registrations, first registrations, property certificates
(issue and bind, revoke), transfers, mortgages (register / consent / release) and seizures (register /
release), including calls that must be refused (unknown ids, seized units, outstanding mortgages, same
owner, wrong bank, another unit's / an old / a revoked / a forged certificate, missing consent, an
assisted session of someone else). A Python model predicts every outcome: a refused call must revert with
exactly the predicted custom error and change nothing. After each step the contract's views must equal the
model: every registered unit has exactly one current owner, its chain of title starts at the first
registration and each entry's previousEntryId is the prior entry; every certificate's status is the
model's, and a VALID certificate is bound only to its unit's current entry (a title never moves while the
seller's certificate stays valid).
"""

from __future__ import annotations

from collections import Counter

import pytest
from contract_helpers import assert_custom_error, brownie_state_machine, h
from hypothesis import strategies as st

REGISTRAR, BANK, COURT = 0, 1, 2
MAX_UNITS = 3
T_PROPERTY = h("type-property-certificate")
VALID, REVOKED = 1, 2  # ICertificates.CertificateStatus
PRESENT_CURRENT, PRESENT_OTHER, PRESENT_FORGED = 0, 1, 2  # which certificate a transfer presents
# the consent a transfer carries: no session named, no consent hash, a session for the seller at another
# department's desk (the court's), one for someone else, one the registrar opened for the seller itself
CONSENT_NO_SESSION, CONSENT_NONE, CONSENT_SELLER_SESSION, CONSENT_OTHER_SESSION, CONSENT_REGISTRAR_DESK = range(5)


@pytest.fixture(scope="module")
def setup_registry(system, Certificates, PropertyRegistry, AssistedSessions):
    certs, registry, sessions = system.deploy_title_contracts(Certificates, PropertyRegistry, AssistedSessions)
    a, b, c, d = system.depts
    for dept, role in ((a, REGISTRAR), (b, BANK), (c, BANK), (d, COURT)):
        system.council_call(registry, "setRole", (dept, role, True))
    system.council_call(certs, "registerCertificateType", (T_PROPERTY, a, 30 * 365 * 24 * 3600))
    # every example starts from two owned units (ids 1, 2; title entries 1, 2) with certificates 1, 2 bound;
    # a third unit may be registered
    for uid in (1, 2):
        registry.registerUnit(h(f"parcel-{uid}"), h("b"), h("u"), 7, 80, {"from": a})
        registry.registerFirstOwnership(uid, h("owner-0"), h("ev"), h("case"), {"from": a})
        certs.issue(T_PROPERTY, h(f"doc-{uid}"), h("owner-0"), 0, 0, h("case"), {"from": a})
        registry.bindCertificate(uid, uid, {"from": a})
    return registry, certs, sessions


class TitleChainMachine:
    st_unit = st.integers(min_value=1, max_value=MAX_UNITS)  # unit 3 is unknown until registered
    st_owner = st.integers(min_value=0, max_value=3)
    st_bank = st.integers(min_value=0, max_value=1)
    st_item = st.integers(min_value=0, max_value=3)  # picks a recent mortgage / seizure id, or an unknown one
    st_present = st.sampled_from([PRESENT_CURRENT, PRESENT_CURRENT, PRESENT_OTHER, PRESENT_FORGED])
    st_consent = st.sampled_from(
        [
            CONSENT_SELLER_SESSION,
            CONSENT_SELLER_SESSION,
            CONSENT_NO_SESSION,
            CONSENT_NONE,
            CONSENT_OTHER_SESSION,
            CONSENT_REGISTRAR_DESK,
        ]
    )

    def __init__(cls, contracts, registrar, banks, court):
        cls.reg, cls.certs, cls.sessions = contracts
        cls.registrar = registrar
        cls.banks = banks
        cls.court = court

    outcomes = Counter()  # rule outcome -> count, over all examples

    def setup(self):
        # unitId -> {"entries": [...], "seizures": [...active ids], "mortgages": [...active ids]}
        self.units = {uid: {"entries": [uid], "seizures": [], "mortgages": []} for uid in (1, 2)}
        # entryId -> (unitId, ownerHash, previousEntryId) as read back at creation
        self.entries = {uid: (uid, h("owner-0"), 0) for uid in (1, 2)}
        self.mortgages = {}  # mortgageId -> {"unit", "bank", "consented", "released"}
        self.seizures = {}  # seizureId -> {"unit", "released"}
        self.unit_mortgages = {1: [], 2: []}  # unitId -> all mortgage ids
        self.unit_seizures = {1: [], 2: []}  # unitId -> all seizure ids
        self.touched = set()  # units a step may have changed: checked after the step, all units at teardown
        # certId -> {"doc", "entry" (bound entry or None), "status"}; entryId -> bound certId
        self.certificates = {uid: {"doc": h(f"doc-{uid}"), "entry": uid, "status": VALID} for uid in (1, 2)}
        self.bound = {1: 1, 2: 2}
        self.session_count = 0

    # ------------------------------------------------------------------ helpers

    def _refused(self, fn, name, args):
        type(self).outcomes[name] += 1
        counts = self._counts()
        assert_custom_error(fn, name, args)
        assert self._counts() == counts

    def _counts(self):
        r = self.reg
        return (r.unitCount(), r.titleEntryCount(), r.mortgageCount(), r.seizureCount())

    @staticmethod
    def _pick(count, back):
        """The id `back` places before the latest of `count` ids, or the next (unknown) id."""
        return count - back if count - back >= 1 else count + 1

    def _touch(self, uid):
        if uid in self.units:
            self.touched.add(uid)

    def _current(self, uid):
        entries = self.units[uid]["entries"]
        return entries[-1] if entries else 0

    def _owner(self, uid):
        cur = self._current(uid)
        return self.entries[cur][1] if cur else None

    def _outstanding(self, uid):
        cur = self._current(uid)
        return [m for m in self.units[uid]["mortgages"] if self.mortgages[m]["consented"] != cur]

    def _record_entry(self, tx, uid, owner, previous):
        entry_id = tx.return_value
        assert entry_id == len(self.entries) + 1
        e = self.reg.titleEntry(entry_id)
        assert (e["unitId"], e["ownerHash"], e["previousEntryId"]) == (uid, owner, previous)
        self.entries[entry_id] = (uid, owner, previous)
        self.units[uid]["entries"].append(entry_id)

    # ------------------------------------------------------------------ rules

    def rule_register_unit(self):
        n = len(self.units) + 1
        if n > MAX_UNITS:
            return
        uid = self.reg.registerUnit(h(f"parcel-{n}"), h("b"), h("u"), 7, 80, {"from": self.registrar}).return_value
        assert uid == n
        self.units[uid] = {"entries": [], "seizures": [], "mortgages": []}
        self._touch(uid)
        self.unit_mortgages[uid] = []
        self.unit_seizures[uid] = []

    def rule_first_ownership(self, st_unit, st_owner):
        self._touch(st_unit)
        owner = h(f"owner-{st_owner}")
        call = lambda: self.reg.registerFirstOwnership(st_unit, owner, h("ev"), h("case"), {"from": self.registrar})
        if st_unit not in self.units:
            return self._refused(call, "PropertyRegistryUnknownUnit", (st_unit,))
        if self._current(st_unit):
            return self._refused(call, "PropertyRegistryAlreadyOwned", (st_unit, self._current(st_unit)))
        self._record_entry(call(), st_unit, owner, 0)

    def rule_certify(self, st_unit):
        """The registrar issues a property certificate to the current owner and binds it to the entry."""
        self._touch(st_unit)
        if st_unit not in self.units:
            return self._refused(
                lambda: self.reg.bindCertificate(st_unit, 1, {"from": self.registrar}),
                "PropertyRegistryUnknownUnit",
                (st_unit,),
            )
        current = self._current(st_unit)
        if not current:
            return self._refused(
                lambda: self.reg.bindCertificate(st_unit, 1, {"from": self.registrar}),
                "PropertyRegistryUnitNotOwned",
                (st_unit,),
            )
        cid = len(self.certificates) + 1
        doc = h(f"doc-{cid}")
        self.certs.issue(T_PROPERTY, doc, self._owner(st_unit), 0, 0, h("case"), {"from": self.registrar})
        self.certificates[cid] = {"doc": doc, "entry": None, "status": VALID}
        call = lambda: self.reg.bindCertificate(st_unit, cid, {"from": self.registrar})
        bound = self.bound.get(current)
        if bound and self.certificates[bound]["status"] == VALID:
            return self._refused(call, "PropertyRegistryCertificateAlreadyBound", (st_unit, current, bound))
        call()
        type(self).outcomes["certify"] += 1
        self.certificates[cid]["entry"] = current
        self.bound[current] = cid

    def rule_revoke_certificate(self, st_item):
        """The issuer revokes a recent certificate (lost, fraud…): a bound one blocks its unit's transfer."""
        cid = self._pick(len(self.certificates), st_item)
        if cid not in self.certificates or self.certificates[cid]["status"] != VALID:
            return
        self.certs.revoke(cid, h("reason"), {"from": self.registrar})
        self.certificates[cid]["status"] = REVOKED
        self._touch((self.entries.get(self.certificates[cid]["entry"]) or (None,))[0])

    def _presented(self, uid, present):
        """(document hash, certificate id or 0) a transfer of ``uid`` presents."""
        bound = self.bound.get(self._current(uid)) if uid in self.units else None
        if present == PRESENT_CURRENT and bound:
            return self.certificates[bound]["doc"], bound
        if present == PRESENT_OTHER:  # the newest certificate that is not the current one (another unit's or old)
            others = [c for c in self.certificates if c != bound]
            if others:
                return self.certificates[others[-1]]["doc"], others[-1]
        return h("forged"), 0

    def _consent(self, uid, consent):
        """(consent hash, assisted session id, desk) of a transfer of ``uid``; opens the session it names."""
        if consent == CONSENT_NONE:
            return "0x" + "00" * 32, 0, self.court
        if consent == CONSENT_NO_SESSION or uid not in self.units or not self._current(uid):
            return h("consent"), 0, self.court
        subject = h("someone-else") if consent == CONSENT_OTHER_SESSION else self._owner(uid)
        desk = self.registrar if consent == CONSENT_REGISTRAR_DESK else self.court
        self.sessions.openAssistedSession(h("officer"), subject, h("reason"), {"from": desk})
        self.session_count += 1
        return h("consent"), self.session_count, desk

    def rule_transfer(self, st_unit, st_owner, st_present, st_consent):
        self._touch(st_unit)
        owner = h(f"owner-{st_owner}")
        doc, presented = self._presented(st_unit, st_present)
        consent, session, desk = self._consent(st_unit, st_consent)
        call = lambda: self.reg.registerTransfer(
            st_unit, owner, h("ev"), doc, h("case"), consent, session, desk, {"from": self.registrar}
        )
        if st_unit not in self.units:
            return self._refused(call, "PropertyRegistryUnknownUnit", (st_unit,))
        u = self.units[st_unit]
        if not u["entries"]:
            return self._refused(call, "PropertyRegistryUnitNotOwned", (st_unit,))
        if self._owner(st_unit) == owner:
            return self._refused(call, "PropertyRegistrySameOwner", (st_unit, owner))
        if st_consent == CONSENT_NONE:
            return self._refused(call, "PropertyRegistryEmptyConsent", ())
        current = self._current(st_unit)
        bound = self.bound.get(current)
        if not bound:
            return self._refused(call, "PropertyRegistryNoCurrentCertificate", (st_unit, current))
        if presented != bound:
            return self._refused(call, "PropertyRegistryNotCurrentCertificate", (st_unit, presented, bound))
        if self.certificates[bound]["status"] != VALID:
            status = self.certificates[bound]["status"]
            return self._refused(call, "PropertyRegistryCertificateNotValid", (bound, status))
        if st_consent == CONSENT_NO_SESSION:
            return self._refused(call, "PropertyRegistryConsentSessionRequired", (st_unit,))
        if st_consent == CONSENT_OTHER_SESSION:
            return self._refused(call, "PropertyRegistryConsentNotBySeller", (st_unit, session))
        if st_consent == CONSENT_REGISTRAR_DESK:
            return self._refused(call, "PropertyRegistryConsentAtRegistrarDesk", (session, self.registrar))
        if u["seizures"]:
            return self._refused(call, "PropertyRegistryUnitSeized", (st_unit, u["seizures"][0]))
        outstanding = self._outstanding(st_unit)
        if outstanding:
            return self._refused(call, "PropertyRegistryMortgageOutstanding", (st_unit, outstanding[0]))
        previous = self._current(st_unit)
        tx = call()
        type(self).outcomes["transfer"] += 1
        assert tx.events["TitleTransferred"][0]["carriedMortgages"] == len(u["mortgages"])
        assert tx.events["CertificateSuperseded"][0]["certId"] == bound
        self.certificates[bound]["status"] = REVOKED  # superseded in the same transaction
        self._record_entry(tx, st_unit, owner, previous)

    def rule_transfer_as_usual(self, st_unit, st_owner):
        """The common case (so that sequences reach deep chains): the current certificate, the seller's consent
        in a session at another department's desk."""
        self.rule_transfer(st_unit, st_owner, PRESENT_CURRENT, CONSENT_SELLER_SESSION)

    def rule_transfer_without_consent(self, st_unit, st_owner):
        """No consent hash, or no consent session (the owner's parity picks: no new rule, same sequences)."""
        self.rule_transfer(st_unit, st_owner, PRESENT_CURRENT, CONSENT_NONE if st_owner % 2 else CONSENT_NO_SESSION)

    def rule_register_mortgage(self, st_unit, st_bank):
        self._touch(st_unit)
        bank = self.banks[st_bank]
        call = lambda: self.reg.registerMortgage(st_unit, h("loan"), h("terms"), {"from": bank})
        if st_unit not in self.units:
            return self._refused(call, "PropertyRegistryUnknownUnit", (st_unit,))
        u = self.units[st_unit]
        if not u["entries"]:
            return self._refused(call, "PropertyRegistryUnitNotOwned", (st_unit,))
        if u["seizures"]:
            return self._refused(call, "PropertyRegistryUnitSeized", (st_unit, u["seizures"][0]))
        if len(u["mortgages"]) >= 8:
            return self._refused(call, "PropertyRegistryTooManyMortgages", (st_unit, 8))
        mid = call().return_value
        assert mid == len(self.mortgages) + 1
        self.mortgages[mid] = {"unit": st_unit, "bank": bank, "consented": 0, "released": False}
        u["mortgages"].append(mid)
        self.unit_mortgages[st_unit].append(mid)

    def _bank_action_refusal(self, mid, bank):
        if mid not in self.mortgages:
            return "PropertyRegistryUnknownMortgage", (mid,)
        m = self.mortgages[mid]
        if m["bank"] != bank:
            return "PropertyRegistryNotMortgagee", (mid, bank)
        if m["released"]:
            released_at = self.reg.mortgage(mid)["releasedAt"]
            return "PropertyRegistryMortgageReleased", (mid, released_at)
        return None

    def rule_consent(self, st_item, st_bank):
        st_item = self._pick(len(self.mortgages), st_item)
        self._touch(self.mortgages.get(st_item, {}).get("unit"))
        bank = self.banks[st_bank]
        call = lambda: self.reg.consentToTransfer(st_item, {"from": bank})
        refusal = self._bank_action_refusal(st_item, bank)
        if refusal:
            return self._refused(call, *refusal)
        m = self.mortgages[st_item]
        current = self._current(m["unit"])
        if m["consented"] == current:
            return self._refused(call, "PropertyRegistryMortgageAlreadyConsented", (st_item, current))
        tx = call()
        type(self).outcomes["consent"] += 1
        assert tx.events["MortgageTransferConsented"][0]["titleEntryId"] == current
        m["consented"] = current

    def rule_release_mortgage(self, st_item, st_bank):
        st_item = self._pick(len(self.mortgages), st_item)
        self._touch(self.mortgages.get(st_item, {}).get("unit"))
        bank = self.banks[st_bank]
        call = lambda: self.reg.releaseMortgage(st_item, {"from": bank})
        refusal = self._bank_action_refusal(st_item, bank)
        if refusal:
            return self._refused(call, *refusal)
        call()
        m = self.mortgages[st_item]
        m["released"] = True
        self.units[m["unit"]]["mortgages"].remove(st_item)

    def rule_register_seizure(self, st_unit):
        self._touch(st_unit)
        call = lambda: self.reg.registerSeizure(st_unit, h("order"), {"from": self.court})
        if st_unit not in self.units:
            return self._refused(call, "PropertyRegistryUnknownUnit", (st_unit,))
        sid = call().return_value
        assert sid == len(self.seizures) + 1
        self.seizures[sid] = {"unit": st_unit, "released": False}
        self.units[st_unit]["seizures"].append(sid)
        self.unit_seizures[st_unit].append(sid)

    def rule_release_seizure(self, st_item):
        st_item = self._pick(len(self.seizures), st_item)
        self._touch(self.seizures.get(st_item, {}).get("unit"))
        call = lambda: self.reg.releaseSeizure(st_item, h("release"), {"from": self.court})
        if st_item not in self.seizures:
            return self._refused(call, "PropertyRegistryUnknownSeizure", (st_item,))
        s = self.seizures[st_item]
        if s["released"]:
            released_at = self.reg.seizure(st_item)["releasedAt"]
            return self._refused(call, "PropertyRegistrySeizureReleased", (st_item, released_at))
        call()
        s["released"] = True
        self.units[s["unit"]]["seizures"].remove(st_item)

    # ------------------------------------------------------------------ invariants

    def invariant_views_equal_model(self):
        """After every step: the counters, and every unit the step may have changed."""
        assert self._counts() == (len(self.units), len(self.entries), len(self.mortgages), len(self.seizures))
        for uid in sorted(self.touched):
            self._check_unit(uid)
        self.touched.clear()

    def teardown(self):
        """At the end of every example: every unit, whatever the steps touched."""
        for uid in self.units:
            self._check_unit(uid)

    def _check_unit(self, uid):
        reg = self.reg
        u = self.units[uid]
        view = reg.unit(uid)
        chain = list(reg.titleChain(uid))
        assert chain == u["entries"]
        current = self._current(uid)
        # exactly one current owner: the owner of the last entry, none before the first registration
        assert view["currentEntryId"] == current
        assert view["currentOwnerHash"] == (self._owner(uid) or "0x" + "00" * 32)
        assert view["titleLength"] == len(chain)
        # the chain starts at the first registration and each entry points to the prior one
        previous = 0
        for entry_id in chain:
            unit_id, _, prev = self.entries[entry_id]
            assert unit_id == uid and prev == previous
            previous = entry_id
        assert view["activeSeizureCount"] == len(u["seizures"])
        assert view["activeMortgageCount"] == len(u["mortgages"])
        assert view["outstandingMortgageCount"] == len(self._outstanding(uid))
        mortgages = reg.mortgages(uid)
        assert [m["mortgageId"] for m in mortgages] == self.unit_mortgages[uid]
        for m in mortgages:
            model = self.mortgages[m["mortgageId"]]
            assert m["bank"] == model["bank"] and m["consentedEntryId"] == model["consented"]
            assert (m["releasedAt"] != 0) == model["released"]
            assert m["outstanding"] == (not model["released"] and model["consented"] != current)
        seizures = reg.seizures(uid)
        assert [s["seizureId"] for s in seizures] == self.unit_seizures[uid]
        assert [s["seizureId"] for s in seizures if s["releasedAt"] == 0] == u["seizures"]
        # certificates: each entry's bound one as modelled, with the modelled status; a VALID certificate is
        # bound only to the current entry (every earlier one was superseded when the title moved on)
        for entry_id in chain:
            cid = self.bound.get(entry_id, 0)
            assert reg.titleEntry(entry_id)["certificateId"] == cid
            if cid:
                assert self.certs.statusOf(cid) == self.certificates[cid]["status"]
                assert reg.entryOfCertificate(cid) == entry_id
                assert entry_id == current or self.certificates[cid]["status"] != VALID


def test_title_chain_stateful(setup_registry, system):
    a, b, c, d = system.depts
    brownie_state_machine()(
        TitleChainMachine,
        setup_registry,
        a,
        [b, c],
        d,
        settings={"max_examples": 40, "stateful_step_count": 20, "deadline": None, "derandomize": True},
    )
    seen = TitleChainMachine.outcomes
    print("\ntitle-chain outcomes:", dict(seen))
    # the sequences reach the interesting paths, not only refusals of unknown ids
    for outcome in (
        "transfer",
        "certify",
        "consent",
        "PropertyRegistryUnitSeized",
        "PropertyRegistryMortgageOutstanding",
        "PropertyRegistryNotCurrentCertificate",
        "PropertyRegistryNoCurrentCertificate",
        "PropertyRegistryEmptyConsent",
        "PropertyRegistryConsentNotBySeller",
        "PropertyRegistryConsentSessionRequired",
        "PropertyRegistryConsentAtRegistrarDesk",
    ):
        assert seen[outcome] > 0, outcome
