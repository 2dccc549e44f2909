"""Decode receipt logs with the manifest ABIs (services read ids such as
``resourceId`` from the events their transaction emitted)."""

from __future__ import annotations

from typing import Any, cast

from eth_typing import ABIEvent
from eth_utils import event_abi_to_log_topic, to_checksum_address
from web3 import Web3
from web3._utils.events import get_event_data

from backend.chain.jsonsafe import json_safe
from backend.chain.manifest import Manifest


class EventDecoder:
    def __init__(self, w3: Web3, manifest: Manifest) -> None:
        self._codec = w3.codec
        # address -> (contract name, topic0 -> event ABI)
        self._by_address: dict[str, tuple[str, dict[bytes, dict[str, Any]]]] = {}
        for c in manifest.contracts.values():
            topics = {
                event_abi_to_log_topic(cast(ABIEvent, e)): e
                for e in c.abi
                if e.get("type") == "event" and not e.get("anonymous")
            }
            self._by_address[c.address.lower()] = (c.name, topics)

    def decode_log(self, log: Any) -> dict[str, Any] | None:
        """One log -> {"contract", "event", "args", "log_index"}; None for foreign logs."""
        known = self._by_address.get(str(log["address"]).lower())
        if known is None or not log["topics"]:
            return None
        name, topics = known
        event_abi = topics.get(bytes(log["topics"][0]))
        if event_abi is None:
            return None
        decoded = get_event_data(self._codec, event_abi, log)
        params = {i["name"]: i for i in event_abi["inputs"]}
        return {
            "contract": name,
            "event": decoded["event"],
            "args": {k: json_safe(v, params.get(k)) for k, v in decoded["args"].items()},
            "log_index": int(log["logIndex"]),
        }

    def decode_receipt_events(self, receipt: Any) -> list[dict[str, Any]]:
        out = []
        for log in receipt["logs"]:
            ev = self.decode_log(log)
            if ev is not None:
                out.append(ev)
        return out

    def knows(self, address: str) -> bool:
        return to_checksum_address(address).lower() in self._by_address
