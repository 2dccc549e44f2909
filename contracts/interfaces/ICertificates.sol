// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IConsortiumManaged} from "./IConsortiumManaged.sol";
/**
 * @title ICertificates
 * @notice E-certificates (电子证照): the council registers certificate types and names the one department
 * that may issue each type; that department issues certificates by document hash, and anyone (a notary, a
 * bank, another department) verifies a presented document by its hash in one call.
 *
 * @dev No personal data: the holder appears only as a keyed hash computed off chain (HMAC with the
 * deployment secret), the certificate document only as its content hash. A document hash maps to at most
 * one certificate, for ever (a revoked document cannot be re-issued; issue a new document instead).
 *
 * Validity window: a certificate is valid for `validFrom <= block.timestamp < validUntil` unless revoked.
 * {verify} reports, in this order of precedence: REVOKED, NOT_YET_VALID, EXPIRED, VALID; UNKNOWN for a
 * hash that was never issued. A certificate without expiry uses `validUntil = type(uint64).max`.
 *
 * Ids are sequential from 1. The case reference (`caseRef`, e.g. the OneStopServices case id as bytes32)
 * is kept in the {CertificateIssued} event only; the indexer keeps it.
 */
interface ICertificates is IConsortiumManaged {
    /// @notice Result of {verify}.
    enum CertificateStatus {
        Unknown,
        Valid,
        Revoked,
        Expired,
        NotYetValid
    }

    /**
     * @notice Why a certificate was revoked. The issuer's own revocation is `IssuerDecision`; the council
     * (which can revoke any certificate, also one whose issuer is compromised or suspended) names one of
     * the others. Codes, not text, so that no personal data reaches the chain; the decision's text is
     * anchored by its hash. `Superseded`: the title registry ({titleRegistry}) moved the property this
     * certificate evidenced to a new owner (see {supersede}).
     */
    enum RevocationReason {
        None,
        IssuerDecision,
        IssuerCompromised,
        IssuerSuspended,
        IssuedInError,
        Fraud,
        CourtOrder,
        Superseded
    }

    /// @notice How a certificate was revoked, as returned by {revocation} (all zero while it is not).
    struct Revocation {
        uint64 revokedAt;
        bool byCouncil;
        RevocationReason reason;
    }

    /// @notice A certificate type as returned by {certificateType}.
    struct CertificateType {
        address issuer; // the only department that may issue this type
        uint64 defaultValidity; // seconds, used when `issue` is called with validUntil = 0
        uint64 registeredAt;
    }

    /// @notice A certificate as returned by {certificate}. `revokedAt` is 0 while not revoked.
    struct Certificate {
        bytes32 typeCode;
        bytes32 documentHash;
        bytes32 holderHash;
        address issuer;
        uint64 issuedAt;
        uint64 validFrom;
        uint64 validUntil;
        uint64 revokedAt;
    }

    // ------------------------------------------------------------------ events

    /// @notice The council registered `typeCode`, issued only by `issuer`, default validity in seconds.
    event CertificateTypeRegistered(bytes32 indexed typeCode, address indexed issuer, uint64 defaultValidity);
    /// @notice `issuer` issued `certId` of `typeCode` for the document `documentHash` held by `holderHash`.
    event CertificateIssued(
        uint256 indexed certId,
        bytes32 indexed typeCode,
        address indexed issuer,
        bytes32 documentHash,
        bytes32 holderHash,
        uint64 validFrom,
        uint64 validUntil,
        bytes32 caseRef
    );
    /// @notice `issuer` revoked `certId`; `reasonHash` is the hash of the revocation decision.
    event CertificateRevoked(uint256 indexed certId, address indexed issuer, bytes32 reasonHash);
    /// @notice The council revoked `certId` (issued by `issuer`) for `reason`; `decisionHash` is the hash of
    /// the council's decision text.
    event CertificateRevokedByCouncil(
        uint256 indexed certId, address indexed issuer, RevocationReason reason, bytes32 decisionHash
    );

    /// @notice The title registry superseded `certId` (issued by `issuer`) by registering the transfer of
    /// case `caseRef`.
    event CertificateSuperseded(uint256 indexed certId, address indexed issuer, bytes32 caseRef);

    // ------------------------------------------------------------------ errors

    /// @notice The issuer of a certificate type is the zero address.
    error CertificatesZeroAddress();
    /// @notice The certificate type code is zero.
    error CertificatesEmptyTypeCode();
    /// @notice The default validity of a type is zero.
    error CertificatesZeroValidity();
    /// @notice `typeCode` is already registered.
    error CertificatesTypeExists(bytes32 typeCode);
    /// @notice `typeCode` is not registered.
    error CertificatesUnknownType(bytes32 typeCode);
    /// @notice `account` is not the issuing department of `typeCode`.
    error CertificatesNotTypeIssuer(bytes32 typeCode, address account);
    /// @notice The document hash is zero.
    error CertificatesEmptyDocumentHash();
    /// @notice The holder hash is zero.
    error CertificatesEmptyHolderHash();
    /// @notice The case reference is zero.
    error CertificatesEmptyCaseRef();
    /// @notice The revocation reason hash is zero.
    error CertificatesEmptyReasonHash();
    /// @notice The window is empty (`validUntil <= validFrom`) or already over (`validUntil <= now`).
    error CertificatesInvalidValidity(uint64 validFrom, uint64 validUntil);
    /// @notice `documentHash` already belongs to `certId`.
    error CertificatesDocumentExists(bytes32 documentHash, uint256 certId);
    /// @notice No certificate has id `certId`.
    error CertificatesUnknownCertificate(uint256 certId);
    /// @notice `account` did not issue `certId`.
    error CertificatesNotIssuer(uint256 certId, address account);
    /// @notice `certId` was already revoked at `revokedAt`.
    error CertificatesAlreadyRevoked(uint256 certId, uint64 revokedAt);
    /// @notice The council must name a reason other than None, IssuerDecision and Superseded.
    error CertificatesInvalidRevocationReason(RevocationReason reason);
    /// @notice `account` is not the title registry this contract was deployed with.
    error CertificatesNotTitleRegistry(address account);

    // ------------------------------------------------------------------ writes

    /**
     * @notice Registers the certificate type `typeCode`, issued only by `issuer`.
     * @param defaultValidity validity in seconds applied when {issue} gets `validUntil = 0`.
     * @dev Requirements: caller is the consortium (a council call); `typeCode` non-zero and not yet
     * registered; `issuer` an active department; `defaultValidity` non-zero.
     * Emits {CertificateTypeRegistered}.
     */
    function registerCertificateType(bytes32 typeCode, address issuer, uint64 defaultValidity) external;

    /**
     * @notice Issues a certificate of `typeCode` for the document `documentHash`.
     * @param holderHash keyed hash of the holder (citizen or enterprise), never the identity itself.
     * @param validFrom start of validity; 0 means now. May lie in the past (digitised paper certificates)
     * or the future.
     * @param validUntil end of validity (exclusive); 0 means `validFrom + defaultValidity` of the type;
     * `type(uint64).max` for no expiry.
     * @param caseRef reference of the case that produced the certificate (kept in the event only).
     * @return certId the new id (sequential from 1).
     * @dev Requirements: `typeCode` registered; caller is its issuing department and active;
     * `documentHash`, `holderHash`, `caseRef` non-zero; `documentHash` never issued before;
     * `validFrom < validUntil` and `validUntil > block.timestamp` (after defaults are applied).
     * Emits {CertificateIssued}.
     */
    function issue(
        bytes32 typeCode,
        bytes32 documentHash,
        bytes32 holderHash,
        uint64 validFrom,
        uint64 validUntil,
        bytes32 caseRef
    ) external returns (uint256 certId);

    /**
     * @notice Revokes `certId`; {verify} answers REVOKED for its document from now on.
     * @param reasonHash hash of the revocation decision.
     * @dev Requirements: the certificate exists; caller is the department that issued it and is active;
     * `reasonHash` non-zero; not already revoked. Emits {CertificateRevoked}.
     */
    function revoke(uint256 certId, bytes32 reasonHash) external;

    /**
     * @notice The council revokes `certId`, whoever issued it and whatever the issuer's standing (a
     * compromised or suspended issuer cannot revoke its own certificates); {verify} answers REVOKED and
     * {revocation} shows that the council did it and why.
     * @param reason one of IssuerCompromised, IssuerSuspended, IssuedInError, Fraud, CourtOrder.
     * @param decisionHash hash of the council's decision text.
     * @dev Requirements: a council call (k-of-n proposal); the certificate exists and is not revoked;
     * `reason` is a council reason; `decisionHash` non-zero. Emits {CertificateRevokedByCouncil}.
     */
    function councilRevoke(uint256 certId, RevocationReason reason, bytes32 decisionHash) external;

    /**
     * @notice The title registry marks `certId` superseded (revoked, reason `Superseded`) in the same
     * transaction that moves the title it evidenced to a new owner; {verify} answers REVOKED from then on.
     * @param caseRef the transfer's case reference (kept in the event only).
     * @dev Requirements: caller is {titleRegistry}; the certificate exists and is not revoked.
     * Emits {CertificateSuperseded}.
     */
    function supersede(uint256 certId, bytes32 caseRef) external;

    // ------------------------------------------------------------------ views

    /**
     * @notice Verifies a presented document by its hash.
     * @return status UNKNOWN (all other fields zero), REVOKED, NOT_YET_VALID, EXPIRED or VALID, in this
     * order of precedence, evaluated at the current block's timestamp.
     */
    function verify(bytes32 documentHash)
        external
        view
        returns (
            CertificateStatus status,
            uint256 certId,
            address issuer,
            bytes32 typeCode,
            uint64 issuedAt,
            uint64 validFrom,
            uint64 validUntil
        );

    /// @notice How `certId` was revoked (zero values while it is not); reverts {CertificatesUnknownCertificate}.
    function revocation(uint256 certId) external view returns (Revocation memory);

    /// @notice Certificate `certId`; reverts {CertificatesUnknownCertificate} if it does not exist.
    function certificate(uint256 certId) external view returns (Certificate memory);
    /// @notice Status of `certId` now (as {verify}); reverts {CertificatesUnknownCertificate} if it does not exist.
    function statusOf(uint256 certId) external view returns (CertificateStatus);
    /// @notice Id of the certificate of `documentHash`, 0 if none.
    function certificateIdOf(bytes32 documentHash) external view returns (uint256);
    /// @notice Ids of all certificates ever issued to `holderHash`, in issue order (including revoked/expired).
    function certificatesOf(bytes32 holderHash) external view returns (uint256[] memory);
    /// @notice Type `typeCode`; reverts {CertificatesUnknownType} if it is not registered.
    function certificateType(bytes32 typeCode) external view returns (CertificateType memory);
    /// @notice Number of certificates issued; ids run from 1 to `certificateCount()`.
    function certificateCount() external view returns (uint256);
    /// @notice The title registry that may {supersede} certificates (fixed at deployment; zero: none).
    function titleRegistry() external view returns (address);
}
