"""Imports every module that declares tables, so ``init_db`` sees all of them.

Add a line here when a new module declares tables on ``backend.db.Base``.
"""
import backend.auth_tokens  # noqa: F401,E402  (api_tokens)
import backend.store.models  # noqa: F401,E402  (documents, document_keys)
import backend.indexer.models  # noqa: F401,E402  (chain_events, indexer_cursor)
import backend.chain.outbox  # noqa: F401,E402  (outbox)
