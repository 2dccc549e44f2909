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
5b. the grantee is an active department of the consortium (checked now: a suspended grantee gets
   nothing, not even a use it recorded before its suspension, as the contract refuses it new uses);
6. the use is on chain: ``useTx`` has a mined, successful receipt whose logs hold the
   UsageRights ``UseRecorded`` event of this grant and use index, by the signer, for
   ``subjectHash`` (decoded with the contract ABI from the receipt: no log queries);
7. the field list hashes to the request's ``fields``, which is the ``fieldsHash`` of
   the request the grant was issued for (found through the event index, confirmed
   by the contract's ``request(id).grantId``); a direct grant has no approved field
   list on chain and releases nothing through this protocol;
7b. a grant that serves a one-stop service (its grantee leads a registered service with a
   requirement on this resource, purpose and legal basis: a standing grant) releases only for
   an OPEN case of such a service whose applicant is the use's subject and whose ``caseRef``
   is the use's on-chain ``contextRef`` (backend.federation.case_bound; 403 ReleaseNotForCase);
8. a use without a subject (zero ``subjectHash``) only on PUBLIC resources;
9. the data: the records of the subject in the resource's current version (a
   dataset, backend.federation.dataset), projected onto the approved fields.

The chain reads of these checks (the clock, the grant, its resource, the grantee's standing,
the use's receipt, the approved request, the service count, ``releaseOf`` and the grantee's
directory entry) are
asked in ONE JSON-RPC batch right after check 1 (backend.services.prefetch): each as fresh as
a read made at its check, the checks and their order unchanged.

Then one DB transaction stores the nonce and, for the first release of this use,
the ledger row (envelope + receipt); a later valid request for the same use gets
the stored bytes. After that commit, up to ``NONCE_PRUNE_BATCH`` nonces whose request has
expired are deleted (check 2 refuses such a request before its nonce matters). The grant's expiry is not a refusal here: the contract checked
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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.bindings import Contracts, Resource
from backend.chain.enums import Classification
from backend.core.identity import subject_hash
from backend.federation import dataset as ds
from backend.federation.approval import check_approved_fields
from backend.federation.case_bound import OSS, CaseBinding
from backend.federation.directory import PeerDirectory
from backend.federation.envelope import envelope_hash, seal
from backend.federation.errors import (
    ReleaseAggregateNotPermitted,
    ReleaseFieldsNotApproved,
    ReleaseGranteeNotActive,
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
from backend.services.common import ChainOps, canonical_json, h0x
from backend.services.prefetch import Prefetched, View
from backend.services.usage import fields_hash
from backend.store import DocumentStore

log = logging.getLogger(__name__)

MAX_REQUEST_TTL_S = 600
# Nonces pruned per accepted request: bounded work on the request path, and more than the one
# nonce each request adds, so the table shrinks back to the unexpired ones.
NONCE_PRUNE_BATCH = 100
MEMO_SIZE = 4096  # grants whose resource id is remembered (cleared when full)
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
    chain_time: int  # the chain's time the expiry was checked against
    reads: Prefetched  # the views read for the checks (release() asks releaseOf from it too)


class ReleaseService:
    def __init__(
        self,
        ops: ChainOps,
        store: DocumentStore,
        sessions: sessionmaker[Session],
        directory: PeerDirectory,
        department: str,
        recorder: ReleaseRecorder | None = None,
        chain_guard: Callable[[], None] | None = None,
    ) -> None:
        self.ops = ops
        self.store = store
        self.sessions = sessions
        self.directory = directory
        self.department = department  # the one department this node holds the key of
        self.domain = domain_of(ops)
        self.recorder = recorder  # records each first release on chain; None: nothing is sent
        # raises (ChainPinMismatch) when the RPC no longer serves the chain the node pinned: a
        # grant read from another chain must never release data (backend/chain/pins.py)
        self.chain_guard = chain_guard
        self.cases = CaseBinding(ops)  # a service's standing grant releases only for its cases
        self._issued_by: dict[int, int] = {}  # grant id -> the request it was issued for (immutable)
        self._resources: dict[int, int] = {}  # grant id -> its resource id (immutable on chain)

    def release(self, request: ReleaseRequest, signature: bytes, fields: list[str]) -> ReleaseAnswer:
        if self.chain_guard is not None:
            self.chain_guard()
        checked = self.check(request, signature, fields)
        existing = self.ledger_entry(request.grant_id, request.use_index)
        if existing is None and int(
            checked.reads.contracts.usage_rights.release_of(request.grant_id, request.use_index), 16
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
        """Checks 1-8, 5b and 7b (see the module doc); raises the first that fails."""
        signer = self._signer(request, signature)
        reads = self._read_ahead(request, signer)  # one round trip for the reads below
        chain = reads.contracts
        now = reads.chain_time()
        if request.expires_at <= now:
            raise ReleaseRequestExpired("the request has expired", expires_at=request.expires_at, chain_time=now)
        if request.expires_at > now + MAX_REQUEST_TTL_S:
            raise ReleaseRequestExpired(
                f"expiresAt may be at most {MAX_REQUEST_TTL_S} s ahead", expires_at=request.expires_at, chain_time=now
            )
        if self._nonce_seen(request.nonce):
            raise ReleaseNonceReused("this nonce was used before", nonce=h0x(request.nonce))
        g = chain.usage_rights.grant(request.grant_id)  # unknown: UsageRightsUnknownGrant (404)
        if g.grantee.lower() != signer.lower():
            raise ReleaseNotGrantee("the signer is not the grantee", grant_id=request.grant_id, signer=signer)
        resource_id = g.resource_id
        self._remember(self._resources, request.grant_id, resource_id)
        resource = chain.data_catalog.resource(resource_id)
        if resource.owner.lower() != self.department.lower():
            raise ReleaseNotOwnedHere("this node's department does not own the resource", resource_id=resource_id)
        if g.revoked:
            raise ReleaseGrantRevoked("the grant was revoked", grant_id=request.grant_id)
        if not chain.consortium.is_active_department(g.grantee):
            raise ReleaseGranteeNotActive(
                "the grantee is not an active department", grant_id=request.grant_id, grantee=g.grantee
            )
        use_block, context_ref = self._use_on_chain(request, signer, reads)
        approved, request_id = self._approved_fields(request, fields, use_block, chain)
        self.cases.check(
            request.grant_id,
            g,
            chain.usage_rights.request(request_id),
            h0x(request.subject_hash),
            context_ref,
            use_block=use_block,
            contracts=chain,
        )
        if request.subject_hash == ZERO32 and resource.classification not in AGGREGATE_ALLOWED:
            raise ReleaseAggregateNotPermitted(
                "a use without a subject needs a PUBLIC resource", resource_id=resource_id
            )
        return _Checked(signer, resource_id, resource, approved, now, reads)

    def _read_ahead(self, request: ReleaseRequest, signer: str) -> Prefetched:
        """The views :meth:`check` and :meth:`release` ask, and the chain's clock, in one batch.
        Each is read now, as the check would read it; what it depends on (a grant's resource,
        the request it was issued for) comes from what the chain said before (never changes)."""
        gid = request.grant_id
        views: list[View] = [
            ("UsageRights", "grant", (gid,)),
            ("Consortium", "isActiveDepartment", (signer,)),
            ("UsageRights", "releaseOf", (gid, request.use_index)),
        ]
        resource_id = self._resources.get(gid)
        if resource_id is not None:
            views.append(("DataCatalog", "resource", (resource_id,)))
        request_id = self._issued_by.get(gid)
        if request_id:
            views.append(("UsageRights", "request", (request_id,)))
        if OSS in self.ops.manifest.contracts:
            views.append((OSS, "serviceCount", ()))
        views += self.directory.views_for(signer)  # the key a release is sealed to
        return self.ops.prefetch(views, with_time=True, receipts=[h0x(request.use_tx)])

    @staticmethod
    def _remember(memo: dict[int, int], key: int, value: int) -> None:
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[key] = value

    def prune_nonces(self, now: int, limit: int = NONCE_PRUNE_BATCH) -> int:
        """Delete up to ``limit`` nonces whose request expired at or before chain time ``now``:
        such a request is refused by its expiry (check 2) before its nonce is looked at, so
        the row guards nothing any more. Returns how many went."""
        expired = (
            select(PeerReleaseNonce.nonce)
            .where(PeerReleaseNonce.expires_at <= now)
            .order_by(PeerReleaseNonce.expires_at)
            .limit(limit)
        )
        with self.sessions.begin() as s:
            gone = s.execute(
                delete(PeerReleaseNonce)
                .where(PeerReleaseNonce.nonce.in_(expired))
                .execution_options(synchronize_session=False)
            )
        return int(getattr(gone, "rowcount", 0) or 0)

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

    def _use_on_chain(self, request: ReleaseRequest, signer: str, reads: Prefetched) -> tuple[int, str]:
        """The block and context ref of the mined UseRecorded this request names; raises ReleaseUseNotRecorded."""
        args = {"grant_id": request.grant_id, "use_index": request.use_index, "use_tx": h0x(request.use_tx)}
        receipt = reads.receipt(h0x(request.use_tx))  # read from the chain in the checks' batch
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
                return int(receipt["blockNumber"]), str(a["contextRef"]).lower()
        raise ReleaseUseNotRecorded("the transaction recorded no such use by the signer for this subject", **args)

    def _approved_fields(
        self, request: ReleaseRequest, fields: list[str], use_block: int, chain: Contracts
    ) -> tuple[list[str], int]:
        """The approved field list (cleaned) and the id of the request the grant was issued for."""
        given = fields_hash(fields)  # InvalidInput (422) for an empty list
        if given != request.fields_hash:
            raise ReleaseFieldsNotApproved(
                "the field list does not hash to the signed fields", grant_id=request.grant_id
            )
        # The grant was issued before its use was mined: once the index has the use's block,
        # it has the GrantIssued event.
        request_id = check_approved_fields(
            self.ops, request.grant_id, given, index_to=use_block, memo=self._issued_by, contracts=chain
        )
        return sorted({f.strip() for f in fields if f.strip()}), request_id

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
        recipient = self.directory.resolve(c.signer, c.reads)
        envelope = seal(plaintext, recipient.encryption_key)
        receipt = ReleaseReceipt(
            grant_id=request.grant_id,
            use_index=request.use_index,
            content_hash=hashlib.sha256(plaintext).digest(),
            envelope_hash=envelope_hash(envelope),
            released_at=c.chain_time,  # the clock of the checks, read in their batch
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
                self._prune_quietly(c.chain_time)
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

    def _prune_quietly(self, now: int) -> None:
        """On each accepted request (its nonce is committed): pruning is housekeeping, and its
        failure (e.g. a concurrent prune on PostgreSQL) must not refuse a valid release."""
        try:
            self.prune_nonces(now)
        except SQLAlchemyError as exc:
            log.warning("nonce pruning failed: %s", type(exc).__name__)

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
