"""Chain failures as typed exceptions the API can map to HTTP answers.

* ``ContractRevert``: the contract said no. Decoded from the revert data with
  the custom errors of ALL deployed ABIs, so the API answers with the error's
  name and arguments instead of a 500.
* ``ChainUnavailable``: the node could not be reached (API answers 503).
* ``TxRejected``: the node refused a signed transaction for a non-revert reason.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from typing import Any

import requests
from eth_abi import decode as abi_decode
from eth_utils import function_signature_to_4byte_selector
from web3.exceptions import ContractLogicError, ProviderConnectionError, Web3RPCError

from backend.chain.jsonsafe import json_safe

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)

# First matching row wins; matched as substrings of the error name, so
# "DataCatalogNotOwner" -> 403 and "UsageRightsUnknownGrant" -> 404.
# Permission problems come first: "NotOwner" must not fall through to 409.
HTTP_STATUS_RULES: tuple[tuple[int, tuple[str, ...]], ...] = (
    # "Invalid…Status" errors (e.g. UsageRightsInvalidRequestStatus) are state
    # conflicts, not bad input: checked before the 422 rule below.
    # "…DepartmentNotSuspended" (reinstating an active department) is a state
    # conflict too, not the caller being suspended: checked before "Suspended".
    (409, ("Status", "NotSuspended")),
    # Everything that means "this caller may not do this" (the services used to
    # patch some of these to 403 after the fact; the table is now the only place).
    (
        403,
        (
            "NotGovernor",
            "NotOwner",
            "NotGrantee",
            "NotDepartment",
            "NotAuditor",
            "Unauthorized",
            "NotCouncil",
            "Suspended",
            "MissingRole",
            "NotTypeIssuer",
            "NotIssuer",
            "NotMortgagee",
            "NotSeizingCourt",
            "NotActiveDepartment",
            "NotReporter",
            "WrongDepartment",
            "NotServiceLead",
            "NotResourceOwner",
            "NotResponsible",
            "NotPartyToGrant",
            "NoStandingOnResource",
        ),
    ),
    (404, ("Unknown", "NotFound")),
    (422, ("Zero", "Empty", "Invalid")),
)
DEFAULT_REVERT_STATUS = 409  # a state conflict: the request was fine, the state said no


def http_status_for(error_name: str) -> int:
    for status, needles in HTTP_STATUS_RULES:
        if any(n in error_name for n in needles):
            return status
    return DEFAULT_REVERT_STATUS


class ChainError(Exception):
    """Base of everything raised by backend.chain."""


class ChainUnavailable(ChainError):
    """The node is unreachable or answered with a transport error (API: 503)."""

    http_status = 503


class ChainConfigError(ChainError):
    """The node is not the chain the manifest was deployed to (wrong chain id)."""


class TxRejected(ChainError):
    """The node refused a signed transaction (not a revert: e.g. funds, nonce conflict)."""

    def __init__(self, reason: str, tx_hash: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.tx_hash = tx_hash


class ContractRevert(ChainError):
    """A contract reverted with a decoded error: ``.name``, ``.args_dict``, ``.http_status``."""

    def __init__(self, name: str, args_dict: dict[str, Any] | None = None, data: bytes = b"") -> None:
        self.name = name
        self.args_dict: dict[str, Any] = dict(args_dict or {})
        self.data = bytes(data)
        self.http_status = http_status_for(name)
        super().__init__(f"{name}({', '.join(f'{k}={v!r}' for k, v in self.args_dict.items())})")

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.name, "args": self.args_dict}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ContractRevert:
        return cls(d["error"], d.get("args") or {})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ContractRevert) and (self.name, self.args_dict) == (other.name, other.args_dict)

    def __hash__(self) -> int:
        return hash(self.name)


class ErrorRegistry:
    """selector -> (name, inputs) for every ``"type": "error"`` entry of the given ABIs."""

    def __init__(self) -> None:
        self._by_selector: dict[bytes, tuple[str, list[dict[str, Any]]]] = {}

    @classmethod
    def from_abis(cls, abis: Iterable[list[dict[str, Any]]]) -> ErrorRegistry:
        reg = cls()
        for abi in abis:
            for entry in abi:
                if entry.get("type") == "error":
                    reg.add(entry["name"], entry.get("inputs") or [])
        return reg

    def add(self, name: str, inputs: list[dict[str, Any]]) -> None:
        signature = f"{name}({','.join(_canonical_type(i) for i in inputs)})"
        self._by_selector[function_signature_to_4byte_selector(signature)] = (name, inputs)

    def lookup(self, selector: bytes) -> tuple[str, list[dict[str, Any]]] | None:
        return self._by_selector.get(bytes(selector))

    def decode_revert(self, data: bytes | str | None) -> ContractRevert:
        raw = _to_bytes(data)
        if len(raw) < 4:
            # `revert()` without data, or a node that hides the data.
            return ContractRevert("Reverted", {}, raw)
        selector, body = raw[:4], raw[4:]
        try:
            if selector == ERROR_STRING_SELECTOR:
                (reason,) = abi_decode(["string"], body)
                return ContractRevert("Error", {"reason": reason}, raw)
            if selector == PANIC_SELECTOR:
                (code,) = abi_decode(["uint256"], body)
                return ContractRevert("Panic", {"code": int(code)}, raw)
            known = self.lookup(selector)
            if known is not None:
                name, inputs = known
                values = abi_decode([_canonical_type(i) for i in inputs], body)
                args = {(i.get("name") or f"arg{n}"): json_safe(v, i) for n, (i, v) in enumerate(zip(inputs, values))}
                return ContractRevert(name, args, raw)
        except Exception:  # malformed body: report it undecoded rather than crash
            pass
        return ContractRevert("UnrecognizedRevert", {"data": "0x" + raw.hex()}, raw)


def decode_revert(data: bytes | str | None, registry: ErrorRegistry | None = None) -> ContractRevert:
    return (registry or ErrorRegistry()).decode_revert(data)


# ---------------------------------------------------------------------------
# Pulling revert data and transport failures out of web3 / node exceptions.

_HEX_RE = re.compile(r"0x(?:[0-9a-fA-F]{2})*")
# Keys under which anvil/geth ("data"), ganache 7 ("result"/"return") and
# Besu ("data", "revertReason") put the raw revert bytes.
_DATA_KEYS = ("data", "result", "return", "revertReason", "error", "originalError")


def _find_revert_hex(obj: Any, depth: int = 0) -> str | None:
    if depth > 5 or obj is None:
        return None
    if isinstance(obj, (bytes, bytearray)):
        return "0x" + bytes(obj).hex()
    if isinstance(obj, str):
        s = obj.strip()
        if s.startswith("Reverted 0x"):  # Besu/older nodes prefix the data
            s = s.split(" ", 1)[1]
        if _HEX_RE.fullmatch(s) and (len(s) == 2 or len(s) >= 10):
            return s
        return None
    if isinstance(obj, Mapping):
        for key in _DATA_KEYS:
            if key in obj:
                found = _find_revert_hex(obj[key], depth + 1)
                if found is not None:
                    return found
        # ganache <7 nests per tx hash: {"0xhash": {"return": "0x..."}}; look at values only.
        for value in obj.values():
            if isinstance(value, Mapping):
                found = _find_revert_hex(value, depth + 1)
                if found is not None:
                    return found
    return None


def _rpc_error_dict(exc: BaseException) -> dict[str, Any] | None:
    if isinstance(exc, Web3RPCError) and isinstance(exc.rpc_response, Mapping):
        err = exc.rpc_response.get("error")
        if isinstance(err, Mapping):
            return dict(err)
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, Mapping):
            inner = arg.get("error", arg)
            return dict(inner) if isinstance(inner, Mapping) else dict(arg)
        if isinstance(arg, str) and arg.startswith("{"):
            try:  # web3 7 puts repr(error dict) in the message
                parsed = ast.literal_eval(arg)
            except (ValueError, SyntaxError):
                continue
            if isinstance(parsed, Mapping):
                return dict(parsed)
    return None


def rpc_error_message(exc: BaseException) -> str:
    err = _rpc_error_dict(exc)
    if err and isinstance(err.get("message"), str):
        return str(err["message"])
    return str(getattr(exc, "message", None) or exc)


def extract_revert_data(exc: BaseException) -> bytes | None:
    """Revert bytes carried by ``exc``; ``b""`` for a revert without data;
    ``None`` when ``exc`` is not a revert at all."""
    if isinstance(exc, ContractLogicError):
        found = _find_revert_hex(exc.data) or _find_revert_hex(exc.message)
        return _to_bytes(found)
    err = _rpc_error_dict(exc)
    if err is None:
        return None
    message = str(err.get("message", "")).lower()
    found = _find_revert_hex(err.get("data")) or _find_revert_hex(err)
    if "revert" in message or err.get("code") == 3 or found:
        return _to_bytes(found)
    return None


_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    requests.HTTPError,  # a proxy in front of the node answering 502/503
    ProviderConnectionError,
    ConnectionError,
    TimeoutError,
)


def is_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, _TRANSPORT_ERRORS)


def _to_bytes(data: bytes | str | None) -> bytes:
    if data is None:
        return b""
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    s = data[2:] if data.startswith(("0x", "0X")) else data
    try:
        return bytes.fromhex(s)
    except ValueError:
        return b""


def _canonical_type(param: Mapping[str, Any]) -> str:
    t = str(param["type"])
    if t.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in param.get("components", []))
        return f"({inner}){t[len('tuple') :]}"
    return t
