from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from api_world import build_system
from fed_world import Federation, build_federation


@pytest.fixture(scope="module")
def fed(tmp_path_factory) -> Iterator[Federation]:
    tmp = tmp_path_factory.mktemp("federation")
    with build_system(tmp / "consortium", "fedtest") as system:
        f = build_federation(tmp / "nodes", system)
        try:
            yield f
        finally:
            f.close()
