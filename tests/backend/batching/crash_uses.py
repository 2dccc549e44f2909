"""Child process for the batcher crash test.

usage: python crash_uses.py SETTINGS_JSON MODE GRANT_ID N
MODE: before_broadcast | after_broadcast  -> submit N uses (keys u-0..u-{N-1}); SIGKILL
      itself right before / right after the first batch broadcast;
      recover -> reconcile (as the backend does at start), re-submit the same keys,
      wait until every use is final, print "done <use indexes>".
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from backend.composition import AppContext
from backend.core.config import Settings
from backend.services.common import Actor


def main(settings_json: str, mode: str, grant_id: int, n: int) -> None:
    cfg = json.loads(settings_json)
    settings = Settings(**{k: (Path(v) if k in ("data_dir", "deployments_dir") else v) for k, v in cfg.items()})
    ctx = AppContext.from_settings(settings)
    ctx.refresh_accounts()
    usage = ctx.services.usage
    actor = Actor("department", cfg_signer(ctx), "officer-crash")
    if mode != "recover":
        original = ctx.sender.broadcast_stored

        def broadcast(signer, row_id, tx_hash, raw):
            if mode == "before_broadcast":
                os.kill(os.getpid(), signal.SIGKILL)
            fut = original(signer, row_id, tx_hash, raw)
            os.kill(os.getpid(), signal.SIGKILL)
            return fut

        ctx.sender.broadcast_stored = broadcast
    else:
        ctx.reconcile_once()
    print("ready", flush=True)
    results: dict[int, dict] = {}

    def one(i: int) -> None:
        results[i] = usage.record_use(actor, grant_id, None, f"crash-{i}".encode().ljust(32, b"\0"), key=f"u-{i}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("done", json.dumps({i: [r["use_index"], r["tx_hash"]] for i, r in sorted(results.items())}), flush=True)
    ctx.services.usage.batcher.stop()
    ctx.close()


def cfg_signer(ctx: AppContext) -> str:
    return next(addr for addr, name in ctx.refresh_accounts().items() if name == os.environ["CRASH_SIGNER"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
