"""Fuzz set-up: the fuzz venv (tools/setup_fuzz.sh), a live system (anvil +
bootstrap + the API server as a subprocess) and a little seed data, so that small
ids (which the fuzzer tries first) name real resources, requests, grants and uses.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent))

from live_system import FUZZ_ACTORS as ACTORS
from live_system import ROOT, LiveSystem, start_live_system

FUZZ_VENV = ROOT / ".venv-fuzz"
ST = FUZZ_VENV / "bin" / "st"
OTHER_DEPARTMENT = "dept-ca"


@pytest.fixture(scope="session")
def schemathesis_cli() -> Path:
    """The `st` executable of .venv-fuzz; installs it (PyPI, pinned) when missing."""
    proc = subprocess.run(
        ["bash", str(ROOT / "tools" / "setup_fuzz.sh")],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0 or not ST.exists():
        pytest.fail(f"tools/setup_fuzz.sh failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return ST


def _post(live: LiveSystem, who: str, path: str, body: dict) -> dict:
    headers = {
        "Authorization": f"Bearer {live.tokens[who]}",
        "Idempotency-Key": uuid.uuid4().hex,
    }
    r = requests.post(live.base_url + path, json=body, headers=headers, timeout=60)
    assert r.status_code in (200, 201), f"seed {path}: {r.status_code} {r.text}"
    return r.json()


def seed(live: LiveSystem) -> dict[str, int]:
    """Resource 1 (owned by the fuzzing department), resource 2 (another department's),
    grant 1 on resource 2 held by the fuzzing department with one use, and a pending
    request on resource 1 that the fuzzing department may approve or deny."""
    me, other = ACTORS["department"], OTHER_DEPARTMENT
    schema = {"type": "object", "title": "fuzz seed"}
    r1 = _post(live, me, "/resources", {"classification": "INTERNAL", "record": {"seed": 1}, "schema": schema})
    r2 = _post(live, other, "/resources", {"classification": "INTERNAL", "record": {"seed": 2}, "schema": schema})
    req = {"purpose_code": 101, "legal_basis": "fuzz seed", "fields": ["seed"], "duration_s": 86400, "max_uses": 1000}
    q1 = _post(live, me, "/requests", {"resource_id": r2["resource_id"], **req})
    g = _post(live, other, f"/requests/{q1['request_id']}/approve", {"reason": "seed"})
    _post(live, me, f"/grants/{g['grant_id']}/uses", {"context_ref": "fuzz-seed-use"})
    q2 = _post(live, other, "/requests", {"resource_id": r1["resource_id"], **req})
    return {"resource": r1["resource_id"], "grant": g["grant_id"], "pending_request": q2["request_id"]}


@pytest.fixture(scope="module")
def fuzz_system(tmp_path_factory) -> Iterator[LiveSystem]:
    live = start_live_system(
        tmp_path_factory.mktemp("fuzz"), [*ACTORS.values(), OTHER_DEPARTMENT], receipt_timeout_s=10.0
    )
    try:
        live.seeded = seed(live)
        yield live
    finally:
        live.close()
