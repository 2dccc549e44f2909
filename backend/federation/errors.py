"""The refusals of the peer release protocol. Each is a ``ServiceError``, so the one
error table (backend/api/errors.py) answers it: ``{"error": name, "args": {...}}``
with the class's ``http_status``. None of them is 401: the peer route has no bearer
token (its EIP-712 signature is the authentication), and the table adds a
``WWW-Authenticate: Bearer`` header to every 401."""

from __future__ import annotations

from backend.services.errors import ServiceError

__all__ = [
    "DirectoryKeyMismatch",
    "PeerEndpointRefused",
    "PeerNotInDirectory",
    "PeerRefused",
    "PeerTransportKeyMismatch",
    "PeerUnavailable",
    "PeerUseNotConfirmed",
    "ReleaseAggregateNotPermitted",
    "ReleaseDatasetInvalid",
    "ReleaseFieldsNotApproved",
    "ReleaseGrantRevoked",
    "ReleaseGranteeNotActive",
    "ReleaseLedgerTampered",
    "ReleaseNonceReused",
    "ReleaseNotForCase",
    "ReleaseNotGrantee",
    "ReleaseNotOwnedHere",
    "ReleaseNotVerified",
    "ReleaseRequestExpired",
    "ReleaseServiceOff",
    "ReleaseSignatureInvalid",
    "ReleaseSubjectNotInDataset",
    "ReleaseUseNotRecorded",
]


# -- owner side: why a release request is refused (nothing leaves) ----------------------------------
class ReleaseSignatureInvalid(ServiceError):
    """The signature does not recover an address over the typed request."""

    http_status = 403
    name = "ReleaseSignatureInvalid"


class ReleaseRequestExpired(ServiceError):
    """``expiresAt`` is not after the chain's time, or lies further ahead than allowed."""

    http_status = 403
    name = "ReleaseRequestExpired"


class ReleaseNonceReused(ServiceError):
    """This nonce was seen before (a replayed request)."""

    http_status = 409
    name = "ReleaseNonceReused"


class ReleaseNotGrantee(ServiceError):
    """The signer is not the grant's grantee."""

    http_status = 403
    name = "ReleaseNotGrantee"


class ReleaseNotOwnedHere(ServiceError):
    """The grant's resource is not owned by this node's department: ask its owner's node."""

    http_status = 404
    name = "ReleaseNotOwnedHere"


class ReleaseGrantRevoked(ServiceError):
    """The grant was revoked: no release, not even of a use recorded before (fail closed)."""

    http_status = 409
    name = "ReleaseGrantRevoked"


class ReleaseGranteeNotActive(ServiceError):
    """The grantee is not an active department of the consortium (suspended): no release, not even
    of a use recorded before the suspension; a reinstatement lets it be released (checked now)."""

    http_status = 403
    name = "ReleaseGranteeNotActive"


class ReleaseUseNotRecorded(ServiceError):
    """``useTx`` is not a mined transaction that recorded this use of this grant by the signer
    for this subject."""

    http_status = 409
    name = "ReleaseUseNotRecorded"


class ReleaseFieldsNotApproved(ServiceError):
    """The field list is not the one approved on chain (or the grant has none: a direct grant)."""

    http_status = 403
    name = "ReleaseFieldsNotApproved"


class ReleaseNotForCase(ServiceError):
    """The grant serves a one-stop service (a standing grant of its lead), and the use is not
    for an open case of that service whose applicant is the use's subject."""

    http_status = 403
    name = "ReleaseNotForCase"


class ReleaseAggregateNotPermitted(ServiceError):
    """A use without a subject, on a resource whose classification does not permit aggregate release."""

    http_status = 403
    name = "ReleaseAggregateNotPermitted"


class ReleaseSubjectNotInDataset(ServiceError):
    """The resource holds no record of the named subject."""

    http_status = 404
    name = "ReleaseSubjectNotInDataset"


class ReleaseDatasetInvalid(ServiceError):
    """The resource's current version is not a dataset this protocol can project."""

    http_status = 409
    name = "ReleaseDatasetInvalid"


class ReleaseServiceOff(ServiceError):
    """This process is not a federation node (``govchain node run`` sets one up): the peer
    routes do not exist here, as if they were not mounted. Not a 5xx: nothing is down."""

    http_status = 404
    name = "ReleaseServiceOff"


class PeerNotInDirectory(ServiceError):
    """The department has no active node in the peer directory."""

    http_status = 409
    name = "PeerNotInDirectory"


# -- requester side -------------------------------------------------------------------------------------
class PeerUnavailable(ServiceError):
    """The owner's node did not answer (down, unreachable, timed out, or itself unavailable).
    The use stays recorded on chain; retry the same use later (never record a new one)."""

    http_status = 503
    name = "PeerUnavailable"


class PeerRefused(ServiceError):
    """The owner's node refused the request; ``peer_status``/``peer_error`` say why."""

    http_status = 502
    name = "PeerRefused"


class PeerTransportKeyMismatch(ServiceError):
    """The owner's directory entry pins a TLS key (``transportKeyHash``) and its node did not
    present it (or its endpoint is not https): nothing was sent. The use stays recorded on
    chain; retry once the owner's node serves the key it published."""

    http_status = 502
    name = "PeerTransportKeyMismatch"


class ReleaseNotVerified(ServiceError):
    """The owner's answer does not verify (receipt signature, content or envelope hash, or
    the released content names another grant, use or subject): nothing is accepted."""

    http_status = 502
    name = "ReleaseNotVerified"


class DirectoryKeyMismatch(ServiceError):
    """This node's entry in the NodeDirectory does not carry this node's encryption key (it
    changed behind the node's back, or was never announced): no use is spent until it does."""

    http_status = 409
    name = "DirectoryKeyMismatch"


class ReleaseLedgerTampered(ServiceError):
    """This use's ledger row does not verify (not signed by this node's department), or the use
    was released on chain and its row is gone: nothing is served or released again."""

    http_status = 409
    name = "ReleaseLedgerTampered"


class PeerUseNotConfirmed(ServiceError):
    """The use's transaction (as this node's outbox names it) has no mined receipt holding a
    ``UseRecorded`` of this grant by this department for this subject: nothing is noted."""

    http_status = 409
    name = "PeerUseNotConfirmed"


class PeerEndpointRefused(ServiceError):
    """The owner's endpoint (from the directory) is not one this node calls: not http(s), or a
    host resolving to a loopback, private, link-local, multicast or unspecified address outside
    the node's ``peer_allow_networks``, or the peer answered a redirect (never followed)."""

    http_status = 502
    name = "PeerEndpointRefused"
