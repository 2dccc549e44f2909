"""Turn ABI-decoded values into JSON-safe values for API bodies and outbox rows.

Rule: ints stay ints, bytes become 0x-hex, addresses are checksummed, tuples
become dicts keyed by component name when the ABI names them.
"""

from __future__ import annotations

from typing import Any

from eth_utils import is_address, to_checksum_address


def json_safe(value: Any, abi_param: dict[str, Any] | None = None) -> Any:
    abi_type = (abi_param or {}).get("type", "")
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        if abi_type == "address" or (abi_type == "" and is_address(value) and value.startswith("0x")):
            return to_checksum_address(value)
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if abi_type.startswith("tuple") and not abi_type.endswith("]"):
            comps = (abi_param or {}).get("components") or []
            if comps and all(c.get("name") for c in comps) and len(comps) == len(value):
                return {c["name"]: json_safe(v, c) for c, v in zip(comps, value)}
        elem = _element_param(abi_param) if abi_type.endswith("]") else None
        return [json_safe(v, elem) for v in value]
    return str(value)


def _element_param(abi_param: dict[str, Any] | None) -> dict[str, Any] | None:
    if not abi_param:
        return None
    t = abi_param["type"]
    return {**abi_param, "type": t[: t.rindex("[")]}
