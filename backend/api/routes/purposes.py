from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from backend.api.deps import ReaderPrincipal, _service
from backend.api.schemas import purposes as answers
from backend.api.schemas.common import API_ERRORS, ModelRouter
from backend.services.purposes import PurposesService

router = ModelRouter(prefix="/purposes", tags=["purposes"], responses=API_ERRORS)

PurposesDep = Annotated[PurposesService, Depends(_service("purposes"))]


@router.get(
    "",
    response_model=answers.CatalogueAnswer,
    summary="The council's registered purposes (code, zh/en names) and legal bases (citation, text hash)",
)
def list_purposes(purposes: PurposesDep, principal: ReaderPrincipal) -> dict[str, Any]:
    del principal  # any authenticated role reads the registry (it is public text)
    return purposes.catalogue()
