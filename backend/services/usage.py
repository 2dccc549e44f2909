"""Usage rights: request, approve / deny, revoke, record uses and fetch granted data.

Fetching is fail closed: the grant is checked on chain, the use is recorded on
chain and its receipt awaited, and only then is the content decrypted. If the
chain write fails, nothing leaves. If the stored content no longer matches the
hash anchored on chain, the answer is 409 and a TAMPER incident is filed by
the grantee (responsibility falls on the owner by the contract's rule).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend.chain import ChainUnavailable, ContractRevert, TxRejected, outbox
from backend.chain.batching import UseBatcher, UseEntry, result_or_raise
from backend.chain.bindings import Grant, Request
from backend.chain.outbox import OutboxTx
from backend.services.common import (
    REQUEST_STATUS,
    ZERO32,
    Actor,
    ChainOps,
    canonical_json,
    h0x,
    text_hash,
)
from backend.services.errors import Forbidden, IdempotencyKeyReused, InvalidInput, NotFound, TxPending
from backend.services.purposes import PurposesService
from backend.services.resources import ResourceService
from backend.store import (
    AccessDenied,
    CannotRevokeOwner,
    DocumentMissing,
    DocumentStore,
    TamperDetected,
    normalise_hash,
)

log = logging.getLogger(__name__)

TAMPER, RESOURCE_VERSION = 3, 0
DEFAULT_APPROVAL_WINDOW_S = 3 * 24 * 3600
DEFAULT_INCIDENT_WINDOW_S = 7 * 24 * 3600
USE_KEY_PREFIX = "grants."  # the outbox keys of uses and fetches: f"grants.{grant_id}.use|fetch:{key}"


def fields_hash(fields: list[str]) -> bytes:
    """Hash of the requested field list (order and duplicates do not matter)."""
    clean = sorted({f.strip() for f in fields if f.strip()})
    if not clean:
        raise InvalidInput("fields must name at least one field", field="fields")
    return text_hash(canonical_json(clean).decode())


class UsageService:
    def __init__(
        self,
        ops: ChainOps,
        store: DocumentStore,
        sessions: sessionmaker[Session],
        resources: ResourceService,
        purposes: PurposesService,
    ) -> None:
        self.ops = ops
        self.purposes = purposes
        self.store = store
        self.sessions = sessions
        self.resources = resources
        # Grant views for the grantee check, per grant id. Grantee, resource, purpose,
        # expiry and maxUses never change; a revoke, a revert or the count reaching
        # maxUses drops the entry. The contract checks everything again, so a stale
        # entry can only lead to a revert (fail closed), never to an unauthorised use.
        self._grants: dict[int, Grant] = {}
        self._grants_lock = threading.Lock()
        self._legacy: dict[str, bool] = {}  # signer -> has single recordUse rows (pre-batcher keys)
        self.batcher = UseBatcher(
            ops.sender,
            ops.client,
            ops.account_for,
            ops,
            on_grant_change=self.forget_grant,
            on_mined=ops.index.note_write,
            key_reused=IdempotencyKeyReused,
        )

    # -- requests -----------------------------------------------------------------------------
    def request_use(
        self,
        actor: Actor,
        resource_id: int,
        purpose_code: int,
        legal_basis_hash: bytes,
        fields_hash_: bytes,
        duration_s: int,
        max_uses: int,
        approval_deadline: int | None,
        *,
        key: str,
    ) -> dict[str, Any]:
        actor.require_role("department")
        self.ops.officer(actor)  # the request names its officer (422 without one)
        owner = self.ops.contracts.data_catalog.owner_of(resource_id)  # 404 for an unknown resource
        self.purposes.require_usable(purpose_code, legal_basis_hash)  # 422 naming an unregistered entry
        account = self.ops.account(actor)
        op = "requests.create"
        if approval_deadline is None:  # the default is fixed by the key's first attempt (else a replay's would differ)
            first = self.ops.first_args(account, "UsageRights", "requestUse", op=op, key=key)
            approval_deadline = (
                int(first["approvalDeadline"])
                if first is not None
                else self.ops.chain_time() + DEFAULT_APPROVAL_WINDOW_S
            )
        # strict (the default): the same key with other terms is IdempotencyKeyReused (409)
        outcome = self.ops.contracts.usage_rights.request_use(
            account,
            resource_id,
            purpose_code,
            legal_basis_hash,
            fields_hash_,
            duration_s,
            max_uses,
            approval_deadline,
            op=op,
            key=key,
        )
        ev = self.ops.event(outcome, "UseRequested") or {}
        return {
            "request_id": ev.get("requestId"),
            "resource_id": resource_id,
            "owner": owner,
            "requester": actor.address,
            "purpose_code": purpose_code,
            "legal_basis_hash": h0x(legal_basis_hash),
            "fields_hash": h0x(fields_hash_),
            "duration_s": duration_s,
            "max_uses": max_uses,
            "approval_deadline": ev.get("approvalDeadline", approval_deadline),
            "status": "Pending",
            **self.ops.tx(outcome),
        }

    def approve(self, actor: Actor, request_id: int, reason_hash: bytes, *, key: str) -> dict[str, Any]:
        actor.require_role("department")
        req = self._request_as_owner(actor, request_id)
        self.ops.officer(actor)
        outcome = self.ops.contracts.usage_rights.approve_request(
            self.ops.account(actor),
            request_id,
            reason_hash,
            op=f"requests.{request_id}.approve",
            key=key,
        )
        approved = self.ops.event(outcome, "RequestApproved") or {}
        issued = self.ops.event(outcome, "GrantIssued")
        keys_wrapped = False
        if issued is not None:
            keys_wrapped = self._wrap_current(req.resource_id, req.requester)
        return {
            "request_id": request_id,
            "status": REQUEST_STATUS[int(approved.get("status", 0))],
            "grant_id": issued["grantId"] if issued else None,
            "expires_at": issued["expiresAt"] if issued else None,
            "keys_wrapped": keys_wrapped,
            "council_required": issued is None,
            **self.ops.tx(outcome),
        }

    def deny(self, actor: Actor, request_id: int, reason_hash: bytes, *, key: str) -> dict[str, Any]:
        actor.require_role("department")
        self._request_as_owner(actor, request_id)
        self.ops.officer(actor)
        outcome = self.ops.contracts.usage_rights.deny_request(
            self.ops.account(actor),
            request_id,
            reason_hash,
            op=f"requests.{request_id}.deny",
            key=key,
        )
        return {"request_id": request_id, "status": "Denied", **self.ops.tx(outcome)}

    def get_request(self, actor: Actor, request_id: int) -> dict[str, Any]:
        req = self.ops.contracts.usage_rights.request(request_id)  # 404 when unknown
        owner = self.ops.contracts.data_catalog.owner_of(req.resource_id)
        if actor.role == "department" and not (actor.same(req.requester) or actor.same(owner)):
            raise Forbidden("request concerns other departments", request_id=request_id)
        if actor.role == "citizen":
            raise Forbidden("citizens cannot read requests", request_id=request_id)
        return {
            **self._request_view(request_id, req, owner),
            **self.purposes.words(req.purpose_code, req.legal_basis_hash),
        }

    def list_requests(self, actor: Actor, direction: str, offset: int, limit: int) -> dict[str, Any]:
        party = "requester" if direction == "outgoing" else None
        read = self.ops.contracts.usage_rights.request
        words = functools.cache(self.purposes.namer)  # the registry read once, and only when the page has items

        def shape(rid: int, q: Request, owner: str) -> dict[str, Any]:
            return {**self._request_view(rid, q, owner), **words()(q.purpose_code, q.legal_basis_hash)}

        return self._page_of_party(actor, "UseRequested", "requestId", party, offset, limit, read, shape)

    # -- grants -------------------------------------------------------------------------------
    def get_grant(self, actor: Actor, grant_id: int) -> dict[str, Any]:
        g = self.ops.contracts.usage_rights.grant(grant_id)  # 404 when unknown
        owner = self.ops.contracts.data_catalog.owner_of(g.resource_id)
        if actor.role == "citizen" or (actor.role == "department" and not (actor.same(g.grantee) or actor.same(owner))):
            raise Forbidden("grant concerns other departments", grant_id=grant_id)
        return {**self._grant_view(grant_id, g, owner, self.ops.chain_time()), **self.purposes.words(g.purpose_code)}

    def list_grants(self, actor: Actor, role: str, offset: int, limit: int) -> dict[str, Any]:
        party = "grantee" if role == "grantee" else None
        now = functools.cache(self.ops.chain_time)  # asked once, and only when the page has items
        words = functools.cache(self.purposes.namer)

        def shape(gid: int, g: Grant, owner: str) -> dict[str, Any]:
            return {**self._grant_view(gid, g, owner, now()), **words()(g.purpose_code)}

        read = self.ops.contracts.usage_rights.grant
        return self._page_of_party(actor, "GrantIssued", "grantId", party, offset, limit, read, shape)

    def _page_of_party(
        self,
        actor: Actor,
        event: str,
        id_arg: str,
        party: str | None,
        offset: int,
        limit: int,
        read: Callable[[int], Any],
        shape: Callable[[int, Any, str], dict[str, Any]],
    ) -> dict[str, Any]:
        """A page of the requests or grants whose ``party`` (``requester`` / ``grantee``: the
        event's argument and the struct's field) is the caller; None: whose resource it owns.

        The index only finds candidates; the contract's views (``read``) decide what the caller
        sees: a row edited in the database grants nothing, and ownership may have moved."""
        actor.require_role("department")
        seen = self.ops.fresh()
        if party is not None:
            ids = self.ops.index.ids("UsageRights", event, id_arg, **{party: actor.address})
        else:
            owned = self.ops.owned_resources(actor.address)
            ids = self.ops.index.ids("UsageRights", event, id_arg, resourceId=owned) if owned else []
        items = []
        for item_id in ids[offset : offset + limit]:
            item = read(item_id)
            owner = self.ops.contracts.data_catalog.owner_of(item.resource_id)
            if actor.same(getattr(item, party) if party is not None else owner):
                items.append(shape(item_id, item, owner))
        return {"total": len(ids), "offset": offset, "limit": limit, "items": items, "indexed_to_block": seen}

    def revoke(self, actor: Actor, grant_id: int, reason_hash: bytes, *, key: str) -> dict[str, Any]:
        actor.require_role("department")
        g = self.ops.contracts.usage_rights.grant(grant_id)
        resource_id = g.resource_id
        owner = self.ops.contracts.data_catalog.owner_of(resource_id)
        if not actor.same(owner):
            raise Forbidden("only the owner of the resource revokes its grants", grant_id=grant_id)
        self.ops.officer(actor)
        self.forget_grant(grant_id)
        self.batcher.invalidate_grant(grant_id)
        try:
            outcome = self.ops.contracts.usage_rights.revoke_grant(
                self.ops.account(actor),
                grant_id,
                reason_hash,
                op=f"grants.{grant_id}.revoke",
                key=key,
            )
        finally:
            self.forget_grant(grant_id)
            self.batcher.invalidate_grant(grant_id)
        removed = self._delete_keys(resource_id, g.grantee)
        return {"grant_id": grant_id, "revoked": True, "keys_deleted": removed, **self.ops.tx(outcome)}

    # -- uses ---------------------------------------------------------------------------------
    def record_use(
        self,
        actor: Actor,
        grant_id: int,
        subject: bytes | None,
        context_ref: bytes | None,
        *,
        key: str,
        respond_async: bool = False,
    ) -> dict[str, Any]:
        """Record one use (joins the batch of its grant). Synchronous by default: the
        answer comes once the batch is mined. ``respond_async``: answer right after the
        durable write with ``{"status": "queued", ...}``; GET the status later."""
        actor.require_role("department")
        g = self._grant_as_grantee(actor, grant_id)
        submitted, replay = self._submit(actor, grant_id, subject, context_ref, key, op=f"grants.{grant_id}.use")
        if respond_async and isinstance(submitted, UseEntry):
            return {
                "status": "queued",
                "grant_id": grant_id,
                "resource_id": g.resource_id,
                "idempotency_key": key,
            }
        use = self._use_result(submitted, key, grant_id)
        return self._use_body(grant_id, g.resource_id, use)

    async def record_use_async(
        self, actor: Actor, grant_id: int, subject: bytes | None, context_ref: bytes | None, *, key: str
    ) -> dict[str, Any]:
        """``record_use(..., respond_async=True)`` for the event loop. The common case (grant
        view cached, fresh key) runs without a worker thread: the same checks, then the
        durable group-committed insert is AWAITED, so the answer still comes only after the
        COMMIT. Everything else (grant not cached, legacy keys, a replayed key) runs the
        synchronous path in a worker thread, unchanged."""
        actor.require_role("department")
        account = self.ops.account(actor)
        g = self._cached_grant(grant_id)
        if g is None or self._legacy.get(account.address) is not False:
            return await anyio.to_thread.run_sync(
                functools.partial(self.record_use, actor, grant_id, subject, context_ref, key=key, respond_async=True)
            )
        if not actor.same(g.grantee):
            raise Forbidden("grant belongs to another department", grant_id=grant_id)
        officer = self.ops.officer(actor)
        entry = await self.batcher.submit_async(
            account.address, grant_id, officer, subject or ZERO32, context_ref or ZERO32, f"grants.{grant_id}.use:{key}"
        )
        if entry is None:  # the key is taken: the synchronous path answers the replay
            return await anyio.to_thread.run_sync(
                functools.partial(self.record_use, actor, grant_id, subject, context_ref, key=key, respond_async=True)
            )
        return {"status": "queued", "grant_id": grant_id, "resource_id": g.resource_id, "idempotency_key": key}

    def _cached_grant(self, grant_id: int) -> Grant | None:
        """The cached grant view if it is still within its expiry (the same rule as
        :meth:`_grant_as_grantee`), else None. The wall clock only ages the cache here:
        the contract judges expiry by block time when the use is recorded."""
        with self._grants_lock:
            g = self._grants.get(int(grant_id))
        if g is None or g.expires_at <= int(time.time()):
            return None
        return g

    def use_status(self, actor: Actor, grant_id: int, key: str) -> dict[str, Any]:
        """Where a recorded use stands: queued | pending | mined | failed."""
        actor.require_role("department")
        g = self._grant_as_grantee(actor, grant_id)
        view = self.batcher.status(actor.address, f"grants.{grant_id}.use:{key}")
        if view is None:
            raise NotFound("no use with this Idempotency-Key on this grant", grant_id=grant_id, key=key)
        body = self._use_body(grant_id, g.resource_id, view)
        body["status"] = view["status"]
        body["idempotency_key"] = key
        if view["status"] == "failed":
            body["error"] = view.get("revert") or {"error": "TxRejected", "args": {"reason": view.get("error")}}
        return body

    @staticmethod
    def _use_body(grant_id: int, resource_id: int, use: dict[str, Any]) -> dict[str, Any]:
        return {
            "grant_id": grant_id,
            "resource_id": resource_id,
            "use_index": use.get("use_index"),
            "officer_hash": use.get("officer_hash"),
            "subject_hash": use.get("subject_hash"),
            "context_ref": use.get("context_ref"),
            "tx_hash": use.get("tx_hash"),
            "block_number": use.get("block_number"),
        }

    def fetch(
        self,
        actor: Actor,
        grant_id: int,
        subject: bytes | None,
        context_ref: bytes | None,
        version: int | None,
        *,
        key: str,
    ) -> dict[str, Any]:
        """Check the grant and that a data key is obtainable, record the use (mined),
        then decrypt. Fail closed: nothing leaves, and no use is spent, when the data
        cannot be released."""
        actor.require_role("department")
        g = self._grant_as_grantee(actor, grant_id)
        resource_id = g.resource_id
        op = f"grants.{grant_id}.fetch"
        # 1. the content this key releases: bound on its first use, the same on every replay
        v, content_hash = self._fetch_content(actor, resource_id, version, f"{op}:{key}", key)
        # 2. a key to unwrap from must exist BEFORE the use is spent (after an ownership
        #    transfer the current owner holds none: any holder will do)
        source: str | None
        if self.store.has_access(content_hash, actor.address):
            source = actor.address
        else:
            owner = self.ops.contracts.data_catalog.owner_of(resource_id)
            source = self.store.key_holder(content_hash, owner)
            if source is None:
                raise DocumentMissing(content_hash, "no department holds a key to this version; no use recorded")
        # 3. the use goes on chain (joining its grant's batch) and is awaited until mined;
        #    any failure here raises and nothing is released
        submitted, replay = self._submit(actor, grant_id, subject, context_ref, key, op=op)
        use = self._use_result(submitted, key, grant_id)
        if replay:
            self._check_still_usable(grant_id)
        # 4. only now touch the plaintext
        try:
            if source != actor.address:
                # Live grant verified on chain and its use recorded: wrap the key for the
                # grantee (covers council-issued grants, versions published later and
                # resources whose ownership moved).
                try:
                    self.store.grant_access(content_hash, source, actor.address)
                except AccessDenied:  # that holder's key went meanwhile: any other
                    other = self.store.key_holder(content_hash)
                    if other is None:
                        raise DocumentMissing(content_hash, "no wrapped key left for this document") from None
                    self.store.grant_access(content_hash, other, actor.address)
            data = self.store.get(content_hash, actor.address)
        except (TamperDetected, DocumentMissing) as exc:
            self._file_tamper(actor, grant_id, resource_id, v, content_hash, exc, use["tx_hash"])
            raise
        meta = self.store.metadata(content_hash)
        return {
            "grant_id": grant_id,
            "resource_id": resource_id,
            "version": v,
            "content_hash": content_hash,
            "media_type": meta.media_type if meta else None,
            "data": data,
            "anchor": self.ops.anchoring_tx(resource_id, v),
            "use": {"use_index": use.get("use_index"), "tx_hash": use["tx_hash"], "block_number": use["block_number"]},
        }

    # -- internals -----------------------------------------------------------------------------
    def _fetch_content(
        self, actor: Actor, resource_id: int, version: int | None, full_key: str, key: str
    ) -> tuple[int, str]:
        """(version, content hash) a fetch key releases. The first request binds them
        (durably, before its use is recorded); a replay gets the same content, and a
        replay naming another version is IdempotencyKeyReused (one use, one content)."""
        signer = actor.address
        with self.sessions() as s:
            bound = outbox.find_fetch(s, signer, full_key)
        if bound is None:
            r = self.ops.contracts.data_catalog.resource(resource_id)
            v, content_hash = self.resources.version_hash(resource_id, r, version)  # 404: no use recorded
            try:
                with self.sessions.begin() as s:
                    s.add(
                        outbox.OutboxFetch(
                            signer=signer, idempotency_key=full_key, version=v, content_hash=content_hash
                        )
                    )
                return v, content_hash
            except IntegrityError:  # the same key, concurrently
                with self.sessions() as s:
                    bound = outbox.find_fetch(s, signer, full_key)
                if bound is None:  # pragma: no cover
                    raise
        if version is not None and int(version) != int(bound.version):
            raise IdempotencyKeyReused("this Idempotency-Key was used for a different request", key=key)
        return int(bound.version), bound.content_hash

    def forget_grant(self, grant_id: int) -> None:
        with self._grants_lock:
            self._grants.pop(int(grant_id), None)

    def _submit(
        self, actor: Actor, grant_id: int, subject: bytes | None, context_ref: bytes | None, key: str, *, op: str
    ):
        officer = self.ops.officer(actor)
        account = self.ops.account(actor)
        full_key = f"{op}:{key}"
        # A key used before the batcher existed (a single recordUse in the outbox). Only
        # looked up for a signer that has such rows at all (checked once per signer: this
        # code never writes new single recordUse rows), so the hot path skips the query.
        legacy = self._has_legacy_uses(account.address) and self.ops.sender.outcome(account.address, full_key)
        if legacy:
            outcome = self._record(actor, grant_id, subject, context_ref, key, op=op)
            ev = self.ops.event(outcome, "UseRecorded") or {}
            return {
                "status": "mined",
                "use_index": ev.get("useIndex"),
                "officer_hash": ev.get("officerHash"),
                "subject_hash": ev.get("subjectHash"),
                "context_ref": ev.get("contextRef"),
                **self.ops.tx(outcome),
            }, True
        return self.batcher.submit(account, grant_id, officer, subject or ZERO32, context_ref or ZERO32, full_key)

    def _has_legacy_uses(self, signer: str) -> bool:
        """Whether ``signer`` has single recordUse rows under this service's keys (``grants.…``).
        The peer protocol's uses (``peer.use:…``, backend/federation/client.py) are single
        recordUse rows too, but no key of this service can ever name one: they do not count,
        or one release would send every later use of this node down the slow path."""
        known = self._legacy.get(signer)
        if known is None:
            with self.ops.sender.sessions() as s:
                known = (
                    s.scalar(
                        select(OutboxTx.id)
                        .where(
                            OutboxTx.signer == signer,
                            OutboxTx.fn_name == "recordUse",
                            OutboxTx.idempotency_key.startswith(USE_KEY_PREFIX, autoescape=True),
                        )
                        .limit(1)
                    )
                    is not None
                )
            self._legacy[signer] = known
        return known

    def _use_result(self, submitted, key: str, grant_id: int) -> dict[str, Any]:
        try:
            return result_or_raise(submitted, self.batcher, key)
        except ContractRevert:
            self.forget_grant(grant_id)
            raise

    def _check_still_usable(self, grant_id: int) -> None:
        # A replayed request must not release data under a grant revoked or expired since, nor to a
        # grantee suspended since: the errors the contract gives a new use, in its order.
        g = self.ops.contracts.usage_rights.grant(grant_id)
        if not self.ops.contracts.consortium.is_active_department(g.grantee):
            raise ContractRevert("ConsortiumManagedNotActiveDepartment", {"account": g.grantee})
        if g.revoked:
            raise ContractRevert("UsageRightsGrantRevoked", {"grantId": grant_id})
        if g.expires_at <= self.ops.chain_time():
            raise ContractRevert("UsageRightsGrantExpired", {"grantId": grant_id, "expiresAt": g.expires_at})

    def _record(
        self, actor: Actor, grant_id: int, subject: bytes | None, context_ref: bytes | None, key: str, *, op: str
    ):
        officer = self.ops.officer(actor)
        call = self.ops.contracts.usage_rights.calls.record_use(
            grant_id, officer, subject or ZERO32, context_ref or ZERO32
        )
        outcome, replay = self.ops.send(self.ops.account(actor), call, op=op, key=key)
        if replay:
            self._check_still_usable(grant_id)
        return outcome

    def _grant_as_grantee(self, actor: Actor, grant_id: int) -> Grant:
        with self._grants_lock:
            g = self._grants.get(int(grant_id))
        if g is None or g.expires_at <= int(time.time()):
            g = self.ops.contracts.usage_rights.grant(grant_id)  # UsageRightsUnknownGrant -> 404
            if not g.revoked and g.used_count < g.max_uses:
                with self._grants_lock:
                    self._grants[int(grant_id)] = g
        if not actor.same(g.grantee):
            raise Forbidden("grant belongs to another department", grant_id=grant_id)
        return g

    def _request_as_owner(self, actor: Actor, request_id: int) -> Request:
        req = self.ops.contracts.usage_rights.request(request_id)  # UsageRightsUnknownRequest -> 404
        owner = self.ops.contracts.data_catalog.owner_of(req.resource_id)
        if not actor.same(owner):
            raise Forbidden("only the owner of the resource decides this request", request_id=request_id)
        return req

    def _wrap_current(self, resource_id: int, grantee: str) -> bool:
        """Wrap the current version's data key for the grantee; False if the owner holds none."""
        r = self.ops.contracts.data_catalog.resource(resource_id)
        try:
            self.store.grant_access(r.content_hash, r.owner, grantee)
            return True
        except Exception as exc:  # missing/tampered data surfaces at fetch time, with an incident
            log.warning("could not wrap keys of resource %s for %s: %s", resource_id, grantee, exc)
            return False

    def _delete_keys(self, resource_id: int, grantee: str) -> int:
        r = self.ops.contracts.data_catalog.resource(resource_id)
        removed = 0
        for v in range(1, r.version_count + 1):
            content_hash, _ = self.ops.contracts.data_catalog.version_hash(resource_id, v)
            try:
                removed += int(self.store.revoke_access(content_hash, grantee))
            except CannotRevokeOwner:
                pass
        return removed

    def _file_tamper(
        self,
        actor: Actor,
        grant_id: int,
        resource_id: int,
        version: int,
        content_hash: str,
        exc: TamperDetected | DocumentMissing,
        use_tx: str,
    ) -> None:
        evidence = canonical_json(
            {
                "kind": "TAMPER",
                "resource_id": resource_id,
                "version": version,
                "expected_hash": normalise_hash(content_hash),
                "actual_hash": getattr(exc, "actual", None),
                "reason": str(exc),
                "detected_by": actor.address,
                "use_tx": use_tx,
            }
        )
        try:
            outcome = self.ops.contracts.accountability.file_incident(
                self.ops.account(actor),
                TAMPER,
                RESOURCE_VERSION,
                resource_id,
                version,
                ZERO32,  # TAMPER names the current owner's steward, read by the contract
                grant_id,  # the grantee's standing to file about the resource: this grant
                text_hash(evidence.decode()),
                DEFAULT_INCIDENT_WINDOW_S,  # one TAMPER incident per department and resource version, however often it is fetched
                op="incidents.tamper",
                key=f"{resource_id}:{version}",
                strict=False,
            )
            ev = self.ops.event(outcome, "IncidentFiled") or {}
            exc.incident = {"incident_id": ev.get("incidentId"), **self.ops.tx(outcome)}
        except (ContractRevert, ChainUnavailable, TxRejected, TxPending) as err:
            log.error("TAMPER incident for resource %s v%s not filed: %s", resource_id, version, err)
            exc.incident = {"error": type(err).__name__}

    @staticmethod
    def _request_view(request_id: int, req: Request, owner: str) -> dict[str, Any]:
        return {
            "request_id": request_id,
            "resource_id": req.resource_id,
            "owner": owner,
            "requester": req.requester,
            "purpose_code": req.purpose_code,
            "legal_basis_hash": req.legal_basis_hash,
            "fields_hash": req.fields_hash,
            "duration_s": req.duration,
            "max_uses": req.max_uses,
            "approval_deadline": req.approval_deadline,
            "status": REQUEST_STATUS[req.status],
            "grant_id": req.grant_id or None,
        }

    @staticmethod
    def _grant_view(grant_id: int, g: Grant, owner: str, now: int) -> dict[str, Any]:
        """``now`` is the chain's time: a grant is usable by the contract's clock, not ours."""
        usable = (not g.revoked) and g.expires_at > now and g.used_count < g.max_uses
        return {
            "grant_id": grant_id,
            "resource_id": g.resource_id,
            "owner": owner,
            "grantee": g.grantee,
            "purpose_code": g.purpose_code,
            "issued_at": g.issued_at,
            "expires_at": g.expires_at,
            "max_uses": g.max_uses,
            "used_count": g.used_count,
            "revoked": g.revoked,
            "usable": usable,
        }


__all__ = ["UsageService", "fields_hash"]
