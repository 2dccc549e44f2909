"""The council's registry of purposes and legal bases."""

from __future__ import annotations

from pydantic import Field

from backend.api.schemas.common import Answer


class PurposeView(Answer):
    code: int | None = None
    name_zh: str | None = None
    name_en: str | None = None
    retired: bool | None = None


class LegalBasisView(Answer):
    text_hash: str | None = None
    citation: str | None = None
    retired: bool | None = None


class CatalogueAnswer(Answer):
    purposes: list[PurposeView] = Field(default_factory=list)
    legal_bases: list[LegalBasisView] = Field(default_factory=list)
