"""E-certificates: council types (governors), issue / revoke (the issuing department),
and public verification by document hash (no token)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import Field
from starlette.datastructures import UploadFile

from backend.api.deps import (
    CertificatesDep,
    DepartmentWriter,
    GovernorWriter,
    IdemKey,
    ReaderPrincipal,
    Svc,
    actor,
)
from backend.api.schemas import UINT64, DataSubject, Decision, Strict
from backend.api.schemas import certificates as answers
from backend.api.schemas.common import API_ERRORS, HEX32, Hex32, ModelRouter, error_responses
from backend.api.subjects import subject_of
from backend.services.certificates import document_hash_of, ref32
from backend.services.errors import InvalidInput

router = ModelRouter(prefix="/certificates", tags=["certificates"], responses=API_ERRORS)
public_router = ModelRouter(prefix="/public", tags=["public"], responses=error_responses(422, 503), writes=False)

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

CertId = Annotated[int, Path(ge=1, le=2**256 - 1, description="certificate id")]
DocHash = Annotated[str, Path(pattern=HEX32, description="keccak256 of the document, 0x-hex")]
TypeCode = Annotated[str, Path(min_length=1, max_length=66, description="type code (text ≤ 32 bytes or 0x-hex)")]


class CertificateTypeProposal(Strict):
    type_code: str = Field(
        min_length=1,
        max_length=66,
        examples=["PROPERTY_CERT"],
        description="text of at most 32 bytes (stored left-aligned) or 0x + 64 hex digits",
    )
    issuer: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$", description="the only department that may issue the type")
    default_validity_s: int = Field(ge=1, le=UINT64, description="validity applied when valid_until is 0")
    justification: str = Field(min_length=1, max_length=10_000)


class IssueCertificate(Strict):
    type_code: str = Field(min_length=1, max_length=66)
    document_base64: str | None = Field(
        default=None,
        min_length=1,
        max_length=14_000_000,
        description="the document; only its keccak256 reaches the chain",
    )
    document_hash: str | None = Field(default=None, pattern=HEX32, description="keccak256 of the document")
    holder: DataSubject | None = Field(default=None, description="the holder; reaches the chain as a keyed hash")
    holder_hash: str | None = Field(default=None, pattern=HEX32, description="the holder's subject hash")
    valid_from: int = Field(default=0, ge=0, le=UINT64, description="unix time; 0 = now")
    valid_until: int = Field(
        default=0, ge=0, le=UINT64, description="unix time (exclusive); 0 = type default; 2**64-1 = no expiry"
    )
    case_ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="case reference (0x-32-byte hex, or text hashed); default: direct issue",
    )


class RevokeCertificate(Decision):
    pass


class VerifyByHash(Strict):
    document_hash: str = Hex32


def _b64(value: str | None) -> bytes | None:
    if value is None:
        return None
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("document_base64 is not valid base64", field="document_base64") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes", field="document_base64")
    return data


# -- council ----------------------------------------------------------------------------------------
@router.post(
    "/types",
    response_model=answers.ProposeTypeAnswer,
    status_code=201,
    summary="Propose registering a certificate type (governor); others approve via /council/proposals",
)
def propose_type(
    body: CertificateTypeProposal, certificates: CertificatesDep, who: GovernorWriter, key: IdemKey
) -> dict[str, Any]:
    return certificates.propose_type(
        who, body.type_code, body.issuer, body.default_validity_s, body.justification, key=key
    )


@router.get("/types/{type_code}", response_model=answers.GetTypeAnswer, summary="A registered certificate type")
def get_type(type_code: TypeCode, certificates: CertificatesDep, principal: ReaderPrincipal) -> dict[str, Any]:
    return certificates.get_type(type_code)


# -- issuer ------------------------------------------------------------------------------------------
@router.post(
    "",
    response_model=answers.IssueAnswer,
    status_code=201,
    summary="Issue a certificate (the type's issuing department)",
)
def issue(body: IssueCertificate, svc: Svc, who: DepartmentWriter, key: IdemKey) -> dict[str, Any]:
    doc = document_hash_of(_b64(body.document_base64), body.document_hash)
    holder = subject_of(svc, body.holder, body.holder_hash, "holder")
    case_ref = ref32(body.case_ref, None, "case_ref") if body.case_ref is not None else None
    return svc.certificates.issue(
        who, body.type_code, doc, holder, body.valid_from, body.valid_until, case_ref, key=key
    )


@router.get(
    "/{cert_id}",
    response_model=answers.CertificateDetail,
    summary="One certificate with its holder hash (its issuer, auditors, governors)",
)
def get_certificate(cert_id: CertId, certificates: CertificatesDep, principal: ReaderPrincipal) -> dict[str, Any]:
    return certificates.get(actor(principal), cert_id)


@router.post(
    "/{cert_id}/revoke",
    response_model=answers.RevokeAnswer,
    summary="Revoke a certificate (the department that issued it)",
)
def revoke(
    cert_id: CertId, body: RevokeCertificate, certificates: CertificatesDep, who: DepartmentWriter, key: IdemKey
) -> dict[str, Any]:
    return certificates.revoke(who, cert_id, body.hashed("reason"), key=key)


# -- public ------------------------------------------------------------------------------------------
_VERIFY_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["document"],
                    "properties": {"document": {"type": "string", "format": "binary"}},
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["document_hash"],
                    "additionalProperties": False,
                    "properties": {"document_hash": {"type": "string", "pattern": HEX32}},
                }
            },
        },
    }
}


@public_router.post(
    "/certificates/verify",
    response_model=answers.CertificateCheck,
    openapi_extra=_VERIFY_BODY,
    summary="Verify a presented document (no token): upload it (multipart `document`) or give its hash (JSON)",
)
async def verify(request: Request, certificates: CertificatesDep) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "").lower()
    if ctype.startswith("multipart/form-data"):
        try:
            form = await request.form(max_files=1, max_fields=8)
        except Exception:  # malformed multipart body
            raise InvalidInput("malformed multipart body", field="document") from None
        upload = form.get("document")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("multipart field `document` (a file) is required", field="document")
        data = await upload.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            raise InvalidInput(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes", field="document")
        doc = document_hash_of(data, None)
    elif ctype.startswith("application/json"):
        try:
            payload = json.loads(await request.body())
            body = VerifyByHash.model_validate(payload)
        except ValueError:  # bad JSON or pydantic ValidationError (a ValueError)
            raise InvalidInput('JSON body must be {"document_hash": "0x…64 hex"}', field="document_hash") from None
        doc = document_hash_of(None, body.document_hash)
    else:
        raise InvalidInput("send multipart/form-data with `document`, or JSON with `document_hash`", field="body")
    return await run_in_threadpool(certificates.verify, doc)


@public_router.get(
    "/certificates/{document_hash}",
    response_model=answers.CertificateCheck,
    summary="Status of a document hash (no token)",
)
def verify_hash(document_hash: DocHash, certificates: CertificatesDep) -> dict[str, Any]:
    return certificates.verify(document_hash_of(None, document_hash))
