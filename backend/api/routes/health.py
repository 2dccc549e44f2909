from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backend.api.deps import CurrentPrincipal, Ctx

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness (no auth, no I/O)")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: the chain node answers")
def readyz(ctx: Ctx) -> dict[str, Any]:
    return {"status": "ok", "block_number": ctx.client.block_number(), "network": ctx.manifest.network}


@router.get("/me", summary="Who the token acts for")
def me(principal: CurrentPrincipal) -> dict[str, Any]:
    return {"role": principal.role, "address": principal.address, "label": principal.label, "token_id": principal.token_id}
