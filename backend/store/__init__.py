"""Encrypted content-addressed document store (see document_store.py)."""

from backend.store.document_store import (
    AccessDenied,
    CannotRevokeOwner,
    DocumentMissing,
    DocumentStore,
    IntegrityReport,
    StoreError,
    TamperDetected,
    normalise_hash,
)

__all__ = [
    "AccessDenied",
    "CannotRevokeOwner",
    "DocumentMissing",
    "DocumentStore",
    "IntegrityReport",
    "StoreError",
    "TamperDetected",
    "normalise_hash",
]
