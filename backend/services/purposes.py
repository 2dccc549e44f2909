"""The council's registry of purposes and legal bases, read from ``Purposes``: the list every role may
read, the words shown next to a purpose code or a legal-basis hash, and the check a new request passes
before it is sent (a clear 422 naming the entry instead of a revert)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.services.common import ChainOps, h0x
from backend.services.errors import InvalidInput

PAGE = 2**32  # the registry is small: one view call reads it whole


class PurposesService:
    def __init__(self, ops: ChainOps) -> None:
        self.ops = ops

    def catalogue(self) -> dict[str, Any]:
        registry = self.ops.contracts.purposes
        return {
            "purposes": [
                {"code": p.code, "name_zh": p.name_zh, "name_en": p.name_en, "retired": p.retired}
                for p in registry.purposes(0, PAGE)
            ],
            "legal_bases": [
                {"text_hash": _hex(b.text_hash), "citation": b.citation, "retired": b.retired}
                for b in registry.legal_bases(0, PAGE)
            ],
        }

    def require_usable(self, purpose_code: int, legal_basis_hash: bytes) -> None:
        """422 unless both are registered and not retired (what UsageRights requires of new requests)."""
        purpose_ok, basis_ok = self.ops.contracts.purposes.usable(purpose_code, legal_basis_hash)
        if not purpose_ok:
            raise InvalidInput(
                f"purpose code {purpose_code} is not a registered, unretired purpose (GET /purposes lists them)",
                field="purpose_code",
            )
        if not basis_ok:
            raise InvalidInput(
                f"legal basis {h0x(legal_basis_hash)} is not a registered, unretired legal basis "
                "(GET /purposes lists them)",
                field="legal_basis",
            )

    def words(self, purpose_code: int | None, legal_basis_hash: str | None = None) -> dict[str, Any]:
        """The names of ``purpose_code`` and the citation of ``legal_basis_hash`` (None when unknown)."""
        return self.namer()(purpose_code, legal_basis_hash)

    def namer(self) -> Callable[..., dict[str, Any]]:
        """``words`` for many rows from one read of the registry."""
        cat = self.catalogue()
        names = {p["code"]: p for p in cat["purposes"]}
        citations = {b["text_hash"]: b["citation"] for b in cat["legal_bases"]}

        def words(purpose_code: int | None, legal_basis_hash: str | None = None) -> dict[str, Any]:
            purpose = names.get(purpose_code) if purpose_code is not None else None
            return {
                "purpose_name_zh": purpose["name_zh"] if purpose else None,
                "purpose_name_en": purpose["name_en"] if purpose else None,
                "legal_basis_citation": citations.get(legal_basis_hash.lower()) if legal_basis_hash else None,
            }

        return words


def _hex(value: Any) -> str:
    text = value if isinstance(value, str) else "0x" + bytes(value).hex()
    return text.lower() if text.startswith("0x") else "0x" + text.lower()
