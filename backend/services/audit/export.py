"""Exporting the trail as CSV or JSON (one row shape: the indexed event's JSON form)."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

from backend.indexer.query import event_json
from backend.services.audit.trail import TrailFilter, TrailMixin
from backend.services.common import (
    Actor,
)
from backend.services.errors import InvalidInput

log = logging.getLogger(__name__)

# Columns of a trail row, in export order (CSV header; "args" is compact JSON there).
TRAIL_COLUMNS = (
    "block_number",
    "block_time",
    "time",
    "tx_hash",
    "log_index",
    "contract",
    "address",
    "event",
    "resource_id",
    "grant_id",
    "request_id",
    "incident_id",
    "department",
    "officer_hash",
    "subject_hash",
    "args",
)


trail_row = event_json  # the trail item is the one JSON shape of an indexed event


def csv_header() -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(TRAIL_COLUMNS)
    return buf.getvalue()


def csv_line(item: dict[str, Any]) -> str:
    buf = io.StringIO()
    values = []
    for col in TRAIL_COLUMNS:
        v = item.get(col)
        if col == "args":
            v = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
        values.append("" if v is None else v)
    csv.writer(buf, lineterminator="\r\n").writerow(values)
    return buf.getvalue()


def _csv_stream(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield csv_header()
    for item in rows:
        yield csv_line(item)


def _json_stream(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield "["
    first = True
    for item in rows:
        yield ("" if first else ",") + json.dumps(item, ensure_ascii=False, separators=(",", ":"))
        first = False
    yield "]"


class ExportMixin(TrailMixin):
    def export(
        self, actor: Actor, f: TrailFilter, fmt: str, *, limit: int | None = None, offset: int = 0
    ) -> Iterator[str]:
        """The trail as CSV (header + one line per row, args as JSON) or as one JSON array."""
        if fmt not in ("csv", "json"):
            raise InvalidInput("format must be csv or json", field="format")
        rows = self.iter_trail(actor, f, limit=limit, offset=offset)
        return _csv_stream(rows) if fmt == "csv" else _json_stream(rows)
