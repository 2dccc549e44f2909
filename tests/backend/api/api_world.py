"""The api world's consortium (tests/backend/api/conftest.py) built on demand, for
modules that need one of their own: a chain nobody else uses (time travel), or
another database (PostgreSQL). Same keys, contracts, departments and tokens as the
session's ``system``.

(Named uniquely: pytest puts test folders on sys.path.)
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


# the api world's System helper (h, granted, events, ...) and names, loaded under their own module name
_spec = importlib.util.spec_from_file_location("api_world_conftest", Path(__file__).with_name("conftest.py"))
_world = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _world
_spec.loader.exec_module(_world)
System = _world.System
build_system = _world.build_system  # the same builder as the session's ``system``
SECRET, DEV_FUNDER_KEY = _world.SECRET, _world.DEV_FUNDER_KEY
DEPARTMENTS, GOVERNORS = _world.DEPARTMENTS, _world.GOVERNORS
