"""Contract events → SQL (see indexer.py for the invariants)."""

from backend.indexer.indexer import ChainChanged, Cursor, Indexer, RpcError
from backend.indexer.models import chain_events, indexer_cursor
from backend.indexer.query import EventIndex, IndexBehind, event_json, query_events

__all__ = [
    "ChainChanged",
    "Cursor",
    "EventIndex",
    "IndexBehind",
    "Indexer",
    "RpcError",
    "chain_events",
    "event_json",
    "indexer_cursor",
    "query_events",
]
