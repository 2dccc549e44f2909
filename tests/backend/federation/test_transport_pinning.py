"""TLS between nodes, pinned by the directory's transportKeyHash (backend/federation/transport.py):
the owner's node serves TLS with its self-signed certificate (backend/ops/node_tls.py), and the
grantee's PeerClient accepts exactly the key the directory pins; another key, or a pinned entry
whose endpoint is plain HTTP, is refused before the request is sent."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fed_world import APPROVED, OWNER_HOST, Federation, Server
from sqlalchemy import select

from backend.federation.directory import PeerNode
from backend.federation.errors import PeerTransportKeyMismatch
from backend.federation.models import PeerRelease
from backend.ops.node_tls import cert_path, ensure_tls_identity, key_password, key_path

SECRET = "owner-node-secret"


@pytest.fixture
def tls_owner(fed: Federation, tmp_path) -> Iterator[tuple[Server, bytes]]:
    """The owner's app served over TLS too, with a certificate generated as `node init --tls` does."""
    pin = ensure_tls_identity(tmp_path, SECRET, name="dept-a", host=OWNER_HOST)
    tls = {
        "ssl_certfile": str(cert_path(tmp_path)),
        "ssl_keyfile": str(key_path(tmp_path)),
        "ssl_keyfile_password": key_password(SECRET),
    }
    server = Server(fed.server.app, OWNER_HOST, tls)
    server.start()
    plain = fed.directory.resolve(fed.owner.address)
    try:
        yield server, pin
    finally:
        fed.directory.publish(fed.owner.address, plain)
        server.stop()


def _publish_owner(fed: Federation, endpoint: str, pin: bytes) -> None:
    fed.directory.publish(fed.owner.address, PeerNode(endpoint, fed.owner.key.public_key, pin))


def _released_uses(fed: Federation, grant_id: int) -> list[int]:
    with fed.owner.ctx.sessions() as s:
        rows = s.scalars(select(PeerRelease.use_index).where(PeerRelease.grant_id == str(grant_id)))
        return sorted(rows)


def test_the_pinned_key_is_accepted_over_tls(fed: Federation, tls_owner):
    server, pin = tls_owner
    assert server.url.startswith("https://")
    _publish_owner(fed, server.url, pin)
    grant_id = fed.grant()
    got = fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=uuid.uuid4().hex)
    assert got.content["records"] == [{"name": "张三", "status": "married"}, {"name": "张三", "status": "divorced"}]
    assert _released_uses(fed, grant_id) == [1]


def test_another_key_is_refused_before_the_request_is_sent(fed: Federation, tls_owner):
    server, pin = tls_owner
    other = bytes(b ^ 0xFF for b in pin)  # the directory pins a key this server does not hold
    _publish_owner(fed, server.url, other)
    grant_id = fed.grant()
    with pytest.raises(PeerTransportKeyMismatch) as refused:
        fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=uuid.uuid4().hex)
    assert refused.value.args_dict == {
        "reason": "the owner's node presented another TLS key than its directory entry pins",
        "owner": fed.owner.address,
        "pinned": "0x" + other.hex(),
        "presented": "0x" + pin.hex(),
    }
    assert _released_uses(fed, grant_id) == []  # the owner never saw the request
    assert fed.client.use(grant_id, 1).status == "recorded"  # the use stays, to retry


def test_a_pinned_entry_is_never_reached_over_plain_http(fed: Federation, tls_owner):
    _, pin = tls_owner
    _publish_owner(fed, fed.server.url, pin)  # the same node's plain-HTTP endpoint
    grant_id = fed.grant()
    with pytest.raises(PeerTransportKeyMismatch, match="pins a TLS key but its endpoint is not https"):
        fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=uuid.uuid4().hex)
    assert _released_uses(fed, grant_id) == []
