from __future__ import annotations

from typing import Any

from backend.api.deps import Ctx, CurrentPrincipal
from backend.api.schemas import health as answers
from backend.api.schemas.common import ModelRouter, error_responses

router = ModelRouter(tags=["health"], writes=False)


@router.get("/healthz", response_model=answers.HealthzAnswer, summary="Liveness (no auth, no I/O)")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=answers.ReadyzAnswer,
    responses=error_responses(503),
    summary="Readiness: the chain node answers",
)
def readyz(ctx: Ctx) -> dict[str, Any]:
    return {"status": "ok", "block_number": ctx.client.block_number(), "network": ctx.manifest.network}


@router.get("/me", response_model=answers.MeAnswer, responses=error_responses(401), summary="Who the token acts for")
def me(principal: CurrentPrincipal) -> dict[str, Any]:
    return {
        "role": principal.role,
        "address": principal.address,
        "label": principal.label,
        "token_id": principal.token_id,
        "kind": principal.kind,
        "officer": principal.officer_id,
        "scopes": principal.scopes.split() if principal.is_scoped_client else None,
    }
