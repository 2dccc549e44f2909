"""Audit (auditors, governors): the indexed trail, integrity checks, incidents, department records, stats.

Response models: the declared fields are typed and optional (a service may leave one
out on some path); answers may carry more fields, passed through unchanged."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from backend.api.schemas.common import Answer, Page, TxRef
from backend.api.schemas.incidents import IncidentView


# -- answers ------------------------------------------------------------------------------------------
class DepartmentRecordIncidents(Answer):
    responsible_total: int | None = None
    upheld: int | None = None
    dismissed: int | None = None
    open: int | None = None
    by_status: dict[str, Any] | None = None
    by_type: dict[str, Any] | None = None
    filed: int | None = None


class DepartmentRecordAnswer(Answer):
    address: str | None = None
    name: str | None = None
    code: str | None = None
    region_code: str | None = None
    admitted_at: int | None = None
    status: str | None = None
    resources_owned: int | None = None
    grants_held: int | None = None
    grants_given: int | None = None
    uses_recorded: int | None = None
    uses_of_its_data: int | None = None
    incidents: DepartmentRecordIncidents | None = None
    upheld_count_onchain: int | None = None
    indexed_to_block: int | None = None


class IndexedIncident(IncidentView):
    """An incident as the index read it: with the transaction that filed it."""

    filed_tx: str | None = None
    filed_block: int | None = None
    updated_at: int | None = None


class IncidentsAnswer(Page[IndexedIncident]):
    pass


class IndexStatusAnswer(Answer):
    indexed_to_block: int | None = None
    indexed_block_hash: str | None = None
    updated_at: str | None = None
    deploy_block: int | None = None
    chain_head: int | None = None
    node_reachable: bool | None = None
    lag_blocks: int | None = None
    rows: int | None = None
    follower: dict[str, Any] | None = None


class IntegrityFiling(Answer):
    """How a failed integrity check is filed as a TAMPER incident."""

    mode: str | None = None
    reporter: str | None = None
    reason: str | None = None


class IntegrityVersion(Answer):
    """One version's check: the on-chain hash against the stored content."""

    version: int | None = None
    onchain_hash: str | None = None
    published_at: int | None = None
    result: str | None = None
    status: str | None = None
    reason: str | None = None
    actual_hash: str | None = None
    anchor: TxRef | None = None
    incident: dict[str, Any] | None = None


class IntegrityAnswer(Answer):
    resource_id: int | None = None
    owner: str | None = None
    version_count: int | None = None
    result: str | None = None
    failed_versions: list[int] | None = None
    checked_at: str | None = None
    filing: IntegrityFiling | None = None
    versions: list[IntegrityVersion] | None = None


class StatsUsesPerDayItem(Answer):
    day: str | None = None
    department: str | None = None
    department_name: str | None = None
    count: int | None = None


class StatsTotals(Answer):
    events: int | None = None
    resources: int | None = None
    requests: int | None = None
    grants: int | None = None
    uses: int | None = None
    incidents: int | None = None


class StatsAnswer(Answer):
    to: Any = None
    indexed_to_block: int | None = None
    uses_per_day: list[StatsUsesPerDayItem] | None = None
    grants_by_classification: dict[str, Any] | None = None
    incidents_by_type: dict[str, Any] | None = None
    incidents_by_outcome: dict[str, Any] | None = None
    incidents_by_type_and_outcome: dict[str, Any] | None = None
    totals: StatsTotals | None = None


class UnreleasedUse(Answer):
    """A use recorded on chain (``1 ≤ use_index ≤ usedCount``) whose release the owner has not recorded
    (``releaseOf`` zero): decided by the contract's views, never by the index alone."""

    grant_id: str | None = None
    use_index: int | None = None
    resource_id: str | None = None
    grantee: str | None = None
    owner: str | None = Field(default=None, description="the resource's current owner (chain view)")
    subject_hash: str | None = None
    purpose_code: int | None = None
    tx_hash: str | None = Field(default=None, description="the transaction that recorded the use")
    block_number: int | None = None
    time: str | None = None
    index_confirmed: bool | None = Field(
        default=None,
        description="true: subject_hash, tx_hash, block_number, time come from an index row that the mined receipt"
        " confirms; false: the chain holds the use but this node's index has no confirmed row (not indexed yet,"
        " or a row deleted or edited), those fields are null",
    )


class UnreleasedAnswer(Page[UnreleasedUse]):
    """Oldest first (chain order)."""


class TrailItem(Answer):
    block_number: int | None = None
    block_hash: str | None = None
    block_time: int | None = None
    time: str | None = None
    tx_hash: str | None = None
    log_index: int | None = None
    contract: str | None = None
    address: str | None = None
    event: str | None = None
    args: dict[str, Any] | None = None
    resource_id: str | None = None
    grant_id: str | None = None
    request_id: str | None = None
    incident_id: str | None = None
    department: str | None = None
    officer_hash: str | None = None
    subject_hash: str | None = None


class TrailAnswer(Page):
    filters: dict[str, Any] | None = None
    items: list[TrailItem] | None = None


class FiledIncident(Answer):
    """The TAMPER incident filed for a failed version."""

    status: str | None = None
    incident_id: int | None = None
    reporter: str | None = None
    responsible: str | None = None
    evidence_hash: str | None = None
    idempotency_key: str | None = None
    tx_hash: str | None = None
    block_number: int | None = None


class IntegrityVersionFiled(IntegrityVersion):
    incident: FiledIncident | None = None  # type: ignore[assignment]  # the incident filed


class IntegrityAndFileAnswer(IntegrityAnswer):
    versions: list[IntegrityVersionFiled] | None = None  # type: ignore[assignment]  # with the incidents filed
