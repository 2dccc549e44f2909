"""Runtime core: settings, database, identity hashing, keystore and API tokens.

Knows no chain, no store and no use case."""
