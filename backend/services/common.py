"""Shared plumbing of the use cases: who acts, hashing, chain writes and reads.

Every write goes through :func:`ChainOps.send` (called by the typed bindings, ``ops.contracts``): the Idempotency-Key is
namespaced by operation (one key cannot be mistaken for another use case), a
key already used for *different* calldata is refused, a revert or a refused
transaction is raised, and a receipt that did not arrive in time becomes
:class:`TxPending` (202).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from backend.chain import ChainClient, ContractRevert, Manifest, TxOutcome, TxRejected, TxSender, outbox
from backend.chain.bindings import Call, Contracts
from backend.chain.enums import Classification, IncidentStatus, IncidentType, ProposalKind, RequestStatus, SubjectKind
from backend.chain.jsonsafe import json_safe
from backend.core.identity import officer_hash, subject_hash
from backend.core.json_text import json_text_problem
from backend.indexer.query import EventIndex, IndexBehind
from backend.services.caller import Caller
from backend.services.errors import IdempotencyKeyReused, IndexLagging, InvalidInput, TxPending
from backend.services.prefetch import Prefetched

ZERO32 = b"\x00" * 32
HEX32_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
CLASSIFICATIONS = tuple(m.name for m in Classification)
REQUEST_STATUS = tuple(m.solidity for m in RequestStatus)
INCIDENT_TYPES = tuple(m.name for m in IncidentType)
SUBJECT_KINDS = tuple(m.name for m in SubjectKind)
INCIDENT_STATUS = tuple(m.solidity for m in IncidentStatus)
PROPOSAL_KINDS = tuple(m.solidity for m in ProposalKind)


Actor = Caller  # the use cases' name for the caller (one type: backend.services.caller.Caller)


# -- hashing -------------------------------------------------------------------------------
def canonical_json(value: Any) -> bytes:
    """Stable bytes for a JSON value: sorted keys, no whitespace, UTF-8.

    InvalidInput (422) for a value that is not JSON text: a lone surrogate in a string, or
    NaN/Infinity (stored, such bytes would not be JSON, nor hash the same when read back)."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    except ValueError:  # UnicodeEncodeError is one too; anything else (a circular value) is a bug
        problem = json_text_problem(value)
        if problem is None:
            raise
        raise InvalidInput(f"not JSON text: {problem}", field=problem.path or "value") from None


def text_hash(text: str) -> bytes:
    return keccak(text.encode())


def hex32(value: str, field: str) -> bytes:
    if not isinstance(value, str) or not HEX32_RE.match(value):
        raise InvalidInput(f"{field} must be 0x followed by 64 hex digits", field=field)
    return bytes.fromhex(value[2:])


def text_or_hex(
    text: str | None, hash_hex: str | None, field: str, of_text: Callable[[str], bytes] = text_hash
) -> bytes | None:
    """The 32 bytes given as ``<field>`` (text, turned into bytes by ``of_text``) or as
    ``<field>_hash`` (0x-hex); None when neither is given, 422 when both are or the text is blank."""
    if text is not None and hash_hex is not None:
        raise InvalidInput(f"give either {field} or {field}_hash, not both", field=field)
    if hash_hex is not None:
        return hex32(hash_hex, f"{field}_hash")
    if text is not None:
        if not text.strip():
            raise InvalidInput(f"{field} must not be empty", field=field)
        return of_text(text)
    return None


def hash_or_text(text: str | None, hash_hex: str | None, field: str, *, required: bool = True) -> bytes:
    """``<field>`` (text, hashed with keccak256) or ``<field>_hash`` (given as hex)."""
    h = text_or_hex(text, hash_hex, field)
    if h is None:
        if required:
            raise InvalidInput(f"{field} or {field}_hash is required", field=field)
        return ZERO32
    if h == ZERO32 and required:
        raise InvalidInput(f"{field} hash must not be zero", field=field)
    return h


def h0x(b: bytes) -> str:
    return "0x" + bytes(b).hex()


# -- the chain, for the use cases -------------------------------------------------------------
@dataclass(frozen=True)
class Proposed:
    """A council call proposed: its proposal, target, whether the proposer's approval already
    executed it (a threshold of one), and the transaction."""

    proposal_id: int | None
    target: str
    executed: bool
    tx: dict[str, Any]

    @property
    def approve_with(self) -> str:
        return f"/council/proposals/{self.proposal_id}/approve"


class ChainOps:
    """The chain port of the use cases: contract views, idempotent writes, signing accounts,
    identity hashing, and the event index for everything in the past."""

    def __init__(
        self,
        client: ChainClient,
        sender: TxSender,
        manifest: Manifest,
        index: EventIndex,
        account_for: Callable[[str], LocalAccount],
        subject_secret: str,
    ) -> None:
        self.client = client
        self.sender = sender
        self.manifest = manifest
        self.index = index
        self.account_for = account_for
        self.subject_secret = subject_secret
        self._anchor_cache: dict[tuple[int, int], dict[str, Any]] = {}
        self._cache_lock = threading.Lock()
        self._accounts: dict[str, LocalAccount] = {}  # actor address -> its (decrypted, cached) keystore account
        self._officers: dict[tuple[str, str], bytes] = {}  # (department, officer id) -> officer hash
        self.contracts = Contracts(self)  # typed views and writes (backend.chain.bindings), through view/write

    # identity ---------------------------------------------------------------------------------
    def account(self, actor: Actor) -> LocalAccount:
        # Hot path: account_for() checksums the address (a keccak) and asks the keystore on
        # every call. The keystore serves a loaded account from memory for the life of the
        # process anyway, so the result is kept per address (failures are not kept).
        acct = self._accounts.get(actor.address)
        if acct is None:
            acct = self.account_for(actor.address)
            if len(self._accounts) >= 4096:
                self._accounts.clear()
            self._accounts[actor.address] = acct
        return acct

    def officer(self, actor: Actor, officer_id: str | None = None) -> bytes:
        oid = officer_id if officer_id is not None else actor.officer_id
        if not oid or not oid.strip():
            raise InvalidInput("the acting officer is required (the signed-in officer)", field="officer")
        # Memoised per (department, officer id): a pure function of them and the deployment's
        # subject secret (fixed for the life of the process).
        key = (actor.address, oid)
        h = self._officers.get(key)
        if h is None:
            h = officer_hash(self.subject_secret, actor.address, oid)
            if len(self._officers) >= 65536:
                self._officers.clear()
            self._officers[key] = h
        return h

    def subject(self, id_type: str, id_value: str) -> bytes:
        try:
            return subject_hash(self.subject_secret, id_type, id_value)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="data_subject") from None

    # reads ------------------------------------------------------------------------------------
    def view(self, contract: str, fn: str, *args: Any) -> Any:
        """A view call, its result made JSON-safe (structs become dicts keyed by field name).

        The use cases call views through :attr:`contracts`, which types the result."""
        return self.shape_view(contract, fn, self.client.call(contract, fn, *args))

    def shape_view(self, contract: str, fn: str, value: Any) -> Any:
        """A decoded view result made JSON-safe by its ABI outputs (see :meth:`view`)."""
        outputs = self._fn_abi(contract, fn).get("outputs") or []
        if len(outputs) == 1:
            return json_safe(value, outputs[0])
        return [json_safe(v, o) for v, o in zip(value, outputs)]

    def chain_time(self) -> int:
        """Now, by the chain's clock (the latest block's timestamp)."""
        return self.client.chain_time()

    def prefetch(
        self,
        views: Sequence[tuple[str, str, tuple[Any, ...]]],
        *,
        with_time: bool = False,
        receipts: Sequence[str] = (),
    ) -> Prefetched:
        """``views`` (and the chain's clock, and ``receipts``) read in one JSON-RPC batch; see
        backend.services.prefetch."""
        return Prefetched(self, views, with_time=with_time, receipts=receipts)

    def _fn_abi(self, contract: str, fn: str) -> dict[str, Any]:
        for entry in self.manifest.contract(contract).abi:
            if entry.get("type") == "function" and entry.get("name") == fn:
                return entry
        raise KeyError(f"{contract}.{fn} not in ABI")

    # past events: the SQL read model (the node is never asked for logs here) -----------------------
    def history(self, contract: str, event: str | tuple[str, ...], **args: Any) -> list[dict[str, Any]]:
        """Indexed events of ``contract.event`` whose args match ``args`` (see EventIndex.events), oldest first."""
        return self.index.events(contract, event, args=args)

    def fresh(self) -> int | None:
        """The index's block after waiting for this process's own writes (503 IndexBehind past the bound)."""
        try:
            return self.index.fresh()
        except IndexBehind as exc:
            raise IndexLagging(exc.needed_block, exc.indexed_to_block) from None

    def owned_resources(self, address: str) -> list[int]:
        """Resource ids currently owned by ``address`` (registered or transferred to it)."""
        return self.index.owned_resources(address)

    def anchoring_tx(self, resource_id: int, version: int) -> dict[str, Any] | None:
        """The transaction that anchored ``version`` of ``resource_id`` (cached: it never changes)."""
        key = (resource_id, version)
        with self._cache_lock:
            hit = self._anchor_cache.get(key)
        if hit is not None:
            return hit
        found = self.index.anchoring_tx(resource_id, version)
        if found is None:
            # Perhaps this process anchored it a moment ago: wait for the index to reach its
            # own writes (bounded) before answering "not anchored".
            self.fresh()
            found = self.index.anchoring_tx(resource_id, version)
        if found is None:
            return None
        with self._cache_lock:
            self._anchor_cache[key] = found
        return found

    # writes -----------------------------------------------------------------------------------
    def send(
        self, account: LocalAccount, call: Call, *, op: str, key: str, strict: bool = True
    ) -> tuple[TxOutcome, bool]:
        """Send one transaction idempotently: its mined outcome, and whether the key had been
        used before (a replay). The use cases send through :attr:`contracts`
        (``contracts.<name>.<fn>(account, ...)``, or ``calls.<fn>(...)`` to build a call).

        Raises ContractRevert (simulation or on-chain revert), ChainUnavailable,
        TxRejected, IdempotencyKeyReused, or TxPending (receipt timeout).
        """
        contract, fn, args = call.contract, call.fn, list(call.args)
        full_key = f"{op}:{key}"
        sender = self.sender
        with sender.sessions() as s:
            row = outbox.find_by_key(s, account.address, full_key)
        if row is not None:
            same_fn = (row.contract_name, row.fn_name) == (contract, fn)
            same_data = row.data.lower() == self.client.contract(contract).encode_abi(fn, args=args).lower()
            if not same_fn or (strict and not same_data):
                raise IdempotencyKeyReused("this Idempotency-Key was used for a different request", key=key)
        outcome = sender.send(account, contract, fn, args, full_key)
        if outcome.status == outbox.REVERTED:
            raise outcome.revert or ContractRevert("Reverted", {})
        if outcome.status == outbox.FAILED:
            raise TxRejected(outcome.error or "transaction refused by the node", outcome.tx_hash)
        if outcome.pending or outcome.status != outbox.MINED:
            raise TxPending(outcome.tx_hash, key)
        self.index.note_write(outcome.block_number)
        return outcome, row is not None

    def first_args(self, account: LocalAccount, contract: str, fn: str, *, op: str, key: str) -> dict[str, Any] | None:
        """The arguments (by their ABI names) of the ``contract.fn`` call first sent with this
        key; None when the key is new (or named another function: :meth:`send` refuses that).

        For an argument the service derives when the caller leaves it out (a default from the
        chain's clock): a replay reuses the first attempt's value, so the calldata of a replay
        with the same body matches and :meth:`send` still refuses any other body (409)."""
        with self.sender.sessions() as s:
            row = outbox.find_by_key(s, account.address, f"{op}:{key}")
        if row is None or (row.contract_name, row.fn_name) != (contract, fn):
            return None
        _fn, args = self.client.contract(contract).decode_function_input(row.data)
        return dict(args)

    def propose(
        self, account: LocalAccount, call: Call, description_hash: bytes, *, unanimous: bool = False, op: str, key: str
    ) -> Proposed:
        """Propose ``call`` as a council call (``unanimous``: every governor must approve); the
        proposer's approval counts."""
        contract = self.client.contract(call.contract)
        calldata = bytes.fromhex(contract.encode_abi(call.fn, args=list(call.args))[2:])
        consortium = self.contracts.consortium
        propose = consortium.propose_unanimous_council_call if unanimous else consortium.propose_council_call
        outcome = propose(account, contract.address, calldata, description_hash, op=op, key=key)
        created = self.event(outcome, "ProposalCreated") or {}
        executed = self.event(outcome, "ProposalExecuted") is not None
        return Proposed(created.get("proposalId"), contract.address, executed, self.tx(outcome))

    @staticmethod
    def event(outcome: TxOutcome, name: str) -> dict[str, Any] | None:
        for ev in outcome.events:
            if ev["event"] == name:
                return ev["args"]
        return None

    @staticmethod
    def tx(outcome: TxOutcome) -> dict[str, Any]:
        return {"tx_hash": outcome.tx_hash, "block_number": outcome.block_number}
