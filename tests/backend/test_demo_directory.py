"""The demo departments' node entries (`govchain up` publishes them after the seed): a real
X25519 key per department, its private half sealed next to that department's signing key,
the public half in the NodeDirectory; publishing again changes nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from nacl.public import SealedBox

sys.path.insert(0, str(Path(__file__).parent / "cases"))

from cases_testkit import boot

from backend.core.sealing_keys import SealingKeys
from backend.ops import roster
from backend.ops.demo_directory import publish_demo_nodes

ENDPOINT = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    p = boot(tmp_path_factory.mktemp("demo-directory"), network="demodirtest")
    try:
        yield p
    finally:
        p.close()


def test_each_demo_department_publishes_its_own_real_key(platform):
    p = platform
    versions = publish_demo_nodes(p.ctx, ENDPOINT, log=lambda _m: None)
    assert versions == {m.key: 1 for m in roster.DEPARTMENTS}
    keys = SealingKeys(p.settings.keystore_dir, p.settings.keystore_secret)
    published = set()
    for m in roster.DEPARTMENTS:
        node = p.ctx.directory.resolve(p.ctx.keystore.address_of(m.key))
        assert (node.endpoint, node.transport_key_hash) == (ENDPOINT, None)
        assert node.encryption_key == keys.public_key(m.key)
        # what a peer seals to the published key, this department's own key file opens
        sealed = SealedBox(keys.load(m.key).public_key).encrypt(b"release for " + m.key.encode())
        assert SealedBox(keys.load(m.key)).decrypt(sealed) == b"release for " + m.key.encode()
        assert (p.settings.keystore_dir / f"{m.key}.x25519").stat().st_mode & 0o777 == 0o600
        published.add(node.encryption_key)
    assert len(published) == len(roster.DEPARTMENTS)  # one key per department, none shared


def test_publishing_again_sends_nothing(platform):
    p = platform
    publish_demo_nodes(p.ctx, ENDPOINT, log=lambda _m: None)
    c = p.ctx.client.contract("NodeDirectory")
    before = len(c.events.NodePublished().get_logs(from_block=0))
    assert publish_demo_nodes(p.ctx, ENDPOINT, log=lambda _m: None) == {m.key: 1 for m in roster.DEPARTMENTS}
    assert len(c.events.NodePublished().get_logs(from_block=0)) == before == len(roster.DEPARTMENTS)


def test_a_new_endpoint_is_a_new_version_with_the_same_key(platform):
    p = platform
    publish_demo_nodes(p.ctx, ENDPOINT, log=lambda _m: None)
    keys = SealingKeys(p.settings.keystore_dir, p.settings.keystore_secret)
    before = {m.key: keys.public_key(m.key) for m in roster.DEPARTMENTS}
    versions = publish_demo_nodes(p.ctx, "http://127.0.0.1:8100", log=lambda _m: None)
    assert versions == {m.key: 2 for m in roster.DEPARTMENTS}
    for m in roster.DEPARTMENTS:
        node = p.ctx.directory.resolve(p.ctx.keystore.address_of(m.key))
        assert (node.endpoint, node.encryption_key) == ("http://127.0.0.1:8100", before[m.key])
