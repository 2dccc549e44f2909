"""The API tests' consortium (real anvil with --block-time 0.2, real contracts, the
real app through TestClient), instantiated once more for the batching tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_API = Path(__file__).resolve().parents[1] / "api"
sys.path.insert(0, str(_API))
_spec = importlib.util.spec_from_file_location("_api_conftest_for_batching", _API / "conftest.py")
_api_conftest = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _api_conftest
_spec.loader.exec_module(_api_conftest)

system = _api_conftest.system
SECRET = _api_conftest.SECRET
