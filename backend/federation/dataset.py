"""The structured document a peer release projects from, and what it releases.

A resource that peers may ask records of is registered as a JSON dataset::

    {"format": "govchain.dataset/1",
     "subject": {"id_type": "resident_id", "field": "resident_id"},
     "fields": ["resident_id", "name", "status"],
     "records": [{"resident_id": "110105199001011234", "name": "…", "status": "married"}, …]}

Records are matched at release time by hashing each record's identifier
(``record[subject.field]``, typed ``subject.id_type``) with the deployment's subject
secret, exactly as ``ChainOps.subject`` hashed it for the on-chain use. Why at
release time rather than storing hashes at registration: the registered document
stays the plain dataset (registration is unchanged), and no identifier crosses
the wire: the request names the subject only by its on-chain hash.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.federation.errors import ReleaseDatasetInvalid

DATASET_FORMAT = "govchain.dataset/1"
RELEASE_FORMAT = "govchain.release/1"


@dataclass(frozen=True)
class Dataset:
    id_type: str
    id_field: str
    fields: tuple[str, ...]
    records: tuple[dict[str, Any], ...]

    def of_subject(self, subject_hash: bytes, hash_id: Callable[[str, str], bytes]) -> list[dict[str, Any]]:
        """The records whose identifier hashes to ``subject_hash``."""
        out = []
        for rec in self.records:
            value = rec.get(self.id_field)
            if isinstance(value, str) and value.strip() and hash_id(self.id_type, value) == subject_hash:
                out.append(rec)
        return out


def parse_dataset(data: bytes) -> Dataset:
    try:
        doc = json.loads(data)
    except ValueError:
        raise ReleaseDatasetInvalid("the resource is not JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != DATASET_FORMAT:
        raise ReleaseDatasetInvalid(f"the resource is not a {DATASET_FORMAT} document")
    subject, fields, records = doc.get("subject"), doc.get("fields"), doc.get("records")
    if (
        not isinstance(subject, dict)
        or not isinstance(subject.get("id_type"), str)
        or not isinstance(subject.get("field"), str)
        or not isinstance(fields, list)
        or not all(isinstance(f, str) for f in fields)
        or not isinstance(records, list)
        or not all(isinstance(r, dict) for r in records)
    ):
        raise ReleaseDatasetInvalid("a dataset has subject {id_type, field}, fields [str] and records [object]")
    return Dataset(subject["id_type"], subject["field"], tuple(fields), tuple(records))


def project(records: list[dict[str, Any]], fields: list[str]) -> list[dict[str, Any]]:
    """Each record reduced to the approved fields it has (nothing else leaves)."""
    return [{f: rec[f] for f in fields if f in rec} for rec in records]
