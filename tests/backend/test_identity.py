from __future__ import annotations

import hashlib
import hmac

import pytest
from eth_utils import keccak

from backend.core.identity import keccak_content_hash, normalise_id, officer_hash, subject_hash

DEPT_A = "0x" + "aa" * 20
DEPT_B = "0x" + "bb" * 20


def test_subject_hash_is_hmac_over_normalised_type_value():
    h = subject_hash("k", "ResidentID", " 1101 0519-9001 01234x ")
    expected = hmac.new(b"k", b"govchain/subject/v1\x00residentid:11010519900101234X", hashlib.sha256).digest()
    assert h == expected and len(h) == 32
    assert h == subject_hash("k", "residentid", "11010519900101234X")
    assert h != subject_hash("other-secret", "residentid", "11010519900101234X")
    assert h != subject_hash("k", "passport", "11010519900101234X")
    assert h != hashlib.sha256(b"residentid:11010519900101234X").digest()  # not a plain hash


def test_normalise_rejects_empty_and_ambiguous():
    assert normalise_id("Passport", "e-123 45") == "passport:E12345"
    for t, v in [("", "1"), ("x", " "), ("a:b", "1")]:
        with pytest.raises(ValueError):
            normalise_id(t, v)
    with pytest.raises(ValueError):
        subject_hash("", "passport", "1")


def test_officer_hash_salted_by_department():
    a = officer_hash("k", DEPT_A, "E1001")
    assert len(a) == 32
    assert a == officer_hash("k", DEPT_A.upper().replace("0X", "0x"), " E1001 ")
    assert a != officer_hash("k", DEPT_B, "E1001")
    with pytest.raises(ValueError):
        officer_hash("k", DEPT_A, "  ")


def test_keccak_content_hash():
    assert keccak_content_hash(b"") == bytes.fromhex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    assert keccak_content_hash(b"doc") == keccak(b"doc")
