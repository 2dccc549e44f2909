"""Raw JSON-RPC logs → rows, decoded with eth_abi directly.

web3's contract event processing builds AttributeDicts and HexBytes for every
log; for a rebuild over 50k+ events that dominates. Here each (address,
topic0) maps to a precomputed decoder, topics of static types are converted
by hand and only the data part goes through ``eth_abi.decode``.

JSON encoding of args (``to_json``), chosen so that any consumer, JavaScript
included, reads values exactly:
- uintN / intN with N <= 64 → JSON number (timestamps, counters, enums);
  N > 64 → decimal string (uint256 ids, amounts) — never a lossy float.
- address → checksum string; bytesN / bytes → "0x…" lowercase hex;
  bool, string → as is; arrays → lists; tuples → objects by component name.
- indexed args of dynamic type (string, bytes, arrays, tuples) are only
  present as their keccak topic: stored as "0x…" hex.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import eth_abi
from eth_utils import event_abi_to_log_topic, to_checksum_address

if TYPE_CHECKING:  # pragma: no cover
    from eth_typing import ABIEvent

UNKNOWN_EVENT = "UnknownEvent"

# arg name (lower-cased, underscores dropped) → denormalised column
ID_COLUMNS = {
    "resourceid": "resource_id",
    "grantid": "grant_id",
    "requestid": "request_id",
    "incidentid": "incident_id",
    "officerhash": "officer_hash",
    "subjecthash": "subject_hash",
}
# Event argument names (canonicalised) that name the department a row is
# about, in order of preference.
DEPARTMENT_ARGS = (
    "user",
    "grantee",
    "owner",
    "department",
    "account",
    "filer",
    "by",
    "requester",
    "publisher",
    "approver",
    "denier",
    "responsible",
    "revokedby",
    "desk",  # AssistedSessionOpened: the front desk that opened the session
)


def _canon(name: str) -> str:
    return name.replace("_", "").lower()


def abi_type(inp: dict[str, Any]) -> str:
    """ABI input → canonical type string, expanding tuples."""
    t: str = inp["type"]
    if t.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in inp["components"])
        return f"({inner}){t[len('tuple') :]}"
    return t


def _int_bits(t: str) -> int | None:
    for prefix in ("uint", "int"):
        if t.startswith(prefix) and "[" not in t:
            rest = t[len(prefix) :]
            return int(rest) if rest else 256
    return None


def to_json(inp: dict[str, Any], value: Any) -> Any:
    t = inp["type"]
    if t.endswith("]"):
        elem = dict(inp, type=t[: t.rindex("[")])
        return [to_json(elem, v) for v in value]
    if t == "tuple":
        return {c.get("name") or str(i): to_json(c, v) for i, (c, v) in enumerate(zip(inp["components"], value))}
    bits = _int_bits(t)
    if bits is not None:
        return int(value) if bits <= 64 else str(int(value))
    if t == "address":
        return to_checksum_address(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return value


@lru_cache(maxsize=4096)
def _checksum(raw20: bytes) -> str:
    """Checksum form of a 20-byte address (keccak per call: cached, few distinct addresses)."""
    return to_checksum_address(raw20)


class _NotFast(Exception):
    """A word the fast path will not judge: eth_abi decides (and raises if malformed)."""


def _word_decoder(inp: dict[str, Any]) -> Callable[[bytes], Any] | None:
    """Converter of one 32-byte ABI word for a static single-word type, with the same
    result and the same strictness (padding) as ``to_json(eth_abi.decode(...))``;
    None for types that need eth_abi."""
    t = inp["type"]
    if t.endswith("]") or t.startswith("tuple") or t in ("string", "bytes"):
        return None
    if t == "address":

        def conv_address(w: bytes) -> str:
            if w[:12] != b"\0" * 12:
                raise _NotFast
            return _checksum(w[12:])

        return conv_address
    if t == "bool":

        def conv_bool(w: bytes) -> bool:
            v = int.from_bytes(w, "big")
            if v > 1:
                raise _NotFast
            return v == 1

        return conv_bool
    bits = _int_bits(t)
    if bits is not None:
        if t.startswith("int"):
            return None  # signed: sign-extension rules, leave to eth_abi
        limit = 1 << bits
        if bits <= 64:

            def conv_small(w: bytes) -> int:
                v = int.from_bytes(w, "big")
                if v >= limit:
                    raise _NotFast
                return v

            return conv_small

        def conv_big(w: bytes) -> str:
            v = int.from_bytes(w, "big")
            if v >= limit:
                raise _NotFast
            return str(v)

        return conv_big
    if t.startswith("bytes"):
        n = int(t[5:])
        if n == 32:
            return lambda w: "0x" + w.hex()

        def conv_bytes_n(w: bytes) -> str:
            if any(w[n:]):
                raise _NotFast
            return "0x" + w[:n].hex()

        return conv_bytes_n
    return None


def _is_dynamic(t: str) -> bool:
    return t in ("string", "bytes") or t.endswith("]") or t.startswith("tuple")


def _topic_decoder(inp: dict[str, Any]) -> Callable[[bytes], Any]:
    """Fast converters for the static types that appear as indexed args."""
    t = inp["type"]
    if _is_dynamic(t):
        return lambda b: "0x" + b.hex()  # only the keccak of the value is on chain
    if t == "address":
        return lambda b: _checksum(b[12:])
    bits = _int_bits(t)
    if bits is not None:
        signed = t.startswith("int")
        return lambda b: (lambda v: v if bits <= 64 else str(v))(int.from_bytes(b, "big", signed=signed))
    if t == "bool":
        return lambda b: b[-1] == 1
    if t.startswith("bytes"):
        n = int(t[5:])
        return lambda b: "0x" + b[:n].hex()
    return lambda b: to_json(inp, eth_abi.decode([t], b)[0])


@dataclass
class EventDecoder:
    contract: str
    name: str
    inputs: list[dict[str, Any]]
    topic_decoders: list[tuple[str, Callable[[bytes], Any]]] = field(default_factory=list)
    data_inputs: list[dict[str, Any]] = field(default_factory=list)
    data_types: list[str] = field(default_factory=list)
    # one converter per data word when every data arg is a static one-word type (the
    # usual case); None: eth_abi.decode
    fast_data: list[tuple[str, Callable[[bytes], Any]]] | None = None
    # which args fill which denormalised columns
    id_fields: list[tuple[str, str]] = field(default_factory=list)
    department_arg: str | None = None

    @classmethod
    def from_abi(cls, contract: str, entry: dict[str, Any]) -> EventDecoder:
        dec = cls(contract=contract, name=entry["name"], inputs=entry["inputs"])
        for inp in entry["inputs"]:
            if inp.get("indexed"):
                dec.topic_decoders.append((inp["name"], _topic_decoder(inp)))
            else:
                dec.data_inputs.append(inp)
                dec.data_types.append(abi_type(inp))
            col = ID_COLUMNS.get(_canon(inp["name"]))
            if col:
                dec.id_fields.append((inp["name"], col))
        # department: first indexed address arg with a known role name, in event order;
        # fall back to a non-indexed one so older event shapes still get the column.
        for want_indexed in (True, False):
            for inp in entry["inputs"]:
                if (
                    inp["type"] == "address"
                    and bool(inp.get("indexed")) == want_indexed
                    and _canon(inp["name"]) in DEPARTMENT_ARGS
                ):
                    dec.department_arg = inp["name"]
                    break
            if dec.department_arg:
                break
        convs = [_word_decoder(inp) for inp in dec.data_inputs]
        if all(c is not None for c in convs):
            dec.fast_data = [(inp["name"], c) for inp, c in zip(dec.data_inputs, convs)]  # type: ignore[misc]
        return dec

    def decode(self, topics: list[bytes], data: bytes) -> dict[str, Any]:
        if len(topics) - 1 != len(self.topic_decoders):
            raise ValueError(f"{self.contract}.{self.name}: expected {len(self.topic_decoders)} indexed topics")
        args: dict[str, Any] = {}
        for (name, conv), topic in zip(self.topic_decoders, topics[1:]):
            args[name] = conv(topic)
        if self.data_types:
            fast = self.fast_data
            done = False
            if fast is not None and len(data) == 32 * len(fast):
                try:
                    for k, (name, conv) in enumerate(fast):
                        args[name] = conv(data[32 * k : 32 * k + 32])
                    done = True
                except _NotFast:
                    done = False
            if not done:
                values = eth_abi.decode(self.data_types, data)
                for inp, v in zip(self.data_inputs, values):
                    args[inp["name"]] = to_json(inp, v)
        # keep the ABI's argument order
        return {inp["name"]: args[inp["name"]] for inp in self.inputs}

    def columns(self, args: dict[str, Any]) -> dict[str, Any]:
        cols: dict[str, Any] = {}
        for name, col in self.id_fields:
            v = args.get(name)
            if v is not None and not isinstance(v, (list, dict)):
                cols[col] = str(v).lower() if isinstance(v, str) and v.startswith("0x") else str(v)
        if self.department_arg is not None:
            cols["department"] = str(args[self.department_arg]).lower()
        return cols


def build_decoders(contracts: dict[str, tuple[str, list[dict[str, Any]]]]) -> dict[tuple[str, bytes], EventDecoder]:
    """(lowercase address, topic0) → decoder, for every non-anonymous event."""
    table: dict[tuple[str, bytes], EventDecoder] = {}
    for name, (address, abi) in contracts.items():
        for entry in abi:
            if entry.get("type") != "event" or entry.get("anonymous"):
                continue
            table[(address.lower(), event_abi_to_log_topic(cast("ABIEvent", entry)))] = EventDecoder.from_abi(
                name, entry
            )
    return table


_EMPTY_COLUMNS = dict.fromkeys(
    ["resource_id", "grant_id", "request_id", "incident_id", "department", "officer_hash", "subject_hash"]
)


def log_to_row(
    raw: dict[str, Any],
    decoders: dict[tuple[str, bytes], EventDecoder],
    names: dict[str, str],
    block_time: int | None,
) -> dict[str, Any]:
    """One raw eth_getLogs entry (hex strings) → one chain_events row."""
    address = raw["address"].lower()
    topics = [bytes.fromhex(t[2:]) for t in raw["topics"]]
    data = bytes.fromhex(raw["data"][2:])
    row: dict[str, Any] = {
        "block_number": int(raw["blockNumber"], 16),
        "block_hash": raw["blockHash"].lower(),
        "block_time": block_time,
        "tx_hash": raw["transactionHash"].lower(),
        "log_index": int(raw["logIndex"], 16),
        "address": address,
        **_EMPTY_COLUMNS,
    }
    dec = decoders.get((address, topics[0])) if topics else None
    args = None
    if dec is not None:
        try:
            args = dec.decode(topics, data)
        except Exception:  # malformed log under a known topic0: keep it, undecoded
            args = None
    if args is None:
        # Still one row per log, so rows == eth_getLogs even for events missing from the ABI.
        row.update(
            contract=names.get(address, address),
            event=UNKNOWN_EVENT,
            args={"topics": [t.lower() for t in raw["topics"]], "data": raw["data"].lower()},
        )
        return row
    assert dec is not None
    row.update(contract=dec.contract, event=dec.name, args=args)
    row.update(dec.columns(args))
    return row
