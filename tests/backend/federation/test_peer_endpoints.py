"""The grantee's node calls only peer endpoints its policy allows (backend/federation/endpoint.py):
a department publishing a loopback, private, link-local or metadata address, a non-http(s)
scheme, or answering a redirect gets nothing from the grantee's network, and no use is spent
for an endpoint refused up front. The fed world's client allows 127.0.0.0/8 (both nodes run
there); the default policy allows public addresses only."""

from __future__ import annotations

import ipaddress
import uuid
from pathlib import Path

import pytest
from fed_world import APPROVED, LOOPBACK, NO_TLS, OWNER_HOST, RESIDENT, Federation, Server
from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Route

from backend.federation.directory import PeerNode
from backend.federation.endpoint import EndpointPolicy
from backend.federation.errors import PeerEndpointRefused, PeerUnavailable
from backend.ops import federation, roster
from backend.ops.node import init_node, load_config


def _order(fed: Federation, grant_id: int):
    headers = fed.grantee_headers(**{"Idempotency-Key": uuid.uuid4().hex, "X-Data-Subject": ":".join(RESIDENT)})
    return fed.grantee_http.post("/releases", json={"grant_id": grant_id, "fields": APPROVED}, headers=headers)


# -- the policy, address by address ----------------------------------------------------------------
@pytest.mark.parametrize(
    "url, refused_address",
    [
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),  # link-local: cloud metadata
        ("http://127.0.0.1:8001", "127.0.0.1"),
        ("http://10.1.2.3", "10.1.2.3"),
        ("http://192.168.0.10", "192.168.0.10"),
        ("http://[::1]:8001", "::1"),
        ("http://[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("http://[fe80::1]", "fe80::1"),
        ("http://0.0.0.0:8001", "0.0.0.0"),
        ("http://224.0.0.1", "224.0.0.1"),
    ],
)
def test_default_policy_refuses_non_public_addresses(url: str, refused_address: str):
    with pytest.raises(PeerEndpointRefused) as exc:
        EndpointPolicy().check(url)
    assert exc.value.args_dict["address"] == refused_address


def test_every_address_of_a_host_name_is_checked():
    resolver = {"peer.example": ["93.184.216.34", "10.0.0.5"], "public.example": ["93.184.216.34"]}
    policy = EndpointPolicy(resolver=lambda host, _port: resolver[host])
    policy.check("https://public.example/peer")  # every address public: allowed
    with pytest.raises(PeerEndpointRefused) as exc:
        policy.check("https://peer.example/peer")
    assert exc.value.to_dict() == {
        "error": "PeerEndpointRefused",
        "args": {
            "reason": "the peer's endpoint resolves to an address this node does not call",
            "host": "peer.example",
            "address": "10.0.0.5",
        },
    }


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://93.184.216.34/", "gopher://93.184.216.34", "//x"])
def test_only_http_and_https(url: str):
    with pytest.raises(PeerEndpointRefused) as exc:
        EndpointPolicy().check(url)
    assert exc.value.args_dict["reason"] == "the peer's endpoint must be http or https"


def test_an_allowed_network_is_allowed_and_nothing_beyond_it():
    policy = EndpointPolicy(LOOPBACK)
    policy.check("http://127.0.0.2:8001")
    assert policy.permits(ipaddress.ip_address("93.184.216.34"))
    for refused in ("169.254.169.254", "10.0.0.1", "::1"):
        assert not policy.permits(ipaddress.ip_address(refused))


def test_a_host_that_does_not_resolve_is_unavailable():
    def nxdomain(_host: str, _port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(PeerUnavailable):
        EndpointPolicy(resolver=nxdomain).check("https://gone.example/")


# -- through the grantee's node ---------------------------------------------------------------------
def test_a_strict_node_refuses_a_loopback_owner_before_spending_a_use(fed: Federation, monkeypatch):
    grant_id = fed.grant()
    monkeypatch.setattr(fed.client, "endpoints", EndpointPolicy())  # the default: no allowance
    r = _order(fed, grant_id)
    assert r.status_code == 502
    assert r.json() == {
        "error": "PeerEndpointRefused",
        "args": {
            "reason": "the peer's endpoint resolves to an address this node does not call",
            "host": OWNER_HOST,
            "address": OWNER_HOST,
        },
    }
    assert fed.owner.ctx.ops.contracts.usage_rights.grant(grant_id).used_count == 0

    monkeypatch.setattr(fed.client, "endpoints", EndpointPolicy(LOOPBACK))  # allowed: released
    r = _order(fed, grant_id)
    assert r.status_code == 201, r.text
    assert fed.owner.ctx.ops.contracts.usage_rights.grant(grant_id).used_count == 1


def test_an_owner_publishing_the_metadata_address_gets_no_call_and_no_use(fed: Federation):
    grant_id = fed.grant()
    real = fed.directory.resolve(fed.owner.address)
    fed.directory.publish(fed.owner.address, PeerNode("http://169.254.169.254", real.encryption_key, NO_TLS))
    try:
        r = _order(fed, grant_id)
    finally:
        fed.directory.publish(fed.owner.address, real)
    assert r.status_code == 502
    assert r.json() == {
        "error": "PeerEndpointRefused",
        "args": {
            "reason": "the peer's endpoint resolves to an address this node does not call",
            "host": "169.254.169.254",
            "address": "169.254.169.254",
        },
    }
    assert fed.owner.ctx.ops.contracts.usage_rights.grant(grant_id).used_count == 0


def test_a_redirect_is_refused_not_followed(fed: Federation):
    grant_id = fed.grant()
    use_index, _tx = fed.record_use(grant_id, fed.subject())  # use 1, recorded elsewhere
    real = fed.directory.resolve(fed.owner.address)

    async def redirect(_request):  # to the real owner: following it would release the use
        return RedirectResponse(real.endpoint + "/peer/v1/releases", status_code=307)

    hop = Server(Starlette(routes=[Route("/peer/v1/releases", redirect, methods=["POST"])]), "127.0.0.4")
    hop.start()
    key = uuid.uuid4().hex
    try:
        fed.directory.publish(fed.owner.address, PeerNode(hop.url, real.encryption_key, NO_TLS))
        with pytest.raises(PeerEndpointRefused) as exc:
            fed.client.fetch(grant_id, fed.subject(), APPROVED, "officer-7", key=key)
    finally:
        fed.directory.publish(fed.owner.address, real)
        hop.stop()
    spent = fed.client.use(grant_id, use_index + 1)
    assert spent is not None
    assert exc.value.to_dict()["args"] == {  # the spent use is named, so the clerk can retry it
        "reason": "the owner's node answered a redirect",
        "owner": fed.owner.address,
        "peer_status": 307,
        "grant_id": grant_id,
        "use_index": use_index + 1,
        "use_tx": spent.use_tx,
    }
    assert spent.status == "recorded"  # the use stays owed; nothing was released
    assert fed.release.ledger_entry(grant_id, use_index + 1) is None  # the owner was never asked


# -- the development federation allows loopback explicitly ------------------------------------------
def test_the_dev_federation_writes_the_loopback_allowance(tmp_path: Path):
    members = [roster.DEPARTMENTS[0]]
    old = tmp_path / roster.DEPARTMENTS[1].key  # a node directory from before the setting
    init_node(old, name=roster.DEPARTMENTS[1].key, role="department", network="n", rpc_url="http://x", host="h", port=1)
    assert load_config(old).peer_allow_networks == ()
    federation.prepare(tmp_path, rpc_url="http://127.0.0.1:1", network="n", first_port=None, members=members)
    federation.prepare(
        tmp_path, rpc_url="http://127.0.0.1:1", network="n", first_port=None, members=[roster.DEPARTMENTS[1]]
    )
    for m in (roster.DEPARTMENTS[0], roster.DEPARTMENTS[1]):
        assert load_config(tmp_path / m.key).peer_allow_networks == ("127.0.0.0/8",)
