"""Citizens: a short-lived session opened by a front desk, "who used my data",
objections, and the citizen's certificates.

- **Assisted sessions.** A front desk (an active department, through an officer signed in
  as themself: a system client token is refused) checks the citizen's identity in person, states a reason, and asks for a
  session. The node records it on chain FIRST (``AssistedSessions``: desk,
  officer hash, keyed subject hash, keyed reason hash, session id), mined, and
  only then issues a citizen token (30 minutes at most) whose principal is the
  subject hash and whose label names the session. The answer carries the token,
  its expiry and the session's id and transaction, never the subject hash: the
  desk must not be able to test guesses of an id against a hash it has seen.
  Sessions are rate-limited per desk and per officer (429 + Retry-After). The
  raw id and the reason text are used once and never stored or logged.
- The citizen sees every assisted session opened for them
  (``AssistedSessionOpened`` rows of their subject hash) beside "who used my data";
  auditors see them in the trail like every other event.
- "Who used my data" reads the indexer (``UseRecorded`` rows whose
  ``subjectHash`` is the citizen's), syncing it first when it is behind the
  chain head; if the node is down the rows already indexed are served with
  ``index_stale: true``.
- An objection against one of the citizen's uses becomes an UNAUTHORIZED_USE
  incident about that USE (subject kind 2, subject id = grant id, use index),
  filed on chain on the citizen's behalf by the platform's **auditor account**:
  the auditor is the party that examines such incidents, may file about any
  subject, and is neither the user nor the owner of the data (the front desk
  could be either). The evidence hash is keccak256 of the objection text; the
  text itself is kept encrypted in the document store, readable by the auditor
  account. One objection per citizen and use: repeating it returns the incident
  already filed. An objection filed in an assisted session says so: the stored
  text (and so the evidence hash) starts with the session it was filed in, and
  the answer names it (``assisted_session``).
- A citizen asking about a use that is not theirs (or that does not exist)
  gets 403: the answer must not reveal whether someone else's use exists.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from backend.core.identity import keccak_content_hash, keyed_text_hash
from backend.core.tokens import TokenService
from backend.services.certificates import CertificateService, CitizenChain
from backend.services.common import Actor, ChainOps, h0x, hex32
from backend.services.errors import Conflict, Forbidden, InvalidInput, SignerUnavailable
from backend.services.purposes import PurposesService
from backend.services.session_limits import SessionLimits
from backend.store import DocumentStore

if TYPE_CHECKING:  # pragma: no cover
    from eth_account.signers.local import LocalAccount


log = logging.getLogger(__name__)

SESSION_TTL = timedelta(minutes=30)
UNAUTHORIZED_USE, USE = 1, 2
OBJECTION_WINDOW_S = 7 * 24 * 3600
OBJECTION_MEDIA_TYPE = "text/plain; charset=utf-8"
MAX_REASON_CHARS = 1000
# The label of a token issued for an assisted session (the marker an objection reads back).
ASSISTED_LABEL = "assisted session #{session_id} via {desk} officer {officer}"
_ASSISTED_LABEL_RE = re.compile(r"^assisted session #(\d+) ")


def assisted_session_of(label: str) -> int | None:
    """The assisted session a citizen token was issued for (from its label), or None."""
    m = _ASSISTED_LABEL_RE.match(label or "")
    return int(m.group(1)) if m else None


class CitizenService:
    def __init__(
        self,
        ops: ChainOps,
        store: DocumentStore,
        tokens: TokenService,
        certificates: CertificateService,
        chain: CitizenChain | None = None,
        *,
        subject_secret: str,
    ) -> None:
        self.ops = ops
        self.store = store
        self.tokens = tokens
        self.subject_secret = subject_secret
        self.certificates = certificates
        self.chain = chain or certificates.chain
        self.limits = SessionLimits()
        self._auditor: str | None = None

    def use_session_limits(self, limits: SessionLimits) -> None:
        """The configured limits of assisted sessions (the composition root reads them from settings)."""
        self.limits = limits

    # -- session ---------------------------------------------------------------------------------
    def open_session(
        self, desk: Actor, id_type: str, id_value: str, reason: str, ttl: timedelta = SESSION_TTL, *, key: str
    ) -> dict[str, Any]:
        """An assisted session: recorded on chain (mined), then a citizen token for the person the
        desk officer (``desk.officer_id``) has identified. Never answers the subject hash."""
        desk.require_role("department")
        if desk.kind != "officer":
            # A system client's token names no person: nobody would answer for the identity check,
            # and each client token would get its own per-officer limit.
            raise Forbidden(
                "an assisted session is opened by an officer signed in as themself, not with a system client token",
                kind=desk.kind,
            )
        officer = self.ops.officer(desk)
        if not self.ops.contracts.consortium.is_active_department(desk.address):
            raise Forbidden("only an active department may open citizen sessions", department=desk.address)
        if not timedelta(minutes=1) <= ttl <= SESSION_TTL:
            raise InvalidInput("a citizen session lasts 1 to 30 minutes", field="ttl_s")
        reason = (reason or "").strip()
        if not reason or len(reason) > MAX_REASON_CHARS:
            raise InvalidInput(f"the reason is required (1 to {MAX_REASON_CHARS} characters)", field="reason")
        subject = self.ops.subject(id_type, id_value)
        account = self.ops.account(desk)
        op = "citizens.assisted_session"
        # A repeated Idempotency-Key (same desk, officer, person and reason, else 409) answers the
        # session already recorded, for what is left of its lifetime: no second record, and no
        # token outliving the session the record describes.
        if self.ops.sender.outcome(account.address, f"{op}:{key}") is None:
            self.limits.take(desk.address, h0x(officer))
        reason_hash = keyed_text_hash(self.subject_secret, reason)  # may name the person: keyed
        call = self.ops.contracts.assisted_sessions.calls.open_assisted_session(officer, subject, reason_hash)
        outcome, replayed = self.ops.send(account, call, op=op, key=key)
        session_id = int((self.ops.event(outcome, "AssistedSessionOpened") or {})["sessionId"])
        label = ASSISTED_LABEL.format(session_id=session_id, desk=desk.address, officer=h0x(officer)[:18])
        # A replay's token expires with the session's first token (its original ttl), not later.
        expires = datetime.now(UTC) + ttl
        if replayed:
            expires = self._expiry_of(session_id, ttl, label)
            ttl = expires - datetime.now(UTC)
        token = self.tokens.issue("citizen", h0x(subject), label, expires_at=expires)
        return {
            "token": token,
            "token_type": "bearer",
            "role": "citizen",
            "assisted": True,
            "session_id": session_id,
            "expires_at": expires.isoformat(timespec="seconds"),
            "ttl_s": max(0, int(ttl.total_seconds())),
            "front_desk": self.chain.party(desk.address),
            "officer_hash": h0x(officer),
            "replayed": replayed,
            **self.ops.tx(outcome),
        }

    def _expiry_of(self, session_id: int, ttl: timedelta, label: str) -> datetime:
        """When a recorded session ends: the expiry of the token first issued for it (its original
        ttl, whatever the replay asks); without one (issuing it failed), the replay's ``ttl`` from
        the session's block time. 409 once less than a minute is left."""
        now = datetime.now(UTC)
        first = self.tokens.first_labelled(label)
        if first is not None and first.revoked_at is not None:  # a revoked session stays ended
            raise Conflict(
                "this assisted session's token was revoked; open a new session (with a new Idempotency-Key)",
                session_id=session_id,
            )
        if first is not None and first.expires_at is not None:
            left = first.expires_at - now
        else:
            self.ops.fresh()
            opened = self.ops.index.first("AssistedSessions", "AssistedSessionOpened", sessionId=session_id)
            started = int(opened["block_time"]) if opened and opened.get("block_time") is not None else None
            left = ttl - timedelta(seconds=self.ops.chain_time() - started) if started is not None else ttl
        if left < timedelta(minutes=1):
            raise Conflict(
                "this assisted session is over; open a new one (with a new Idempotency-Key)", session_id=session_id
            )
        return first.expires_at if first is not None and first.expires_at is not None else now + left

    # -- my assisted sessions ----------------------------------------------------------------------
    def sessions(self, citizen: Actor, offset: int, limit: int) -> dict[str, Any]:
        """Every assisted session opened for this citizen, oldest first (from the event index)."""
        page, rows = self._my_rows(citizen, "AssistedSessions", "AssistedSessionOpened", offset, limit)
        current = assisted_session_of(citizen.label)
        return {**page, "items": [self._session_view(r, current) for r in rows]}

    def _my_rows(
        self, citizen: Actor, contract: str, event: str, offset: int, limit: int
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """One page of the index's ``event`` rows about this citizen (their subject hash), with the
        page's header: total, offset, limit and how fresh the index is."""
        citizen.require_role("citizen")
        seen = self.ops.fresh()
        stale = self.ops.index.following_fails()
        me = citizen.address.lower()
        index = self.ops.index
        total = index.count(subject_hash=me, event=event, contract=contract)
        rows = index.query(subject_hash=me, event=event, contract=contract, limit=limit, offset=offset) if total else []
        page = {"total": total, "offset": offset, "limit": limit, "index_stale": stale, "indexed_to_block": seen}
        return page, rows

    def _session_view(self, r: dict[str, Any], current: int | None) -> dict[str, Any]:
        a = r["args"]
        session_id = int(a["sessionId"])
        return {
            "session_id": session_id,
            "desk": self.chain.party(a["desk"]),
            "officer_hash": a["officerHash"],
            "reason_hash": a["reasonHash"],
            "time": r["block_time"],
            "block_number": r["block_number"],
            "tx_hash": r["tx_hash"],
            "this_session": session_id == current,
        }

    def _assisted_session(self, citizen: Actor) -> dict[str, Any] | None:
        """The on-chain record of the assisted session the citizen's token belongs to, or None
        for a token the citizen obtained themselves."""
        session_id = assisted_session_of(citizen.label)
        if session_id is None:
            return None
        self.ops.fresh()
        for ev in self.ops.history("AssistedSessions", "AssistedSessionOpened", sessionId=session_id):
            a = ev["args"]
            if str(a["subjectHash"]).lower() == citizen.address.lower():
                return {"session_id": session_id, "desk": a["desk"], "officer_hash": a["officerHash"]}
        # The label names a session that is not this citizen's on chain: still an assisted token.
        return {"session_id": session_id, "desk": None, "officer_hash": None}

    # -- who used my data --------------------------------------------------------------------------
    def uses(self, citizen: Actor, offset: int, limit: int) -> dict[str, Any]:
        page, rows = self._my_rows(citizen, "UsageRights", "UseRecorded", offset, limit)
        legal: dict[str, str | None] = {}
        for r in rows:
            gid = str(r["args"]["grantId"])
            if gid not in legal:
                issued = self.ops.index.first("UsageRights", "GrantIssued", grantId=gid)
                legal[gid] = issued["args"].get("legalBasisHash") if issued else None
        items = [self._use_view(r, legal.get(str(r["args"]["grantId"]))) for r in rows]
        # the registry's names of the purpose and citation of the legal basis, next to the code and hash
        words = PurposesService(self.ops).namer() if items else None
        return {
            **page,
            "items": [{**i, **words(i["purpose_code"], i["legal_basis_hash"])} for i in items] if words else [],
        }

    def _use_view(self, r: dict[str, Any], legal_basis_hash: str | None) -> dict[str, Any]:
        a = r["args"]
        grant_id, use_index = int(a["grantId"]), int(a["useIndex"])
        return {
            "grant_id": grant_id,
            "use_index": use_index,
            "resource_id": int(a["resourceId"]),
            "department": self.chain.party(a["user"]),
            "officer_hash": a["officerHash"],
            "purpose_code": int(a["purposeCode"]),
            "legal_basis_hash": legal_basis_hash,
            "context_ref": None if int(a["contextRef"], 16) == 0 else a["contextRef"],
            "time": r["block_time"],
            "block_number": r["block_number"],
            "tx_hash": r["tx_hash"],
            "objection": f"/citizens/me/uses/{grant_id}/{use_index}/objection",
        }

    # -- objections ----------------------------------------------------------------------------------
    def object_to_use(self, citizen: Actor, grant_id: int, use_index: int, text: str) -> dict[str, Any]:
        """File UNAUTHORIZED_USE about (grant, use) for the citizen, signed by the auditor account."""
        citizen.require_role("citizen")
        if not text or not text.strip():
            raise InvalidInput("the objection text must not be empty", field="text")
        use = self._my_use(citizen, grant_id, use_index)
        assisted = self._assisted_session(citizen)
        if assisted is not None:
            # Filed by a desk on the citizen's behalf: the record itself says so (and which session).
            text = (
                f"[filed in assisted session #{assisted['session_id']} opened by {assisted['desk']} "
                f"officer {assisted['officer_hash']}]\n{text}"
            )
        evidence = keyed_text_hash(self.subject_secret, text)  # personal text: keyed, not plain keccak
        auditor = self._auditor_account()
        op = "citizens.objection"
        # One objection per citizen and use (the key is derived, not the caller's): repeating it
        # (even with another text) answers the incident already filed.
        obj_key = f"{citizen.address.lower()}:{grant_id}:{use_index}"
        already = self.ops.sender.outcome(auditor.address, f"{op}:{obj_key}") is not None
        # The text itself is kept encrypted for the auditor (off chain, addressed by its keccak);
        # only its keyed hash goes on chain.
        document = h0x(keccak_content_hash(text.encode()))
        if not already:
            document = self.store.put(text.encode(), auditor.address, OBJECTION_MEDIA_TYPE)
        outcome = self.chain.contracts.accountability.file_incident(
            auditor,
            UNAUTHORIZED_USE,
            USE,
            grant_id,
            use_index,
            hex32(use["args"]["officerHash"], "officerHash"),  # blame follows the record: the use's own officer
            0,
            evidence,
            OBJECTION_WINDOW_S,
            op=op,
            key=obj_key,
            strict=False,
        )
        ev = self.ops.event(outcome, "IncidentFiled") or {}
        return {
            "incident_id": ev.get("incidentId"),
            "incident_type": "UNAUTHORIZED_USE",
            "subject_kind": "USE",
            "grant_id": grant_id,
            "use_index": use_index,
            "filed_by": {"address": auditor.address, "role": "auditor", "on_behalf_of": "citizen"},
            "responsible": self.chain.party(ev.get("responsible") or use["args"]["user"]),
            "evidence_hash": ev.get("evidenceHash", h0x(evidence)),
            "evidence_document": document,
            "response_deadline": ev.get("responseDeadline"),
            "already_filed": already,
            "assisted_session": assisted,
            **self.ops.tx(outcome),
        }

    def _my_use(self, citizen: Actor, grant_id: int, use_index: int) -> dict[str, Any]:
        """The UseRecorded event of (grant, use index) from the chain itself, if it is the citizen's."""
        self.ops.fresh()
        for ev in self.ops.history("UsageRights", "UseRecorded", grantId=grant_id):
            if int(ev["args"]["useIndex"]) == use_index:
                if str(ev["args"]["subjectHash"]).lower() == citizen.address.lower():
                    return ev
                break
        raise Forbidden("no use of your data with this grant and use index", grant_id=grant_id, use_index=use_index)

    def _auditor_account(self) -> LocalAccount:
        """The first auditor of the consortium whose key this backend holds."""
        if self._auditor is not None:
            return self.ops.account_for(self._auditor)
        for addr in self.ops.contracts.consortium.auditors():
            try:
                acct = self.ops.account_for(addr)
            except SignerUnavailable:
                continue
            self._auditor = acct.address
            return acct
        raise SignerUnavailable("the backend holds no auditor key to file citizen objections")

    # -- my certificates -------------------------------------------------------------------------------
    def my_certificates(self, citizen: Actor, offset: int, limit: int) -> dict[str, Any]:
        citizen.require_role("citizen")
        return self.certificates.of_holder(bytes.fromhex(citizen.address[2:]), offset, limit)
