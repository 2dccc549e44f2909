"""A release ledger row is trusted only when it verifies on its own: its envelope hashes to the
receipt's envelope hash and the receipt is signed by this node's department. A row a DBA wrote
or edited (no department key) fails, so it is neither served to a grantee nor recorded on chain
in the department's name."""

from __future__ import annotations

from eth_utils import to_checksum_address

from backend.federation.envelope import envelope_hash
from backend.federation.messages import BadSignature, ReleaseDomain, ReleaseReceipt, recover
from backend.federation.models import PeerRelease


def receipt_of(row: PeerRelease) -> ReleaseReceipt:
    return ReleaseReceipt(
        grant_id=int(row.grant_id),
        use_index=row.use_index,
        content_hash=bytes.fromhex(row.content_hash[2:]),
        envelope_hash=bytes.fromhex(row.envelope_hash[2:]),
        released_at=int(row.released_at),
    )


def row_verifies(row: PeerRelease, domain: ReleaseDomain, department: str) -> bool:
    try:
        if envelope_hash(bytes(row.envelope)) != bytes.fromhex(row.envelope_hash[2:]):
            return False
        signer = recover(domain, receipt_of(row), bytes.fromhex(row.receipt_signature[2:]))
    except (BadSignature, ValueError, TypeError):
        return False
    return signer == to_checksum_address(department)
