"""Shared plumbing of the use cases: who acts, hashing, chain writes and reads.

Every write goes through :func:`ChainOps.write`: the Idempotency-Key is
namespaced by operation (one key cannot be mistaken for another use case), a
key already used for *different* calldata is refused, a revert or a refused
transaction is raised, and a receipt that did not arrive in time becomes
:class:`TxPending` (202).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from eth_account.signers.local import LocalAccount
from eth_utils import event_abi_to_log_topic, keccak, to_checksum_address

from backend.chain import ContractRevert, TxOutcome, TxRejected
from backend.chain import outbox
from backend.chain.enums import Classification, IncidentStatus, IncidentType, ProposalKind, RequestStatus, SubjectKind
from backend.chain.jsonsafe import json_safe
from backend.core.identity import officer_hash, subject_hash
from backend.services.errors import Forbidden, IdempotencyKeyReused, InvalidInput, TxPending

if TYPE_CHECKING:  # pragma: no cover
    from backend.composition import AppContext

ZERO32 = b"\x00" * 32
HEX32_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
CLASSIFICATIONS = tuple(m.name for m in Classification)
REQUEST_STATUS = tuple(m.solidity for m in RequestStatus)
INCIDENT_TYPES = tuple(m.name for m in IncidentType)
SUBJECT_KINDS = tuple(m.name for m in SubjectKind)
INCIDENT_STATUS = tuple(m.solidity for m in IncidentStatus)
PROPOSAL_KINDS = tuple(m.solidity for m in ProposalKind)


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: role + chain address, and the officer acting for it."""

    role: str  # department | governor | auditor | citizen
    address: str  # checksummed chain address (a subject hash for citizens)
    officer_id: str | None = None

    def require_role(self, *roles: str) -> None:
        if self.role not in roles:
            raise Forbidden(f"role {self.role} may not do this", role=self.role)

    def same(self, address: str | None) -> bool:
        return address is not None and address.lower() == self.address.lower()


# -- hashing -------------------------------------------------------------------------------
def canonical_json(value: Any) -> bytes:
    """Stable bytes for a JSON value: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def text_hash(text: str) -> bytes:
    return keccak(text.encode())


def hex32(value: str, field: str) -> bytes:
    if not isinstance(value, str) or not HEX32_RE.match(value):
        raise InvalidInput(f"{field} must be 0x followed by 64 hex digits", field=field)
    return bytes.fromhex(value[2:])


def hash_or_text(text: str | None, hash_hex: str | None, field: str, *, required: bool = True) -> bytes:
    """``<field>`` (text, hashed with keccak256) or ``<field>_hash`` (given as hex)."""
    if text is not None and hash_hex is not None:
        raise InvalidInput(f"give either {field} or {field}_hash, not both", field=field)
    if hash_hex is not None:
        h = hex32(hash_hex, f"{field}_hash")
    elif text is not None:
        if not text.strip():
            raise InvalidInput(f"{field} must not be empty", field=field)
        h = text_hash(text)
    elif required:
        raise InvalidInput(f"{field} or {field}_hash is required", field=field)
    else:
        return ZERO32
    if h == ZERO32 and required:
        raise InvalidInput(f"{field} hash must not be zero", field=field)
    return h


def h0x(b: bytes) -> str:
    return "0x" + bytes(b).hex()


def topic_uint(n: int) -> str:
    return "0x" + int(n).to_bytes(32, "big").hex()


def topic_address(a: str) -> str:
    return "0x" + "00" * 12 + to_checksum_address(a)[2:].lower()


# -- the chain, for the use cases -------------------------------------------------------------
class ChainOps:
    def __init__(self, ctx: "AppContext") -> None:
        self.ctx = ctx
        self._anchor_cache: dict[tuple[int, int], dict[str, Any]] = {}
        self._cache_lock = threading.Lock()
        self._accounts: dict[str, LocalAccount] = {}  # actor address -> its (decrypted, cached) keystore account
        self._officers: dict[tuple[str, str], bytes] = {}  # (department, officer id) -> officer hash

    # identity ---------------------------------------------------------------------------------
    def account(self, actor: Actor) -> LocalAccount:
        # Hot path: account_for() checksums the address (a keccak) and asks the keystore on
        # every call. The keystore serves a loaded account from memory for the life of the
        # process anyway, so the result is kept per address (failures are not kept).
        acct = self._accounts.get(actor.address)
        if acct is None:
            acct = self.ctx.account_for(actor.address)
            if len(self._accounts) >= 4096:
                self._accounts.clear()
            self._accounts[actor.address] = acct
        return acct

    def officer(self, actor: Actor, officer_id: str | None = None) -> bytes:
        oid = officer_id if officer_id is not None else actor.officer_id
        if not oid or not oid.strip():
            raise InvalidInput("the acting officer is required (header X-Officer-Id)", field="X-Officer-Id")
        # Memoised per (department, officer id): a pure function of them and the deployment's
        # subject secret (fixed for the life of the process).
        key = (actor.address, oid)
        h = self._officers.get(key)
        if h is None:
            h = officer_hash(self.ctx.settings.subject_secret, actor.address, oid)
            if len(self._officers) >= 65536:
                self._officers.clear()
            self._officers[key] = h
        return h

    def subject(self, id_type: str, id_value: str) -> bytes:
        try:
            return subject_hash(self.ctx.settings.subject_secret, id_type, id_value)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="data_subject") from None

    # reads ------------------------------------------------------------------------------------
    def view(self, contract: str, fn: str, *args: Any) -> Any:
        """A view call, its result made JSON-safe (structs become dicts keyed by field name)."""
        value = self.ctx.client.call(contract, fn, *args)
        outputs = self._fn_abi(contract, fn).get("outputs") or []
        if len(outputs) == 1:
            return json_safe(value, outputs[0])
        return [json_safe(v, o) for v, o in zip(value, outputs)]

    def _fn_abi(self, contract: str, fn: str) -> dict[str, Any]:
        for entry in self.ctx.manifest.contract(contract).abi:
            if entry.get("type") == "function" and entry.get("name") == fn:
                return entry
        raise KeyError(f"{contract}.{fn} not in ABI")

    def logs(self, contract: str, event: str, topics: Sequence[str | list[str] | None] = ()) -> list[dict[str, Any]]:
        """Decoded logs of ``contract.event`` from its deploy block, oldest first.
        ``topics`` filter the indexed arguments in order (None = any, list = any of)."""
        c = self.ctx.manifest.contract(contract)
        abi = next(e for e in c.abi if e.get("type") == "event" and e.get("name") == event)
        topic0 = "0x" + event_abi_to_log_topic(abi).hex()
        flt = {"address": c.address, "fromBlock": c.block, "toBlock": "latest", "topics": [topic0, *topics]}
        while flt["topics"] and flt["topics"][-1] is None:
            flt["topics"].pop()
        with self.ctx.client.guard():
            raw = self.ctx.client.w3.eth.get_logs(flt)
        out = []
        for log in raw:
            ev = self.ctx.client.events.decode_log(log)
            if ev is None:
                continue
            ev["tx_hash"] = h0x(log["transactionHash"])
            ev["block_number"] = int(log["blockNumber"])
            out.append(ev)
        return out

    def owned_resources(self, address: str) -> list[int]:
        """Resource ids currently owned by ``address`` (registered or transferred to it)."""
        ids = {e["args"]["resourceId"] for e in self.logs("DataCatalog", "ResourceRegistered", [None, topic_address(address)])}
        ids |= {
            e["args"]["resourceId"]
            for e in self.logs("DataCatalog", "ResourceOwnershipTransferred", [None, None, topic_address(address)])
        }
        return sorted(i for i in ids if self.view("DataCatalog", "ownerOf", i).lower() == address.lower())

    def anchoring_tx(self, resource_id: int, version: int) -> dict[str, Any] | None:
        """The transaction that anchored ``version`` of ``resource_id`` (cached: it never changes)."""
        key = (resource_id, version)
        with self._cache_lock:
            hit = self._anchor_cache.get(key)
        if hit is not None:
            return hit
        if version == 1:
            evs = self.logs("DataCatalog", "ResourceRegistered", [topic_uint(resource_id)])
        else:
            evs = self.logs("DataCatalog", "VersionPublished", [topic_uint(resource_id), topic_uint(version)])
        if not evs:
            return None
        found = {"tx_hash": evs[0]["tx_hash"], "block_number": evs[0]["block_number"]}
        with self._cache_lock:
            self._anchor_cache[key] = found
        return found

    # writes -----------------------------------------------------------------------------------
    def write(
        self,
        account: LocalAccount,
        contract: str,
        fn: str,
        args: Sequence[Any],
        *,
        op: str,
        key: str,
        strict: bool = True,
    ) -> TxOutcome:
        """Send one transaction idempotently and return its mined outcome.

        Raises ContractRevert (simulation or on-chain revert), ChainUnavailable,
        TxRejected, IdempotencyKeyReused, or TxPending (receipt timeout).
        """
        return self.write_ex(account, contract, fn, args, op=op, key=key, strict=strict)[0]

    def write_ex(
        self,
        account: LocalAccount,
        contract: str,
        fn: str,
        args: Sequence[Any],
        *,
        op: str,
        key: str,
        strict: bool = True,
    ) -> tuple[TxOutcome, bool]:
        """As :meth:`write`, also telling whether the key had been used before (a replay)."""
        full_key = f"{op}:{key}"
        sender = self.ctx.sender
        with sender.sessions() as s:
            row = outbox.find_by_key(s, account.address, full_key)
        if row is not None:
            same_fn = (row.contract_name, row.fn_name) == (contract, fn)
            same_data = row.data.lower() == self.ctx.client.contract(contract).encode_abi(fn, args=list(args)).lower()
            if not same_fn or (strict and not same_data):
                raise IdempotencyKeyReused("this Idempotency-Key was used for a different request", key=key)
        outcome = sender.send(account, contract, fn, args, full_key)
        if outcome.status == outbox.REVERTED:
            raise outcome.revert or ContractRevert("Reverted", {})
        if outcome.status == outbox.FAILED:
            raise TxRejected(outcome.error or "transaction refused by the node", outcome.tx_hash)
        if outcome.pending or outcome.status != outbox.MINED:
            raise TxPending(outcome.tx_hash, key)
        return outcome, row is not None

    @staticmethod
    def event(outcome: TxOutcome, name: str) -> dict[str, Any] | None:
        for ev in outcome.events:
            if ev["event"] == name:
                return ev["args"]
        return None

    @staticmethod
    def tx(outcome: TxOutcome) -> dict[str, Any]:
        return {"tx_hash": outcome.tx_hash, "block_number": outcome.block_number}
