"""A row in the event index grants nothing: lists find candidates in the index, the
contract's views decide what the caller sees.

The attacker is whoever can write the node's database (a DBA): they copy a real
event row and put their own department's address into it, then list as that
department. Each list must leave the forged object out, and the object's own
endpoint must still answer 403.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, select

from backend.indexer.models import chain_events


def _forge(system: Any, event: str, id_column: str, id_value: int, **changes: str) -> None:
    """Copy the indexed ``event`` row of one object, with ``changes`` to its args
    (addresses), as a new row of a made-up transaction."""
    c = chain_events.c
    with system.ctx.sessions() as s:
        row = (
            s.execute(select(chain_events).where(c.event == event, getattr(c, id_column) == str(id_value)))
            .mappings()
            .first()
        )
        assert row is not None, f"{event} {id_value} is not indexed yet"
        forged = {k: v for k, v in row.items() if k != "id"}
        forged["args"] = {**row["args"], **changes}
        forged["department"] = next(iter(changes.values())).lower()
        forged["tx_hash"] = "0x" + uuid.uuid4().hex * 2
        forged["log_index"] = 999
        s.execute(insert(chain_events).values(**forged))
        s.commit()


def test_forged_grant_row_lists_nothing_and_opens_nothing(system):
    s = system
    _, approved = s.granted("dept-a", "dept-b")
    gid = approved["grant_id"]
    assert s.http.get("/grants?role=grantee", headers=s.h("dept-b")).status_code == 200  # indexed
    _forge(s, "GrantIssued", "grant_id", gid, grantee=s.addr["dept-c"])

    r = s.http.get("/grants?role=grantee&limit=100", headers=s.h("dept-c"))
    assert r.status_code == 200, r.text
    assert gid not in [g["grant_id"] for g in r.json()["items"]]
    r = s.http.get(f"/grants/{gid}", headers=s.h("dept-c"))
    assert r.status_code == 403 and r.json()["error"] == "Forbidden", r.text


def test_forged_request_row_lists_nothing(system):
    s = system
    res = s.register("dept-a")
    req = s.request(res["resource_id"], "dept-b")
    rid = req["request_id"]
    assert s.http.get("/requests?direction=outgoing", headers=s.h("dept-b")).status_code == 200
    _forge(s, "UseRequested", "request_id", rid, requester=s.addr["dept-c"])

    r = s.http.get("/requests?direction=outgoing&limit=100", headers=s.h("dept-c"))
    assert r.status_code == 200, r.text
    assert rid not in [q["request_id"] for q in r.json()["items"]]
    r = s.http.get(f"/requests/{rid}", headers=s.h("dept-c"))
    assert r.status_code == 403, r.text


def test_forged_ownership_row_does_not_make_an_owner(system):
    s = system
    res = s.register("dept-a")
    resource_id = res["resource_id"]
    assert s.http.get(f"/resources?owner={s.addr['dept-a']}", headers=s.h("dept-a")).status_code == 200
    _forge(s, "ResourceRegistered", "resource_id", resource_id, owner=s.addr["dept-c"])

    r = s.http.get(f"/resources?owner={s.addr['dept-c']}&limit=100", headers=s.h("dept-c"))
    assert r.status_code == 200, r.text
    assert resource_id not in [x["resource_id"] for x in r.json()["items"]]
    # nor does it bring the resource's incoming requests or grants to the forger
    req = s.request(resource_id, "dept-b")
    r = s.http.get("/requests?direction=incoming&limit=100", headers=s.h("dept-c"))
    assert req["request_id"] not in [q["request_id"] for q in r.json()["items"]]
    r = s.http.get("/grants?role=owner&limit=100", headers=s.h("dept-c"))
    assert all(g["owner"].lower() == s.addr["dept-c"].lower() for g in r.json()["items"]), r.text
