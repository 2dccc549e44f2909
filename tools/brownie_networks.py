"""Register GovChain's brownie networks in ~/.brownie/network-config.yaml.

Brownie keeps networks per user, not per project, so set-up writes them on
each machine. Development networks launch the node from node_modules (brownie
picks its anvil/ganache driver by the command's first word, so the command is
the bare name and node_modules/.bin must be on PATH — the Makefile does that).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

CONFIG = Path(os.environ.get("BROWNIE_DATA_FOLDER", Path.home() / ".brownie")) / "network-config.yaml"


def _anvil(net_id: str, port: int, name: str) -> dict:
    return {
        "name": name,
        "id": net_id,
        "cmd": "anvil",
        "host": "http://127.0.0.1",
        "cmd_settings": {
            "port": port,
            "accounts": 20,
            "chain_id": 31337,
            "evm_version": "shanghai",
            "gas_limit": 30000000,
            "base_fee": 0,
        },
    }


DEVELOPMENT = [
    {
        # Contract tests: anvil with automine (brownie sends one tx at a time).
        "name": "GovChain anvil (tests)",
        "id": "govchain-test",
        "cmd": "anvil",
        "host": "http://127.0.0.1",
        "cmd_settings": {
            "port": 8555,
            "accounts": 20,
            "chain_id": 31337,
            "evm_version": "shanghai",
            "gas_limit": 30000000,
            "base_fee": 0,
        },
    },
    # Spare ports so that several contract test runs can go side by side.
    _anvil("govchain-test-b", 8565, "GovChain anvil (tests, b)"),
    _anvil("govchain-test-c", 8566, "GovChain anvil (tests, c)"),
    _anvil("govchain-test-d", 8567, "GovChain anvil (tests, d)"),
    {
        # Second node implementation: ganache 7 rejects gas price 0 (base fee),
        # so brownie-config.yaml sets gas_price for this network.
        "name": "GovChain ganache (compatibility)",
        "id": "govchain-ganache",
        "cmd": "ganache",
        "host": "http://127.0.0.1",
        "cmd_settings": {
            "port": 8556,
            "accounts": 20,
            "chain_id": 1337,
            "evm_version": "shanghai",
            "gas_limit": 30000000,
        },
    },
]

LIVE: dict[str, Any] = {
    "name": "GovChain",
    "networks": [
        {
            # The platform's own local chain, started by `govchain devnet`
            # with interval mining (anvil --block-time 0.2), as Besu's QBFT does.
            "name": "GovChain devnet (anvil, interval mining)",
            "id": "govchain-devnet",
            "host": os.environ.get("GOVCHAIN_RPC_URL", "http://127.0.0.1:8545"),
            "chainid": 31337,
        },
        {
            "name": "GovChain Besu (QBFT)",
            "id": "govchain-besu",
            "host": os.environ.get("GOVCHAIN_BESU_RPC", "http://127.0.0.1:8545"),
            "chainid": int(os.environ.get("GOVCHAIN_BESU_CHAIN_ID", "1337")),
        },
    ],
}


def main() -> None:
    if not CONFIG.exists():
        import brownie  # noqa: F401  (first import writes the default config)
    data = yaml.safe_load(CONFIG.read_text()) or {}
    dev = [n for n in data.get("development", []) if n["id"] not in {d["id"] for d in DEVELOPMENT}]
    data["development"] = dev + DEVELOPMENT
    live = [g for g in data.get("live", []) if g.get("name") != LIVE["name"]]
    taken = {n["id"] for g in live for n in g.get("networks", [])}
    clash = taken & {n["id"] for n in LIVE["networks"]}
    if clash:
        raise SystemExit(f"network ids already used by another group: {sorted(clash)}")
    data["live"] = [*live, LIVE]
    CONFIG.write_text(yaml.safe_dump(data, sort_keys=False))
    print(f"brownie networks written to {CONFIG}")


if __name__ == "__main__":
    main()
