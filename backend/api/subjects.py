"""People in request bodies as subject hashes (keyed with the deployment's subject key):
the identity reaches the chain only as its hash."""

from __future__ import annotations

from backend.api.schemas import DataSubject
from backend.services import Services
from backend.services.common import hex32
from backend.services.errors import InvalidInput


def subject_hash(svc: Services, subject: DataSubject | None) -> bytes | None:
    """An optional identity as its subject hash."""
    return svc.ops.subject(subject.id_type, subject.id_value) if subject is not None else None


def subject_of(svc: Services, subject: DataSubject | None, hash_hex: str | None, field: str) -> bytes:
    """A person as a subject hash: identity (hashed with the deployment key) or the hash itself."""
    if (subject is None) == (hash_hex is None):
        raise InvalidInput(f"give {field} or {field}_hash (exactly one)", field=field)
    if subject is not None:
        return svc.ops.subject(subject.id_type, subject.id_value)
    h = hex32(hash_hex, f"{field}_hash")  # type: ignore[arg-type]
    if not any(h):
        raise InvalidInput(f"{field}_hash must not be zero", field=f"{field}_hash")
    return h
