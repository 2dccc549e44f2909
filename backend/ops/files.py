"""Writing a node's private files: readable by the node's user only (0600), and never half
written: a crash leaves the old file or the new one, not a torn one."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, payload: bytes) -> None:
    """Create ``path`` (it must not exist) with mode 0600 and flush it to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, payload)
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_private(path: Path, payload: bytes) -> None:
    """Write ``path`` whole, through a private temporary file renamed over it."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    write_private(tmp, payload)
    os.replace(tmp, path)
