"""Run the indexer standalone: ``python -m backend.indexer SPEC.json``.

SPEC = {"rpc_url": ..., "database_url": ..., "start_block": N, "chunk": 2000,
        "name": "main", "contracts": {Name: {"address": "0x…", "abi": [...]}},
        "follow": false, "progress": false}
With "progress", one JSON line per committed chunk is printed to stdout.
Used by the crash-safety tests (killed with SIGKILL mid-sync); the product CLI
(``govchain index``) builds the same Indexer from the deployment manifest.
"""

from __future__ import annotations

import json
import sys
import threading

from web3 import Web3

from backend.core.db import make_engine, session_factory
from backend.indexer.indexer import Indexer
from backend.migrations import init_db


def main(argv: list[str]) -> int:
    with open(argv[1]) as fh:
        spec = json.loads(fh.read())
    engine = make_engine(spec["database_url"])
    init_db(engine)
    idx = Indexer(
        Web3(Web3.HTTPProvider(spec["rpc_url"])),
        {n: (c["address"], c["abi"]) for n, c in spec["contracts"].items()},
        session_factory(engine),
        start_block=spec["start_block"],
        chunk=spec.get("chunk", 2000),
        name=spec.get("name", "main"),
        insert_batch=spec.get("insert_batch", 5000),
    )
    if spec.get("follow"):
        idx.follow(threading.Event(), interval=spec.get("interval", 0.2))
        return 0

    def report(block: int, target: int, inserted: int) -> None:
        print(json.dumps({"block": block, "target": target, "inserted": inserted}), flush=True)

    n = idx.sync(to_block=spec.get("to_block"), progress=report if spec.get("progress") else None)
    print(json.dumps({"inserted": n}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
