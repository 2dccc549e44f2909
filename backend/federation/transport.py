"""TLS between nodes, pinned by the directory: a node serving TLS publishes
``transportKeyHash`` = SHA-256 of its certificate's SubjectPublicKeyInfo, and a peer
connecting to it accepts exactly that key (its certificate is self-signed: no CA, no host
name; the directory entry, signed on chain by the department's own key, is the trust).

The check runs inside the TLS handshake (``PinnedContext``'s socket class), so a peer that
presents another key never receives a byte of the request.
"""

from __future__ import annotations

import hashlib
import ssl
from typing import Any

import httpx

ZERO32 = b"\0" * 32


def spki_sha256(cert_der: bytes) -> bytes:
    """SHA-256 of a DER certificate's SubjectPublicKeyInfo (what ``transportKeyHash`` pins)."""
    from cryptography import x509  # only nodes that speak TLS to a peer need it
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public_key = x509.load_der_x509_certificate(cert_der).public_key()
    return hashlib.sha256(public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).digest()


class TransportKeyRefused(ssl.SSLCertVerificationError):
    """The peer's TLS key is not the one its directory entry pins (raised inside the handshake)."""

    def __init__(self, expected: bytes, presented: bytes | None) -> None:
        super().__init__(f"peer TLS key {presented.hex() if presented else 'none'} != pinned {expected.hex()}")
        self.expected, self.presented = expected, presented


class _PinnedSocket(ssl.SSLSocket):
    def do_handshake(self, block: bool = False) -> None:
        super().do_handshake(block)
        expected: bytes = self.context.expected_spki  # type: ignore[attr-defined]
        der = self.getpeercert(binary_form=True)
        presented = spki_sha256(der) if der else None
        if presented != expected:
            raise TransportKeyRefused(expected, presented)


class PinnedContext(ssl.SSLContext):
    """A client context that accepts the one peer key ``expected_spki`` (and nothing else)."""

    expected_spki: bytes

    @classmethod
    def for_key(cls, expected_spki: bytes) -> PinnedContext:
        ctx = cls(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False  # self-signed: the pin, not a CA or a name, authenticates
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.expected_spki = expected_spki
        ctx.sslsocket_class = _PinnedSocket
        return ctx


def pinned_client(expected_spki: bytes, timeout: httpx.Timeout) -> httpx.Client:
    return httpx.Client(verify=PinnedContext.for_key(expected_spki), timeout=timeout)


def refused_key(exc: BaseException) -> TransportKeyRefused | None:
    """The pin refusal behind an httpx error (httpx and httpcore wrap it as a ConnectError)."""
    seen: Any = exc
    while seen is not None:
        if isinstance(seen, TransportKeyRefused):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
