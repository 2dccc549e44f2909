"""Deploy and wire GovChain: ``brownie run scripts/deploy.py --network <id>``.

Writes ``deployments/<id>.json`` (chain id, addresses, deploy block, compiler
settings, ABI paths). Re-running reuses a live deployment; pass ``fresh`` to
deploy anew: ``brownie run scripts/deploy.py main fresh --network <id>``.

Keys come from the backend's encrypted keystore (``GOVCHAIN_KEYSTORE_SECRET``);
on a development chain the accounts are funded from anvil's dev key. The same
code runs behind ``govchain deploy`` (backend/ops/bootstrap.py), so there is one
deployment path, not two.
"""

from __future__ import annotations

import os
from dataclasses import replace

from brownie import network

from backend.chain.client import build_web3
from backend.core.config import load_settings
from backend.ops.bootstrap import bootstrap


def main(fresh: str = "") -> dict:
    net_id = network.show_active()
    rpc = network.web3.provider.endpoint_uri
    settings = replace(load_settings(), rpc_url=rpc, network=net_id)
    w3 = build_web3(rpc)  # with the POA extraData middleware Besu's QBFT needs
    dev_chain = w3.eth.chain_id == 31337 or os.environ.get("GOVCHAIN_DEV_FUNDS") == "1"
    manifest = bootstrap(settings, w3, fresh=bool(fresh), fund_from_dev_key=dev_chain, log=print)
    print(f"deployment manifest: {settings.deployments_dir / (net_id + '.json')}")
    return manifest
