"""Every custom error of every compiled contract has a clerk-readable message in
both languages, and each message uses only the error's own arguments."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from backend.web import i18n

BUILD = Path(__file__).resolve().parents[2] / "build" / "contracts"


def abi_errors() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in sorted(BUILD.glob("*.json")):
        art = json.loads(f.read_text())
        if "/test/" in (art.get("sourcePath") or ""):
            continue  # test helpers (contracts/test/*) never reach a clerk
        for entry in art.get("abi", []):
            if entry.get("type") == "error":
                out[entry["name"]] = [i["name"] for i in entry.get("inputs", [])]
    return out


ERRORS = abi_errors()


def test_build_has_errors():
    if not ERRORS:
        pytest.fail("no compiled contracts in build/contracts (run `brownie compile`)")
    assert "UsageRightsGrantExpired" in ERRORS


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_every_contract_error_has_words(name):
    assert name in i18n.ERRORS, f"{name} has no message in backend/web/i18n.py"
    zh, en = i18n.ERRORS[name]
    for text in (zh, en):
        used = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        assert used <= set(ERRORS[name]), f"{name}: placeholders {used - set(ERRORS[name])} are not arguments"
    args = dict.fromkeys(ERRORS[name], 1)
    for lang in i18n.LANGS:
        msg = i18n.error_message(lang, name, args)
        assert name not in msg and "{" not in msg and msg.strip()


def test_grant_expired_reads_like_a_sentence():
    zh = i18n.error_message("zh", "UsageRightsGrantExpired", {"grantId": 7, "expiresAt": 1_700_000_000})
    en = i18n.error_message("en", "UsageRightsGrantExpired", {"grantId": 7, "expiresAt": 1_700_000_000})
    assert zh.startswith("授权 #7 已于 2023年11月") and "过期" in zh
    assert en.startswith("Grant #7 expired on 2023-11-")


def test_unknown_error_falls_back_to_its_name():
    assert "SomethingNew" in i18n.error_message("en", "SomethingNew", {})


def test_labels_have_both_languages():
    for key, (zh, en) in i18n.LABELS.items():
        assert zh and en, key
