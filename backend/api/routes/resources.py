from __future__ import annotations

from typing import Annotated, Any

from fastapi import File, Form, Path, Query, UploadFile

from backend.api.deps import (
    Ctx,
    DepartmentPrincipal,
    DepartmentWriter,
    IdemKey,
    ReaderPrincipal,
    ResourcesDep,
    Svc,
    actor,
)
from backend.api.params import Limit, Offset
from backend.api.responses import with_content
from backend.api.schemas import AnchorRoot, Classification, PublishVersion, RegisterResource
from backend.api.schemas import resources as answers
from backend.api.schemas.common import API_ERRORS, HEX32, ModelRouter
from backend.api.subjects import subject_hash
from backend.services import Content
from backend.services.common import canonical_json, hex32, text_hash
from backend.services.errors import InvalidInput
from backend.services.resources import MAX_CONTENT_BYTES

router = ModelRouter(prefix="/resources", tags=["resources"], responses=API_ERRORS)

ResourceId = Annotated[int, Path(ge=1, le=2**256 - 1, description="resource id")]


def _schema_hash(schema: dict | None, schema_hash: str | None) -> bytes:
    if schema is not None and schema_hash is not None:
        raise InvalidInput("give either schema or schema_hash, not both", field="schema")
    if schema is not None:
        return text_hash(canonical_json(schema).decode())
    if schema_hash is None:
        raise InvalidInput("schema or schema_hash is required", field="schema")
    return hex32(schema_hash, "schema_hash")


async def _read_upload(file: UploadFile) -> Content:
    data = await file.read(MAX_CONTENT_BYTES + 1)
    if len(data) > MAX_CONTENT_BYTES:
        raise InvalidInput(f"file larger than {MAX_CONTENT_BYTES} bytes", field="file")
    return Content(data, (file.content_type or "application/octet-stream")[:100])


@router.get(
    "", response_model=answers.ListResourcesAnswer, summary="Browse the catalog (from the chain's views, newest first)"
)
def list_resources(
    resources: ResourcesDep,
    principal: ReaderPrincipal,
    offset: Offset = 0,
    limit: Limit = 50,
    owner: Annotated[str | None, Query(description="'me' or an address", pattern=r"^(me|0x[0-9a-fA-F]{40})$")] = None,
) -> dict[str, Any]:
    if owner == "me":
        owner = principal.address
    return resources.list(offset, limit, owner)


@router.post(
    "", response_model=answers.RegisteredResource, status_code=201, summary="Register a resource from a JSON record"
)
def register_resource(
    body: RegisterResource, svc: Svc, who: DepartmentWriter, key: IdemKey, ctx: Ctx
) -> dict[str, Any]:
    steward = body.steward_officer_id
    if steward is not None and steward != who.officer_id:
        # naming someone else as responsible: only a real officer of this department (not free text)
        account = ctx.officers.store.get(steward)
        if account is None or not who.same(account.principal):
            raise InvalidInput("the steward must be an officer account of this department", field="steward_officer_id")
    subject = subject_hash(svc, body.data_subject)
    return svc.resources.register(
        who,
        Content.from_record(body.record),
        body.classification,
        _schema_hash(body.schema_, body.schema_hash),
        subject=subject,
        steward_officer_id=body.steward_officer_id,
        key=key,
    )


@router.post(
    "/upload",
    response_model=answers.RegisteredResource,
    status_code=201,
    summary="Register a resource from an uploaded file (multipart)",
)
async def register_upload(
    svc: Svc,
    who: DepartmentWriter,
    key: IdemKey,
    file: Annotated[UploadFile, File(description="the content")],
    classification: Annotated[Classification, Form()],
    schema_hash: Annotated[str, Form(pattern=HEX32)],
    subject_id_type: Annotated[str | None, Form(min_length=1, max_length=32)] = None,
    subject_id_value: Annotated[str | None, Form(min_length=1, max_length=128)] = None,
) -> dict[str, Any]:
    from starlette.concurrency import run_in_threadpool

    content = await _read_upload(file)
    if (subject_id_type is None) != (subject_id_value is None):
        raise InvalidInput("give both subject_id_type and subject_id_value, or neither", field="subject_id_type")
    # (both or neither, checked above)
    subject = (
        svc.ops.subject(subject_id_type, subject_id_value) if subject_id_type and subject_id_value is not None else None
    )
    return await run_in_threadpool(
        svc.resources.register,
        who,
        content,
        classification,
        hex32(schema_hash, "schema_hash"),
        subject=subject,
        key=key,
    )


@router.get("/{resource_id}", response_model=answers.ResourceDetail, summary="One resource with all its versions")
def get_resource(resource_id: ResourceId, resources: ResourcesDep, principal: ReaderPrincipal) -> dict[str, Any]:
    return resources.get(resource_id)


@router.get(
    "/{resource_id}/content",
    response_model=answers.GetContentAnswer,
    summary="The owner reads its own content (others use a grant)",
)
def get_content(
    resource_id: ResourceId,
    resources: ResourcesDep,
    principal: DepartmentPrincipal,
    version: Annotated[int | None, Query(ge=1, le=2**32 - 1)] = None,
) -> dict[str, Any]:
    return with_content(resources.content(actor(principal), resource_id, version))


@router.post(
    "/{resource_id}/versions",
    response_model=answers.PublishedVersion,
    status_code=201,
    summary="Publish a new version (owner only)",
)
def publish_version(
    resource_id: ResourceId, body: PublishVersion, resources: ResourcesDep, who: DepartmentWriter, key: IdemKey
) -> dict[str, Any]:
    return resources.publish_version(who, resource_id, Content.from_record(body.record), key=key)


@router.post(
    "/{resource_id}/versions/upload",
    response_model=answers.PublishedVersion,
    status_code=201,
    summary="Publish a new version from a file",
)
async def publish_upload(
    resource_id: ResourceId,
    resources: ResourcesDep,
    who: DepartmentWriter,
    key: IdemKey,
    file: Annotated[UploadFile, File()],
) -> dict[str, Any]:
    from starlette.concurrency import run_in_threadpool

    content = await _read_upload(file)
    return await run_in_threadpool(resources.publish_version, who, resource_id, content, key=key)


@router.post(
    "/{resource_id}/anchors",
    response_model=answers.AnchorRootAnswer,
    status_code=201,
    summary="Anchor a Merkle root of a record set (owner only)",
)
def anchor_root(
    resource_id: ResourceId, body: AnchorRoot, resources: ResourcesDep, who: DepartmentWriter, key: IdemKey
) -> dict[str, Any]:
    return resources.anchor_root(who, resource_id, body.merkle_root, body.record_count, key=key)
