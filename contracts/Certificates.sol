// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ConsortiumManaged} from "./ConsortiumManaged.sol";
import {ICertificates} from "./interfaces/ICertificates.sol";

/**
 * @title Certificates
 * @notice E-certificates issued and verified by document hash. See {ICertificates}.
 * @dev Storage per certificate: three hash slots (type, document, holder), one packed slot (issuer,
 * issuedAt), one packed slot (validFrom, validUntil, revokedAt, who revoked and why), one slot in the
 * document index and one in the holder's id list.
 */
contract Certificates is ICertificates, ConsortiumManaged {
    struct CertificateRecord {
        bytes32 typeCode;
        bytes32 documentHash;
        bytes32 holderHash;
        address issuer; // 20 bytes
        uint64 issuedAt; // 8 bytes
        uint64 validFrom;
        uint64 validUntil;
        uint64 revokedAt;
        bool revokedByCouncil; // packed with the three times above
        RevocationReason revocationReason;
    }

    /// @dev The one contract allowed to supersede certificates (the property registry, whose transfers
    /// retire the seller's certificate); fixed at deployment so no single party can change it.
    address private immutable _titleRegistry;

    uint256 private _certificateCount;
    mapping(bytes32 typeCode => CertificateType) private _types;
    mapping(uint256 certId => CertificateRecord) private _certificates;
    mapping(bytes32 documentHash => uint256 certId) private _byDocument;
    mapping(bytes32 holderHash => uint256[] certIds) private _byHolder;

    /// @param consortium_ the consortium whose council registers types and whose departments issue.
    /// @param titleRegistry_ the property registry that may {supersede} certificates (zero: none).
    constructor(address consortium_, address titleRegistry_) ConsortiumManaged(consortium_) {
        _titleRegistry = titleRegistry_;
    }

    // ================================================================== writes

    /// @inheritdoc ICertificates
    function registerCertificateType(bytes32 typeCode, address issuer, uint64 defaultValidity) external onlyCouncil {
        if (typeCode == bytes32(0)) revert CertificatesEmptyTypeCode();
        if (_types[typeCode].issuer != address(0)) revert CertificatesTypeExists(typeCode);
        if (issuer == address(0)) revert CertificatesZeroAddress();
        _requireActiveDepartment(issuer);
        if (defaultValidity == 0) revert CertificatesZeroValidity();

        _types[typeCode] =
            CertificateType({issuer: issuer, defaultValidity: defaultValidity, registeredAt: uint64(block.timestamp)});
        emit CertificateTypeRegistered(typeCode, issuer, defaultValidity);
    }

    /// @inheritdoc ICertificates
    function issue(
        bytes32 typeCode,
        bytes32 documentHash,
        bytes32 holderHash,
        uint64 validFrom,
        uint64 validUntil,
        bytes32 caseRef
    ) external returns (uint256 certId) {
        CertificateType storage t = _types[typeCode];
        if (t.issuer == address(0)) revert CertificatesUnknownType(typeCode);
        if (t.issuer != msg.sender) revert CertificatesNotTypeIssuer(typeCode, msg.sender);
        _requireActiveDepartment(msg.sender);
        if (documentHash == bytes32(0)) revert CertificatesEmptyDocumentHash();
        if (holderHash == bytes32(0)) revert CertificatesEmptyHolderHash();
        if (caseRef == bytes32(0)) revert CertificatesEmptyCaseRef();
        uint256 existing = _byDocument[documentHash];
        if (existing != 0) revert CertificatesDocumentExists(documentHash, existing);

        if (validFrom == 0) validFrom = uint64(block.timestamp);
        if (validUntil == 0) {
            uint256 end = uint256(validFrom) + t.defaultValidity;
            validUntil = end > type(uint64).max ? type(uint64).max : uint64(end);
        }
        if (validUntil <= validFrom || validUntil <= block.timestamp) {
            revert CertificatesInvalidValidity(validFrom, validUntil);
        }

        certId = ++_certificateCount;
        _certificates[certId] = CertificateRecord({
            typeCode: typeCode,
            documentHash: documentHash,
            holderHash: holderHash,
            issuer: msg.sender,
            issuedAt: uint64(block.timestamp),
            validFrom: validFrom,
            validUntil: validUntil,
            revokedAt: 0,
            revokedByCouncil: false,
            revocationReason: RevocationReason.None
        });
        _byDocument[documentHash] = certId;
        _byHolder[holderHash].push(certId);
        emit CertificateIssued(certId, typeCode, msg.sender, documentHash, holderHash, validFrom, validUntil, caseRef);
    }

    /// @inheritdoc ICertificates
    function revoke(uint256 certId, bytes32 reasonHash) external {
        CertificateRecord storage c = _existing(certId);
        if (c.issuer != msg.sender) revert CertificatesNotIssuer(certId, msg.sender);
        _requireActiveDepartment(msg.sender);
        if (reasonHash == bytes32(0)) revert CertificatesEmptyReasonHash();
        if (c.revokedAt != 0) revert CertificatesAlreadyRevoked(certId, c.revokedAt);

        c.revokedAt = uint64(block.timestamp);
        c.revocationReason = RevocationReason.IssuerDecision;
        emit CertificateRevoked(certId, msg.sender, reasonHash);
    }

    /// @inheritdoc ICertificates
    function councilRevoke(uint256 certId, RevocationReason reason, bytes32 decisionHash) external onlyCouncil {
        CertificateRecord storage c = _existing(certId);
        if (
            reason == RevocationReason.None || reason == RevocationReason.IssuerDecision
                || reason == RevocationReason.Superseded
        ) {
            revert CertificatesInvalidRevocationReason(reason);
        }
        if (decisionHash == bytes32(0)) revert CertificatesEmptyReasonHash();
        if (c.revokedAt != 0) revert CertificatesAlreadyRevoked(certId, c.revokedAt);

        c.revokedAt = uint64(block.timestamp);
        c.revokedByCouncil = true;
        c.revocationReason = reason;
        emit CertificateRevokedByCouncil(certId, c.issuer, reason, decisionHash);
    }

    /// @inheritdoc ICertificates
    function supersede(uint256 certId, bytes32 caseRef) external {
        if (msg.sender != _titleRegistry) revert CertificatesNotTitleRegistry(msg.sender);
        CertificateRecord storage c = _existing(certId);
        if (c.revokedAt != 0) revert CertificatesAlreadyRevoked(certId, c.revokedAt);

        c.revokedAt = uint64(block.timestamp);
        c.revocationReason = RevocationReason.Superseded;
        emit CertificateSuperseded(certId, c.issuer, caseRef);
    }

    // ================================================================== views

    /// @inheritdoc ICertificates
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
        )
    {
        certId = _byDocument[documentHash];
        if (certId == 0) return (CertificateStatus.Unknown, 0, address(0), bytes32(0), 0, 0, 0);
        CertificateRecord storage c = _certificates[certId];
        return (_status(c), certId, c.issuer, c.typeCode, c.issuedAt, c.validFrom, c.validUntil);
    }

    /// @inheritdoc ICertificates
    function certificate(uint256 certId) external view returns (Certificate memory) {
        CertificateRecord storage c = _existing(certId);
        return Certificate({
            typeCode: c.typeCode,
            documentHash: c.documentHash,
            holderHash: c.holderHash,
            issuer: c.issuer,
            issuedAt: c.issuedAt,
            validFrom: c.validFrom,
            validUntil: c.validUntil,
            revokedAt: c.revokedAt
        });
    }

    /// @inheritdoc ICertificates
    function revocation(uint256 certId) external view returns (Revocation memory) {
        CertificateRecord storage c = _existing(certId);
        return Revocation({revokedAt: c.revokedAt, byCouncil: c.revokedByCouncil, reason: c.revocationReason});
    }

    /// @inheritdoc ICertificates
    function statusOf(uint256 certId) external view returns (CertificateStatus) {
        return _status(_existing(certId));
    }

    /// @inheritdoc ICertificates
    function certificateIdOf(bytes32 documentHash) external view returns (uint256) {
        return _byDocument[documentHash];
    }

    /// @inheritdoc ICertificates
    function certificatesOf(bytes32 holderHash) external view returns (uint256[] memory) {
        return _byHolder[holderHash];
    }

    /// @inheritdoc ICertificates
    function certificateType(bytes32 typeCode) external view returns (CertificateType memory) {
        CertificateType storage t = _types[typeCode];
        if (t.issuer == address(0)) revert CertificatesUnknownType(typeCode);
        return t;
    }

    /// @inheritdoc ICertificates
    function certificateCount() external view returns (uint256) {
        return _certificateCount;
    }

    /// @inheritdoc ICertificates
    function titleRegistry() external view returns (address) {
        return _titleRegistry;
    }

    // ================================================================== internals

    function _status(CertificateRecord storage c) private view returns (CertificateStatus) {
        if (c.revokedAt != 0) return CertificateStatus.Revoked;
        if (block.timestamp < c.validFrom) return CertificateStatus.NotYetValid;
        if (block.timestamp >= c.validUntil) return CertificateStatus.Expired;
        return CertificateStatus.Valid;
    }

    function _existing(uint256 certId) private view returns (CertificateRecord storage c) {
        c = _certificates[certId];
        if (c.issuer == address(0)) revert CertificatesUnknownCertificate(certId);
    }
}
