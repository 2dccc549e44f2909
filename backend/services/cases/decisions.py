"""Step decisions and escalations by the departments involved."""

from __future__ import annotations

import logging
from typing import Any

from backend.services.cases.base import (
    CASE_STATUS,
    CaseBase,
)
from backend.services.common import Actor, h0x

log = logging.getLogger(__name__)


class DecisionsMixin(CaseBase):
    def decide_step(
        self, actor: Actor, case_id: int, step_index: int, approve: bool, reason_hash: bytes, *, key: str
    ) -> dict[str, Any]:
        """Approve or reject a step; the contract decides who may (WrongDepartment → 403)."""
        actor.require_role("department")
        officer = self.ops.officer(actor)
        self._case(case_id)  # 404 for an unknown case
        fn = "approveStep" if approve else "rejectStep"  # names the key's namespace, as before
        decide = self.oss.approve_step if approve else self.oss.reject_step
        outcome = decide(
            self.ops.account(actor),
            case_id,
            step_index,
            reason_hash,
            op=f"cases.{case_id}.steps.{step_index}.{fn}",
            key=key,
        )
        after = self._case(case_id)
        completed = self.ops.event(outcome, "CaseCompleted")
        advanced = self.ops.event(outcome, "StageAdvanced")
        out = {
            "case_id": case_id,
            "step_index": step_index,
            "decision": "approved" if approve else "rejected",
            "reason_hash": h0x(reason_hash),
            "officer_hash": h0x(officer),
            "case_status": CASE_STATUS[after.status],
            "current_stage": after.current_stage,
            "stage_advanced_to": advanced.get("stage") if advanced else None,
            "events": [e["event"] for e in outcome.events],
            **self.ops.tx(outcome),
        }
        if completed:
            out["completed"] = {
                "documents_submitted": completed.get("documentsSubmitted"),
                "evidence_pulled": completed.get("evidencePulled"),
                "departments_involved": completed.get("departmentsInvolved"),
            }
            s = self._service(after.service_id)
            d = self.definition(after.service_id, s) or {}
            if d.get("kind") == "house_transfer":
                out["next"] = f"the lead finalizes: POST /cases/{case_id}/finalize"
        return out

    def escalate_step(self, actor: Actor, case_id: int, step_index: int, *, key: str) -> dict[str, Any]:
        actor.require_role("department", "governor")  # auditor tokens are read-only
        self._case(case_id)
        outcome = self.oss.escalate_step(
            self.ops.account(actor),
            case_id,
            step_index,
            op=f"cases.{case_id}.steps.{step_index}.escalate",
            key=key,
            strict=False,
        )
        ev = self.ops.event(outcome, "StepEscalated") or {}
        return {
            "case_id": case_id,
            "step_index": step_index,
            "escalated": True,
            "department": self.chain.party(ev.get("department")),
            "deadline": ev.get("deadline"),
            **self.ops.tx(outcome),
        }
