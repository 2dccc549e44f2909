"""Child process for the crash test: reconcile, then send Bumped(tag=i) for
keys k-0..k-{n-1} through the real TxSender. The test SIGKILLs it at random
points and runs it again until it finishes.

usage: python crash_batch.py RPC_URL MANIFEST DB_URL PRIVATE_KEY N
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from eth_account import Account

from backend.chain.client import ChainClient
from backend.chain.manifest import load_manifest
from backend.chain.outbox import OutboxTx
from backend.chain.sender import TxSender
from backend.core.config import Settings
from backend.core.db import Base, make_engine, session_factory


def main(url: str, manifest: str, db_url: str, key: str, n: int) -> None:
    engine = make_engine(db_url)
    Base.metadata.create_all(engine, tables=[OutboxTx.__table__])
    client = ChainClient(Settings(rpc_url=url, database_url=db_url), load_manifest(manifest), session_factory(engine))
    sender = TxSender(client)
    sender.reconcile()  # what the backend does at startup
    account = Account.from_key(key)
    print("ready", flush=True)

    def one(i: int) -> str:
        return sender.send(account, "ChainProbe", "bump", [i], f"k-{i}").status

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(one, range(n)))
    print("done", ",".join(statuses), flush=True)
    client.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
