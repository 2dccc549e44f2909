from __future__ import annotations

import json
import stat

import pytest
from eth_account import Account

from backend.core.keystore import KeyExists, KeyNotFound, Keystore, KeystoreError, KeystoreLocked

KEY = "0x" + "11" * 32


def test_create_load_and_file_mode(tmp_path):
    ks = Keystore(tmp_path / "ks", "s3cret")
    addr = ks.create("dept-health")
    path = tmp_path / "ks" / "dept-health.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(path.read_text())
    assert doc["crypto"]["kdf"] == "scrypt" and doc["crypto"]["kdfparams"]["n"] == 2**14
    assert "s3cret" not in path.read_text()
    fresh = Keystore(tmp_path / "ks", "s3cret")  # new process: decrypts from disk
    assert fresh.load("dept-health").address == addr
    assert fresh.load("dept-health") is fresh.load("dept-health")  # cached
    assert fresh.names() == ["dept-health"]
    assert fresh.address_of("dept-health") == addr


def test_import_key_and_address_without_decrypt(tmp_path):
    ks = Keystore(tmp_path, "pw")
    addr = ks.import_key("gov1", KEY)
    assert addr == Account.from_key(KEY).address
    assert Keystore(tmp_path, "wrong").address_of("gov1") == addr  # no secret needed


def test_wrong_secret_is_locked(tmp_path):
    Keystore(tmp_path, "right").create("auditor")
    with pytest.raises(KeystoreLocked) as exc:
        Keystore(tmp_path, "wrong").load("auditor")
    assert exc.value.name == "auditor"
    assert "wrong" not in str(exc.value)


def test_missing_duplicate_and_invalid_names(tmp_path):
    ks = Keystore(tmp_path, "pw")
    with pytest.raises(KeyNotFound):
        ks.load("nobody")
    ks.import_key("a", KEY)
    with pytest.raises(KeyExists):
        ks.create("a")
    assert Keystore(tmp_path, "pw").load("a").address == Account.from_key(KEY).address  # not overwritten
    with pytest.raises(KeystoreError):
        ks.create("../escape")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]  # no temp files left
