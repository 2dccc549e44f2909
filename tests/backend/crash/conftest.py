"""Crash tests drive the real API server process (see tests/backend/fuzz/live_system.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
