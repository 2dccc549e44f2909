"""Owner side of a peer release: the checks, in order, then the ledger.

``ReleaseService.release(request, signature, fields)`` answers a sealed envelope and a
signed receipt only when every check holds; the first failing check raises its
error (backend.federation.errors) and nothing leaves:

1. the signature recovers an address (the signer);
2. the request has not expired by the chain's clock, and does not reach further
   ahead than ``MAX_REQUEST_TTL_S`` (a nonce then only has to be remembered that long);
3. the nonce was never accepted before;
4. the grant exists (the contract's view), its grantee is the signer, and its
   resource is owned by THIS node's department;
5. the grant is not revoked (checked now, at release time: fail closed);
6. the use is on chain: ``useTx`` has a mined, successful receipt whose logs hold the
   UsageRights ``UseRecorded`` event of this grant and use index, by the signer, for
   ``subjectHash`` (decoded with the contract ABI from the receipt: no log queries);
7. the field list hashes to the request's ``fields``, which is the ``fieldsHash`` of
   the request the grant was issued for (found through the event index, confirmed
   by the contract's ``request(id).grantId``); a direct grant has no approved field
   list on chain and releases nothing through this protocol;
8. a use without a subject (zero ``subjectHash``) only on PUBLIC resources;
9. the data: the records of the subject in the resource's current version (a
   dataset, backend.federation.dataset), projected onto the approved fields.

Then one DB transaction stores the nonce and, for the first release of this use,
the ledger row (envelope + receipt); a later valid request for the same use gets
the stored bytes. The grant's expiry is not a refusal here: the contract checked
it when the use was recorded, and a recorded use is owed its one release (the
owner's node may have been down in between); revocation is the owner's way to
withdraw it.

After the commit of a first release, ``recorder`` (backend.federation.onchain) is woken to
record it on chain (``UsageRights.recordRelease``) in the background: the answer does not
wait for that transaction, the ledger row is the durable promise that it will be sent.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.bindings import Resource
from backend.chain.enums import Classification
from backend.core.identity import subject_hash
from backend.federation import dataset as ds
from backend.federation.directory import PeerDirectory
from backend.federation.envelope import envelope_hash, seal
from backend.federation.errors import (
    ReleaseAggregateNotPermitted,
    ReleaseFieldsNotApproved,
    ReleaseGrantRevoked,
    ReleaseLedgerTampered,
    ReleaseNonceReused,
    ReleaseNotGrantee,
    ReleaseNotOwnedHere,
    ReleaseRequestExpired,
    ReleaseSignatureInvalid,
    ReleaseSubjectNotInDataset,
    ReleaseUseNotRecorded,
)
from backend.federation.ledger import receipt_of, row_verifies
from backend.federation.messages import BadSignature, ReleaseDomain, ReleaseReceipt, ReleaseRequest, recover, sign
from backend.federation.models import PeerRelease, PeerReleaseNonce
from backend.federation.onchain import ReleaseRecorder
from backend.indexer.query import IndexBehind
from backend.services.common import ChainOps, canonical_json, h0x
from backend.services.errors import IndexLagging
from backend.services.usage import fields_hash
from backend.store import DocumentStore

log = logging.getLogger(__name__)

MAX_REQUEST_TTL_S = 600
ISSUED_BY_CACHE_SIZE = 4096  # grants whose issuing request is remembered (cleared when full)
ZERO32 = b"\x00" * 32
# Classifications whose grants may be used without a data subject (aggregate release).
# A use without a subject hands over every record: only public data may leave that way
# (INTERNAL datasets hold per-citizen records too; nothing in the grant said "all of them").
AGGREGATE_ALLOWED = frozenset({Classification.PUBLIC.value})


def domain_of(ops: ChainOps) -> ReleaseDomain:
    return ReleaseDomain(ops.client.chain_id, ops.manifest.contract("UsageRights").address)


@dataclass(frozen=True)
class ReleaseAnswer:
    envelope: bytes
    receipt: ReleaseReceipt
    signature: bytes  # the owner's EIP-712 signature of ``receipt``
    owner: str
    replayed: bool  # the ledger already held this use's release: the same bytes again


@dataclass(frozen=True)
class _Checked:
    signer: str
    resource_id: int
    resource: Resource
    fields: list[str]


class ReleaseService:
    def __init__(
        self,
        ops: ChainOps,
        store: DocumentStore,
        sessions: sessionmaker[Session],
        directory: PeerDirectory,
        department: str,
        recorder: ReleaseRecorder | None = None,
    ) -> None:
        self.ops = ops
        self.store = store
        self.sessions = sessions
        self.directory = directory
        self.department = department  # the one department this node holds the key of
        self.domain = domain_of(ops)
        self.recorder = recorder  # records each first release on chain; None: nothing is sent
        self._issued_by: dict[int, int] = {}  # grant id -> the request it was issued for (immutable)

    def release(self, request: ReleaseRequest, signature: bytes, fields: list[str]) -> ReleaseAnswer:
        checked = self.check(request, signature, fields)
        existing = self.ledger_entry(request.grant_id, request.use_index)
        if existing is None and int(
            self.ops.contracts.usage_rights.release_of(request.grant_id, request.use_index), 16
        ):
            # Released and recorded on chain, yet this node's ledger has no row (deleted?):
            # never build a second, different release of one use.
            raise ReleaseLedgerTampered(
                "this use was released (on chain) but its ledger row is gone",
                grant_id=request.grant_id,
                use_index=request.use_index,
            )
        built = None if existing is not None else self._build(request, checked)
        return self._commit(request, checked, built)

    def check(self, request: ReleaseRequest, signature: bytes, fields: list[str]) -> _Checked:
        """Checks 1-8 (see the module doc); raises the first that fails."""
        signer = self._signer(request, signature)
        now = self.ops.chain_time()
        if request.expires_at <= now:
            raise ReleaseRequestExpired("the request has expired", expires_at=request.expires_at, chain_time=now)
        if request.expires_at > now + MAX_REQUEST_TTL_S:
            raise ReleaseRequestExpired(
                f"expiresAt may be at most {MAX_REQUEST_TTL_S} s ahead", expires_at=request.expires_at, chain_time=now
            )
        if self._nonce_seen(request.nonce):
            raise ReleaseNonceReused("this nonce was used before", nonce=h0x(request.nonce))
        g = self.ops.contracts.usage_rights.grant(request.grant_id)  # unknown: UsageRightsUnknownGrant (404)
        if g.grantee.lower() != signer.lower():
            raise ReleaseNotGrantee("the signer is not the grantee", grant_id=request.grant_id, signer=signer)
        resource_id = g.resource_id
        resource = self.ops.contracts.data_catalog.resource(resource_id)
        if resource.owner.lower() != self.department.lower():
            raise ReleaseNotOwnedHere("this node's department does not own the resource", resource_id=resource_id)
        if g.revoked:
            raise ReleaseGrantRevoked("the grant was revoked", grant_id=request.grant_id)
        use_block = self._use_on_chain(request, signer)
        approved = self._approved_fields(request, fields, use_block)
        if request.subject_hash == ZERO32 and resource.classification not in AGGREGATE_ALLOWED:
            raise ReleaseAggregateNotPermitted(
                "a use without a subject needs a PUBLIC resource", resource_id=resource_id
            )
        return _Checked(signer, resource_id, resource, approved)

    def ledger_entry(self, grant_id: int, use_index: int) -> PeerRelease | None:
        with self.sessions() as s:
            return s.scalar(
                select(PeerRelease).where(PeerRelease.grant_id == str(grant_id), PeerRelease.use_index == use_index)
            )

    # -- the checks ---------------------------------------------------------------------------------
    def _signer(self, request: ReleaseRequest, signature: bytes) -> str:
        try:
            return recover(self.domain, request, signature)
        except BadSignature:
            raise ReleaseSignatureInvalid("the signature does not recover a signer") from None

    def _nonce_seen(self, nonce: bytes) -> bool:
        with self.sessions() as s:
            return s.get(PeerReleaseNonce, h0x(nonce)) is not None

    def _use_on_chain(self, request: ReleaseRequest, signer: str) -> int:
        """The block of the mined UseRecorded this request names; raises ReleaseUseNotRecorded."""
        args = {"grant_id": request.grant_id, "use_index": request.use_index, "use_tx": h0x(request.use_tx)}
        receipt = self.ops.client.get_receipt(h0x(request.use_tx))
        if receipt is None or receipt.get("blockNumber") is None:
            raise ReleaseUseNotRecorded("the use transaction is not mined", **args)
        if int(receipt["status"]) != 1:
            raise ReleaseUseNotRecorded("the use transaction reverted", **args)
        want_subject = h0x(request.subject_hash)
        for ev in self.ops.client.decode_receipt_events(receipt):
            a = ev["args"]
            if (
                ev["contract"] == "UsageRights"
                and ev["event"] == "UseRecorded"
                and int(a["grantId"]) == request.grant_id
                and int(a["useIndex"]) == request.use_index
                and str(a["user"]).lower() == signer.lower()
                and str(a["subjectHash"]).lower() == want_subject
            ):
                return int(receipt["blockNumber"])
        raise ReleaseUseNotRecorded("the transaction recorded no such use by the signer for this subject", **args)

    def _approved_fields(self, request: ReleaseRequest, fields: list[str], use_block: int) -> list[str]:
        given = fields_hash(fields)  # InvalidInput (422) for an empty list
        if given != request.fields_hash:
            raise ReleaseFieldsNotApproved(
                "the field list does not hash to the signed fields", grant_id=request.grant_id
            )
        request_id = self._issuing_request(request.grant_id, use_block)
        if request_id == 0:
            raise ReleaseFieldsNotApproved(
                "a direct grant has no approved field list on chain", grant_id=request.grant_id
            )
        req = self.ops.contracts.usage_rights.request(request_id)
        if req.grant_id != request.grant_id or req.fields_hash.lower() != h0x(given):
            raise ReleaseFieldsNotApproved(
                "the fields are not those approved for the grant", grant_id=request.grant_id, request_id=request_id
            )
        return sorted({f.strip() for f in fields if f.strip()})

    def _issuing_request(self, grant_id: int, use_block: int) -> int:
        """The id of the request ``grant_id`` was issued for (0: a direct grant), from the event
        index; only a hint: the caller confirms it with the contract's ``request(id).grantId``.

        A grant's GrantIssued never changes, so a found id is remembered per grant. The index
        is read first and waited on only when it lacks the event: the grant was issued before
        its use was mined, so once the index has the use's block it has the GrantIssued too.
        (Waiting first cost most of a follower round on every release.)"""
        hit = self._issued_by.get(grant_id)
        if hit is not None:
            return hit
        issued = self.ops.history("UsageRights", "GrantIssued", grantId=grant_id)
        if not issued:
            try:
                self.ops.index.wait_for(use_block)
            except IndexBehind as exc:
                raise IndexLagging(exc.needed_block, exc.indexed_to_block) from None
            issued = self.ops.history("UsageRights", "GrantIssued", grantId=grant_id)
        request_id = int(issued[0]["args"]["requestId"]) if issued else 0
        if request_id:
            if len(self._issued_by) >= ISSUED_BY_CACHE_SIZE:
                self._issued_by.clear()
            self._issued_by[grant_id] = request_id
        return request_id

    # -- the data ---------------------------------------------------------------------------------------
    def _hash_id(self, id_type: str, id_value: str) -> bytes:
        try:
            return subject_hash(self.ops.subject_secret, id_type, id_value)
        except ValueError:  # an identifier that cannot be normalised matches nobody
            return b""

    def _build(self, request: ReleaseRequest, c: _Checked) -> dict[str, Any]:
        version = c.resource.version_count
        source_hash = c.resource.content_hash.lower()
        data = ds.parse_dataset(self.store.get(source_hash, self.department))
        aggregate = request.subject_hash == ZERO32
        records = list(data.records) if aggregate else data.of_subject(request.subject_hash, self._hash_id)
        if not aggregate and not records:
            raise ReleaseSubjectNotInDataset("no record of this subject", resource_id=c.resource_id)
        plaintext = canonical_json(
            {
                "format": ds.RELEASE_FORMAT,
                "grant_id": request.grant_id,
                "use_index": request.use_index,
                "use_tx": h0x(request.use_tx),
                "resource_id": c.resource_id,
                "version": version,
                "source_content_hash": source_hash,  # keccak256 anchored on chain for this version
                "scope": "aggregate" if aggregate else "subject",
                "subject_hash": h0x(request.subject_hash),
                "fields": c.fields,
                "records": ds.project(records, c.fields),
                # The receipt's content hash is public on chain (UseReleased): without a secret
                # salt, anyone could confirm a guess of the records (e.g. a marital status).
                "salt": secrets.token_hex(32),
            }
        )
        recipient = self.directory.resolve(c.signer)
        envelope = seal(plaintext, recipient.encryption_key)
        receipt = ReleaseReceipt(
            grant_id=request.grant_id,
            use_index=request.use_index,
            content_hash=hashlib.sha256(plaintext).digest(),
            envelope_hash=envelope_hash(envelope),
            released_at=self.ops.chain_time(),
        )
        signature = sign(self.domain, receipt, self.ops.account_for(self.department))
        return {
            "grant_id": str(request.grant_id),
            "use_index": request.use_index,
            "use_tx": h0x(request.use_tx),
            "grantee": c.signer,
            "resource_id": str(c.resource_id),
            "version": version,
            "subject_hash": h0x(request.subject_hash),
            "fields_hash": h0x(request.fields_hash),
            "record_count": len(records),
            "content_hash": h0x(receipt.content_hash),
            "envelope": envelope,
            "envelope_hash": h0x(receipt.envelope_hash),
            "released_at": receipt.released_at,
            "receipt_signature": h0x(signature),
            "first_nonce": h0x(request.nonce),
        }

    # -- the ledger ---------------------------------------------------------------------------------------
    def _commit(self, request: ReleaseRequest, c: _Checked, built: dict[str, Any] | None) -> ReleaseAnswer:
        """The nonce and (first time) the ledger row in one transaction, before the answer."""
        for attempt in (1, 2):
            try:
                with self.sessions.begin() as s:
                    s.add(
                        PeerReleaseNonce(
                            nonce=h0x(request.nonce),
                            signer=c.signer,
                            grant_id=str(request.grant_id),
                            use_index=request.use_index,
                            expires_at=request.expires_at,
                            seen_at=datetime.now(UTC),
                        )
                    )
                    try:
                        s.flush()
                    except IntegrityError:
                        raise ReleaseNonceReused("this nonce was used before", nonce=h0x(request.nonce)) from None
                    row = s.scalar(
                        select(PeerRelease).where(
                            PeerRelease.grant_id == str(request.grant_id), PeerRelease.use_index == request.use_index
                        )
                    )
                    replayed = row is not None
                    if row is None:
                        if built is None:  # pragma: no cover - ledger rows are never deleted
                            raise RuntimeError("ledger row of a released use disappeared")
                        row = PeerRelease(**built)
                        s.add(row)
                        s.flush()
                    answer = self._answer(row, replayed)
                if not replayed:
                    log.info("released grant %s use %s to %s", request.grant_id, request.use_index, c.signer)
                    if self.recorder is not None:
                        self.recorder.wake()  # the row is committed: its on-chain record follows
                return answer
            except IntegrityError:
                if attempt == 2:
                    raise
                # a concurrent first release of this use committed first: answer its row
        raise AssertionError("unreachable")  # pragma: no cover

    def _answer(self, row: PeerRelease, replayed: bool) -> ReleaseAnswer:
        if replayed and not row_verifies(row, self.domain, self.department):
            log.error("ledger row of grant %s use %s does not verify: tampered", row.grant_id, row.use_index)
            raise ReleaseLedgerTampered(
                "this use's ledger row does not verify", grant_id=int(row.grant_id), use_index=row.use_index
            )
        return ReleaseAnswer(
            envelope=bytes(row.envelope),
            receipt=receipt_of(row),
            signature=bytes.fromhex(row.receipt_signature[2:]),
            owner=self.department,
            replayed=replayed,
        )
