"""Citizens through the API on the real chain: a front desk opens a session, the
citizen sees every use of their data (from the indexer), objects to one (an
UNAUTHORIZED_USE incident on chain), and cannot touch anyone else's."""

from __future__ import annotations

import json
import uuid

from citizen_testkit import CITIZEN_A, CITIZEN_B, CITIZEN_C, REASON, World
from eth_utils import keccak
from sqlalchemy import text

from backend.core.identity import keyed_text_hash

ASKED = {**CITIZEN_A, "reason": REASON}


def _grant(world: World) -> int:
    """Civil Affairs owns a record; Tax gets a grant to use it."""
    r = world.http.post(
        "/resources",
        json={
            "classification": "INTERNAL",
            "record": {"id": uuid.uuid4().hex, "status": "married"},
            "schema": {"type": "object"},
        },
        headers=world.h("ca"),
    )
    assert r.status_code == 201, r.text
    body = {
        "resource_id": r.json()["resource_id"],
        "purpose_code": 101,
        "legal_basis": "Deed Tax Law art. 6",
        "fields": ["status"],
        "duration_s": 3600,
        "max_uses": 10,
    }
    r = world.http.post("/requests", json=body, headers=world.h("tax"))
    assert r.status_code == 201, r.text
    r = world.http.post(f"/requests/{r.json()['request_id']}/approve", json={"reason": "lawful"}, headers=world.h("ca"))
    assert r.status_code == 200, r.text
    return int(r.json()["grant_id"])


def _use(world: World, grant_id: int, person, context: str) -> dict:
    r = world.http.post(
        f"/grants/{grant_id}/uses",
        json={"data_subject": person, "context_ref": context},
        headers=world.h("tax", officer="clerk-007"),
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_session_is_short_lived_and_keeps_no_raw_id(world: World) -> None:
    r = world.http.post("/citizens/session", json=ASKED, headers=world.h("desk"))
    assert r.status_code == 201, r.text
    s = r.json()
    assert "subject_hash" not in s and s["ttl_s"] == 1800
    info = world.ctx.tokens.authenticate(s["token"])
    assert info.role == "citizen" and info.principal == world.subject(CITIZEN_A)
    assert 1790 <= (info.expires_at - info.created_at).total_seconds() <= 1800
    with world.ctx.engine.connect() as c:  # the raw id is nowhere in the database
        dump = json.dumps(
            [list(map(str, row)) for t in ("api_tokens",) for row in c.execute(text(f"select * from {t}"))]
        )
    assert CITIZEN_A["id_value"] not in dump and REASON not in dump
    # only an authenticated department desk opens sessions, as its signed-in officer (no X-Officer-Id)
    assert world.http.post("/citizens/session", json=ASKED, headers=world.h("auditor")).status_code == 403
    named = world.h("desk") | {"X-Officer-Id": "someone-else"}
    assert world.http.post("/citizens/session", json=ASKED, headers=named).status_code == 422
    assert world.http.post("/citizens/session", json=ASKED, headers=world.bearer(s["token"])).status_code == 403
    assert world.http.post("/citizens/session", json=ASKED).status_code == 401
    assert (
        world.http.post("/citizens/session", json={**ASKED, "ttl_s": 7200}, headers=world.h("desk")).status_code == 422
    )


def test_who_used_my_data_and_objection(world: World) -> None:
    grant_id = _grant(world)
    u1 = _use(world, grant_id, CITIZEN_A, "case-deed-tax-1")
    u_b = _use(world, grant_id, CITIZEN_B, "case-deed-tax-2")
    u2 = _use(world, grant_id, CITIZEN_A, "case-deed-tax-3")
    token_a = world.citizen_token(CITIZEN_A)
    token_b = world.citizen_token(CITIZEN_B)

    r = world.http.get("/citizens/me/uses", headers=world.bearer(token_a))
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 2 and page["index_stale"] is False
    first, second = page["items"]
    assert [first["use_index"], second["use_index"]] == [u1["use_index"], u2["use_index"]]
    assert first["department"] == {"address": world.addr["tax"], "name": "税务局 / Tax"}
    assert first["grant_id"] == grant_id and first["purpose_code"] == 101
    assert first["officer_hash"] == u1["officer_hash"] and first["tx_hash"] == u1["tx_hash"]
    assert first["context_ref"] == "0x" + keccak(b"case-deed-tax-1").hex()
    assert first["legal_basis_hash"] == "0x" + keccak(b"Deed Tax Law art. 6").hex()
    # words next to the numbers: the council's registered purpose names and legal-basis citation
    assert (first["purpose_name_zh"], first["purpose_name_en"]) == ("测试用途101", "test purpose 101")
    assert first["legal_basis_citation"] == "Deed Tax Law art. 6"
    assert first["time"] > 0
    # the same facts as the chain's UseRecorded events for this subject
    events = world.contract("UsageRights").events.UseRecorded().get_logs(from_block=0)
    mine = [
        "0x" + e["transactionHash"].hex().removeprefix("0x")
        for e in events
        if "0x" + e["args"]["subjectHash"].hex() == world.subject(CITIZEN_A)
    ]
    assert [i["tx_hash"] for i in page["items"]] == mine
    r = world.http.get("/citizens/me/uses?offset=1&limit=1", headers=world.bearer(token_a)).json()
    assert r["total"] == 2 and [i["use_index"] for i in r["items"]] == [u2["use_index"]]
    assert [
        i["use_index"] for i in world.http.get("/citizens/me/uses", headers=world.bearer(token_b)).json()["items"]
    ] == [u_b["use_index"]]

    # B objecting to A's use, or to a use that does not exist: 403, nothing filed
    count = world.contract("Accountability").functions.incidentCount().call()
    for g, i in ((grant_id, u1["use_index"]), (grant_id, 999), (999, 1)):
        r = world.http.post(
            f"/citizens/me/uses/{g}/{i}/objection", json={"text": "not me"}, headers=world.bearer(token_b)
        )
        assert r.status_code == 403 and r.json()["error"] == "Forbidden"
    assert world.contract("Accountability").functions.incidentCount().call() == count

    objection = "I never applied for anything at the tax office."
    r = world.http.post(
        f"/citizens/me/uses/{grant_id}/{u1['use_index']}/objection",
        json={"text": objection},
        headers=world.bearer(token_a),
    )
    assert r.status_code == 201, r.text
    inc = r.json()
    assert inc["already_filed"] is False and inc["responsible"]["address"] == world.addr["tax"]
    on_chain = world.contract("Accountability").functions.incident(inc["incident_id"]).call()
    fields = dict(
        zip(
            [
                o["name"]
                for o in world.contract("Accountability")
                .get_function_by_name("incident")
                .abi["outputs"][0]["components"]
            ],
            on_chain,
        )
    )
    assert fields["incidentType"] == 1 and fields["subjectKind"] == 2
    assert fields["subjectId"] == grant_id and fields["useIndex"] == u1["use_index"]
    assert fields["reporter"] == world.addr["auditor"] and fields["responsible"] == world.addr["tax"]
    # the text is kept (encrypted) for the auditor, under its evidence hash; filed in a desk's
    # session, it starts with that session (test_assisted_sessions.py)
    stored = world.ctx.store.get(inc["evidence_document"], world.addr["auditor"]).decode()
    assert stored.startswith("[filed in assisted session #") and stored.endswith("]\n" + objection)
    # personal free text reaches the chain only as a keyed hash (HMAC with the deployment secret)
    assert bytes(fields["evidenceHash"]) == keyed_text_hash(world.ctx.settings.subject_secret, stored)
    assert bytes(fields["evidenceHash"]) != keccak(stored.encode())
    # on chain only the keyed hash of the text, never its plain keccak
    assert inc["evidence_hash"] != inc["evidence_document"]
    # objecting again answers the same incident
    again = world.http.post(
        f"/citizens/me/uses/{grant_id}/{u1['use_index']}/objection",
        json={"text": "again"},
        headers=world.bearer(token_a),
    ).json()
    assert again["incident_id"] == inc["incident_id"] and again["already_filed"] is True


def test_only_citizens_read_their_log(world: World) -> None:
    assert world.http.get("/citizens/me/uses").status_code == 401
    assert world.http.get("/citizens/me/uses", headers=world.h("tax")).status_code == 403
    assert world.http.get("/citizens/me/uses", headers=world.h("auditor")).status_code == 403
    r = world.http.get("/citizens/me/uses", headers=world.bearer(world.citizen_token(CITIZEN_C)))
    assert r.status_code == 200 and r.json()["total"] == 0 and r.json()["items"] == []
    # a citizen token cannot reach department reads either
    assert world.http.get("/grants", headers=world.bearer(world.citizen_token(CITIZEN_C))).status_code == 403


def test_malformed_input_is_never_a_500(world: World) -> None:
    bodies = [
        None,
        {},
        [],
        "x",
        {"unexpected": 1},
        {"type_code": "A" * 40, "document_hash": "0x" + "0" * 64, "holder_hash": "0x" + "0" * 64},
        {"parcel_code": "0x" + "0" * 64, "planned_use": 1, "area_m2": 1},
        {"document_base64": "%%%", "type_code": "T", "holder_hash": "0x" + "1" * 64},
        {"id_type": "a:b", "id_value": "1"},
        {"text": ""},
    ]
    posts = [
        "/certificates",
        "/certificates/types",
        "/certificates/1/revoke",
        "/registry/roles",
        "/registry/units",
        "/registry/units/1/ownership",
        "/registry/units/1/transfers",
        "/registry/units/1/mortgages",
        "/registry/mortgages/1/consent",
        "/registry/seizures/1/release",
        "/registry/units/1/use-reports",
        "/citizens/session",
        "/public/certificates/verify",
        "/citizens/me/uses/1/1/objection",
    ]
    gets = [
        "/certificates/0",
        "/certificates/abc",
        f"/certificates/{2**256}",
        "/certificates/types/" + "x" * 40,
        "/registry/units/0/history",
        f"/registry/units/{2**255}/history",
        "/registry/roles/0x12",
        "/public/certificates/0x" + "g" * 64,
        "/citizens/me/uses?limit=0",
        "/citizens/me/certificates?offset=-1",
    ]
    citizen = world.bearer(world.citizen_token(CITIZEN_C))
    for who in ("nr", "gov-1"):
        for path in posts:
            for body in bodies:
                headers = citizen if "/me/" in path else world.h(who)
                r = world.http.post(path, json=body, headers=headers)
                assert r.status_code < 500, (path, body, r.text)
                assert r.status_code != 201, (path, body, r.text)
    for path in gets:
        r = world.http.get(path, headers=citizen if "/me/" in path else world.h("auditor"))
        assert 400 <= r.status_code < 500, (path, r.text)
