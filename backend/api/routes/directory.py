"""The node directory (issue 9): a department publishes its own node; any signed-in principal reads them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from backend.api.deps import CurrentPrincipal, DepartmentAdmin, DirectoryDep, IdemKey, actor
from backend.api.schemas import directory as answers
from backend.api.schemas.common import API_ERRORS, ModelRouter
from backend.api.schemas.directory import PublishNode
from backend.services.common import hex32

router = ModelRouter(prefix="/directory", tags=["directory"], responses=API_ERRORS)

Address = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$", description="a department's chain address")]


@router.put(
    "/self",
    response_model=answers.PublishNodeAnswer,
    summary="Publish (or replace) the caller's own node entry (a department's admin officer); a new version each time",
)
def publish_node(
    body: PublishNode, directory: DirectoryDep, principal: DepartmentAdmin, key: IdemKey
) -> dict[str, Any]:
    tls = hex32(body.transport_key_hash, "transport_key_hash") if body.transport_key_hash is not None else None
    return directory.publish(
        actor(principal), body.endpoint, hex32(body.encryption_key, "encryption_key"), tls, key=key
    )


@router.get("", response_model=answers.ListNodesAnswer, summary="Every published node, newest publish first")
def list_nodes(
    directory: DirectoryDep,
    principal: CurrentPrincipal,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, Any]:
    return directory.list(actor(principal), offset, limit)


@router.get("/{address}", response_model=answers.NodeEntryView, summary="One department's node entry")
def get_node(address: Address, directory: DirectoryDep, principal: CurrentPrincipal) -> dict[str, Any]:
    return directory.get(actor(principal), address)
