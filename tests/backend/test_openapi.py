"""docs/openapi.json is the served OpenAPI document (make openapi), and every
operation declares its answer and its error bodies."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _gen():
    spec = importlib.util.spec_from_file_location("gen_openapi", ROOT / "tools" / "gen_openapi.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["gen_openapi"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def spec():
    from backend.api.main import openapi_schema

    return openapi_schema()


def test_docs_openapi_json_is_up_to_date():
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == _gen().render(), "docs/openapi.json is stale: run make openapi"


def test_rendering_is_deterministic():
    gen = _gen()
    assert gen.render() == gen.render()


def _operations(spec):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method.upper(), path, op


FILE_DOWNLOADS = {("GET", "/audit/trail/export")}  # CSV or JSON stream


def test_every_operation_has_a_response_schema(spec):
    missing = []
    for method, path, op in _operations(spec):
        ok = [c for c in op["responses"] if c.startswith("2") and c != "202"]
        content = [op["responses"][c].get("content") or {} for c in ok]
        declared = any((c.get("application/json") or {}).get("schema", {}).get("$ref") for c in content)
        if not declared and (method, path) not in FILE_DOWNLOADS:
            missing.append(f"{method} {path}")
    assert not missing, missing


def test_error_bodies_are_declared(spec):
    for method, path, op in _operations(spec):
        if path in ("/healthz",):
            continue
        codes = set(op["responses"])
        assert codes & {"401", "403", "404", "409", "422", "503"}, f"{method} {path}"
        for code in codes & {"403", "404", "409", "503"}:
            ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorBody"), (method, path, code, ref)
    body = spec["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"error"} and "args" in body["properties"]


def test_list_answers_carry_indexed_to_block(spec):
    schemas = spec["components"]["schemas"]
    pages = [n for n, s in schemas.items() if {"items", "total"} <= set(s.get("properties", {}))]
    assert pages
    for name in pages:
        assert "indexed_to_block" in schemas[name]["properties"], name
