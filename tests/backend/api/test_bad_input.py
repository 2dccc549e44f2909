"""Bad input found by probing the API (issue 11, item 10): each probe is sent as raw JSON to the
real app on the session's chain, and answers an exact refusal with nothing written.

- a string that is not Unicode text (a lone UTF-16 surrogate, which Python's json decodes from
  ``"\\ud800"``) anywhere in a body is 422, naming where (it was 500: it cannot be UTF-8 encoded);
- a number that is not finite (``NaN``, ``Infinity``, ``1e999``, which Python's json reads) is 422
  (a record holding one was stored and then failed its own hash check);
- an Idempotency-Key reused for other terms is 409 ``IdempotencyKeyReused`` on POST /requests too,
  also when the approval deadline is left to its default (it answered 201 with the new terms
  while the chain held the old ones);
- ``true`` is not an integer (it passed as 1), nor ``"101"``.
"""

from __future__ import annotations

import math
import uuid

import pytest

from backend.services.common import canonical_json
from backend.services.errors import InvalidInput

SCHEMA_HASH = "0x" + "44" * 32


def _post_raw(s, path: str, raw: str, who: str = "dept-a", key: str | None = None):
    """POST ``raw`` as it is (the probes are JSON a client library would not write)."""
    headers = s.h(who, key=key) | {"Content-Type": "application/json"}
    return s.http.post(path, content=raw.encode("ascii"), headers=headers)


def _not_json_text(problem: str) -> dict:
    return {
        "error": "ValidationError",
        "args": {},
        "detail": [{"type": "json_text", "loc": ["body"], "msg": f"not JSON text: {problem}"}],
    }


def _resource_count(s) -> int:
    return s.contract("DataCatalog").functions.resourceCount().call()


def _register_raw(record_json: str) -> str:
    return '{"classification": "PUBLIC", "schema_hash": "%s", "record": %s}' % (SCHEMA_HASH, record_json)


def _request_body(resource_id: int, **terms) -> dict:
    return {
        "resource_id": resource_id,
        "purpose_code": 101,
        "legal_basis": "Regulation 7 (test)",
        "fields": ["name", "status"],
        "duration_s": 3600,
        "max_uses": 10,
        **terms,
    }


def _a_day_from_now(s) -> int:
    return int(s.w3.eth.get_block("latest")["timestamp"]) + 24 * 3600


def _requests_by(s, requester: str, resource_id: int) -> list[dict]:
    return [e for e in s.events("UsageRights", "UseRequested", requester=requester) if e["resourceId"] == resource_id]


# -- strings must be Unicode text ------------------------------------------------------------------
LONE_SURROGATE = "a lone UTF-16 surrogate (U+D800) is not Unicode text"


@pytest.mark.parametrize(
    ("record_json", "problem"),
    [
        ('{"name": "\\ud800"}', f"record.name: {LONE_SURROGATE}"),
        ('{"items": [1, {"x": "ok\\ud800"}]}', f"record.items[1].x: {LONE_SURROGATE}"),
        ('"\\ud800"', f"record: {LONE_SURROGATE}"),
        ('{"\\udc00k": 1}', "record.\\udc00k: the key: a lone UTF-16 surrogate (U+DC00) is not Unicode text"),
    ],
    ids=["value", "nested", "whole-record", "key"],
)
def test_lone_surrogate_in_a_record_is_422_naming_where_and_registers_nothing(system, record_json, problem):
    s = system
    before = _resource_count(s)
    r = _post_raw(s, "/resources", _register_raw(record_json))
    assert r.status_code == 422, r.text
    assert r.json() == _not_json_text(problem)
    assert _resource_count(s) == before


def test_lone_surrogate_in_a_text_field_is_422_naming_the_field(system):
    s = system
    res = s.register("dept-a")
    body = (
        '{"resource_id": %d, "purpose_code": 101, "legal_basis": "Reg. 7 \\ud800", "fields": ["name"],'
        ' "duration_s": 3600, "max_uses": 1}' % res["resource_id"]
    )
    r = _post_raw(s, "/requests", body, who="dept-b")
    assert r.status_code == 422, r.text
    assert r.json() == _not_json_text(f"legal_basis: {LONE_SURROGATE}")


def test_a_surrogate_pair_is_text_and_is_stored_as_the_character(system):
    s = system
    r = _post_raw(s, "/resources", _register_raw('{"face": "\\ud83d\\ude00"}'))
    assert r.status_code == 201, r.text
    got = s.http.get(f"/resources/{r.json()['resource_id']}/content", headers=s.h("dept-a"))
    assert got.status_code == 200 and got.json()["record"] == {"face": "\U0001f600"}


# -- numbers must be finite ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("number", "spelled"),
    [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("1e999", "Infinity")],
)
def test_non_finite_number_in_a_record_is_422_and_registers_nothing(system, number, spelled):
    s = system
    before = _resource_count(s)
    r = _post_raw(s, "/resources", _register_raw('{"score": [1.5, %s]}' % number))
    assert r.status_code == 422, r.text
    assert r.json() == _not_json_text(f"record.score[1]: {spelled} is not a JSON number (numbers must be finite)")
    assert _resource_count(s) == before


def test_non_finite_number_in_a_new_version_is_422(system):
    s = system
    res = s.register("dept-a")
    r = _post_raw(s, f"/resources/{res['resource_id']}/versions", '{"record": {"v": NaN}}')
    assert r.status_code == 422, r.text
    assert r.json() == _not_json_text("record.v: NaN is not a JSON number (numbers must be finite)")
    assert s.http.get(f"/resources/{res['resource_id']}", headers=s.h("dept-a")).json()["version_count"] == 1


def test_canonical_json_refuses_what_is_not_json_text():
    # the services' own guard (bodies are refused before, by the request models)
    for value, field, problem in [
        ({"a": [float("nan")]}, "a[0]", "a[0]: NaN is not a JSON number (numbers must be finite)"),
        (math.inf, "value", "Infinity is not a JSON number (numbers must be finite)"),
        ({"a": "\ud800"}, "a", f"a: {LONE_SURROGATE}"),
    ]:
        with pytest.raises(InvalidInput) as exc:
            canonical_json(value)
        assert exc.value.to_dict() == {
            "error": "InvalidInput",
            "args": {"field": field, "reason": f"not JSON text: {problem}"},
        }
    assert canonical_json({"b": 1, "a": "\U0001f600"}) == '{"a":"\U0001f600","b":1}'.encode()


# -- one Idempotency-Key, one request ---------------------------------------------------------------
@pytest.mark.parametrize(
    "other_terms",
    [{"purpose_code": 202}, {"max_uses": 11}, {"legal_basis": "Regulation 8"}, {"approval_deadline": _a_day_from_now}],
    ids=["purpose", "max-uses", "legal-basis", "explicit-deadline"],
)
def test_request_key_reused_with_other_terms_is_409_and_the_chain_keeps_the_first(system, other_terms):
    s = system
    res = s.register("dept-a")
    key = "req-" + uuid.uuid4().hex
    body = _request_body(res["resource_id"])  # approval deadline left to its default (chain time + 3 days)
    first = s.http.post("/requests", json=body, headers=s.h("dept-b", key=key))
    assert first.status_code == 201, first.text
    again = s.http.post("/requests", json=body, headers=s.h("dept-b", key=key))
    assert again.status_code == 201 and again.json() == first.json()
    other_terms = {k: v(s) if callable(v) else v for k, v in other_terms.items()}
    other = s.http.post("/requests", json={**body, **other_terms}, headers=s.h("dept-b", key=key))
    assert other.status_code == 409, other.text
    assert other.json() == {
        "error": "IdempotencyKeyReused",
        "args": {"reason": "this Idempotency-Key was used for a different request", "key": key},
    }
    requested = _requests_by(s, s.addr["dept-b"], res["resource_id"])
    assert [e["requestId"] for e in requested] == [first.json()["request_id"]]
    view = s.http.get(f"/requests/{first.json()['request_id']}", headers=s.h("dept-b")).json()
    assert (view["purpose_code"], view["max_uses"], view["approval_deadline"]) == (
        101,
        10,
        first.json()["approval_deadline"],
    )


def test_request_replay_leaving_out_the_deadline_reuses_the_first_attempts(system):
    s = system
    res = s.register("dept-a")
    key = "req-" + uuid.uuid4().hex
    body = _request_body(res["resource_id"], approval_deadline=_a_day_from_now(s))
    first = s.http.post("/requests", json=body, headers=s.h("dept-b", key=key))
    assert first.status_code == 201, first.text
    body.pop("approval_deadline")
    again = s.http.post("/requests", json=body, headers=s.h("dept-b", key=key))
    assert again.status_code == 201 and again.json() == first.json()
    assert len(_requests_by(s, s.addr["dept-b"], res["resource_id"])) == 1


# -- integers are JSON integers -----------------------------------------------------------------------
INT_TYPE = {"type": "int_type", "msg": "Input should be a valid integer"}


@pytest.mark.parametrize("field", ["purpose_code", "max_uses", "duration_s", "resource_id", "approval_deadline"])
@pytest.mark.parametrize("value", [True, "101", 101.0], ids=["true", "string", "float"])
def test_request_integer_field_refuses_booleans_strings_and_floats(system, field, value):
    s = system
    res = s.register("dept-a")
    body = _request_body(res["resource_id"]) | {field: value}
    before = len(_requests_by(s, s.addr["dept-b"], res["resource_id"]))
    r = s.http.post("/requests", json=body, headers=s.h("dept-b"))
    assert r.status_code == 422, r.text
    assert r.json() == {"error": "ValidationError", "args": {}, "detail": [{**INT_TYPE, "loc": ["body", field]}]}
    assert len(_requests_by(s, s.addr["dept-b"], res["resource_id"])) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/resources/{rid}/anchors", {"merkle_root": "0x" + "55" * 32, "record_count": True}, "record_count"),
        (
            "/incidents",
            {"incident_type": "DATA_ERROR", "subject_kind": "RESOURCE_VERSION", "subject_id": True, "evidence": "x"},
            "subject_id",
        ),
    ],
    ids=["anchor-count", "incident-subject"],
)
def test_true_is_not_an_integer_anywhere(system, path, body, field):
    s = system
    res = s.register("dept-a")
    r = s.http.post(path.format(rid=res["resource_id"]), json=body, headers=s.h("dept-a"))
    assert r.status_code == 422, r.text
    assert r.json() == {"error": "ValidationError", "args": {}, "detail": [{**INT_TYPE, "loc": ["body", field]}]}


def test_every_json_request_body_is_a_strict_model():
    # the refusals above live in one base (backend.api.schemas.common.Strict): a JSON body
    # model that does not inherit it would accept booleans as integers, NaN and lone surrogates
    from backend.api.main import openapi_schema
    from backend.api.schemas.common import Strict

    def strict_names(cls: type) -> set[str]:
        return {cls.__name__}.union(*(strict_names(sub) for sub in cls.__subclasses__()))

    refs = {
        body["content"]["application/json"]["schema"].get("$ref", "").rpartition("/")[2]
        for ops in openapi_schema()["paths"].values()
        for op in ops.values()
        if "application/json" in (body := op.get("requestBody") or {}).get("content", {})
    }
    refs.discard("")  # /public/certificates/verify: an inline schema, validated by a Strict model in the route
    assert len(refs) > 30 and refs <= strict_names(Strict), sorted(refs - strict_names(Strict))
