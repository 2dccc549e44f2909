"""build_web3 reads the environment's HTTP settings once (not per JSON-RPC request) and keeps them."""

from __future__ import annotations

import pytest
import requests

from backend.chain import build_web3


def _session(w3) -> requests.Session:
    return w3.provider._request_session_manager.cache_and_return_session(w3.provider.endpoint_uri)


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    return monkeypatch


def test_proxy_netrc_and_ca_bundle_from_the_environment_are_kept(clean_env, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine node.example login rpc-user password rpc-pass\n")
    netrc.chmod(0o600)
    clean_env.setenv("NETRC", str(netrc))
    clean_env.setenv("HTTP_PROXY", "http://proxy.example:3128")
    clean_env.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/govchain-test.pem")
    session = requests.Session()
    build_web3("http://node.example:8545", session=session)
    assert session.trust_env is False  # not re-read on every request
    assert session.proxies == {"http": "http://proxy.example:3128"}
    assert session.auth == ("rpc-user", "rpc-pass")
    assert session.verify == "/etc/ssl/certs/govchain-test.pem"


def test_no_proxy_for_the_node_and_no_credentials(clean_env):
    clean_env.setenv("HTTP_PROXY", "http://proxy.example:3128")
    clean_env.setenv("NO_PROXY", "127.0.0.1,localhost")
    w3 = build_web3("http://127.0.0.1:8545")
    session = _session(w3)
    assert session.trust_env is False
    assert session.proxies == {}
    assert session.auth is None
    assert session.verify is True
