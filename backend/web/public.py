"""Public certificate verification (no sign-in): a notary, a bank or a court pastes the
document hash or uploads the document and gets valid / revoked / expired / unknown with
the issuing department and time (``ctx.services.certificates.verify``)."""

import re
from typing import Annotated

from eth_utils import keccak
from fastapi import APIRouter, File, Form, Request, UploadFile

from backend.services.errors import InvalidInput
from backend.web.core import CSRF, ctx_of, describe_error, render

router = APIRouter(prefix="/console")
_HASH = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
MAX_DOC = 16 * 1024 * 1024


def _available(request: Request) -> bool:
    """Verification needs the Certificates contract in this deployment."""
    return "Certificates" in ctx_of(request).manifest.contracts


@router.get("/verify")
def verify_form(request: Request):
    return render(request, "verify.html", {"available": _available(request), "result": None, "tab": "verify"})


@router.post("/verify")
def verify(
    request: Request,
    _c: None = CSRF,
    document_hash: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
):
    if not _available(request):
        return render(request, "verify.html", {"available": False, "result": None, "tab": "verify"})
    try:
        if file is not None and file.filename:
            data = file.file.read(MAX_DOC + 1)
            if len(data) > MAX_DOC:
                raise InvalidInput("file too large", field="file")
            h = keccak(data)
        else:
            text = document_hash.strip()
            if not _HASH.match(text):
                raise InvalidInput("document hash must be 64 hex digits (0x…)", field="document_hash")
            h = bytes.fromhex(text.removeprefix("0x"))
        result = ctx_of(request).services.certificates.verify(h)
    except Exception as exc:
        _, message = describe_error(request, exc)
        return render(request, "verify.html", {"available": True, "result": None, "error": message, "tab": "verify"})
    return render(request, "verify.html", {"available": True, "result": result, "tab": "verify"})
