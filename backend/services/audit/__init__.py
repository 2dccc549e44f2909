"""The auditor's use cases: the trail, exports, integrity checks, incidents, records, statistics.

Reads come from the event index (filled by the indexer, read through backend.indexer.query), so
they keep working while the chain node is down and a
trail query is an index range scan in chain order whatever the table size.
Only the integrity check needs the node: the anchored hashes are read from the
catalog's views and the stored documents are checked against them. Filing is
separate from checking: a check with ``file_incidents=True`` files one TAMPER
incident per mismatch signed by the CALLER's own account (an auditor as itself,
the owner department as itself); a governor's check never files (report only).
The contract makes the owner responsible for what it published whoever reports.

Who sees what:
- auditors and governors: everything;
- a department: the trail of resources it owns and of grants it holds or
  issued on its resources, plus its own events (``department`` column);
  filtering on another department's resource or grant is 403;
  incidents it filed or is held responsible for; its own record;
  integrity of its own resources; no statistics (403); uses "recorded, not released" on the
  resources it owns and under the grants it holds;
- citizens (service level only, for the web console; the /audit routes do not
  accept citizen tokens): the rows that carry their own subject hash.
"""

from __future__ import annotations

from typing import Any

from backend.indexer.query import iso
from backend.services.audit.base import (
    EXPORT_CHUNK,
    HEX32_RE,
    MAX_PAGE,
    RESOURCE_VERSION,
    TAMPER,
    TAMPER_OP,
    TAMPER_RESPONSE_WINDOW_S,
    AuditBase,
)
from backend.services.audit.export import (
    TRAIL_COLUMNS,
    ExportMixin,
    csv_header,
    csv_line,
    trail_row,
)
from backend.services.audit.integrity import IntegrityMixin
from backend.services.audit.releases import ReleasesMixin
from backend.services.audit.stats import StatsMixin
from backend.services.audit.trail import (
    TrailFilter,
    TrailMixin,
    parse_address,
    parse_hash,
    parse_time,
)


class AuditService(ExportMixin, TrailMixin, IntegrityMixin, StatsMixin, ReleasesMixin, AuditBase):
    """The auditor's use cases (constructor: see AuditBase)."""


def audit_service(app: Any) -> AuditService:
    """The audit use case of a built application (``AppContext.services.audit``)."""
    return app.services.audit


__all__ = [
    "EXPORT_CHUNK",
    "HEX32_RE",
    "MAX_PAGE",
    "RESOURCE_VERSION",
    "TAMPER",
    "TAMPER_OP",
    "TAMPER_RESPONSE_WINDOW_S",
    "TRAIL_COLUMNS",
    "AuditBase",
    "AuditService",
    "TrailFilter",
    "audit_service",
    "csv_header",
    "csv_line",
    "iso",
    "parse_address",
    "parse_hash",
    "parse_time",
    "trail_row",
]
