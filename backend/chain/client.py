"""One connection to the chain for the whole backend.

``ChainClient`` owns the web3 connection (keep-alive HTTP session), the
contract bindings, the custom-error registry, the event decoder, the nonce
managers and the single receipt watcher. Everything that talks JSON-RPC goes
through ``guard()`` so that reverts surface as ``ContractRevert`` and transport
failures as ``ChainUnavailable`` — never as a raw web3/requests exception.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, cast

import requests
from eth_typing import ABI, ChecksumAddress, HexStr
from eth_utils import get_abi_output_types
from hexbytes import HexBytes
from requests.adapters import HTTPAdapter
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3._utils.method_formatters import receipt_formatter
from web3.contract import Contract
from web3.datastructures import AttributeDict
from web3.exceptions import TransactionNotFound
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import RPCEndpoint

from backend.chain.errors import (
    ChainConfigError,
    ChainUnavailable,
    ContractRevert,
    ErrorRegistry,
    extract_revert_data,
    is_unavailable,
)
from backend.chain.events import EventDecoder
from backend.chain.manifest import Manifest
from backend.chain.nonces import NonceRegistry
from backend.chain.outbox import next_nonce as outbox_next_nonce
from backend.chain.receipts import ReceiptWatcher
from backend.core.config import Settings

DEFAULT_PRIORITY_FEE_WEI = 10**9  # used when the node has no eth_maxPriorityFeePerGas
HTTP_POOL_SIZE = 64  # enough keep-alive connections for many concurrent senders
RPC_TIMEOUT_S = 10
FEE_CACHE_S = 1.0  # base fee changes per block; one lookup per second is plenty
FEE_STALE_OK_S = 3.0  # up to this age a cached fee is served while a background refresh runs
UNREAD: Any = object()  # a read of call_many that failed: read it again through call()


class BatchRead(NamedTuple):
    """What :meth:`ChainClient.call_many` read: per view its decoded result or UNREAD; the
    latest block's timestamp (None: not asked or not read); receipts read (by lower-case hash;
    None: not mined), those that failed left out."""

    results: list[Any]
    time: int | None
    receipts: dict[str, Any]


_HOT_PATH_MIDDLEWARE_DROPPED = ("validation", "ens_name_to_address", "gas_price_strategy")


def _environment_read_once(session: requests.Session, rpc_url: str) -> None:
    """Resolve what requests would take from the environment (proxy variables, .netrc
    credentials, a CA bundle named by REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE) once, here, instead of on every JSON-RPC request: with ``trust_env``
    requests stats ~/.netrc and parses the proxy variables per call, about a fifth of
    the CPU of a local RPC round trip on every thread that talks to the node (request
    handlers, use batcher, receipt watcher, indexer). Same settings, read at start-up."""
    if not session.trust_env:
        return
    proxies = requests.utils.get_environ_proxies(rpc_url)
    if proxies:
        session.proxies.update(proxies)
    if session.auth is None:
        session.auth = requests.utils.get_netrc_auth(rpc_url)
    if session.verify is True:
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle:
            session.verify = bundle
    session.trust_env = False


def build_web3(rpc_url: str, session: requests.Session | None = None) -> Web3:
    session = session or requests.Session()
    _environment_read_once(session, rpc_url)
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=HTTP_POOL_SIZE)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    provider = Web3.HTTPProvider(
        rpc_url,
        session=session,
        request_kwargs={"timeout": RPC_TIMEOUT_S},
        # No silent retries: a down node must surface quickly as ChainUnavailable.
        exception_retry_configuration=None,
    )
    w3 = Web3(provider)
    # Hot path: web3's validation middleware asks the node for eth_chainId on every
    # call, estimate and send (4 of ~7 round trips per write). The chain id is checked
    # once in ChainClient.ensure_chain() and put into every transaction we sign, so
    # the per-call check adds nothing. ENS name resolution and the gas price strategy
    # are never used (addresses are hex, fees are set explicitly).
    for name in _HOT_PATH_MIDDLEWARE_DROPPED:
        try:
            w3.middleware_onion.remove(name)
        except (ValueError, KeyError):
            pass
    # Besu QBFT puts validator data in extraData (> 32 bytes); harmless elsewhere.
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    return w3


class ChainClient:
    def __init__(
        self,
        settings: Settings,
        manifest: Manifest,
        session_factory: sessionmaker[Session] | None = None,
        *,
        w3: Web3 | None = None,
    ) -> None:
        self.settings = settings
        self.manifest = manifest
        self.session_factory = session_factory
        self._http = requests.Session()
        self.w3 = w3 or build_web3(settings.rpc_url, self._http)
        self.errors = ErrorRegistry.from_abis(manifest.abis().values())
        self.events = EventDecoder(self.w3, manifest)
        self.nonces = NonceRegistry(self._pending_count, self._outbox_next_nonce)
        self._contracts: dict[str, Contract] = {}
        self._chain_checked = False
        self._lock = threading.Lock()
        self._fees: dict[str, int] | None = None
        self._fees_at = 0.0
        self._fee_refreshing = False
        self._watcher: ReceiptWatcher | None = None
        self._raw = threading.local()  # per-thread keep-alive connection for the watcher's polls
        self._raw_id = 0

    # -- error mapping -----------------------------------------------------
    @contextmanager
    def guard(self) -> Iterator[None]:
        """Map web3/transport exceptions to ContractRevert / ChainUnavailable."""
        try:
            yield
        except (ContractRevert, ChainUnavailable, ChainConfigError):
            raise
        except Exception as exc:
            if is_unavailable(exc):
                raise ChainUnavailable(f"chain node unreachable at {self._safe_url()}: {type(exc).__name__}") from exc
            data = extract_revert_data(exc)
            if data is not None:
                raise self.errors.decode_revert(data) from exc
            raise

    def _safe_url(self) -> str:
        # Only scheme://host:port: an RPC URL may carry credentials in its path or query.
        from urllib.parse import urlsplit

        parts = urlsplit(self.settings.rpc_url)
        return f"{parts.scheme}://{parts.hostname}:{parts.port}" if parts.hostname else "<rpc>"

    # -- connection ----------------------------------------------------------
    def ensure_chain(self) -> None:
        """Refuse to talk to a node of another chain (checked once, lazily, so the
        backend can start while the node is down)."""
        if self._chain_checked:
            return
        with self.guard():
            chain_id = self.w3.eth.chain_id
        if chain_id != self.manifest.chain_id:
            raise ChainConfigError(
                f"node chain id {chain_id} != manifest chain id {self.manifest.chain_id} ({self.manifest.network})"
            )
        self._chain_checked = True

    @property
    def chain_id(self) -> int:
        return self.manifest.chain_id

    def contract(self, name: str) -> Contract:
        with self._lock:
            bound = self._contracts.get(name)
            if bound is None:
                c = self.manifest.contract(name)
                bound = self.w3.eth.contract(address=cast(ChecksumAddress, c.address), abi=cast(ABI, c.abi))
                self._contracts[name] = bound
            return bound

    # -- reads ---------------------------------------------------------------
    def call(self, name: str, fn: str, *args: Any, block_identifier: Any = "latest", sender: str | None = None) -> Any:
        """Read a view; reverts raise ContractRevert, a down node ChainUnavailable."""
        self.ensure_chain()
        tx = {"from": sender} if sender else {}
        with self.guard():
            return getattr(self.contract(name).functions, fn)(*args).call(tx, block_identifier=block_identifier)

    def block_number(self) -> int:
        with self.guard():
            return int(self.w3.eth.block_number)

    def chain_time(self) -> int:
        """The latest block's timestamp: the clock the contracts judge expiry by
        (a server's wall clock can differ, and a test chain can move time)."""
        try:  # raw JSON (no block formatters): a release reads the clock two or three times
            block = self._raw_call("eth_getBlockByNumber", ["latest", False])
            return int(block["timestamp"], 16)
        except Exception:
            pass
        with self.guard():  # the web3 path maps errors as usual
            return int(self.w3.eth.get_block("latest")["timestamp"])

    def call_many(
        self,
        calls: Sequence[tuple[str, str, tuple[Any, ...]]],
        *,
        with_time: bool = False,
        receipts: Sequence[str] = (),
    ) -> BatchRead:
        """Several views (with ``with_time`` also the latest block's timestamp, and the
        receipts of ``receipts``) in ONE JSON-RPC batch: one round trip instead of one per
        read, each read as fresh as :meth:`call` / :meth:`get_receipt`. A read that failed
        for any reason (a revert, an error, no batch over this transport) is :data:`UNREAD`,
        so the caller reads it again the usual way, which maps its error as usual."""
        self.ensure_chain()
        payload: list[tuple[str, list[Any]]] = []
        for name, fn, args in calls:
            data = self.contract(name).encode_abi(fn, args=list(args))
            payload.append(("eth_call", [{"to": self.manifest.contract(name).address, "data": data}, "latest"]))
        payload += [("eth_getTransactionReceipt", [h]) for h in receipts]
        if with_time:
            payload.append(("eth_getBlockByNumber", ["latest", False]))
        try:
            answers = self._raw_batch(payload)
        except Exception:  # e.g. an https RPC: every read goes the usual way
            return BatchRead([UNREAD] * len(calls), None, {})
        results = [self._decoded(name, fn, answer) for (name, fn, _args), answer in zip(calls, answers)]
        got = answers[len(calls) : len(calls) + len(receipts)]
        mined = {h.lower(): self._receipt(r) for h, r in zip(receipts, got)}
        when = None
        if with_time:
            block = answers[-1]
            if isinstance(block, dict) and isinstance(block.get("timestamp"), str):
                when = int(block["timestamp"], 16)
        return BatchRead(results, when, {h: r for h, r in mined.items() if r is not UNREAD})

    @staticmethod
    def _receipt(answer: Any) -> Any:
        """A raw receipt formatted as web3's get_transaction_receipt gives it (None: not mined)."""
        if answer is None:
            return None
        if not isinstance(answer, dict):
            return UNREAD
        try:
            return AttributeDict.recursive(receipt_formatter(answer))
        except Exception:
            return UNREAD

    def _decoded(self, name: str, fn: str, answer: Any) -> Any:
        """One eth_call result as web3's ``call`` gives it (one output: the value; several: a
        tuple), or UNREAD."""
        if not isinstance(answer, str) or not answer.startswith("0x"):
            return UNREAD
        try:
            fn_abi = self.contract(name).get_function_by_name(fn).abi
            types = get_abi_output_types(fn_abi)
            values = self.w3.codec.decode(types, bytes.fromhex(answer[2:]))
        except Exception:  # not decodable (e.g. empty data): the usual path raises what it raises
            return UNREAD
        return values[0] if len(values) == 1 else tuple(values)

    def _raw_batch(self, requests_: list[tuple[str, list[Any]]]) -> list[Any]:
        """A JSON-RPC batch over this thread's plain keep-alive connection: each request's
        ``result`` in order (UNREAD for one that answered an error)."""
        first = self._raw_id + 1
        self._raw_id += len(requests_)
        body = [
            {"jsonrpc": "2.0", "id": first + i, "method": method, "params": params}
            for i, (method, params) in enumerate(requests_)
        ]
        msgs = self._raw_post(body)
        if not isinstance(msgs, list):
            raise ValueError("JSON-RPC batch answered no list")
        by_id = {m.get("id"): m for m in msgs if isinstance(m, dict)}
        out = []
        for i in range(len(requests_)):
            m = by_id.get(first + i)
            out.append(m["result"] if m is not None and not m.get("error") and "result" in m else UNREAD)
        return out

    def _raw_call(self, method: str, params: list[Any]) -> Any:
        """One JSON-RPC call over a plain keep-alive ``http.client`` connection of this
        thread: ~0.15 ms of CPU against ~0.7 ms through web3/requests. Only for plain
        ``http://`` URLs and only for hot reads of plain values (the receipt watcher's polls,
        the chain clock); raises on anything
        unexpected (the caller then takes the web3 path, which maps errors as usual)."""
        self._raw_id += 1
        msg = self._raw_post({"jsonrpc": "2.0", "id": self._raw_id, "method": method, "params": params})
        if not isinstance(msg, dict) or msg.get("error") or "result" not in msg:
            raise ValueError("JSON-RPC error")
        return msg["result"]

    def _raw_post(self, message: Any) -> Any:
        """POST one JSON-RPC message (or batch) over this thread's plain keep-alive
        ``http.client`` connection; the parsed answer."""
        conn = self._raw_connection()
        try:
            conn.request("POST", self._raw.path, json.dumps(message).encode(), {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 200:
                raise ValueError(f"HTTP {resp.status}")
            return json.loads(data)
        except Exception:
            conn.close()
            self._raw.conn = None
            raise

    def _raw_connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._raw, "conn", None)
        if conn is None:
            from urllib.parse import urlsplit

            u = urlsplit(self.settings.rpc_url)
            if u.scheme != "http" or not u.hostname or u.username or u.password:
                raise ValueError("raw polling only over plain http")
            conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=10)
            self._raw.conn, self._raw.path = conn, (u.path or "/") + (f"?{u.query}" if u.query else "")
        return conn

    def head_number(self) -> int:
        """The head block number (raw JSON-RPC, no middleware, no formatters): the
        receipt watcher polls this every few milliseconds."""
        try:
            result = self._raw_call("eth_blockNumber", [])
            return int(result, 16) if isinstance(result, str) else int(result)
        except Exception:
            pass
        with self.guard():
            resp = self.w3.provider.make_request(RPCEndpoint("eth_blockNumber"), [])
        result = resp.get("result") if isinstance(resp, dict) else None
        if result is None:
            return self.block_number()
        return int(result, 16) if isinstance(result, str) else int(result)

    def block_tx_hashes(self, number: int) -> list[str]:
        """Lower-case hashes of a block's transactions, straight from the provider (raw
        JSON: no formatters; the receipt watcher reads every new block)."""
        try:
            block = self._raw_call("eth_getBlockByNumber", [hex(number), False])
        except Exception:
            block = None
        else:
            if block is None:  # not there (yet): the watcher retries this block on its next poll
                raise LookupError(f"block {number} not found")
            return [str(h).lower() for h in block.get("transactions") or []]
        with self.guard():
            resp = self.w3.provider.make_request(RPCEndpoint("eth_getBlockByNumber"), [hex(number), False])
        if not isinstance(resp, dict) or resp.get("error"):
            with self.guard():  # let web3 raise / map the error as usual
                block = self.w3.eth.get_block(number)
            return [self.w3.to_hex(cast(HexBytes, tx)).lower() for tx in block["transactions"]]
        block = resp.get("result")
        if block is None:  # not there (yet): the watcher retries this block on its next poll
            raise LookupError(f"block {number} not found")
        return [str(h).lower() for h in block.get("transactions") or []]

    def get_receipt(self, tx_hash: str) -> Any | None:
        with self.guard():
            try:
                return self.w3.eth.get_transaction_receipt(HexStr(tx_hash))
            except TransactionNotFound:
                return None

    def decode_receipt_events(self, receipt: Any) -> list[dict[str, Any]]:
        return self.events.decode_receipt_events(receipt)

    # -- gas pricing -----------------------------------------------------------
    def fee_fields(self, *, allow_stale: bool = False) -> dict[str, int]:
        """Fee fields for a new transaction.

        ``settings.gas_price_wei >= 0`` forces a legacy ``gasPrice`` (Besu
        networks run with price 0). Otherwise EIP-1559 from the latest base fee,
        with 2x headroom so a few full blocks do not strand the transaction;
        chains without a base fee get the node's ``eth_gasPrice``.
        """
        if self.settings.gas_price_wei >= 0:
            return {"gasPrice": self.settings.gas_price_wei}
        now = time.monotonic()
        if self._fees is not None:
            age = now - self._fees_at
            if allow_stale or age < FEE_CACHE_S:
                return dict(self._fees)
            if age < FEE_STALE_OK_S:
                # Off the hot path: answer from the cache (2x base-fee headroom covers a few
                # blocks of rise) and refresh in the background, one refresh at a time.
                self._refresh_fees_async()
                return dict(self._fees)
        return self._fetch_fees(now)

    def _refresh_fees_async(self) -> None:
        with self._lock:
            if self._fee_refreshing:
                return
            self._fee_refreshing = True

        def run() -> None:
            try:
                self._fetch_fees(time.monotonic())
            except Exception:  # node down: the next caller past FEE_STALE_OK_S asks synchronously
                pass
            finally:
                with self._lock:
                    self._fee_refreshing = False

        threading.Thread(target=run, name="fee-refresh", daemon=True).start()

    def _fetch_fees(self, now: float) -> dict[str, int]:
        with self.guard():
            base_fee = self.w3.eth.get_block("latest").get("baseFeePerGas")
            if base_fee is None:
                fees = {"gasPrice": int(self.w3.eth.gas_price)}
            else:
                try:
                    tip = int(self.w3.eth.max_priority_fee)
                except Exception as exc:
                    if is_unavailable(exc):
                        raise
                    tip = DEFAULT_PRIORITY_FEE_WEI
                fees = {"maxFeePerGas": 2 * int(base_fee) + tip, "maxPriorityFeePerGas": tip}
        self._fees, self._fees_at = fees, now
        return dict(fees)

    # -- nonce sources ----------------------------------------------------------
    def _pending_count(self, address: str) -> int:
        with self.guard():
            return int(self.w3.eth.get_transaction_count(cast(ChecksumAddress, address), "pending"))

    def _outbox_next_nonce(self, address: str) -> int:
        if self.session_factory is None:
            return 0
        with self.session_factory() as session:
            return outbox_next_nonce(session, address)

    # -- receipt watcher ----------------------------------------------------------
    @property
    def watcher(self) -> ReceiptWatcher:
        with self._lock:
            if self._watcher is None:
                self._watcher = ReceiptWatcher(self, poll_interval_s=self.settings.poll_interval_s)
            return self._watcher

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        conn = getattr(self._raw, "conn", None)
        if conn is not None:
            conn.close()
        self._http.close()
