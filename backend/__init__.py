"""GovChain backend: departments share data on a permissioned chain."""

import importlib.util as _util
import os as _os

__version__ = "0.1.0"

# Keccak-256 (addresses, topics, hashes of ids: several per request) through safe-pysha3's
# C extension when it is installed (it is pinned in requirements.lock), not eth-hash's first
# choice, pycryptodome: that one makes four cffi calls per hash, each releasing and
# re-taking the GIL, which on a busy node means waiting behind its other threads. The
# digests are the same (eth-hash checks its backend on first use). An explicit
# ETH_HASH_BACKEND still wins; this only applies before the first hash of the process.
if "ETH_HASH_BACKEND" not in _os.environ and _util.find_spec("sha3") is not None:
    _os.environ["ETH_HASH_BACKEND"] = "pysha3"
