"""Shaping service results into JSON bodies (content as a JSON record or base64)."""

from __future__ import annotations

import base64
import json
from typing import Any

from backend.services.resources import JSON_MEDIA_TYPE


def with_content(result: dict[str, Any]) -> dict[str, Any]:
    """Replace raw ``data`` bytes: JSON records inline as ``record``, files as ``content_base64``."""
    out = dict(result)
    data: bytes = out.pop("data")
    if out.get("media_type") == JSON_MEDIA_TYPE:
        try:
            out["record"] = json.loads(data)
            return out
        except ValueError:
            pass
    out["content_base64"] = base64.b64encode(data).decode()
    return out
