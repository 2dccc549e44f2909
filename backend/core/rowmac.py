"""Keys derived from the node's secret, and MACs that protect security rows against database edits.

A row that grants authority (an API token, an officer account) carries an HMAC-SHA256 over its
security-relevant columns, keyed by a key derived from the node's secret (``keystore_secret``,
which never lives in the database). A row inserted or edited by hand — by a DBA, or by anyone
with write access to the database alone — fails the check and grants nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from backend.core.kdf import hkdf_sha256

# One label per use: a key never serves two purposes.
TOKEN_MAC_LABEL = b"govchain-api-token-mac-v1"
OFFICER_MAC_LABEL = b"govchain-officer-row-mac-v1"
OFFICER_TOTP_LABEL = b"govchain-officer-totp-enc-v1"


def derive_key(secret: str, label: bytes) -> bytes:
    """A 32-byte key for ``label`` derived (HKDF-SHA256) from the node's secret."""
    return hkdf_sha256(secret.encode(), info=label)


def row_mac(key: bytes, table: str, fields: list[Any]) -> str:
    """HMAC-SHA256 (hex) over the table name and the row's fields in a fixed order
    (canonical JSON, so no two field lists encode alike)."""
    payload = json.dumps([table, *fields], separators=(",", ":"), default=str, ensure_ascii=True)
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def mac_ok(key: bytes, table: str, fields: list[Any], mac: str | None) -> bool:
    return bool(mac) and hmac.compare_digest(row_mac(key, table, fields), mac or "")
