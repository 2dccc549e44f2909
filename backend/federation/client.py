"""Requester side of a peer release.

``PeerClient.fetch`` records the use on chain through the usual idempotent write
(``ChainOps.write`` of ``UsageRights.recordUse``, awaited until mined), notes it in
this node's ``peer_uses`` table, then :meth:`deliver` asks the owner's node for it.

Crash safety: before the transaction is signed, ``fetch`` writes a ``peer_use_intents``
row (grant, owner, subject, field list; keyed by the Idempotency-Key). The process may
die anywhere after that (signed, sent, mined, not yet noted): the outbox row survives,
reconcile finishes it, and :meth:`recover` (run at start-up and after every reconcile
pass) notes each mined intent in ``peer_uses`` as ``recorded``, ready for a retry. The
chain alone could not rebuild the note: a use carries only the hash of its field list.
``deliver`` may be called again for the same use at any time (owner down, answer
lost): it signs a fresh request for the SAME use index and transaction, never
records a new use, and the owner's ledger answers the same envelope.

What comes back is accepted only when it verifies: the receipt is signed by the
resource's current owner (by the chain's view), the envelope hashes to the receipt's
``envelopeHash``, opens with this node's key, and its plaintext hashes to the
receipt's ``contentHash`` and names this grant, use, subject and field list.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from eth_utils import to_checksum_address
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend.chain import outbox
from backend.federation.approval import check_approved_fields
from backend.federation.directory import PeerDirectory
from backend.federation.endpoint import EndpointPolicy
from backend.federation.envelope import EnvelopeError, NodeEncryptionKey, envelope_hash
from backend.federation.errors import (
    DirectoryKeyMismatch,
    PeerEndpointRefused,
    PeerRefused,
    PeerTransportKeyMismatch,
    PeerUnavailable,
    PeerUseNotConfirmed,
    ReleaseNotVerified,
)
from backend.federation.messages import BadSignature, ReleaseReceipt, ReleaseRequest, recover, sign
from backend.federation.models import PeerUse, PeerUseIntent, PeerUseRetry
from backend.federation.release import ZERO32, domain_of
from backend.federation.transport import pinned_client, refused_key
from backend.services.caller import Caller
from backend.services.common import ChainOps, h0x
from backend.services.errors import NotFound, ServiceError
from backend.services.prefetch import Prefetched, View
from backend.services.usage import fields_hash

log = logging.getLogger(__name__)

RELEASE_PATH = "/peer/v1/releases"
PEER_USE_OP = "peer.use"  # the outbox key of a use is f"{PEER_USE_OP}:{Idempotency-Key}"
DEFAULT_TIMEOUT_S = 10.0
REQUEST_TTL_S = 120  # well inside the owner's MAX_REQUEST_TTL_S
MAX_ANSWER_BYTES = 16 * 1024 * 1024  # far above a subject's records; bounds a hostile peer
ANSWER_DEADLINE_S = 30.0  # the whole answer, not one read
RESOURCE_CACHE_SIZE = 4096  # grants whose resource id is remembered (cleared when full)
ERROR_NAME_RE = re.compile(r"^[A-Za-z]{1,64}$")


@dataclass(frozen=True)
class Released:
    content: dict[str, Any]  # the released plaintext, parsed (backend.federation.dataset RELEASE_FORMAT)
    plaintext: bytes
    receipt: ReleaseReceipt
    signature: bytes  # the owner's signature of ``receipt``
    owner: str
    use_tx: str
    replayed: bool  # the owner answered from its ledger (this use had been released before)


class PeerClient:
    def __init__(
        self,
        ops: ChainOps,
        sessions: sessionmaker[Session],
        directory: PeerDirectory,
        encryption_key: NodeEncryptionKey,
        department: str,
        *,
        http: httpx.Client | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        endpoints: EndpointPolicy | None = None,
    ) -> None:
        self.ops = ops
        self.sessions = sessions
        self.directory = directory
        self.key = encryption_key
        self.department = department
        self.timeout = httpx.Timeout(timeout_s)
        # peers whose entry pins no TLS key; redirects are never followed (they could point anywhere)
        self.http = http or httpx.Client(timeout=self.timeout, follow_redirects=False)
        self._pinned: dict[bytes, httpx.Client] = {}  # one client per pinned TLS key
        # which owner endpoints may be called: public addresses only unless the operator allowed more
        self.endpoints = endpoints or EndpointPolicy()
        self.domain = domain_of(ops)
        # intents older than this with no signed transaction belong to a process that died
        # before signing: nothing of theirs can ever be mined
        self.started_at = datetime.now(UTC)
        self._resources: dict[int, int] = {}  # grant id -> its resource id (immutable on chain)
        self._issued_by: dict[int, int] = {}  # grant id -> the request it was issued for (immutable)
        # resource id -> its owner when last read: only says whose directory entry to read ahead
        # (the owner itself is read afresh every time, in the same batch)
        self._owners: dict[int, str] = {}

    # -- one use, then its release ----------------------------------------------------------------
    def fetch(
        self,
        grant_id: int,
        subject_hash: bytes | None,
        fields: list[str],
        officer_id: str,
        *,
        key: str,
        context_ref: bytes | None = None,
    ) -> Released:
        """Record a use of ``grant_id`` (idempotent by ``key``: the same key is the same use)
        and fetch its release from the owner's node."""
        given = fields_hash(fields)  # 422 for an empty list, before any chain write
        reads = self._read_ahead(grant_id)  # the views below in one round trip
        self._check_own_entry(reads)  # before a use is spent: the owner must be able to seal to us
        known = grant_id in self._resources
        resource = self._resource_of(grant_id, reads)  # unknown: UsageRightsUnknownGrant (404)
        if not known:  # first use of this grant here: read what depends on its resource
            reads = self._read_ahead(grant_id)
        # The owner releases only the approved list: a wrong one must not burn a use first.
        # The grant exists now, so the index has its GrantIssued once it reaches the head.
        check_approved_fields(
            self.ops,
            grant_id,
            given,
            index_to=self.ops.client.block_number,
            memo=self._issued_by,
            contracts=reads.contracts,
        )
        owner = reads.contracts.data_catalog.owner_of(resource)
        self._owners[resource] = owner
        self._owner_url(owner, reads)  # an endpoint this node will not call: refused before a use is spent
        officer = self.ops.officer(Caller("department", self.department, officer_id))
        subject = subject_hash or ZERO32
        created = self._note_intent(key, grant_id, owner, subject, fields)
        try:
            outcome = self.ops.contracts.usage_rights.record_use(
                self.ops.account_for(self.department),
                grant_id,
                officer,
                subject,
                context_ref or ZERO32,
                op=PEER_USE_OP,
                key=key,
            )
        except Exception:
            if created and self._outbox_row(key) is None:  # refused before signing: no use can follow
                self._drop_intent(key)
            raise  # else the transaction may still be mined: recover() settles the intent
        # the use's receipt, the clock and the owner's directory entry for the request: one round trip
        mined = [outcome.tx_hash] if outcome.tx_hash else []
        reads = self.ops.prefetch(self.directory.views_for(owner), with_time=True, receipts=mined)
        use_index = self._mined_use(outcome.tx_hash, grant_id, subject, reads)
        if use_index is None:  # a replayed key whose outbox row names a transaction that holds no such use
            raise PeerUseNotConfirmed(
                "the use's transaction holds no UseRecorded of this grant by this node", grant_id=grant_id
            )
        self._note_use(grant_id, use_index, outcome.tx_hash, owner, subject, fields, key=key)
        try:
            return self.deliver(grant_id, use_index, reads)
        except (PeerUnavailable, PeerRefused, PeerEndpointRefused) as exc:
            # The use is spent on chain either way: say which one, so the caller retries it.
            exc.args_dict |= {"grant_id": grant_id, "use_index": use_index, "use_tx": outcome.tx_hash}
            raise

    def recover(self) -> dict[str, int]:
        """Settle every intent whose transaction is final: a mined use is noted as ``recorded``
        (a retry releases it), a reverted or refused one is dropped, and so is one left by an
        earlier process before it signed anything. An intent still in flight waits for the next
        reconcile pass. Safe to run at any time: it only fills in what ``fetch`` would have."""
        counts = {"uses_noted": 0, "intents_dropped": 0}
        with self.sessions() as s:
            intents = list(s.scalars(select(PeerUseIntent).order_by(PeerUseIntent.id)))
        for intent in intents:
            row = self._outbox_row(intent.idempotency_key)
            if row is None:
                if _aware(intent.created_at) < self.started_at:
                    self._drop_intent(intent.idempotency_key)
                    counts["intents_dropped"] += 1
                continue
            if row.status in outbox.IN_FLIGHT:
                continue
            if row.status != outbox.MINED:
                self._drop_intent(intent.idempotency_key)
                counts["intents_dropped"] += 1
                continue
            subject = bytes.fromhex(intent.subject_hash[2:])
            # The use index from the chain's receipt, never the outbox row's stored events
            # (a row anyone with the database can edit).
            use_index = self._mined_use(row.tx_hash, int(intent.grant_id), subject)
            if use_index is None:
                log.error("intent %s: its mined transaction holds no such use; left for a look", intent.id)
                continue
            noted = self._note_use(
                int(intent.grant_id),
                use_index,
                row.tx_hash,
                intent.owner,
                subject,
                json.loads(intent.fields_json),
                key=intent.idempotency_key,
            )
            counts["uses_noted"] += int(noted)
        if any(counts.values()):
            log.info("peer uses recovered: %s", counts)
        return counts

    def deliver(self, grant_id: int, use_index: int, reads: Prefetched | None = None) -> Released:
        """Ask the owner's node for a use this node recorded (first time or a retry). ``reads``:
        the clock and the owner's directory entry read just before (else read here)."""
        use = self.use(grant_id, use_index)
        if use is None:
            raise NotFound("this node recorded no such use", grant_id=grant_id, use_index=use_index)
        fields: list[str] = json.loads(use.fields_json)
        if reads is None:
            reads = self.ops.prefetch(self.directory.views_for(use.owner), with_time=True)  # one round trip
        request = ReleaseRequest(
            grant_id=grant_id,
            use_index=use_index,
            use_tx=bytes.fromhex(use.use_tx[2:]),
            subject_hash=bytes.fromhex(use.subject_hash[2:]),
            fields_hash=fields_hash(fields),
            expires_at=reads.chain_time() + REQUEST_TTL_S,
            nonce=ReleaseRequest.fresh_nonce(),
        )
        signature = sign(self.domain, request, self.ops.account_for(self.department))
        body = {"request": request.to_json(), "signature": h0x(signature), "fields": fields}
        answer = self._post(use.owner, body, reads)
        released = self._verify(request, fields, answer, use.use_tx)
        self._note_release(released)
        return released

    def retry(self, grant_id: int, use_index: int, officer_id: str) -> Released:
        """``deliver`` on an officer's behalf, attributed: a retry records no use on chain, and
        the owner answers an already released use again, so this node writes who asked (the
        officer's salted hash) BEFORE asking, and what came of it after."""
        if self.use(grant_id, use_index) is None:
            raise NotFound("this node recorded no such use", grant_id=grant_id, use_index=use_index)
        officer = self.ops.officer(Caller("department", self.department, officer_id))
        with self.sessions.begin() as s:
            row = PeerUseRetry(
                grant_id=str(grant_id),
                use_index=use_index,
                officer_hash=h0x(officer),
                asked_at=datetime.now(UTC),
                outcome="asked",
            )
            s.add(row)
            s.flush()
            row_id = row.id
        outcome = "asked"
        try:
            released = self.deliver(grant_id, use_index)
            outcome = "replayed" if released.replayed else "released"
            return released
        except Exception as exc:
            outcome = (exc.name if isinstance(exc, ServiceError) else type(exc).__name__)[:64]
            raise
        finally:
            with self.sessions.begin() as s:
                s.execute(update(PeerUseRetry).where(PeerUseRetry.id == row_id).values(outcome=outcome))
            log.info("retry of grant %s use %s by officer %s: %s", grant_id, use_index, h0x(officer), outcome)

    def uses(self, *, status: str | None = None, offset: int = 0, limit: int = 50) -> tuple[int, list[PeerUse]]:
        """Uses this node recorded as a grantee, newest first: (total, one page)."""
        q = select(PeerUse)
        if status is not None:
            q = q.where(PeerUse.status == status)
        with self.sessions() as s:
            rows = list(s.scalars(q.order_by(PeerUse.id.desc())))
        return len(rows), rows[offset : offset + limit]

    def use(self, grant_id: int, use_index: int) -> PeerUse | None:
        with self.sessions() as s:
            return s.scalar(select(PeerUse).where(PeerUse.grant_id == str(grant_id), PeerUse.use_index == use_index))

    def pending(self, grant_id: int, subject_hash: bytes) -> bool:
        """Whether a use of ``grant_id`` for ``subject_hash`` is still an intent (signed or about
        to be, not yet noted): ``recover`` notes it once its transaction is final."""
        with self.sessions() as s:
            return (
                s.scalar(
                    select(PeerUseIntent.id).where(
                        PeerUseIntent.grant_id == str(grant_id), PeerUseIntent.subject_hash == h0x(subject_hash)
                    )
                )
                is not None
            )

    # -- internals ------------------------------------------------------------------------------------
    def _read_ahead(self, grant_id: int) -> Prefetched:
        """What :meth:`fetch` reads before it spends a use, in one batch: this node's directory
        entry, then (once the grant's resource is known) the resource's owner, the request the
        grant was issued for and the entry of the owner it had last time (read now, used only
        if it is still the owner), or else the grant itself."""
        views: list[View] = list(self.directory.views_for(self.department))
        resource = self._resources.get(grant_id)
        if resource is None:
            return self.ops.prefetch([*views, ("UsageRights", "grant", (grant_id,))])
        views.append(("DataCatalog", "ownerOf", (resource,)))
        request_id = self._issued_by.get(grant_id)
        if request_id:
            views.append(("UsageRights", "request", (request_id,)))
        owner = self._owners.get(resource)
        if owner is not None:
            views += self.directory.views_for(owner)
        return self.ops.prefetch(views)

    def _owner_url(self, owner: str, reads: Prefetched | None = None) -> str:
        """The owner's release URL from the directory, once the endpoint policy allows it."""
        url = self.directory.resolve(owner, reads).endpoint.rstrip("/") + RELEASE_PATH
        self.endpoints.check(url)
        return url

    def _post(self, owner: str, body: dict[str, Any], reads: Prefetched | None = None) -> dict[str, Any]:
        node = self.directory.resolve(owner, reads)
        url = node.endpoint.rstrip("/") + RELEASE_PATH
        self.endpoints.check(url)
        pin = node.transport_key_hash if node.transport_key_hash != ZERO32 else None
        if pin is not None and not url.startswith("https://"):  # never downgrade a pinned peer to plain HTTP
            raise PeerTransportKeyMismatch(
                "the owner's directory entry pins a TLS key but its endpoint is not https", owner=owner
            )
        try:
            status, raw = self._bounded_post(self._client_for(pin), url, body)
        except httpx.TransportError as exc:  # refused, unreachable, timed out, or another TLS key
            refused = refused_key(exc)
            if refused is not None:
                raise PeerTransportKeyMismatch(
                    "the owner's node presented another TLS key than its directory entry pins",
                    owner=owner,
                    pinned=h0x(refused.expected),
                    presented=h0x(refused.presented) if refused.presented else None,
                ) from None
            raise PeerUnavailable("the owner's node did not answer", owner=owner, cause=type(exc).__name__) from None
        if 300 <= status < 400:  # a redirect could point anywhere: never followed
            raise PeerEndpointRefused("the owner's node answered a redirect", owner=owner, peer_status=status)
        if status >= 500:
            raise PeerUnavailable("the owner's node is unavailable", owner=owner, peer_status=status)
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = {}
        if status != 200:
            err = payload if isinstance(payload, dict) else {}
            name = err.get("error")
            # Only an error NAME crosses to our staff: a peer's free text or args are not relayed.
            raise PeerRefused(
                "the owner's node refused the release",
                owner=owner,
                peer_status=status,
                peer_error=name if isinstance(name, str) and ERROR_NAME_RE.match(name) else None,
            )
        if not isinstance(payload, dict):
            raise ReleaseNotVerified("the owner's answer is not a JSON object", owner=owner)
        return payload

    def _client_for(self, pin: bytes | None) -> httpx.Client:
        """Plain httpx for an entry without a TLS pin; else a client that accepts only the pinned
        key, checked in the handshake (backend/federation/transport.py) before the request goes."""
        if pin is None:
            return self.http
        client = self._pinned.get(pin)
        if client is None:
            client = self._pinned[pin] = pinned_client(pin, self.timeout)
        return client

    def close(self) -> None:
        self.http.close()
        for client in self._pinned.values():
            client.close()

    @staticmethod
    def _bounded_post(http: httpx.Client, url: str, body: dict[str, Any]) -> tuple[int, bytes]:
        """POST and read at most MAX_ANSWER_BYTES within ANSWER_DEADLINE_S in all: a peer that
        answers without end, or a byte at a time, costs us neither memory nor a thread."""
        deadline = time.monotonic() + ANSWER_DEADLINE_S
        with http.stream("POST", url, json=body, follow_redirects=False) as r:
            chunks: list[bytes] = []
            size = 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:
                    raise ReleaseNotVerified("the owner's answer is too large", limit=MAX_ANSWER_BYTES)
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("the owner's answer took too long")
                chunks.append(chunk)
            return r.status_code, b"".join(chunks)

    def _resource_of(self, grant_id: int, reads: Prefetched | None = None) -> int:
        """The resource of a grant: read once from the contract (an unknown grant raises
        UsageRightsUnknownGrant), then remembered, since a grant never changes its resource.
        Its owner is always read afresh: a resource can be transferred."""
        hit = self._resources.get(grant_id)
        if hit is None:
            hit = (
                (reads.contracts if reads is not None else self.ops.contracts).usage_rights.grant(grant_id).resource_id
            )
            if len(self._resources) >= RESOURCE_CACHE_SIZE:
                self._resources.clear()
                self._owners.clear()
            self._resources[grant_id] = hit
        return hit

    def _check_own_entry(self, reads: Prefetched | None = None) -> None:
        """The directory must carry THIS node's encryption key, or every owner would seal our
        releases to someone else's (e.g. a key a clerk published): refuse before spending a use."""
        published = self.directory.resolve(self.department, reads).encryption_key
        if published != self.key.public_key:
            raise DirectoryKeyMismatch(
                "this node's directory entry does not carry this node's encryption key", department=self.department
            )

    def _verify(self, request: ReleaseRequest, fields: list[str], answer: dict[str, Any], use_tx: str) -> Released:
        args = {"grant_id": request.grant_id, "use_index": request.use_index}
        try:
            envelope = base64.b64decode(answer["envelope"], validate=True)
            receipt = ReleaseReceipt.from_json(answer["receipt"])
            signature = bytes.fromhex(str(answer["signature"]).removeprefix("0x"))
        except (KeyError, TypeError, ValueError):
            raise ReleaseNotVerified("the owner's answer is malformed", **args) from None
        owner = self.ops.contracts.data_catalog.owner_of(self._resource_of(request.grant_id))
        try:
            signer = recover(self.domain, receipt, signature)
        except BadSignature:
            raise ReleaseNotVerified("the receipt signature does not recover", **args) from None
        if signer.lower() != str(owner).lower():
            raise ReleaseNotVerified("the receipt is not signed by the resource's owner", signer=signer, **args)
        if (receipt.grant_id, receipt.use_index) != (request.grant_id, request.use_index):
            raise ReleaseNotVerified("the receipt names another use", **args)
        if envelope_hash(envelope) != receipt.envelope_hash:
            raise ReleaseNotVerified("the envelope does not match the receipt", **args)
        try:
            plaintext = self.key.open(envelope)
        except EnvelopeError:
            raise ReleaseNotVerified("the envelope does not open with this node's key", **args) from None
        if hashlib.sha256(plaintext).digest() != receipt.content_hash:
            raise ReleaseNotVerified("the content does not match the receipt", **args)
        content = json.loads(plaintext)
        allowed = set(fields)
        if (
            content.get("grant_id") != request.grant_id
            or content.get("use_index") != request.use_index
            or content.get("subject_hash") != h0x(request.subject_hash)
            or not set(content.get("fields") or ()) <= allowed
            or any(not set(rec) <= allowed for rec in content.get("records") or ())
        ):
            raise ReleaseNotVerified("the content names another use, subject or fields", **args)
        return Released(content, plaintext, receipt, signature, signer, use_tx, bool(answer.get("replayed")))

    def _note_intent(self, key: str, grant_id: int, owner: str, subject: bytes, fields: list[str]) -> bool:
        """Write the intent before signing; False when the key has one already (a replay)."""
        try:
            with self.sessions.begin() as s:
                s.add(
                    PeerUseIntent(
                        idempotency_key=key,
                        grant_id=str(grant_id),
                        owner=owner,
                        subject_hash=h0x(subject),
                        fields_json=json.dumps(_clean(fields)),
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            return False
        return True

    def _drop_intent(self, key: str) -> None:
        with self.sessions.begin() as s:
            s.execute(delete(PeerUseIntent).where(PeerUseIntent.idempotency_key == key))

    def _mined_use(
        self, tx_hash: str | None, grant_id: int, subject: bytes, reads: Prefetched | None = None
    ) -> int | None:
        """The use index of the UsageRights ``UseRecorded`` (this grant, by this department, for
        ``subject``) in the mined, successful receipt of ``tx_hash`` fetched from the chain (in
        ``reads`` when given); None when the chain holds no such use there."""
        if not tx_hash:
            return None
        receipt = reads.receipt(tx_hash) if reads is not None else self.ops.client.get_receipt(tx_hash)
        if receipt is None or receipt.get("blockNumber") is None or int(receipt["status"]) != 1:
            return None
        for ev in self.ops.client.decode_receipt_events(receipt):
            a = ev["args"]
            if (
                ev["contract"] == "UsageRights"
                and ev["event"] == "UseRecorded"
                and int(a["grantId"]) == grant_id
                and str(a["user"]).lower() == self.department.lower()
                and str(a["subjectHash"]).lower() == h0x(subject)
            ):
                return int(a["useIndex"])
        return None

    def _outbox_row(self, key: str) -> outbox.OutboxTx | None:
        with self.sessions() as s:
            return outbox.find_by_key(s, to_checksum_address(self.department), f"{PEER_USE_OP}:{key}")

    def _note_use(
        self,
        grant_id: int,
        use_index: int,
        tx_hash: str,
        owner: str,
        subject: bytes,
        fields: list[str],
        *,
        key: str,
    ) -> bool:
        """Note the use and drop its intent in one transaction; False if it was noted already."""
        try:
            with self.sessions.begin() as s:
                s.add(
                    PeerUse(
                        grant_id=str(grant_id),
                        use_index=use_index,
                        use_tx=tx_hash.lower(),
                        owner=owner,
                        subject_hash=h0x(subject),
                        fields_json=json.dumps(_clean(fields)),
                        status="recorded",
                        recorded_at=datetime.now(UTC),
                    )
                )
                s.execute(delete(PeerUseIntent).where(PeerUseIntent.idempotency_key == key))
        except IntegrityError:  # the same use again (a replayed key, or recover() got there first)
            self._drop_intent(key)
            return False
        return True

    def _note_release(self, r: Released) -> None:
        with self.sessions.begin() as s:
            use = s.scalar(
                select(PeerUse).where(
                    PeerUse.grant_id == str(r.receipt.grant_id), PeerUse.use_index == r.receipt.use_index
                )
            )
            if use is None:  # pragma: no cover - deliver() read it just before
                return
            use.status = "released"
            use.content_hash = h0x(r.receipt.content_hash)
            use.envelope_hash = h0x(r.receipt.envelope_hash)
            use.released_at = r.receipt.released_at
            use.receipt_signature = h0x(r.signature)


def _clean(fields: list[str]) -> list[str]:
    return sorted({f.strip() for f in fields if f.strip()})


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)  # SQLite hands back naive datetimes
