"""What every generator in tools/ shares: write a generated file, or check that it is current.

python tools/gen_x.py          # (re)write the file when it changed
python tools/gen_x.py --check  # exit 1 when the committed file is stale
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_or_check(
    target: Path, render: Callable[[], str], *, description: str, regenerate: str, argv: list[str] | None = None
) -> int:
    """Compare ``render()`` with ``target``: with ``--check`` exit 1 when they differ, else rewrite it."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--check", action="store_true", help=f"exit 1 when {target.relative_to(ROOT)} is stale")
    args = ap.parse_args(argv)
    text = render()
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if current == text:
        return 0
    if args.check:
        print(f"{target.relative_to(ROOT)} is stale: run {regenerate}", file=sys.stderr)
        return 1
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}")
    return 0
