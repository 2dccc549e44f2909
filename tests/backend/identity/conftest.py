"""The sign-in tests use the API tests' session world (tests/backend/api_world.py: real anvil,
real contracts, the app) and the development identity provider served for real."""

from collections.abc import Iterator

import pytest
from api_world import system
from identity_testkit import ServedIdp

__all__ = ["idp", "system"]


@pytest.fixture(scope="module")
def idp(tmp_path_factory) -> Iterator[ServedIdp]:
    served = ServedIdp(tmp_path_factory.mktemp("idp"))
    try:
        yield served
    finally:
        served.stop()
