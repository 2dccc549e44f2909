"""Fetch fails closed when the node goes down AFTER the grant check and BEFORE the
use is mined (backend/services/usage.py fetch: grant check → content bound → use
recorded and awaited until mined → only then decrypt).

The node is taken down from inside the RPC proxy at the exact moment the use
reaches the chain layer: every view the grant check needs has been answered by
then, so the refusal can only come from the fail-closed step itself.
"""

from __future__ import annotations

import json
import uuid

import pytest

SECRET_VALUE = "fail-closed-s3cr3t"


def _uses(s, gid: int) -> int:
    return len(s.events("UsageRights", "UseRecorded", grantId=gid))


def _down_from(proxy, methods: set[str], *, forward_trigger: bool) -> list[str]:
    """From the first request naming one of ``methods`` on, the node is unreachable
    (``forward_trigger``: that first request still reaches the node). Returns the
    list of methods seen before the cut, for the assertions."""
    seen: list[str] = []
    original = proxy._blocked

    def blocked(body: bytes) -> bool:
        if proxy.down:
            return True
        try:
            msg = json.loads(body)
        except ValueError:
            return original(body)
        names = [m.get("method") for m in (msg if isinstance(msg, list) else [msg]) if isinstance(m, dict)]
        if any(n in methods for n in names):
            proxy.down = True
            seen.extend(names)
            return not forward_trigger
        seen.extend(names)
        return original(body)

    proxy._blocked = blocked
    return seen


@pytest.fixture
def cut(node_ok):
    yield node_ok
    node_ok.proxy.__dict__.pop("_blocked", None)  # back to the class's method
    node_ok.proxy.down = False


def _assert_released_nothing(s, r, gid: int) -> None:
    assert SECRET_VALUE not in r.text
    body = r.json()
    assert body == {"error": "ChainUnavailable", "args": body["args"]}
    assert "data" not in body and "record" not in body and "use" not in body


def test_node_down_before_the_use_is_sent_is_503_and_releases_nothing(cut):
    s = cut
    _res, appr = s.granted("dept-a", "dept-b", record={"secret": SECRET_VALUE})
    gid = appr["grant_id"]
    # the grant check passes through the proxy (views answered), then the node disappears
    # when the use is about to be signed/broadcast
    seen = _down_from(s.proxy, {"eth_sendRawTransaction", "eth_estimateGas"}, forward_trigger=False)
    r = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b"))
    assert "eth_call" in seen, seen  # the grant check reached the node: the refusal is later
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "ChainUnavailable", r.text
    _assert_released_nothing(s, r, gid)
    s.proxy.down = False
    assert _uses(s, gid) == 0


def test_node_down_after_broadcast_before_mined_releases_nothing(cut):
    """The use reaches the node (it will be mined) but the node is gone before its
    receipt is seen: the answer carries no data; the same key later answers the use
    and the content once (replay releases what the mined use paid for)."""
    s = cut
    _res, appr = s.granted("dept-a", "dept-b", record={"secret": SECRET_VALUE})
    gid = appr["grant_id"]
    key = uuid.uuid4().hex
    seen = _down_from(s.proxy, {"eth_sendRawTransaction"}, forward_trigger=True)
    r = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b", key=key))
    assert "eth_sendRawTransaction" in seen
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "ChainUnavailable", r.text
    _assert_released_nothing(s, r, gid)
    # node back: the broadcast use is mined exactly once; the replay of the key releases it
    s.proxy.down = False
    s.proxy.__dict__.pop("_blocked", None)
    s.ctx.reconcile_once()
    again = s.http.get(f"/grants/{gid}/data", headers=s.h("dept-b", key=key))
    assert again.status_code == 200, again.text
    assert again.json()["record"] == {"secret": SECRET_VALUE}
    assert _uses(s, gid) == 1
