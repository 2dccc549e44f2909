#!/usr/bin/env python3
"""Write docs/openapi.json: the API's OpenAPI document, built without a chain.

    python tools/gen_openapi.py          # (re)write docs/openapi.json
    python tools/gen_openapi.py --check  # exit 1 when docs/openapi.json is stale

Deterministic: sorted keys, 2-space indent, UTF-8, a final newline.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tools/ itself, also when loaded by path
from generated import write_or_check

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "openapi.json"


def render() -> str:
    sys.path.insert(0, str(ROOT))
    from backend.api.main import openapi_schema

    return json.dumps(openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    return write_or_check(TARGET, render, description=__doc__.splitlines()[0], regenerate="make openapi", argv=argv)


if __name__ == "__main__":
    sys.exit(main())
