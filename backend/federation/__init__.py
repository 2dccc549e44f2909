"""Peer-to-peer release of data under on-chain grants, between department nodes.

- ``messages``: the EIP-712 ReleaseRequest (grantee-signed) and ReleaseReceipt (owner-signed);
- ``envelope``: sealed boxes to a node's X25519 key, and that keypair at rest;
- ``directory``: the PeerDirectory port (where a department's node is, its keys);
- ``dataset``: the dataset document a release projects from;
- ``release``: the owner's checks and its release ledger;
- ``client``: the requester's side (record the use, ask, verify, keep the receipt).

See docs/federation.md.
"""
