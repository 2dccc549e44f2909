"""A node's TLS identity: a self-signed certificate and its key in ``<data_dir>/tls/``.

No CA vouches for it: the node publishes the SHA-256 of the certificate's
SubjectPublicKeyInfo as ``transportKeyHash`` in the NodeDirectory (signed on chain with the
department's key) and peers accept exactly that key (backend/federation/transport.py).
The private key file is encrypted with a password derived from the node's secret (HKDF,
its own label), so a key swapped in by someone without the secret does not load.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from backend.core.kdf import hkdf_sha256
from backend.federation.transport import spki_sha256
from backend.ops.files import replace_private

TLS_DIR = "tls"
CERT_FILE = "node.crt"
KEY_FILE = "node.key"
VALID_DAYS = 3650  # the pin, not the validity, is what peers trust; a new key is a new announcement
_PASSWORD_SALT = b"govchain/node-tls-key/v1"


def cert_path(data_dir: Path) -> Path:
    return data_dir / TLS_DIR / CERT_FILE


def key_path(data_dir: Path) -> Path:
    return data_dir / TLS_DIR / KEY_FILE


def key_password(secret: str) -> str:
    raw = hkdf_sha256(secret.encode(), info=b"tls key file", salt=_PASSWORD_SALT)
    return raw.hex()


def ensure_tls_identity(data_dir: Path, secret: str, *, name: str, host: str) -> bytes:
    """Create the certificate and key once (kept if present); returns the SPKI SHA-256 to publish."""
    if not cert_path(data_dir).exists():
        _generate(data_dir, secret, name=name, host=host)
    return transport_key_hash(data_dir)


def transport_key_hash(data_dir: Path) -> bytes:
    from cryptography import x509  # loaded by TLS nodes only
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate(cert_path(data_dir).read_bytes())
    return spki_sha256(cert.public_bytes(serialization.Encoding.DER))


def _generate(data_dir: Path, secret: str, *, name: str, host: str) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    try:
        alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt = x509.DNSName(host)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = data_dir / TLS_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    encrypted = serialization.BestAvailableEncryption(key_password(secret).encode())
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encrypted)
    replace_private(key_path(data_dir), pem_key)
    replace_private(cert_path(data_dir), cert.public_bytes(serialization.Encoding.PEM))  # last: its presence means done
