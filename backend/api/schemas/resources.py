"""Resources: register, versions, anchors, content, the catalog."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, JsonValue

from backend.api.schemas.common import (
    UINT32,
    Answer,
    Classification,
    DataSubject,
    Hex32,
    OptionalHex32,
    Page,
    Strict,
    TxAnswer,
)


# -- request bodies --------------------------------------------------------------------------------
class RegisterResource(Strict):
    classification: Classification
    record: JsonValue = Field(description="the content: any JSON value (stored canonically: sorted keys, UTF-8)")
    schema_: dict[str, Any] | None = Field(default=None, alias="schema", description="schema document (hashed)")
    schema_hash: str | None = OptionalHex32
    data_subject: DataSubject | None = None
    steward_officer_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="defaults to the signed-in officer; another name must be an officer account of this department",
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PublishVersion(Strict):
    record: JsonValue


class AnchorRoot(Strict):
    merkle_root: str = Hex32
    record_count: int = Field(ge=1, le=UINT32)


# -- answers ------------------------------------------------------------------------------------------
class ResourceView(Answer):
    """A registered resource: owner, classification, how many versions and anchors."""

    resource_id: int | None = None
    owner: str | None = None
    classification: Classification | None = None
    version_count: int | None = None
    anchor_count: int | None = None
    registered_at: int | None = None
    content_hash: str | None = None


class ListResourcesAnswer(Page[ResourceView]):
    pass


class VersionView(Answer):
    """One published version of a resource."""

    version: int | None = None
    content_hash: str | None = None
    published_at: int | None = None
    media_type: str | None = None
    size: int | None = None
    stored: bool | None = None


class ResourceDetail(ResourceView):
    """A resource with its versions."""

    versions: list[VersionView] | None = None


class GetContentAnswer(Answer):
    resource_id: int | None = None
    version: int | None = None
    content_hash: str | None = None
    media_type: str | None = None
    record: JsonValue = None
    content_base64: str | None = None


class RegisteredResource(TxAnswer):
    """A resource registered (from a JSON record or an uploaded file): its first version."""

    resource_id: int | None = None
    version: int | None = None
    owner: str | None = None
    classification: Classification | None = None
    content_hash: str | None = None
    schema_hash: str | None = None
    steward_hash: str | None = None
    subject_hash: str | None = None
    media_type: str | None = None
    size: int | None = None


class PublishedVersion(TxAnswer):
    """A new version published (from a JSON record or an uploaded file)."""

    resource_id: int | None = None
    version: int | None = None
    content_hash: str | None = None
    officer_hash: str | None = None
    media_type: str | None = None
    size: int | None = None


class AnchorRootAnswer(TxAnswer):
    anchor_id: int | None = None
    resource_id: int | None = None
    merkle_root: str | None = None
    record_count: int | None = None
