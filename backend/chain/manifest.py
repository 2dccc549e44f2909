"""The deployment manifest: which contracts live where on which chain.

Written by the deploy script as ``deployments/<network>.json``; ABI paths in
it are relative to the manifest's folder, so a deployments directory can be
copied as a whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address


class ManifestError(RuntimeError):
    """The manifest is missing or malformed (a deployment problem, not a request problem)."""


@dataclass(frozen=True)
class DeployedContract:
    name: str
    address: str  # checksummed
    abi: list[dict[str, Any]]
    block: int


@dataclass(frozen=True)
class Manifest:
    network: str
    chain_id: int
    deploy_block: int
    contracts: dict[str, DeployedContract] = field(default_factory=dict)
    compiler: dict[str, Any] = field(default_factory=dict)

    def contract(self, name: str) -> DeployedContract:
        try:
            return self.contracts[name]
        except KeyError:
            raise ManifestError(f"contract {name!r} is not in the {self.network} manifest") from None

    def abis(self) -> dict[str, list[dict[str, Any]]]:
        return {name: c.abi for name, c in self.contracts.items()}


def load_manifest(path: Path | str) -> Manifest:
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise ManifestError(f"no deployment manifest at {path}; deploy the contracts first") from None
    except json.JSONDecodeError as exc:
        raise ManifestError(f"deployment manifest {path} is not valid JSON: {exc}") from None
    try:
        contracts = {
            name: DeployedContract(
                name=name,
                address=to_checksum_address(entry["address"]),
                abi=_load_abi(entry["abi"], path.parent),
                block=int(entry.get("block", raw.get("deploy_block", 0))),
            )
            for name, entry in raw["contracts"].items()
        }
        return Manifest(
            network=str(raw["network"]),
            chain_id=int(raw["chain_id"]),
            deploy_block=int(raw.get("deploy_block", 0)),
            contracts=contracts,
            compiler=dict(raw.get("compiler") or {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"deployment manifest {path} is malformed: {exc!r}") from None


def manifest_path(deployments_dir: Path, network: str) -> Path:
    return Path(deployments_dir) / f"{network}.json"


def _load_abi(ref: Any, base: Path) -> list[dict[str, Any]]:
    # The deploy script writes a relative path; an inline ABI list is accepted too
    # so tests and tools can build a manifest in memory.
    if isinstance(ref, list):
        return ref
    abi = json.loads((base / str(ref)).read_text())
    if isinstance(abi, dict) and "abi" in abi:  # tolerate a full brownie artifact
        abi = abi["abi"]
    if not isinstance(abi, list):
        raise ValueError(f"ABI file {ref} does not hold a JSON array")
    return abi
