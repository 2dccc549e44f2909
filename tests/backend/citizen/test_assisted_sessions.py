"""Assisted sessions (issue 10): a front desk cannot become a citizen off the record.

Real anvil, real contracts, the real app: every session is an ``AssistedSessionOpened`` event
(mined before the token exists) that the citizen sees in their own log and auditors in the
trail; the answer carries no subject hash; the desk and each officer are rate-limited; an
objection filed in an assisted session says so."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from citizen_testkit import CITIZEN_B, CITIZEN_C, REASON, World

from backend.core.identity import keyed_text_hash
from backend.services.citizens import SESSION_TTL
from backend.services.errors import InvalidInput
from backend.services.session_limits import SessionLimits

PERSON = {"id_type": "resident_id", "id_value": "440301198807071111"}  # only in this module


def _open(world: World, person, desk: str = "desk", officer: str = "officer-1", reason: str = REASON):
    return world.http.post("/citizens/session", json={**person, "reason": reason}, headers=world.h(desk, officer))


def _events(world: World, **match) -> list[dict]:
    logs = world.contract("AssistedSessions").events.AssistedSessionOpened().get_logs(from_block=0)
    out = []
    for e in logs:
        a = dict(e["args"])
        a = {k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in a.items()}
        a["tx_hash"] = "0x" + e["transactionHash"].hex().removeprefix("0x")
        if all(a[k] == v for k, v in match.items()):
            out.append(a)
    return out


def test_a_session_is_on_chain_in_the_citizens_log_and_in_the_audit_trail(world: World) -> None:
    subject = world.subject(PERSON)
    assert _events(world, subjectHash=subject) == []
    r = _open(world, PERSON, officer="clerk-42")
    assert r.status_code == 201, r.text
    s = r.json()

    # the answer: the token, its expiry and the record; nothing derived from the id
    assert set(s) == {
        "token",
        "token_type",
        "role",
        "assisted",
        "session_id",
        "expires_at",
        "ttl_s",
        "front_desk",
        "officer_hash",
        "tx_hash",
        "block_number",
        "replayed",
    }
    assert subject[2:] not in r.text.lower()
    assert (s["role"], s["assisted"], s["ttl_s"]) == ("citizen", True, 1800)
    assert s["front_desk"] == {"address": world.addr["desk"], "name": "政务服务中心 / Service Centre"}

    # on chain, mined before the token was issued: desk, officer, subject, keyed reason, id
    [ev] = _events(world, subjectHash=subject)
    assert ev == {
        "desk": world.addr["desk"],
        "officerHash": s["officer_hash"],
        "subjectHash": subject,
        "reasonHash": "0x" + keyed_text_hash(world.ctx.settings.subject_secret, REASON).hex(),
        "sessionId": s["session_id"],
        "tx_hash": s["tx_hash"],
    }
    assert world.contract("AssistedSessions").functions.sessionCount().call() >= s["session_id"]
    receipt = world.w3.eth.get_transaction_receipt(s["tx_hash"])
    assert receipt["status"] == 1 and receipt["blockNumber"] == s["block_number"]
    print(f"\nGAS openAssistedSession: {receipt['gasUsed']}")

    # the token is the citizen's, and marked as assisted (its label names the session)
    info = world.ctx.tokens.authenticate(s["token"])
    assert info.role == "citizen" and info.principal == subject
    assert info.label.startswith(f"assisted session #{s['session_id']} via {world.addr['desk']} ")

    # the citizen's own log
    r = world.http.get("/citizens/me/sessions", headers=world.bearer(s["token"]))
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 1 and page["index_stale"] is False
    [item] = page["items"]
    assert item == {
        "session_id": s["session_id"],
        "desk": s["front_desk"],
        "officer_hash": s["officer_hash"],
        "reason_hash": ev["reasonHash"],
        "time": world.w3.eth.get_block(s["block_number"])["timestamp"],
        "block_number": s["block_number"],
        "tx_hash": s["tx_hash"],
        "this_session": True,
    }
    # ... and the auditors' trail
    r = world.http.get("/audit/trail", params={"event": "AssistedSessionOpened"}, headers=world.h("auditor"))
    assert r.status_code == 200, r.text
    rows = [i for i in r.json()["items"] if i["tx_hash"] == s["tx_hash"]]
    assert [(i["contract"], i["department"], i["officer_hash"], i["subject_hash"]) for i in rows] == [
        ("AssistedSessions", world.addr["desk"], s["officer_hash"], subject)
    ]
    # the desk finds its own sessions in its department-scoped trail
    r = world.http.get("/audit/trail", params={"contract": "AssistedSessions"}, headers=world.h("desk"))
    assert s["tx_hash"] in [i["tx_hash"] for i in r.json()["items"]]

    # a second session (another desk): both in the log, only the current one marked as this one
    s2 = _open(world, PERSON, desk="tax").json()
    r = world.http.get("/citizens/me/sessions", headers=world.bearer(s2["token"])).json()
    assert [(i["session_id"], i["desk"]["address"], i["this_session"]) for i in r["items"]] == [
        (s["session_id"], world.addr["desk"], False),
        (s2["session_id"], world.addr["tax"], True),
    ]


def test_the_desks_trail_carries_no_subject_hash_of_its_sessions(world: World) -> None:
    """The desk sees its sessions in its own trail (and export), never the subject hash (nor finds them
    by it); auditors and governors do see it."""
    subject = world.subject(PERSON)
    s = _open(world, PERSON, desk="insp", officer="clerk-trail").json()

    def rows(who: str, **params) -> list[dict]:
        r = world.http.get("/audit/trail", params={"contract": "AssistedSessions", **params}, headers=world.h(who))
        assert r.status_code == 200, r.text
        return [i for i in r.json()["items"] if i["tx_hash"] == s["tx_hash"]]

    [desk_row] = rows("insp")
    assert desk_row["subject_hash"] is None and "subjectHash" not in desk_row["args"]
    assert desk_row["args"]["sessionId"] == str(s["session_id"]) and desk_row["officer_hash"] == s["officer_hash"]
    assert subject[2:] not in json.dumps(desk_row).lower()
    assert rows("insp", subject=subject) == []  # no oracle through the subject filter either
    r = world.http.get(
        "/audit/trail/export", params={"contract": "AssistedSessions", "format": "json"}, headers=world.h("insp")
    )
    assert r.status_code == 200, r.text
    exported = [i for i in r.json() if i["tx_hash"] == s["tx_hash"]]
    assert [(i["subject_hash"], "subjectHash" in i["args"]) for i in exported] == [(None, False)]
    for who in ("auditor", "gov-1"):
        [row] = rows(who, subject=subject)
        assert (row["subject_hash"], row["args"]["subjectHash"]) == (subject, subject), who


def test_no_session_without_a_reason_an_officer_and_a_department(world: World) -> None:
    count = world.contract("AssistedSessions").functions.sessionCount().call()
    for body in (
        CITIZEN_C,
        {**CITIZEN_C, "reason": ""},
        {**CITIZEN_C, "reason": "   "},
        {**CITIZEN_C, "reason": "x" * 1001},
    ):
        r = world.http.post("/citizens/session", json=body, headers=world.h("desk"))
        assert r.status_code == 422, (body, r.text)
    body = {**CITIZEN_C, "reason": REASON}
    # the officer is the token's person: a typed one is refused, not recorded
    named = world.h("desk") | {"X-Officer-Id": "someone-else"}
    r = world.http.post("/citizens/session", json=body, headers=named)
    assert (r.status_code, r.json()["error"], r.json()["args"]["field"]) == (422, "InvalidInput", "X-Officer-Id")
    r = world.http.post("/citizens/session", json=body, headers=world.h("auditor"))
    assert (r.status_code, r.json()["error"]) == (403, "Forbidden")
    assert world.http.post("/citizens/session", json=body).status_code == 401
    citizen = world.citizen_token(CITIZEN_C)
    count += 1
    assert world.http.post("/citizens/session", json=body, headers=world.bearer(citizen)).status_code == 403
    assert world.contract("AssistedSessions").functions.sessionCount().call() == count


def test_a_system_client_token_cannot_open_a_session(world: World) -> None:
    """No person on record behind a client token (and each would get its own officer limit): 403."""
    count = world.contract("AssistedSessions").functions.sessionCount().call()
    client = world.ctx.tokens.issue("department", world.addr["desk"], "batch job", scopes="*")
    r = world.http.post("/citizens/session", json={**CITIZEN_C, "reason": REASON}, headers=world.bearer(client))
    assert (r.status_code, r.json()) == (
        403,
        {
            "error": "Forbidden",
            "args": {
                "reason": "an assisted session is opened by an officer signed in as themself, "
                "not with a system client token",
                "kind": "client",
            },
        },
    )
    assert world.contract("AssistedSessions").functions.sessionCount().call() == count


@pytest.fixture
def small_limits(world: World) -> Iterator[None]:
    """Two sessions per officer and three per desk for this test; the configured limits after it."""
    citizens = world.ctx.services.citizens
    configured = citizens.limits
    citizens.use_session_limits(SessionLimits(per_officer="2/hour", per_desk="3/hour"))
    try:
        yield
    finally:
        citizens.use_session_limits(configured)


def test_sessions_are_limited_per_officer_and_per_desk(world: World, small_limits) -> None:
    sessions = world.contract("AssistedSessions").functions.sessionCount
    assert _open(world, CITIZEN_B, desk="other", officer="a").status_code == 201
    assert _open(world, CITIZEN_B, desk="other", officer="a").status_code == 201
    before = sessions().call()
    r = _open(world, CITIZEN_B, desk="other", officer="a")
    assert r.status_code == 429, r.text
    assert r.json()["error"] == "TooManyRequests" and r.json()["args"]["scope"] == "officer"
    retry = int(r.headers["Retry-After"])
    # the body says what the header says, and the wait is the rest of the officer's hour: the
    # moving window frees a slot an hour after the first session (opened moments ago), not sooner
    assert r.json()["args"]["retry_after_s"] == retry
    assert 3600 - 600 < retry <= 3600, retry
    assert sessions().call() == before  # refused before the chain: nothing recorded, no token
    # another officer of the same desk: one more, then the desk's limit
    assert _open(world, CITIZEN_B, desk="other", officer="b").status_code == 201
    r = _open(world, CITIZEN_B, desk="other", officer="c")
    assert r.status_code == 429 and r.json()["args"]["scope"] == "desk"
    assert int(r.headers["Retry-After"]) >= 1
    # another desk is not affected
    assert _open(world, CITIZEN_B, desk="ca", officer="a").status_code == 201


def test_limits_come_from_settings_and_are_checked() -> None:
    from backend.core.config import Settings

    s = Settings(assisted_sessions_per_officer="5/minute", assisted_sessions_per_desk="7 per hour")
    limits = SessionLimits(s.assisted_sessions_per_officer, s.assisted_sessions_per_desk)
    assert (limits.per_officer.amount, limits.per_desk.amount) == (5, 7)
    assert Settings().assisted_sessions_per_officer == "30/hour"
    assert Settings().assisted_sessions_per_desk == "300/hour"
    with pytest.raises(InvalidInput):
        SessionLimits(per_officer="often")


def test_the_world_uses_the_configured_limits(world: World) -> None:
    limits = world.ctx.services.citizens.limits
    assert (limits.per_officer.amount, limits.per_desk.amount) == (30, 300)


def _grant_and_use(world: World, person) -> tuple[int, int]:
    r = world.http.post(
        "/resources",
        json={"classification": "INTERNAL", "record": {"id": uuid.uuid4().hex}, "schema": {"type": "object"}},
        headers=world.h("ca"),
    )
    assert r.status_code == 201, r.text
    body = {
        "resource_id": r.json()["resource_id"],
        "purpose_code": 101,
        "legal_basis": "Deed Tax Law art. 6",
        "fields": ["id"],
        "duration_s": 3600,
        "max_uses": 10,
    }
    r = world.http.post("/requests", json=body, headers=world.h("tax"))
    r = world.http.post(f"/requests/{r.json()['request_id']}/approve", json={"reason": "lawful"}, headers=world.h("ca"))
    grant_id = int(r.json()["grant_id"])
    r = world.http.post(f"/grants/{grant_id}/uses", json={"data_subject": person}, headers=world.h("tax"))
    assert r.status_code == 201, r.text
    return grant_id, int(r.json()["use_index"])


def test_an_objection_filed_in_an_assisted_session_says_so(world: World) -> None:
    grant_a, use_a = _grant_and_use(world, PERSON)
    s = _open(world, PERSON, officer="clerk-9").json()
    r = world.http.post(
        f"/citizens/me/uses/{grant_a}/{use_a}/objection", json={"text": "not me"}, headers=world.bearer(s["token"])
    )
    assert r.status_code == 201, r.text
    inc = r.json()
    assert inc["assisted_session"] == {
        "session_id": s["session_id"],
        "desk": world.addr["desk"],
        "officer_hash": s["officer_hash"],
    }
    stored = world.ctx.store.get(inc["evidence_document"], world.addr["auditor"]).decode()
    marker = (
        f"[filed in assisted session #{s['session_id']} opened by {world.addr['desk']} officer {s['officer_hash']}]"
    )
    assert stored == f"{marker}\nnot me"
    assert inc["evidence_hash"] == "0x" + keyed_text_hash(world.ctx.settings.subject_secret, stored).hex()

    # a token the citizen obtained themselves (not through a desk): not marked
    grant_b, use_b = _grant_and_use(world, PERSON)
    own = world.ctx.tokens.issue("citizen", world.subject(PERSON), "signed in by the citizen", ttl=SESSION_TTL)
    r = world.http.post(
        f"/citizens/me/uses/{grant_b}/{use_b}/objection", json={"text": "not me either"}, headers=world.bearer(own)
    )
    assert r.status_code == 201, r.text
    assert r.json()["assisted_session"] is None
    assert world.ctx.store.get(r.json()["evidence_document"], world.addr["auditor"]).decode() == "not me either"


def test_the_session_answer_never_echoes_a_hash_of_the_id(world: World) -> None:
    """The oracle of issue 10: whatever id the desk types, the answer holds nothing computed from it."""
    guesses = [{"id_type": "resident_id", "id_value": f"11010519900101{n:04d}"} for n in range(3)]
    bodies = [_open(world, g, desk="insp", officer=f"guess-{i}") for i, g in enumerate(guesses)]
    for g, r in zip(guesses, bodies):
        assert r.status_code == 201, r.text
        blob = json.dumps(r.json()).lower()
        assert world.subject(g)[2:] not in blob
        assert "subject" not in blob


def test_a_repeated_key_answers_the_recorded_session_and_records_nothing_more(world: World) -> None:
    key = f"desk-visit-{uuid.uuid4().hex}"
    first = world.http.post(
        "/citizens/session", json={**PERSON, "reason": REASON}, headers=world.h("desk", "clerk-5", key=key)
    )
    assert first.status_code == 201, first.text
    count = world.contract("AssistedSessions").functions.sessionCount().call()
    again = world.http.post(
        "/citizens/session", json={**PERSON, "reason": REASON}, headers=world.h("desk", "clerk-5", key=key)
    )
    assert again.status_code == 201, again.text
    a, b = first.json(), again.json()
    assert (b["session_id"], b["tx_hash"], b["replayed"]) == (a["session_id"], a["tx_hash"], True)
    assert a["replayed"] is False and b["token"] != a["token"]
    assert 60 <= b["ttl_s"] <= a["ttl_s"]  # no longer than what is left of the recorded session
    assert world.contract("AssistedSessions").functions.sessionCount().call() == count
    # the key with another person (or reason): refused, nothing recorded
    r = world.http.post(
        "/citizens/session", json={**CITIZEN_B, "reason": REASON}, headers=world.h("desk", "clerk-5", key=key)
    )
    assert (r.status_code, r.json()["error"]) == (409, "IdempotencyKeyReused")
    assert world.contract("AssistedSessions").functions.sessionCount().call() == count


def test_a_replay_ends_with_the_original_session_whatever_ttl_it_asks(world: World) -> None:
    key = f"desk-visit-{uuid.uuid4().hex}"

    def post(ttl_s: int):
        r = world.http.post(
            "/citizens/session",
            json={**PERSON, "reason": REASON, "ttl_s": ttl_s},
            headers=world.h("desk", "clerk-6", key=key),
        )
        assert r.status_code == 201, r.text
        return r.json()

    first = post(120)
    again = post(1800)  # the replay asks for the longest session: it gets what is left of the first
    assert (again["replayed"], again["session_id"], again["expires_at"]) == (
        True,
        first["session_id"],
        first["expires_at"],
    )
    assert 0 <= again["ttl_s"] <= 120
    tokens = [world.ctx.tokens.authenticate(t) for t in (first["token"], again["token"])]
    assert tokens[0].expires_at == tokens[1].expires_at  # the replay's token ends with the first one


def test_a_replay_does_not_revive_a_revoked_session(world: World) -> None:
    key = f"desk-visit-{uuid.uuid4().hex}"
    body = {**PERSON, "reason": REASON}
    first = world.http.post("/citizens/session", json=body, headers=world.h("desk", "clerk-7", key=key))
    assert first.status_code == 201, first.text
    world.ctx.tokens.revoke(world.ctx.tokens.authenticate(first.json()["token"]).id)
    r = world.http.post("/citizens/session", json=body, headers=world.h("desk", "clerk-7", key=key))
    assert (r.status_code, r.json()["error"], r.json()["args"]["session_id"]) == (
        409,
        "Conflict",
        first.json()["session_id"],
    )
    assert world.ctx.tokens.authenticate(first.json()["token"]) is None


def test_the_console_shows_the_citizen_their_assisted_sessions(world: World) -> None:
    import re

    from fastapi.testclient import TestClient

    s = _open(world, PERSON, officer="clerk-77").json()
    with TestClient(world.http.app, raise_server_exceptions=False) as browser:  # its own cookies
        page = browser.get("/console/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf, page.text[:300]
        r = browser.post("/console/login", data={"csrf": csrf.group(1), "token": s["token"]}, follow_redirects=False)
        assert r.status_code == 303, r.text
        r = browser.get("/console/citizen?lang=en")
        assert r.status_code == 200, r.text
    row = re.search(rf'<tr id="session-{s["session_id"]}">(.*?)</tr>', r.text, re.S)
    assert row, r.text[-2000:]
    assert "政务服务中心" in row.group(1) and s["tx_hash"][:10] in row.group(1)
