"""A node's own files bound to its secret: ``node.json`` and its installed manifest are sealed.

Whoever administers the node's host can edit files in its data directory; the secret (in
production) lives in the operator's secret store. Pointing ``rpc_url`` or a contract address
at a chain of one's own would let a fake grant release the department's data, so the node
refuses to start when either file differs from what was sealed with its secret.

``seal.json`` holds one HMAC-SHA256 per file, over the file's canonical JSON and its path
(so a MAC cannot be moved to another file). The MAC key is derived from the secret with
HKDF and a label of its own: the raw secret is never a MAC key, and no other use of the
secret shares this key. A legitimate change re-seals (``govchain node set``,
``govchain node manifest``) and therefore needs the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from backend.core.kdf import hkdf_sha256
from backend.ops.files import replace_private

SEAL_FILE = "seal.json"
SEAL_VERSION = 1
_KEY_SALT = b"govchain/node-seal/v1"
_KEY_INFO = b"node.json and the installed deployment manifest"
_MAC_PREFIX = b"govchain/node-seal/v1\x00"


class SealBroken(RuntimeError):
    """A sealed file changed, is not sealed, or the seal itself is unreadable."""


def seal_key(secret: str) -> bytes:
    return hkdf_sha256(secret.encode(), info=_KEY_INFO, salt=_KEY_SALT)


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def file_mac(key: bytes, relpath: str, content: Any) -> str:
    return hmac.new(key, _MAC_PREFIX + relpath.encode() + b"\x00" + canonical(content), hashlib.sha256).hexdigest()


def seal_files(data_dir: Path, secret: str, relpaths: Iterable[str]) -> None:
    """(Re-)seal these files as they are now; other entries of the seal are kept."""
    key = seal_key(secret)
    macs = _read_seal(data_dir) if (data_dir / SEAL_FILE).exists() else {}
    for rel in relpaths:
        macs[rel] = file_mac(key, rel, _read_json(data_dir, rel))
    body = json.dumps({"version": SEAL_VERSION, "files": dict(sorted(macs.items()))}, indent=2).encode()
    replace_private(data_dir / SEAL_FILE, body)


def verify_files(data_dir: Path, secret: str, relpaths: Iterable[str]) -> None:
    """Raise SealBroken naming the first file that is not as sealed."""
    macs = _read_seal(data_dir)
    key = seal_key(secret)
    for rel in relpaths:
        expected = macs.get(rel)
        if expected is None:
            raise SealBroken(f"{data_dir / rel} is not sealed by this node's secret ({SEAL_FILE} has no entry for it)")
        if not hmac.compare_digest(expected, file_mac(key, rel, _read_json(data_dir, rel))):
            raise SealBroken(
                f"{data_dir / rel} changed since it was sealed with this node's secret (or the secret changed); "
                "a legitimate change goes through `govchain node set` or `govchain node manifest`"
            )


def is_sealed(data_dir: Path) -> bool:
    return (data_dir / SEAL_FILE).exists()


def _read_seal(data_dir: Path) -> dict[str, str]:
    path = data_dir / SEAL_FILE
    try:
        raw = json.loads(path.read_text())
        if raw.get("version") != SEAL_VERSION:
            raise SealBroken(f"{path} has version {raw.get('version')!r}, expected {SEAL_VERSION}")
        return {str(k): str(v) for k, v in raw["files"].items()}
    except FileNotFoundError:
        raise SealBroken(
            f"{path} is missing: this node's files are not sealed (re-seal with `govchain node set` / `node manifest`)"
        ) from None
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise SealBroken(f"{path} is unreadable: {exc!r}") from None


def _read_json(data_dir: Path, rel: str) -> Any:
    path = data_dir / rel
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise SealBroken(f"{path} is missing") from None
    except json.JSONDecodeError as exc:
        raise SealBroken(f"{path} is not valid JSON: {exc}") from None
