"""The two signed messages of a release, as EIP-712 typed data.

- ``ReleaseRequest``, signed by the GRANTEE's chain key: which use of which grant,
  proved by which transaction, for which subject and field list, until when, with
  a fresh nonce. The domain binds it to the chain and the UsageRights contract, so
  a signature is worth nothing on another deployment.
- ``ReleaseReceipt``, signed by the OWNER's chain key: what was released for that
  use (sha256 of the plaintext and of the sealed envelope) and when. The grantee
  keeps it; anyone can check it against the chain (grant → resource → owner).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

DOMAIN_NAME = "GovChain Release"
DOMAIN_VERSION = "1"
UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1

_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
REQUEST_TYPE = [
    {"name": "grantId", "type": "uint256"},
    {"name": "useIndex", "type": "uint32"},
    {"name": "useTx", "type": "bytes32"},
    {"name": "subjectHash", "type": "bytes32"},
    {"name": "fields", "type": "bytes32"},
    {"name": "expiresAt", "type": "uint64"},
    {"name": "nonce", "type": "bytes32"},
]
RECEIPT_TYPE = [
    {"name": "grantId", "type": "uint256"},
    {"name": "useIndex", "type": "uint32"},
    {"name": "contentHash", "type": "bytes32"},
    {"name": "envelopeHash", "type": "bytes32"},
    {"name": "releasedAt", "type": "uint64"},
]


class BadSignature(Exception):
    """The signature does not recover an address over this message."""


@dataclass(frozen=True)
class ReleaseDomain:
    chain_id: int
    usage_rights: str  # the UsageRights contract address (verifyingContract)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.usage_rights),
        }


def _b32(value: bytes, name: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        raise ValueError(f"{name} must be 32 bytes")
    return value


def _uint(value: int, name: str, top: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise ValueError(f"{name} out of range")
    return value


@dataclass(frozen=True)
class ReleaseRequest:
    grant_id: int
    use_index: int
    use_tx: bytes
    subject_hash: bytes  # zero for an aggregate use
    fields_hash: bytes  # fields_hash(sorted field list) as in the request the grant was issued for; EIP-712 "fields"
    expires_at: int
    nonce: bytes

    def __post_init__(self) -> None:
        _uint(self.grant_id, "grant_id", 2**256 - 1)
        _uint(self.use_index, "use_index", UINT32_MAX)
        _uint(self.expires_at, "expires_at", UINT64_MAX)
        for name in ("use_tx", "subject_hash", "fields_hash", "nonce"):
            _b32(getattr(self, name), name)

    @staticmethod
    def fresh_nonce() -> bytes:
        return os.urandom(32)

    def message(self) -> dict[str, Any]:
        return {
            "grantId": self.grant_id,
            "useIndex": self.use_index,
            "useTx": self.use_tx,
            "subjectHash": self.subject_hash,
            "fields": self.fields_hash,
            "expiresAt": self.expires_at,
            "nonce": self.nonce,
        }

    def to_json(self) -> dict[str, Any]:
        return {k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> ReleaseRequest:
        def b(name: str) -> bytes:
            v = body[name]
            if not isinstance(v, str) or not v.startswith("0x"):
                raise ValueError(f"{name} must be 0x-hex")
            return bytes.fromhex(v[2:])

        return cls(
            grant_id=body["grant_id"],
            use_index=body["use_index"],
            use_tx=b("use_tx"),
            subject_hash=b("subject_hash"),
            fields_hash=b("fields_hash"),
            expires_at=body["expires_at"],
            nonce=b("nonce"),
        )


@dataclass(frozen=True)
class ReleaseReceipt:
    grant_id: int
    use_index: int
    content_hash: bytes  # sha256 of the released plaintext
    envelope_hash: bytes  # sha256 of the sealed envelope
    released_at: int  # the chain's time when the owner released

    def __post_init__(self) -> None:
        _uint(self.grant_id, "grant_id", 2**256 - 1)
        _uint(self.use_index, "use_index", UINT32_MAX)
        _uint(self.released_at, "released_at", UINT64_MAX)
        _b32(self.content_hash, "content_hash")
        _b32(self.envelope_hash, "envelope_hash")

    def message(self) -> dict[str, Any]:
        return {
            "grantId": self.grant_id,
            "useIndex": self.use_index,
            "contentHash": self.content_hash,
            "envelopeHash": self.envelope_hash,
            "releasedAt": self.released_at,
        }

    def to_json(self) -> dict[str, Any]:
        return {k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> ReleaseReceipt:
        return cls(
            grant_id=body["grant_id"],
            use_index=body["use_index"],
            content_hash=bytes.fromhex(str(body["content_hash"]).removeprefix("0x")),
            envelope_hash=bytes.fromhex(str(body["envelope_hash"]).removeprefix("0x")),
            released_at=body["released_at"],
        )


Message = ReleaseRequest | ReleaseReceipt


def typed_data(domain: ReleaseDomain, msg: Message) -> SignableMessage:
    primary, fields = (
        ("ReleaseRequest", REQUEST_TYPE) if isinstance(msg, ReleaseRequest) else ("ReleaseReceipt", RECEIPT_TYPE)
    )
    return encode_typed_data(
        full_message={
            "types": {"EIP712Domain": _DOMAIN_TYPE, primary: fields},
            "primaryType": primary,
            "domain": domain.as_dict(),
            "message": msg.message(),
        }
    )


def sign(domain: ReleaseDomain, msg: Message, account: LocalAccount) -> bytes:
    return bytes(account.sign_message(typed_data(domain, msg)).signature)


def recover(domain: ReleaseDomain, msg: Message, signature: bytes) -> str:
    """The checksummed address that signed ``msg``; raises BadSignature."""
    if len(signature) != 65:
        raise BadSignature("a signature is 65 bytes")
    try:
        return str(Account.recover_message(typed_data(domain, msg), signature=signature))
    except Exception as exc:  # eth-keys raises BadSignature/ValueError for r, s or v out of range
        raise BadSignature(type(exc).__name__) from None
