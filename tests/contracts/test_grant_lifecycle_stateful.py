"""Hypothesis stateful test of the grant lifecycle (revoked, expired or exhausted grants are never usable).

A brownie state machine drives UsageRights through random sequences of requests, owner and council
decisions, direct grants, revocations, uses (single and batch), suspensions and reinstatements of
departments by the council, and the passing of time, next to a pure
Python model of what the contracts must do. Every action's outcome is predicted by the model *before* it
is sent: success with its events, or the exact custom error (with arguments) it must revert with.

Invariants checked after every step:

* only the resource owner or the council ever created a grant (every ``GrantIssued`` has a legitimate
  issuer, SENSITIVE/SECRET grants only the council) and the chain has exactly the model's grants;
* revoked, expired or exhausted grants never accepted a use: every such attempt reverted with the exact
  error the model predicted (checked in the rules) and no use was ever counted past ``maxUses``;
* a suspended department never recorded a use, made a request or received a grant: each attempt reverted
  with ``ConsortiumManagedNotActiveDepartment`` naming it (its grants stay; a reinstatement restores them);
* a use never counted against another grant: each grant's ``usedCount`` equals the model's, every
  ``UseRecorded`` of a transaction names the grant it was recorded for, and no other grant's count moved;
* council approvals below the requirement never activate a SENSITIVE (or SECRET) grant: pending
  proposals are unexecuted on chain with exactly the model's approvals, and their requests keep their
  status;
* ``isGrantUsable`` matches the model;
* every request's status and grant id match the model.

Timing: anvil automines with the wall clock, so a transaction's timestamp is only known to within a few
seconds. Actions whose outcome depends on a time boundary (expiry, deadlines, proposal lifetime) are
skipped while the chain is within ``MARGIN`` seconds of that boundary, and every such transaction's actual
timestamp is checked to lie within ``MARGIN`` of the time the prediction used.

Run: ``brownie test tests/contracts/test_grant_lifecycle_stateful.py --network govchain-test-b -s``
(``-s`` prints how often each outcome occurred).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import brownie
import hypothesis
import pytest
from brownie.test import strategy
from contract_helpers import (
    DAY,
    HOUR,
    INTERNAL,
    REQ_APPROVED,
    REQ_DENIED,
    REQ_ESCALATED,
    REQ_OWNER_APPROVED,
    REQ_PENDING,
    SECRET,
    SENSITIVE,
    ZERO32,
    assert_custom_error,
    brownie_state_machine,
    encode_error,
    h,
    now,
    time_travel,
)

state_machine = brownie_state_machine()

# Bounded: ~30 examples of up to 25 steps. No shrinking phase: one shrink of a failure here replays
# thousands of transactions (minutes); the failing sequence is printed unshrunk instead.
SETTINGS = {
    "max_examples": 30,
    "stateful_step_count": 25,
    "deadline": None,
    "database": None,
    "phases": [hypothesis.Phase.explicit, hypothesis.Phase.generate],
}
NOT_ACTIVE = "ConsortiumManagedNotActiveDepartment"
MARGIN = 120  # seconds around a time boundary in which a time-dependent action is skipped
COVERAGE: Counter = Counter()  # outcomes seen over all examples


# --------------------------------------------------------------------------- model


@dataclass
class MRequest:
    resource_id: int
    requester: str
    classification: int
    duration: int
    max_uses: int
    deadline: int
    status: int = REQ_PENDING
    grant_id: int = 0


@dataclass
class MGrant:
    resource_id: int
    grantee: str
    classification: int
    issuer: str
    request_id: int
    expires_at: int
    max_uses: int
    used: int = 0
    revoked: bool = False

    def failure(self, gid: int, caller: str, n: int, t: int, suspended: set[str]):
        """The error a use of ``n`` by ``caller`` at time ``t`` must revert with, or None if it must
        succeed (checks in the order IUsageRights specifies). ``suspended``: the suspended departments."""
        if caller != self.grantee:
            return ("UsageRightsNotGrantee", (gid, caller))
        if self.grantee in suspended:
            return (NOT_ACTIVE, (self.grantee,))
        if self.revoked:
            return ("UsageRightsGrantRevoked", (gid,))
        if t >= self.expires_at:
            return ("UsageRightsGrantExpired", (gid, self.expires_at))
        if self.used + n > self.max_uses:
            return ("UsageRightsGrantExhausted", (gid, self.max_uses))
        return None

    def usable(self, t: int, suspended: set[str]) -> bool:
        return not self.revoked and t < self.expires_at and self.used < self.max_uses and self.grantee not in suspended


@dataclass
class MProposal:
    action: str  # "councilApprove" | "issueGrant" | "revokeGrant" on UsageRights
    args: tuple
    unanimous: bool
    expires_at: int
    approvers: set = field(default_factory=set)
    executed: bool = False


def hours_of(x: int) -> int:
    """1..96 hours, derived from a drawn number."""
    return 1 + x % 96


def near(t: int, boundary: int) -> bool:
    return abs(t - boundary) <= MARGIN


# --------------------------------------------------------------------------- state machine


class GrantLifecycle:
    st_sel = strategy("uint16")
    st_pick = strategy("uint8")
    st_uses = strategy("uint8", min_value=1, max_value=5)
    st_hours = strategy("uint8", min_value=1, max_value=96)

    def __init__(cls, system, resources):
        # called once with the class itself, before the state machine's snapshot
        cls.s = system
        cls.resources = resources  # [(resourceId, owner address, classification)]
        cls.governors = list(system.governors)
        cls.depts = list(system.depts)
        cls.threshold = system.consortium.threshold()
        cls.governor_count = len(cls.governors)
        cls.council = system.consortium.address
        assert cls.threshold == 2 and cls.governor_count == 3, "the model assumes a 2-of-3 council"
        # plain web3 handles for JSON-RPC batches of view calls (the invariants read every object each step)
        cls.w3_rights = brownie.web3.eth.contract(address=system.rights.address, abi=system.rights.abi)
        cls.w3_consortium = brownie.web3.eth.contract(address=system.consortium.address, abi=system.consortium.abi)
        cls.example = 0

    def setup(self):
        self.requests: dict[int, MRequest] = {}
        self.grants: dict[int, MGrant] = {}
        self.proposals: dict[int, MProposal] = {}
        self.suspended: set[str] = set()  # departments the council suspended (and did not reinstate)
        self.accepted_uses_on_unusable: list[int] = []  # must stay empty
        type(self).example += 1
        self._cache = (None, None)

    def initialize_world(self, uses="st_uses", hours="st_hours"):
        """Every example starts with live grants and open requests to act on: an owner grant on A's
        PUBLIC resource for B, an owner grant on B's INTERNAL resource for C, C's request on A's SENSITIVE
        resource (already owner-approved, with a council approval proposed by one governor) and D's pending
        request on A's INTERNAL resource."""
        by_class = {cls: rid for rid, owner, cls in self.resources if owner == self.depts[0].address}
        b_internal = next(r for r, o, c in self.resources if o == self.depts[1].address and c == INTERNAL)
        for rid, owner, grantee in (
            (by_class[0], self.depts[0], self.depts[1]),
            (b_internal, self.depts[1], self.depts[2]),
        ):
            duration = hours * HOUR + HOUR // 2
            tx = self.s.rights.issueGrant(rid, grantee, 7, h("law"), duration, uses, {"from": owner})
            self._record_grant(tx, request_id=0, classification=self._class_of(rid))
        for rid, requester, approve in (
            (by_class[SENSITIVE], self.depts[2], True),
            (by_class[INTERNAL], self.depts[3], False),
        ):
            self._request_use(rid, requester, uses, hours)
            if approve:
                qid = len(self.requests)
                self._owner_decides(qid, True)
                # a council approval of it is pending with one approval: not active until the threshold
                self._propose("councilApprove", (qid,), False, self.governors[0])

    # ---------------------------------------------------------------- helpers

    def _chain_views(self):
        """Every view the invariants compare, read in one JSON-RPC batch at the latest block; cached until
        the next block (views cannot change without one)."""
        key = (self.example, brownie.web3.eth.block_number)
        if self._cache[0] == key:
            return self._cache[1]
        r, c = self.w3_rights.functions, self.w3_consortium.functions
        gids, qids = sorted(self.grants), sorted(self.requests)
        pids = sorted(pid for pid, p in self.proposals.items() if not p.executed)
        with brownie.web3.batch_requests() as batch:
            batch.add(r.grantCount())
            batch.add(r.requestCount())
            batch.add(r.isGrantUsable(len(gids) + 1))
            for gid in gids:
                batch.add(r.grant(gid))
                batch.add(r.isGrantUsable(gid))
            for qid in qids:
                batch.add(r.request(qid))
            for pid in pids:
                batch.add(c.proposal(pid))
            out = list(batch.execute())
        views = {
            "grantCount": out[0],
            "requestCount": out[1],
            "unknownUsable": out[2],
            "grants": {gid: (out[3 + 2 * i], out[4 + 2 * i]) for i, gid in enumerate(gids)},
        }
        base = 3 + 2 * len(gids)
        views["requests"] = {qid: out[base + i] for i, qid in enumerate(qids)}
        base += len(qids)
        views["proposals"] = {pid: out[base + i] for i, pid in enumerate(pids)}
        self._cache = (key, views)
        return views

    def _used_counts(self):
        return {gid: view[6] for gid, (view, _) in self._chain_views()["grants"].items()}

    def _res(self, sel):
        return self.resources[sel % len(self.resources)]

    def _class_of(self, resource_id):
        return next(c for r, _, c in self.resources if r == resource_id)

    def _owner(self, resource_id):
        return next(o for r, o, _ in self.resources if r == resource_id)

    @staticmethod
    def _pick(mapping, sel):
        if not mapping:
            return None
        keys = sorted(mapping)
        return keys[sel % len(keys)]

    def _strangers(self, exclude):
        """Accounts other than `exclude` and the council: departments, the auditor, an outsider and a
        governor acting alone (governors act only through proposals)."""
        pool = self.depts + [self.s.auditor, self.s.outsider, self.governors[0]]
        return [a for a in pool if a.address != exclude]

    @staticmethod
    def _tx_time_check(tx, predicted_time):
        assert abs(tx.timestamp - predicted_time) < MARGIN, (tx.timestamp, predicted_time)

    @staticmethod
    def _expect_revert(fn, name, args, tag=None):
        assert_custom_error(fn, name, args)
        COVERAGE[f"revert {tag or name}"] += 1

    def _record_grant(self, tx, *, request_id, classification):
        issued = tx.events["GrantIssued"]
        assert len(issued) == 1
        ev = issued[0]
        gid = ev["grantId"]
        assert gid == len(self.grants) + 1, "grant ids are sequential"
        assert ev["requestId"] == request_id
        self.grants[gid] = MGrant(
            resource_id=ev["resourceId"],
            grantee=ev["grantee"],
            classification=classification,
            issuer=ev["issuer"],
            request_id=request_id,
            expires_at=ev["expiresAt"],
            max_uses=ev["maxUses"],
        )
        return gid, ev

    # ---------------------------------------------------------------- requests

    def _request_use(self, rid, requester, uses, hours):
        owner, cls = self._owner(rid), self._class_of(rid)
        duration = hours * HOUR + HOUR // 2
        t = now()
        deadline = t + 2 * DAY + HOUR // 2
        call = lambda: self.s.rights.requestUse(
            rid, 7, h("law"), h("fields"), duration, uses, deadline, {"from": requester}
        )
        if requester.address in self.suspended:
            self._expect_revert(call, NOT_ACTIVE, (requester,), tag=f"{NOT_ACTIVE} (request)")
            return
        if requester.address == owner:
            self._expect_revert(call, "UsageRightsOwnUse", (rid, requester))
            return
        tx = call()
        self._tx_time_check(tx, t)
        qid = tx.return_value
        assert qid == len(self.requests) + 1
        assert list(tx.events.keys()) == ["UseRequested"]
        self.requests[qid] = MRequest(rid, requester.address, cls, duration, uses, deadline)
        COVERAGE[f"request class {cls}"] += 1

    def _owner_decides(self, qid, approve):
        q = self.requests[qid]
        owner = self._owner(q.resource_id)
        if not approve:
            call = lambda: self.s.rights.denyRequest(qid, h("no"), {"from": owner})
            if q.status not in (REQ_PENDING, REQ_OWNER_APPROVED, REQ_ESCALATED):
                self._expect_revert(call, "UsageRightsInvalidRequestStatus", (qid, q.status))
                return
            tx = call()
            assert list(tx.events.keys()) == ["RequestDenied"]
            q.status = REQ_DENIED
            COVERAGE["denied by owner"] += 1
            return
        call = lambda: self.s.rights.approveRequest(qid, h("ok"), {"from": owner})
        if owner in self.suspended:
            self._expect_revert(call, NOT_ACTIVE, (owner,), tag=f"{NOT_ACTIVE} (owner approves)")
            return
        if q.status not in (REQ_PENDING, REQ_ESCALATED):
            self._expect_revert(call, "UsageRightsInvalidRequestStatus", (qid, q.status))
            return
        if q.classification <= INTERNAL and q.requester in self.suspended:
            self._expect_revert(call, NOT_ACTIVE, (q.requester,), tag=f"{NOT_ACTIVE} (grant to requester)")
            return
        t = now()
        tx = call()
        self._tx_time_check(tx, t)
        if q.classification <= INTERNAL:
            assert tx.events["RequestApproved"][0]["status"] == REQ_APPROVED
            gid, ev = self._record_grant(tx, request_id=qid, classification=q.classification)
            assert ev["issuer"] == owner and ev["grantee"] == q.requester
            assert ev["expiresAt"] == tx.timestamp + q.duration and ev["maxUses"] == q.max_uses
            q.status, q.grant_id = REQ_APPROVED, gid
            COVERAGE["grant by owner approval"] += 1
        else:
            # SENSITIVE / SECRET: the owner's approval alone never activates a grant
            assert tx.events["RequestApproved"][0]["status"] == REQ_OWNER_APPROVED
            assert "GrantIssued" not in tx.events
            q.status = REQ_OWNER_APPROVED
            COVERAGE["owner approval awaiting council"] += 1

    # All rules take the same three arguments (`sel` picks an object, `who` an actor or a variant, `n` a
    # count): hypothesis orders rules by argument count and favours the first ones in short runs, so equal
    # signatures keep the bounded run spread over every rule.

    def rule_request_use(self, sel="st_sel", who="st_pick", n="st_uses"):
        rid, _, _ = self._res(sel)
        self._request_use(rid, self.depts[who % len(self.depts)], n, hours_of(sel))

    def rule_owner_decides(self, sel="st_sel", who="st_pick", n="st_uses"):
        qid = self._pick(self.requests, sel)
        if qid is not None:
            self._owner_decides(qid, approve=who % 3 != 0)

    def rule_stranger_decides(self, sel="st_sel", who="st_pick", n="st_uses"):
        """Anyone but the owner (and the council) approving or denying: UsageRightsNotOwner."""
        qid = self._pick(self.requests, sel)
        if qid is None:
            return
        q = self.requests[qid]
        strangers = self._strangers(self._owner(q.resource_id))
        caller = strangers[who % len(strangers)]
        fn = self.s.rights.approveRequest if n % 2 else self.s.rights.denyRequest
        self._expect_revert(lambda: fn(qid, h("x"), {"from": caller}), "UsageRightsNotOwner", (q.resource_id, caller))

    def rule_escalate(self, sel="st_sel", who="st_pick", n="st_uses"):
        qid = self._pick(self.requests, sel)
        if qid is None:
            return
        q = self.requests[qid]
        call = lambda: self.s.rights.escalateRequest(qid, {"from": self.s.outsider})
        if q.status != REQ_PENDING:
            self._expect_revert(call, "UsageRightsInvalidRequestStatus", (qid, q.status))
            return
        t = now()
        if near(t, q.deadline):
            return
        if t <= q.deadline:
            self._expect_revert(call, "UsageRightsDeadlineNotReached", (qid, q.deadline))
            return
        tx = call()
        self._tx_time_check(tx, t)
        q.status = REQ_ESCALATED
        COVERAGE["escalated"] += 1

    # ---------------------------------------------------------------- direct grants

    def rule_issue(self, sel="st_sel", who="st_pick", n="st_uses"):
        """The owner issues a grant directly (PUBLIC/INTERNAL only), or (n == 5) a non-owner (another
        department, the auditor, an outsider, a governor acting alone) tries to: UsageRightsNotOwner."""
        rid, owner, cls = self._res(sel)
        duration, uses = hours_of(sel) * HOUR + HOUR // 2, n
        if n == 5:
            strangers = self._strangers(owner)
            caller = strangers[who % len(strangers)]
            grantee = self.depts[(who // len(strangers)) % len(self.depts)]
            self._expect_revert(
                lambda: self.s.rights.issueGrant(rid, grantee, 7, h("law"), duration, uses, {"from": caller}),
                "UsageRightsNotOwner",
                (rid, caller),
            )
            return
        grantee = self.depts[who % len(self.depts)]
        call = lambda: self.s.rights.issueGrant(rid, grantee, 7, h("law"), duration, uses, {"from": owner})
        if owner in self.suspended:
            self._expect_revert(call, NOT_ACTIVE, (owner,), tag=f"{NOT_ACTIVE} (owner issues)")
            return
        if cls > INTERNAL:
            self._expect_revert(call, "UsageRightsCouncilRequired", (rid, cls))
            return
        if grantee.address == owner:
            self._expect_revert(call, "UsageRightsOwnUse", (rid, grantee))
            return
        if grantee.address in self.suspended:
            self._expect_revert(call, NOT_ACTIVE, (grantee,), tag=f"{NOT_ACTIVE} (grant to grantee)")
            return
        t = now()
        tx = call()
        self._tx_time_check(tx, t)
        _, ev = self._record_grant(tx, request_id=0, classification=cls)
        assert ev["issuer"] == owner and ev["expiresAt"] == tx.timestamp + duration
        COVERAGE["grant issued by owner"] += 1

    # ---------------------------------------------------------------- council

    def _propose(self, action, args, unanimous, proposer):
        data = getattr(self.s.rights, action).encode_input(*args)
        fn = self.s.consortium.proposeUnanimousCouncilCall if unanimous else self.s.consortium.proposeCouncilCall
        grants_before = self.s.rights.grantCount()
        tx = fn(self.s.rights, data, h(f"{action}{args}"), {"from": proposer})
        pid = tx.return_value
        # the proposer's approval (1) is below every requirement here (2 of 3, or all 3): nothing executes
        assert "ProposalExecuted" not in tx.events and "GrantIssued" not in tx.events
        assert self.s.rights.grantCount() == grants_before
        self.proposals[pid] = MProposal(
            action, tuple(args), unanimous, tx.events["ProposalCreated"][0]["expiresAt"], {proposer.address}
        )
        return pid

    def _inner_failure(self, pid, p: MProposal, unanimous_now: bool):
        """The custom error the council call of `p` must revert with when it executes now, or None."""
        if p.action == "councilApprove":
            (qid,) = p.args
            q = self.requests[qid]
            if q.status not in (REQ_OWNER_APPROVED, REQ_ESCALATED):
                return ("UsageRightsInvalidRequestStatus", (qid, q.status))
            if q.classification == SECRET and not unanimous_now:
                return ("UsageRightsCouncilNotUnanimous", (pid,))
            if q.requester in self.suspended:
                return (NOT_ACTIVE, (q.requester,))
            return None
        if p.action == "issueGrant":
            rid, grantee = p.args[0], p.args[1]
            if self._class_of(rid) == SECRET and not unanimous_now:
                return ("UsageRightsCouncilNotUnanimous", (pid,))
            if grantee == self._owner(rid):
                return ("UsageRightsOwnUse", (rid, grantee))
            if grantee in self.suspended:
                return (NOT_ACTIVE, (grantee,))
            return None
        (gid, _reason) = p.args  # revokeGrant
        if self.grants[gid].revoked:
            return ("UsageRightsGrantRevoked", (gid,))
        return None

    def _approve(self, pid, governor):
        p = self.proposals[pid]
        call = lambda: self.s.consortium.approve(pid, {"from": governor})
        t = now()
        if near(t, p.expires_at):
            return
        # Consortium checks the proposal (executed, expired) before the approver
        if t >= p.expires_at:
            self._expect_revert(call, "ConsortiumProposalExpired", (pid, p.expires_at))
            return
        if governor.address in p.approvers:
            self._expect_revert(call, "ConsortiumAlreadyApproved", (pid, governor))
            return
        count = len(p.approvers) + 1
        required = self.governor_count if p.unanimous else self.threshold
        grants_before = self.s.rights.grantCount()
        statuses_before = {k: q.status for k, q in self.requests.items()}
        if count < required:
            tx = call()
            self._tx_time_check(tx, t)
            # below the requirement: no execution, no grant, no request changes status
            assert list(tx.events.keys()) == ["ProposalApproved"]
            assert self.s.rights.grantCount() == grants_before
            assert not self.s.consortium.proposal(pid)["executed"]
            assert {k: self.s.rights.request(k)["status"] for k in self.requests} == statuses_before
            p.approvers.add(governor.address)
            COVERAGE[f"approval below requirement ({p.action})"] += 1
            return
        unanimous_now = count == self.governor_count
        failure = self._inner_failure(pid, p, unanimous_now)
        if failure is not None:
            # the council call reverts, and with it the approval
            self._expect_revert(
                call, "ConsortiumCallFailed", (pid, encode_error(*failure)), tag=f"ConsortiumCallFailed/{failure[0]}"
            )
            assert self.s.rights.grantCount() == grants_before
            return
        tx = call()
        self._tx_time_check(tx, t)
        p.approvers.add(governor.address)
        p.executed = True
        assert [e["proposalId"] for e in tx.events["ProposalExecuted"]] == [pid]
        if p.action == "councilApprove":
            (qid,) = p.args
            q = self.requests[qid]
            assert tx.events["RequestCouncilApproved"][0]["proposalId"] == pid
            gid, ev = self._record_grant(tx, request_id=qid, classification=q.classification)
            assert ev["issuer"] == self.council and ev["grantee"] == q.requester
            assert ev["expiresAt"] == tx.timestamp + q.duration
            q.status, q.grant_id = REQ_APPROVED, gid
            COVERAGE[f"grant by council approval, class {q.classification}"] += 1
        elif p.action == "issueGrant":
            rid = p.args[0]
            _, ev = self._record_grant(tx, request_id=0, classification=self._class_of(rid))
            assert ev["issuer"] == self.council and ev["expiresAt"] == tx.timestamp + p.args[4]
            COVERAGE[f"grant issued by council, class {self._class_of(rid)}"] += 1
        else:
            (gid, _) = p.args
            ev = tx.events["GrantRevoked"][0]
            assert ev["grantId"] == gid and ev["revokedBy"] == self.council
            self.grants[gid].revoked = True
            COVERAGE["revoked by council"] += 1

    def rule_council_proposes(self, sel="st_sel", who="st_pick", n="st_uses"):
        """A governor proposes councilApprove of a request, or a direct grant on a council-only
        (SENSITIVE / SECRET) resource, as a threshold or a unanimous council call; with the proposer's
        single approval nothing may happen."""
        proposer = self.governors[(who // 4) % self.governor_count]
        unanimous = who % 4 >= 2
        if who % 2 == 0 and self.requests:
            self._propose("councilApprove", (self._pick(self.requests, sel),), unanimous, proposer)
            return
        council_only = [r for r in self.resources if r[2] >= SENSITIVE]
        rid = council_only[sel % len(council_only)][0]
        grantee = self.depts[(sel // 2) % len(self.depts)]
        args = (rid, grantee.address, 7, h("law"), hours_of(sel) * HOUR + HOUR // 2, n)
        self._propose("issueGrant", args, unanimous, proposer)

    def rule_governor_approves(self, sel="st_sel", who="st_pick", n="st_uses"):
        open_ = {pid: p for pid, p in self.proposals.items() if not p.executed}
        pid = self._pick(open_, sel)
        if pid is not None:
            self._approve(pid, self.governors[who % self.governor_count])

    # ---------------------------------------------------------------- revocation

    def rule_revoke(self, sel="st_sel", who="st_pick", n="st_uses"):
        """who % 4: 0 the owner, 1 the council (proposed by one governor, executed by the next one's
        approval at the 2-of-3 threshold), 2-3 anyone else (including the grantee): UsageRightsNotOwner."""
        gid = self._pick(self.grants, sel)
        if gid is None:
            return
        g = self.grants[gid]
        owner = self._owner(g.resource_id)
        mode = who % 4
        if mode == 1:
            i = (who // 4) % self.governor_count
            pid = self._propose("revokeGrant", (gid, h("council revoke")), False, self.governors[i])
            self._approve(pid, self.governors[(i + 1) % self.governor_count])
            return
        if mode >= 2:
            strangers = self._strangers(owner)
            caller = strangers[(who // 4) % len(strangers)]
            self._expect_revert(
                lambda: self.s.rights.revokeGrant(gid, h("revoke"), {"from": caller}),
                "UsageRightsNotOwner",
                (g.resource_id, caller),
            )
            return
        call = lambda: self.s.rights.revokeGrant(gid, h("revoke"), {"from": owner})
        if g.revoked:
            self._expect_revert(call, "UsageRightsGrantRevoked", (gid,))
            return
        tx = call()
        ev = tx.events["GrantRevoked"][0]
        assert ev["grantId"] == gid and ev["revokedBy"] == owner
        g.revoked = True
        COVERAGE["revoked by owner"] += 1

    # ---------------------------------------------------------------- uses

    def _use(self, gid, caller, n):
        g = self.grants.get(gid)
        rights = self.s.rights
        if n == 1:
            call = lambda: rights.recordUse(gid, h("officer"), h("subject"), h("ctx"), {"from": caller})
        else:
            call = lambda: rights.recordUseBatch(
                gid, [h("officer")] * n, [ZERO32] * n, [h(f"ctx{i}") for i in range(n)], {"from": caller}
            )
        if g is None:
            self._expect_revert(call, "UsageRightsUnknownGrant", (gid,))
            return
        t = now()
        if near(t, g.expires_at):
            return
        failure = g.failure(gid, caller.address, n, t, self.suspended)
        used_before = self._used_counts()
        if failure is not None:
            self._expect_revert(call, *failure, tag=f"{NOT_ACTIVE} (use)" if failure[0] == NOT_ACTIVE else None)
        else:
            if not g.usable(t, self.suspended):
                self.accepted_uses_on_unusable.append(gid)
            tx = call()
            self._tx_time_check(tx, t)
            uses = tx.events["UseRecorded"]
            assert len(uses) == n
            for i, ev in enumerate(uses):
                # counted against this grant and no other
                assert ev["grantId"] == gid and ev["resourceId"] == g.resource_id
                assert ev["user"] == caller and ev["useIndex"] == g.used + 1 + i
            g.used += n
            COVERAGE["use recorded" if n == 1 else "use batch recorded"] += 1
        used_after = self._used_counts()
        for k, before in used_before.items():
            expected = before + (n if (k == gid and failure is None) else 0)
            assert used_after[k] == expected, f"grant {k}'s count moved by a use of grant {gid}"

    def rule_use(self, sel="st_sel", who="st_pick", n="st_uses"):
        """who % 6: 0-1 the grantee records one use, 2 a batch of n, 3 everything left in one batch (so
        exhaustion comes up often), 4 another department uses it, 5 an unknown grant id is used."""
        gid = self._pick(self.grants, sel)
        mode = who % 6
        if gid is None or mode == 5:
            self._use(len(self.grants) + 1, self.depts[who % len(self.depts)], 1)
            return
        g = self.grants[gid]
        if mode == 4:
            others = [d for d in self.depts if d.address != g.grantee]
            self._use(gid, others[(who // 6) % len(others)], n)
            return
        count = {0: 1, 1: 1, 2: n, 3: max(g.max_uses - g.used, 1)}[mode]
        self._use(gid, brownie.accounts.at(g.grantee, force=True), count)

    # ---------------------------------------------------------------- membership

    def rule_membership(self, sel="st_sel", who="st_pick", n="st_uses"):
        """The council (one governor proposes, the next one's approval executes at 2 of 3) suspends an
        active department, or reinstates a suspended one. Its grants are left as they are."""
        dept = self.depts[who % len(self.depts)]
        i = sel % self.governor_count
        c = self.s.consortium
        suspend = dept.address not in self.suspended
        propose = c.proposeSuspendDepartment if suspend else c.proposeReinstateDepartment
        pid = propose(dept, {"from": self.governors[i]}).return_value
        tx = c.approve(pid, {"from": self.governors[(i + 1) % self.governor_count]})
        ev = tx.events["DepartmentSuspended" if suspend else "DepartmentReinstated"][0]
        assert (ev["account"], ev["proposalId"]) == (dept, pid)
        if suspend:
            self.suspended.add(dept.address)
        else:
            self.suspended.discard(dept.address)
        COVERAGE["department suspended" if suspend else "department reinstated"] += 1
        # the department at once tries one of its grants (if it holds any): refused while suspended,
        # as the grant's own terms say once reinstated
        held = {gid: g for gid, g in self.grants.items() if g.grantee == dept.address}
        gid = self._pick(held, sel // self.governor_count)
        if gid is not None:
            self._use(gid, dept, 1)

    # ---------------------------------------------------------------- time

    def rule_time_passes(self, sel="st_sel", who="st_pick", n="st_uses"):
        """Some hours pass, or exactly enough for one grant to run out of time (plus ten minutes)."""
        gid = self._pick(self.grants, sel)
        hours = hours_of(who)
        t = now()
        if n % 2 and gid is not None and t < self.grants[gid].expires_at:
            time_travel(self.grants[gid].expires_at - t + 10 * 60)
        else:
            time_travel(hours * HOUR)

    # ---------------------------------------------------------------- invariants
    # Struct fields by position: Grant (resourceId, grantee, purposeCode, issuedAt, expiresAt, maxUses,
    # usedCount, revoked); Request (..., status = 8, grantId = 9); Proposal (..., approvals = 5, executed = 8).

    def invariant_grants_only_from_owner_or_council(self):
        views = self._chain_views()
        assert views["grantCount"] == len(self.grants), "a grant exists that no owner or council action created"
        for gid, g in self.grants.items():
            assert g.issuer in (self._owner(g.resource_id), self.council), (gid, g.issuer)
            if g.classification >= SENSITIVE:
                assert g.issuer == self.council, f"grant {gid} on class {g.classification} without the council"

    def invariant_grant_views_match_model(self):
        t = now()
        views = self._chain_views()
        for gid, g in self.grants.items():
            view, usable = views["grants"][gid]
            assert (view[0], view[1], view[4], view[5]) == (g.resource_id, g.grantee, g.expires_at, g.max_uses)
            assert view[6] == g.used, f"grant {gid}: usedCount {view[6]} on chain, {g.used} in the model"
            assert view[6] <= view[5], f"grant {gid} used beyond maxUses"
            assert view[7] == g.revoked
            if not near(t, g.expires_at):
                expected = g.usable(t, self.suspended)
                assert usable == expected, f"isGrantUsable({gid}) is {usable}, model says {expected}"
        assert views["unknownUsable"] is False

    def invariant_unusable_grants_never_used(self):
        assert self.accepted_uses_on_unusable == []

    def invariant_requests_match_model(self):
        views = self._chain_views()
        assert views["requestCount"] == len(self.requests)
        for qid, q in self.requests.items():
            view = views["requests"][qid]
            assert (view[8], view[9]) == (q.status, q.grant_id), (qid, view[8], view[9], q.status, q.grant_id)
            if q.classification >= SENSITIVE and q.grant_id:
                assert self.grants[q.grant_id].issuer == self.council

    def invariant_below_requirement_never_executes(self):
        views = self._chain_views()
        for pid, view in views["proposals"].items():
            p = self.proposals[pid]
            required = self.governor_count if p.unanimous else self.threshold
            # `executed` is the tuple's last field (the council epoch fields come before it)
            assert view[-1] is False and view[5] == len(p.approvers) < required, (pid, view)


@pytest.fixture(scope="module")
def lifecycle_resources(system):
    """The conftest's four resources (one per class, owned by A) plus an INTERNAL and a SENSITIVE one of B."""
    out = [(rid, system.depts[0].address, cls) for cls, rid in system.resources.items()]
    for cls in (INTERNAL, SENSITIVE):
        tx = system.catalog.registerResource(
            cls, h(f"schema-b-{cls}"), h(f"content-b-{cls}"), h("steward-b"), ZERO32, {"from": system.depts[1]}
        )
        out.append((tx.return_value, system.depts[1].address, cls))
    return out


def test_grant_lifecycle(system, lifecycle_resources):
    COVERAGE.clear()
    state_machine(GrantLifecycle, system, lifecycle_resources, settings=SETTINGS)
    print("\ngrant lifecycle outcomes over all examples:")
    for outcome, count in sorted(COVERAGE.items()):
        print(f"  {count:5d}  {outcome}")
    # the run exercised what it claims to check (each occurs dozens of times in a normal run)
    assert COVERAGE["use recorded"] + COVERAGE["use batch recorded"] > 0, "no use was ever recorded"
    assert COVERAGE["grant issued by owner"] + COVERAGE["grant by owner approval"] > 0, "no grant was ever issued"
    assert COVERAGE["revert UsageRightsNotOwner"] > 0 and COVERAGE["revert UsageRightsNotGrantee"] > 0
    assert COVERAGE["department suspended"] > 0 and COVERAGE[f"revert {NOT_ACTIVE} (use)"] > 0
