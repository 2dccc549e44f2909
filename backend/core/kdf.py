"""HKDF-SHA256 (RFC 5869) on the standard library: every key a node derives from its secret
(row MACs, the file seal, the TLS key's password) goes through here, each under its own label,
without loading a crypto package at start-up (a node's idle memory is a budget)."""

from __future__ import annotations

import hashlib
import hmac

_HASH_LEN = 32


def hkdf_sha256(ikm: bytes, *, info: bytes, salt: bytes | None = None, length: int = 32) -> bytes:
    """Extract-then-expand; byte for byte what ``cryptography``'s HKDF(SHA256) derives."""
    if not 0 < length <= 255 * _HASH_LEN:
        raise ValueError("HKDF-SHA256 derives 1 to 8160 bytes")
    prk = hmac.new(salt or b"\0" * _HASH_LEN, ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]
