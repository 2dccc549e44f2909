"""Operations code: local devnet, deployment, consortium bootstrap, demo seed, Besu generator.

Sits beside the runtime; nothing under backend/ outside ops/ and cli/ imports it."""
