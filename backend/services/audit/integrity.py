"""Integrity checks of stored documents against their anchored hashes, and TAMPER filing."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from eth_utils import is_hex_address, keccak, to_checksum_address

from backend.chain import ChainUnavailable, ContractRevert, TxRejected
from backend.indexer.query import iso
from backend.services.audit.base import (
    RESOURCE_VERSION,
    TAMPER,
    TAMPER_OP,
    TAMPER_RESPONSE_WINDOW_S,
    AuditBase,
)
from backend.services.common import (
    ZERO32,
    Actor,
    canonical_json,
    text_hash,
)
from backend.services.errors import Forbidden, ServiceError, TxPending
from backend.store import IntegrityReport, normalise_hash

log = logging.getLogger(__name__)


class IntegrityMixin(AuditBase):
    # -- integrity --------------------------------------------------------------------------
    def integrity(self, actor: Actor, resource_id: int, *, file_incidents: bool = False) -> dict[str, Any]:
        """Every version's anchored hash vs the stored encrypted document.

        With ``file_incidents`` a failing version files ONE TAMPER incident signed
        by the caller's own account (auditor or owner department; the idempotency
        key is derived from resource, version and what was found, per reporter),
        however often the check runs. Nothing is ever signed in another account's
        name; a governor's check only reports (``filing.mode == "report_only"``)."""
        actor.require_role("department", "auditor", "governor")
        r = self.ops.contracts.data_catalog.resource(resource_id)  # DataCatalogUnknownResource → 404
        owner = to_checksum_address(r.owner)
        if actor.role == "department" and not actor.same(owner):
            raise Forbidden("integrity of another department's resource", resource_id=resource_id)
        filing = self._filing_mode(actor, file_incidents)
        versions = []
        for v in range(1, r.version_count + 1):
            onchain, published_at = self.ops.contracts.data_catalog.version_hash(resource_id, v)
            onchain = normalise_hash(onchain)
            rep = self._verify(onchain, owner)
            item: dict[str, Any] = {
                "version": v,
                "onchain_hash": onchain,
                "published_at": int(published_at),
                "result": "pass" if rep.ok else "fail",
                "status": rep.status,
                "reason": rep.reason,
                "actual_hash": rep.actual_hash,
                "anchor": self.ops.anchoring_tx(resource_id, v),
                "incident": None,
            }
            if not rep.ok and filing["mode"] == "file":
                item["incident"] = self._file_tamper(actor.address, resource_id, v, rep)
            versions.append(item)
        failed = [x["version"] for x in versions if x["result"] == "fail"]
        return {
            "resource_id": resource_id,
            "owner": owner,
            "version_count": len(versions),
            "result": "fail" if failed else "pass",
            "failed_versions": failed,
            "checked_at": iso(int(datetime.now(UTC).timestamp())),
            "filing": filing,
            "versions": versions,
        }

    @staticmethod
    def _filing_mode(actor: Actor, file_incidents: bool) -> dict[str, Any]:
        """Whether this check files TAMPER incidents, and as whom (always the caller itself)."""
        if not file_incidents:
            return {
                "mode": "report_only",
                "reporter": None,
                "reason": "read-only check: nothing is filed (POST the check to file TAMPER incidents)",
            }
        if actor.role == "governor":
            return {
                "mode": "report_only",
                "reporter": None,
                "reason": "governors do not file incidents: this check only reports; an auditor "
                "or the owner department files the TAMPER incident under its own account",
            }
        return {
            "mode": "file",
            "reporter": to_checksum_address(actor.address),
            "reason": "a failing version files one TAMPER incident signed by the caller's own account",
        }

    def _verify(self, onchain: str, owner: str) -> IntegrityReport:
        """Check with the owner's key; if the owner holds none (ownership moved), with the storer's."""
        store = self.store
        rep = store.verify(onchain, owner, onchain)
        if rep.status == "missing" and rep.reason.startswith("no wrapped key"):
            meta = store.metadata(onchain)
            if meta is not None and meta.owner.lower() != owner.lower() and is_hex_address(meta.owner):
                rep2 = store.verify(onchain, meta.owner, onchain)
                if not (rep2.status == "missing" and rep2.reason.startswith("no wrapped key")):
                    return rep2
        return rep

    def tamper_key(self, resource_id: int, version: int, rep: IntegrityReport) -> str:
        found = rep.actual_hash or "0x" + keccak(f"{rep.status}:{rep.reason}".encode()).hex()
        return f"{resource_id}:{version}:{found}"

    def _file_tamper(self, reporter: str, resource_id: int, version: int, rep: IntegrityReport) -> dict[str, Any]:
        """Files the TAMPER incident signed by ``reporter`` (the caller: an auditor or the owner
        department, never anyone else); the contract attributes it to the resource's owner."""
        key = self.tamper_key(resource_id, version, rep)
        evidence = canonical_json(
            {
                "kind": "TAMPER",
                "detected_by": "integrity-check",
                "resource_id": resource_id,
                "version": version,
                "expected_hash": rep.expected_hash,
                "actual_hash": rep.actual_hash,
                "status": rep.status,
                "reason": rep.reason,
            }
        )
        evidence_hash = text_hash(evidence.decode())
        try:
            account = self.ops.account_for(reporter)  # SignerUnavailable when the backend holds no key
            already = self.ops.sender.outcome(account.address, f"{TAMPER_OP}:{key}") is not None
            outcome = self.ops.contracts.accountability.file_incident(
                account,
                TAMPER,
                RESOURCE_VERSION,
                resource_id,
                version,
                ZERO32,  # TAMPER names the current owner's steward, read by the contract
                0,  # filed by an auditor or the owner: no grant needed
                evidence_hash,
                TAMPER_RESPONSE_WINDOW_S,
                op=TAMPER_OP,
                key=key,
                strict=False,
            )
        except TxPending as exc:
            return {"status": "pending", "tx_hash": exc.tx_hash, "idempotency_key": key}
        except (ContractRevert, ChainUnavailable, TxRejected, ServiceError) as exc:
            log.error("TAMPER incident for resource %s v%s not filed: %s", resource_id, version, exc)
            name = getattr(exc, "name", None) or type(exc).__name__
            return {"status": "not_filed", "error": name, "idempotency_key": key}
        ev = self.ops.event(outcome, "IncidentFiled") or {}
        return {
            "status": "already_filed" if already else "filed",
            "incident_id": ev.get("incidentId"),
            "reporter": to_checksum_address(reporter),
            "responsible": ev.get("responsible"),
            "evidence_hash": "0x" + evidence_hash.hex(),
            "idempotency_key": key,
            **self.ops.tx(outcome),
        }
