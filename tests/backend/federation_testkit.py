"""A running federation for tests: anvil, then one node process per member (backend.ops.federation,
as `govchain federation up` runs it), torn down afterwards."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from api_testkit import Anvil

from backend.chain.client import build_web3
from backend.ops import federation, roster
from backend.ops.devnet import DEV_FUNDER_KEY


def quiet(_message: str) -> None:
    pass


@contextmanager
def running_federation(
    tmp: Path, network: str, members: Iterable[roster.Member], *, identity_provider: bool = False
) -> Iterator[tuple[federation.Federation, Any, Path]]:
    """(the federation, a web3 on its chain, the deployment manifest), every member admitted and
    every department's node in the directory; with ``identity_provider`` the development OIDC
    provider runs too and every department's node is its client (as `govchain federation up`)."""
    chain = Anvil(block_time=0.2)
    fed = None
    try:
        w3 = build_web3(chain.rpc_url)
        fed = federation.prepare(
            tmp / "nodes", rpc_url=chain.rpc_url, network=network, first_port=None, members=list(members), log=quiet
        )
        if identity_provider:
            federation.attach_identity_provider(fed, tmp / "idp")
        manifest = federation.bring_up(fed, w3, DEV_FUNDER_KEY, log=quiet)
        yield fed, w3, manifest
    finally:
        if fed is not None:
            fed.stop()
        chain.stop()
