#!/usr/bin/env python3
"""Write docs/openapi.json: the API's OpenAPI document, built without a chain.

    python tools/gen_openapi.py          # (re)write docs/openapi.json
    python tools/gen_openapi.py --check  # exit 1 when docs/openapi.json is stale

Deterministic: sorted keys, 2-space indent, UTF-8, a final newline.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "openapi.json"


def render() -> str:
    sys.path.insert(0, str(ROOT))
    from backend.api.main import openapi_schema

    return json.dumps(openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when docs/openapi.json is stale")
    args = ap.parse_args(argv)
    text = render()
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else None
    if args.check:
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is stale: run make openapi", file=sys.stderr)
            return 1
        return 0
    if current != text:
        TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
