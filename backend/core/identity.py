"""Hashes that stand in for people on chain.

Citizens' identifiers and officers' ids never reach the chain raw, nor as
plain hashes (an ID-number space is small enough to brute-force): they are
HMAC-SHA256 keyed with the deployment's ``subject_secret``. Officers are
additionally salted by department so that the same staff number at two
departments yields unrelated hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from eth_utils import keccak, to_canonical_address

_SUBJECT_DOMAIN = b"govchain/subject/v1\x00"
_OFFICER_DOMAIN = b"govchain/officer/v1\x00"


def normalise_id(id_type: str, id_value: str) -> str:
    """Canonical "type:value": NFKC, type lower-cased, value upper-cased with
    spaces and dashes removed (so "1101 0519-9001 01234x" == "11010519900101234X")."""
    t = unicodedata.normalize("NFKC", id_type).strip().lower()
    v = unicodedata.normalize("NFKC", id_value).strip().upper()
    v = "".join(ch for ch in v if ch not in " -\t")
    if not t or not v or ":" in t:
        raise ValueError("id_type and id_value must be non-empty and id_type must not contain ':'")
    return f"{t}:{v}"


def _key(secret: str | bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    if not key:
        raise ValueError("subject secret must not be empty")
    return key


def subject_hash(subject_secret: str | bytes, id_type: str, id_value: str) -> bytes:
    """bytes32 identifying a data subject on chain."""
    msg = _SUBJECT_DOMAIN + normalise_id(id_type, id_value).encode()
    return hmac.new(_key(subject_secret), msg, hashlib.sha256).digest()


def officer_hash(subject_secret: str | bytes, department_address: str, officer_id: str) -> bytes:
    """bytes32 naming a responsible officer, salted by the department address."""
    oid = unicodedata.normalize("NFKC", officer_id).strip()
    if not oid:
        raise ValueError("officer_id must not be empty")
    msg = _OFFICER_DOMAIN + to_canonical_address(department_address) + oid.encode()
    return hmac.new(_key(subject_secret), msg, hashlib.sha256).digest()


def keccak_content_hash(data: bytes) -> bytes:
    """keccak256 of a document's plaintext: what the catalog anchors on chain."""
    return keccak(data)


def keyed_text_hash(secret: str, text: str) -> bytes:
    """HMAC-SHA256 of free text written by or about a person (e.g. a citizen's
    objection): what reaches the chain cannot be confirmed by guessing the text."""
    return hmac.new(secret.encode(), b"govchain/text/v1\0" + text.encode(), hashlib.sha256).digest()
