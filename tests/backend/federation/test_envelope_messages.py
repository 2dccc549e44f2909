"""The pieces without a chain: sealed envelopes, the node's encryption key at rest,
EIP-712 request/receipt signatures, the dataset format."""

from __future__ import annotations

import os
import stat

import pytest
from eth_account import Account

from backend.federation.dataset import DATASET_FORMAT, parse_dataset, project
from backend.federation.envelope import EnvelopeError, NodeEncryptionKey, NodeKeyLocked, seal
from backend.federation.errors import ReleaseDatasetInvalid
from backend.federation.messages import BadSignature, ReleaseDomain, ReleaseReceipt, ReleaseRequest, recover, sign

DOMAIN = ReleaseDomain(31337, "0x" + "11" * 20)
N = 2**10  # cheap scrypt for tests


def _key(tmp_path, name="node", secret="node-secret") -> NodeEncryptionKey:
    return NodeEncryptionKey.load_or_create(tmp_path / name, secret, scrypt_n=N)


def test_envelope_opens_only_with_the_recipients_key(tmp_path):
    alice, bob = _key(tmp_path, "a"), _key(tmp_path, "b")
    env = seal(b"records", alice.public_key)
    assert alice.open(env) == b"records"
    with pytest.raises(EnvelopeError):
        bob.open(env)
    altered = env[:-1] + bytes([env[-1] ^ 1])
    with pytest.raises(EnvelopeError):
        alice.open(altered)
    assert seal(b"records", alice.public_key) != env  # an ephemeral sender key per envelope


def test_node_key_at_rest_is_encrypted_with_the_nodes_secret(tmp_path):
    key = _key(tmp_path)
    path = NodeEncryptionKey.path_in(tmp_path / "node")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    assert bytes(key._private).hex() not in text and key.public_key.hex() in text
    assert bytes(key._private).hex() not in repr(key)
    assert _key(tmp_path).public_key == key.public_key  # loaded, not regenerated
    with pytest.raises(NodeKeyLocked):
        NodeEncryptionKey.load(path, "another-secret")


def _request(**kw) -> ReleaseRequest:
    base = {
        "grant_id": 7,
        "use_index": 1,
        "use_tx": b"\x01" * 32,
        "subject_hash": b"\x02" * 32,
        "fields_hash": b"\x03" * 32,
        "expires_at": 1_700_000_000,
        "nonce": b"\x04" * 32,
    }
    return ReleaseRequest(**(base | kw))


def test_request_and_receipt_recover_their_signer():
    acct = Account.create()
    req = _request()
    assert recover(DOMAIN, req, sign(DOMAIN, req, acct)) == acct.address
    assert ReleaseRequest.from_json(req.to_json()) == req
    receipt = ReleaseReceipt(7, 1, b"\x05" * 32, b"\x06" * 32, 1_700_000_001)
    assert recover(DOMAIN, receipt, sign(DOMAIN, receipt, acct)) == acct.address
    assert ReleaseReceipt.from_json(receipt.to_json()) == receipt


def test_a_signature_is_bound_to_chain_contract_and_every_field():
    acct = Account.create()
    req = _request()
    sig = sign(DOMAIN, req, acct)
    assert recover(ReleaseDomain(1, DOMAIN.usage_rights), req, sig) != acct.address
    assert recover(ReleaseDomain(DOMAIN.chain_id, "0x" + "22" * 20), req, sig) != acct.address
    assert recover(DOMAIN, _request(use_index=2), sig) != acct.address
    assert recover(DOMAIN, _request(nonce=b"\x09" * 32), sig) != acct.address


@pytest.mark.parametrize("sig", [b"", b"\x00" * 64 + b"\x1b", b"\xff" * 65], ids=["empty", "zero_rs", "high"])
def test_malformed_signature_recovers_nobody(sig):
    with pytest.raises(BadSignature):
        recover(DOMAIN, _request(), sig)


def test_request_fields_are_checked():
    with pytest.raises(ValueError, match="use_tx"):
        _request(use_tx=b"\x01" * 31)
    with pytest.raises(ValueError, match="use_index"):
        _request(use_index=2**32)


def test_dataset_format():
    ds = parse_dataset(
        b'{"format": "%s", "subject": {"id_type": "t", "field": "id"}, "fields": ["id", "a"],'
        b' "records": [{"id": "1", "a": 1, "b": 2}]}' % DATASET_FORMAT.encode()
    )
    assert project(list(ds.records), ["a"]) == [{"a": 1}]
    for bad in (b"not json", b'{"format": "other"}', b'{"format": "%s", "records": {}}' % DATASET_FORMAT.encode()):
        with pytest.raises(ReleaseDatasetInvalid):
            parse_dataset(bad)
