"""Between department nodes: ``POST /peer/v1/releases``, the owner's node releasing one
recorded use to the grantee's node (backend.federation.release; docs/federation.md).

No bearer token on purpose: the caller is another department's node, and the
grantee's EIP-712 signature over the request is the authentication (checked with
everything else by ``ReleaseService``). The answer is sealed to the grantee's
published key, so only the grantee's node can read it.
"""

from __future__ import annotations

import base64
from typing import Any

from backend.api.deps import ReleaseDep
from backend.api.schemas import peer as answers
from backend.api.schemas.common import ModelRouter, error_responses
from backend.federation.messages import ReleaseRequest
from backend.services.common import h0x

router = ModelRouter(prefix="/peer/v1", tags=["peer"], writes=False)


@router.post(
    "/releases",
    response_model=answers.ReleaseAnswer,
    responses=error_responses(403, 404, 409, 422, 503),
    summary="Release one recorded use to its grantee's node (authenticated by the EIP-712 signature)",
)
def release(body: answers.ReleaseBody, svc: ReleaseDep) -> dict[str, Any]:
    req = ReleaseRequest.from_json(body.request.model_dump())
    out = svc.release(req, bytes.fromhex(body.signature[2:]), list(body.fields))
    return {
        "envelope": base64.b64encode(out.envelope).decode(),
        "receipt": out.receipt.to_json(),
        "signature": h0x(out.signature),
        "owner": out.owner,
        "replayed": out.replayed,
    }
