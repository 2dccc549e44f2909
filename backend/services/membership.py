"""Admission to the consortium, proposed by a governor from the governor's own node.

A department's node generates its key on its own machine and sends only its
address; a governor proposes its admission (or an auditor's appointment) and the
other governors approve with ``CouncilService.approve_proposal`` until the
threshold executes it. The contract holds the rule (k-of-n); this service checks
input so a typo is a clear 422, not a revert.
"""

from __future__ import annotations

import re
from typing import Any

from eth_utils import is_hex_address, to_checksum_address

from backend.services.common import Actor, ChainOps
from backend.services.errors import Conflict, InvalidInput

REGION_RE = re.compile(r"^[0-9]{6}$")  # administrative division code (GB/T 2260)
CODE_RE = re.compile(r"^[A-Z0-9_-]{1,32}$")


def _address(value: str, field: str) -> str:
    if not isinstance(value, str) or not is_hex_address(value):
        raise InvalidInput("not a chain address", field=field)
    return to_checksum_address(value)


def _bytes32(text: str) -> bytes:
    return text.encode().ljust(32, b"\0")


class MembershipService:
    def __init__(self, ops: ChainOps) -> None:
        self.ops = ops

    def propose_admit_department(
        self, actor: Actor, address: str, code: str, name: str, region: str, *, key: str
    ) -> dict[str, Any]:
        actor.require_role("governor")
        account = _address(address, "address")
        if not CODE_RE.match(code or ""):
            raise InvalidInput("code: 1-32 of A-Z, 0-9, _ and -", field="code")
        clean_name = (name or "").strip()
        max_name = self.ops.contracts.consortium.max_name_length()
        if not clean_name or len(clean_name.encode()) > max_name:
            raise InvalidInput(f"name: 1-{max_name} bytes", field="name")
        if not REGION_RE.match(region or ""):
            raise InvalidInput("region: a 6-digit administrative division code", field="region")
        if self.ops.contracts.consortium.is_active_department(account):
            raise Conflict("already an active department", address=account)
        outcome = self.ops.contracts.consortium.propose_admit_department(
            self.ops.account(actor),
            account,
            _bytes32(code),
            clean_name,
            _bytes32(region),
            op=f"council.departments.{account}.admit",
            key=key,
        )
        return self._proposal(outcome, address=account)

    def propose_appoint_auditor(self, actor: Actor, address: str, *, key: str) -> dict[str, Any]:
        actor.require_role("governor")
        account = _address(address, "address")
        if self.ops.contracts.consortium.is_auditor(account):
            raise Conflict("already an auditor", address=account)
        outcome = self.ops.contracts.consortium.propose_appoint_auditor(
            self.ops.account(actor),
            account,
            op=f"council.auditors.{account}.appoint",
            key=key,
        )
        return self._proposal(outcome, address=account)

    def propose_add_standing_listener(self, actor: Actor, address: str, *, key: str) -> dict[str, Any]:
        """Propose registering a contract (this deployment's UsageRights) to be told of every department's
        standing: its uses then check standing from its own storage (the gas target of recordUse)."""
        actor.require_role("governor")
        account = _address(address, "address")
        rights = to_checksum_address(self.ops.manifest.contract("UsageRights").address)
        if account != rights:  # a listener cannot be removed: register nothing but the one the product uses
            raise InvalidInput(
                f"only this deployment's UsageRights ({rights}) is registered as a listener", field="address"
            )
        if account in self.ops.contracts.consortium.standing_listeners():
            raise Conflict("already a standing listener", address=account)
        outcome = self.ops.contracts.consortium.propose_add_standing_listener(
            self.ops.account(actor),
            account,
            op=f"council.standing-listeners.{account}.add",
            key=key,
        )
        return self._proposal(outcome, address=account)

    def _proposal(self, outcome: Any, *, address: str) -> dict[str, Any]:
        created = self.ops.event(outcome, "ProposalCreated") or {}
        pid = created.get("proposalId")
        return {
            "proposal_id": pid,
            "address": address,
            "executed": self.ops.event(outcome, "ProposalExecuted") is not None,
            "approve_with": f"/council/proposals/{pid}/approve",
            **self.ops.tx(outcome),
        }
