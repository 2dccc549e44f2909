"""Query parameters that several routers share (the paging of a list)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Offset = Annotated[int, Query(ge=0, le=10**9)]
Limit = Annotated[int, Query(ge=1, le=100)]
