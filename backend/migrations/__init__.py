"""The node's database schema: every table of every package, created in one place.

Lives beside the packages that declare tables (core, chain, store, indexer) so that
``backend.core.db`` never imports them: the database layer knows no chain.
"""

from __future__ import annotations

from sqlalchemy import Engine

import backend.chain.outbox  # noqa: F401  (outbox)
import backend.core.tokens  # noqa: F401  (api_tokens)
import backend.indexer.models  # noqa: F401  (chain_events, indexer_cursor)
import backend.store.models  # noqa: F401  (documents, document_keys)
from backend.core.db import Base


def init_db(engine: Engine) -> None:
    """Create every table that does not exist yet."""
    Base.metadata.create_all(engine)
