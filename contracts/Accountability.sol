// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ConsortiumManaged} from "./ConsortiumManaged.sol";
import {IAccountability} from "./interfaces/IAccountability.sol";
import {IDataCatalog} from "./interfaces/IDataCatalog.sol";
import {IUsageRights} from "./interfaces/IUsageRights.sol";

/**
 * @title Accountability
 * @notice Stewards, grant officers and incidents with rule-based attribution of responsibility: who may
 * file what, and who answers for it, from the record of the use or version concerned.
 * See {IAccountability}.
 */
contract Accountability is IAccountability, ConsortiumManaged {
    uint64 public constant MIN_RESPONSE_WINDOW = 1 hours;
    uint64 public constant MAX_RESPONSE_WINDOW = 90 days;

    struct IncidentRecord {
        // slot 0
        address reporter;
        IncidentType incidentType;
        SubjectKind subjectKind;
        IncidentStatus status;
        uint32 useIndex;
        // slot 1
        address responsible;
        uint64 responseDeadline;
        // slot 2
        uint256 subjectId;
        // slot 3
        uint64 filedAt;
        // slots 4..7
        bytes32 responsibleOfficerHash;
        bytes32 evidenceHash;
        bytes32 responseHash;
        bytes32 rulingHash;
    }

    /// @dev One filing on its way through the rules (keeps fileIncident within the stack).
    struct Filing {
        IncidentType incidentType;
        SubjectKind subjectKind;
        uint256 subjectId;
        uint32 useIndex;
        bool auditor;
        uint256 viaGrant;
        address responsible;
        bytes32 officerHash;
    }

    IDataCatalog private immutable _catalog;
    IUsageRights private immutable _usageRights;

    uint256 private _incidentCount;
    mapping(uint256 incidentId => IncidentRecord) private _incidents;
    mapping(address department => uint256) private _upheld;
    mapping(uint256 resourceId => bytes32 officerHash) private _stewards;
    mapping(uint256 grantId => bytes32 officerHash) private _grantOfficers;

    /// @param consortium_ the consortium (departments, auditors, council).
    /// @param catalog_ the data catalog (resource owners, versions).
    /// @param usageRights_ the usage-rights contract (grantees, uses).
    constructor(address consortium_, address catalog_, address usageRights_) ConsortiumManaged(consortium_) {
        if (catalog_ == address(0) || usageRights_ == address(0)) {
            revert AccountabilityZeroAddress();
        }
        _catalog = IDataCatalog(catalog_);
        _usageRights = IUsageRights(usageRights_);
    }

    // ================================================================== responsibility

    /// @inheritdoc IAccountability
    function assignSteward(uint256 resourceId, bytes32 officerHash) external {
        _requireResource(resourceId);
        if (_catalog.ownerOf(resourceId) != msg.sender) revert AccountabilityNotResourceOwner(resourceId, msg.sender);
        if (officerHash == bytes32(0)) revert AccountabilityEmptyOfficerHash();

        _stewards[resourceId] = officerHash;
        emit StewardAssigned(resourceId, msg.sender, officerHash);
    }

    /// @inheritdoc IAccountability
    function assignGrantOfficer(uint256 grantId, bytes32 officerHash) external {
        _requireGrant(grantId);
        if (_usageRights.grant(grantId).grantee != msg.sender) revert AccountabilityNotGrantee(grantId, msg.sender);
        if (officerHash == bytes32(0)) revert AccountabilityEmptyOfficerHash();

        _grantOfficers[grantId] = officerHash;
        emit GrantOfficerAssigned(grantId, msg.sender, officerHash);
    }

    // ================================================================== incidents

    /// @inheritdoc IAccountability
    function fileIncident(
        uint8 incidentType,
        uint8 subjectKind,
        uint256 subjectId,
        uint32 useIndex,
        bytes32 officerHash,
        uint256 viaGrant,
        bytes32 evidenceHash,
        uint64 responseWindow
    ) external returns (uint256 incidentId) {
        bool auditor = _consortium().isAuditor(msg.sender);
        if (!auditor && !_consortium().isActiveDepartment(msg.sender)) revert AccountabilityNotReporter(msg.sender);
        if (incidentType > uint8(IncidentType.Tamper)) revert AccountabilityInvalidIncidentType(incidentType);
        if (subjectKind > uint8(SubjectKind.Use)) revert AccountabilityInvalidSubjectKind(subjectKind);
        if (evidenceHash == bytes32(0)) revert AccountabilityEmptyEvidence();
        if (responseWindow < MIN_RESPONSE_WINDOW || responseWindow > MAX_RESPONSE_WINDOW) {
            revert AccountabilityInvalidResponseWindow(responseWindow);
        }
        Filing memory f = Filing({
            incidentType: IncidentType(incidentType),
            subjectKind: SubjectKind(subjectKind),
            subjectId: subjectId,
            useIndex: useIndex,
            auditor: auditor,
            viaGrant: viaGrant,
            responsible: address(0),
            officerHash: bytes32(0)
        });
        bool aboutData = f.incidentType == IncidentType.DataError || f.incidentType == IncidentType.Tamper;
        if (aboutData != (f.subjectKind == SubjectKind.ResourceVersion)) {
            revert AccountabilityInvalidSubject(f.incidentType, f.subjectKind);
        }
        if (aboutData) _attributeVersion(f, officerHash);
        else _attributeGrant(f, officerHash);
        incidentId = _record(f, evidenceHash, responseWindow);
    }

    /// @inheritdoc IAccountability
    function respond(uint256 incidentId, bytes32 responseHash) external {
        IncidentRecord storage r = _existingIncident(incidentId);
        if (r.responsible != msg.sender) revert AccountabilityNotResponsible(incidentId, msg.sender);
        if (r.status != IncidentStatus.Open) revert AccountabilityInvalidIncidentStatus(incidentId, r.status);
        uint64 deadline = r.responseDeadline;
        if (block.timestamp > deadline) revert AccountabilityResponseWindowClosed(incidentId, deadline);
        if (responseHash == bytes32(0)) revert AccountabilityEmptyResponse();

        r.status = IncidentStatus.Responded;
        r.responseHash = responseHash;
        emit IncidentResponded(incidentId, msg.sender, responseHash);
    }

    /// @inheritdoc IAccountability
    function escalate(uint256 incidentId) external {
        IncidentRecord storage r = _existingIncident(incidentId);
        if (r.status != IncidentStatus.Open) revert AccountabilityInvalidIncidentStatus(incidentId, r.status);
        uint64 deadline = r.responseDeadline;
        if (block.timestamp <= deadline) revert AccountabilityResponseWindowOpen(incidentId, deadline);

        r.status = IncidentStatus.Escalated;
        emit IncidentEscalated(incidentId, msg.sender);
    }

    /// @inheritdoc IAccountability
    function rule(uint256 incidentId, bool upheld, bytes32 rulingHash) external onlyCouncil {
        IncidentRecord storage r = _existingIncident(incidentId);
        IncidentStatus status = r.status;
        if (status != IncidentStatus.Responded && status != IncidentStatus.Escalated) {
            revert AccountabilityInvalidIncidentStatus(incidentId, status);
        }
        if (rulingHash == bytes32(0)) revert AccountabilityEmptyRuling();
        // Only the id is needed here: unanimity matters for SECRET grants, not for rulings.
        // slither-disable-next-line unused-return
        (uint256 proposalId,) = _consortium().executingProposal();

        address responsible = r.responsible;
        r.status = upheld ? IncidentStatus.Upheld : IncidentStatus.Dismissed;
        r.rulingHash = rulingHash;
        if (upheld) ++_upheld[responsible];
        emit IncidentRuled(incidentId, responsible, proposalId, upheld, rulingHash);
    }

    // ================================================================== views

    /// @inheritdoc IAccountability
    function incident(uint256 incidentId) external view returns (Incident memory) {
        IncidentRecord storage r = _existingIncident(incidentId);
        return Incident({
            incidentType: r.incidentType,
            subjectKind: r.subjectKind,
            status: r.status,
            subjectId: r.subjectId,
            useIndex: r.useIndex,
            reporter: r.reporter,
            responsible: r.responsible,
            responsibleOfficerHash: r.responsibleOfficerHash,
            evidenceHash: r.evidenceHash,
            responseHash: r.responseHash,
            rulingHash: r.rulingHash,
            filedAt: r.filedAt,
            responseDeadline: r.responseDeadline
        });
    }

    /// @inheritdoc IAccountability
    function upheldCount(address department) external view returns (uint256) {
        return _upheld[department];
    }

    /// @inheritdoc IAccountability
    function incidentCount() external view returns (uint256) {
        return _incidentCount;
    }

    /// @inheritdoc IAccountability
    function stewardOf(uint256 resourceId) external view returns (bytes32) {
        return _stewards[resourceId];
    }

    /// @inheritdoc IAccountability
    function grantOfficerOf(uint256 grantId) external view returns (bytes32) {
        return _grantOfficers[grantId];
    }

    /// @inheritdoc IAccountability
    function catalog() external view returns (address) {
        return address(_catalog);
    }

    /// @inheritdoc IAccountability
    function usageRights() external view returns (address) {
        return address(_usageRights);
    }

    // ================================================================== internals

    /// @dev Stores and announces the incident attributed in `f`.
    function _record(Filing memory f, bytes32 evidenceHash, uint64 responseWindow) private returns (uint256 id) {
        id = ++_incidentCount;
        uint64 deadline = uint64(block.timestamp) + responseWindow;
        _incidents[id] = IncidentRecord({
            reporter: msg.sender,
            incidentType: f.incidentType,
            subjectKind: f.subjectKind,
            status: IncidentStatus.Open,
            useIndex: f.useIndex,
            responsible: f.responsible,
            responseDeadline: deadline,
            subjectId: f.subjectId,
            filedAt: uint64(block.timestamp),
            responsibleOfficerHash: f.officerHash,
            evidenceHash: evidenceHash,
            responseHash: bytes32(0),
            rulingHash: bytes32(0)
        });
        emit IncidentFiled(
            id,
            f.responsible,
            msg.sender,
            f.incidentType,
            f.subjectKind,
            f.subjectId,
            f.useIndex,
            evidenceHash,
            f.officerHash,
            deadline
        );
    }

    /// @dev DATA_ERROR / TAMPER about a resource version: the version exists, the caller may file about it,
    /// and who answers: the version's publisher and its officer (DATA_ERROR) or the current owner and its
    /// steward (TAMPER: tampering happens in the current owner's custody).
    function _attributeVersion(Filing memory f, bytes32 citedOfficer) private view {
        uint256 resourceId = f.subjectId;
        uint32 version = f.useIndex;
        if (resourceId == 0 || resourceId > _catalog.resourceCount()) {
            revert AccountabilityUnknownSubject(f.subjectKind, resourceId, version);
        }
        IDataCatalog.Resource memory res = _catalog.resource(resourceId);
        if (version == 0 || version > res.versionCount) {
            revert AccountabilityUnknownSubject(f.subjectKind, resourceId, version);
        }
        address owner = res.owner;
        (address publisher, bytes32 publishingOfficer) = _catalog.versionPublication(resourceId, version);

        if (f.viaGrant != 0) {
            _requireReporterGrant(f.viaGrant, resourceId);
        } else if (!f.auditor && msg.sender != owner && msg.sender != publisher) {
            revert AccountabilityNoStandingOnResource(resourceId, version, msg.sender);
        }

        if (f.incidentType == IncidentType.DataError) {
            f.responsible = publisher;
            f.officerHash = publishingOfficer == bytes32(0)
                ? _requiredCitation(f, citedOfficer) // version 1: the registration event's steward
                : _checkedCitation(publishingOfficer, citedOfficer);
        } else {
            f.responsible = owner;
            f.officerHash = _checkedCitation(_stewards[resourceId], citedOfficer);
        }
    }

    /// @dev UNAUTHORIZED_USE / LEAK about a grant or one of its uses: the subject exists, the caller is a
    /// party to the grant or an auditor; the grantee answers, with the officer recorded in the use (USE) or
    /// the grant officer assigned at filing time (GRANT).
    function _attributeGrant(Filing memory f, bytes32 citedOfficer) private view {
        uint256 grantId = f.subjectId;
        if (grantId == 0 || grantId > _usageRights.grantCount()) {
            revert AccountabilityUnknownSubject(f.subjectKind, grantId, f.useIndex);
        }
        IUsageRights.Grant memory g = _usageRights.grant(grantId);
        bool isUse = f.subjectKind == SubjectKind.Use;
        bool validIndex = isUse ? (f.useIndex != 0 && f.useIndex <= g.usedCount) : f.useIndex == 0;
        if (!validIndex) revert AccountabilityUnknownSubject(f.subjectKind, grantId, f.useIndex);
        if (f.viaGrant != 0) revert AccountabilityInvalidReporterGrant(f.viaGrant, msg.sender);
        if (!f.auditor && msg.sender != g.grantee && msg.sender != _catalog.ownerOf(g.resourceId)) {
            revert AccountabilityNotPartyToGrant(grantId, msg.sender);
        }

        f.responsible = g.grantee;
        f.officerHash =
            isUse ? _requiredCitation(f, citedOfficer) : _checkedCitation(_grantOfficers[grantId], citedOfficer);
    }

    /// @dev `viaGrant` must be a grant (current or past) of the caller on `resourceId`.
    function _requireReporterGrant(uint256 viaGrant, uint256 resourceId) private view {
        if (viaGrant > _usageRights.grantCount()) revert AccountabilityInvalidReporterGrant(viaGrant, msg.sender);
        IUsageRights.Grant memory g = _usageRights.grant(viaGrant);
        if (g.grantee != msg.sender || g.resourceId != resourceId) {
            revert AccountabilityInvalidReporterGrant(viaGrant, msg.sender);
        }
    }

    /// @dev The officer kept only in an event: the reporter's citation of it, which must be given.
    function _requiredCitation(Filing memory f, bytes32 cited) private pure returns (bytes32) {
        if (cited == bytes32(0)) revert AccountabilityEmptyOfficerCitation(f.subjectKind, f.subjectId, f.useIndex);
        return cited;
    }

    /// @dev The officer the chain holds; a citation, if any, must match it.
    function _checkedCitation(bytes32 recorded, bytes32 cited) private pure returns (bytes32) {
        if (cited != bytes32(0) && cited != recorded) revert AccountabilityInvalidOfficerCitation(recorded, cited);
        return recorded;
    }

    function _requireResource(uint256 resourceId) private view {
        if (resourceId == 0 || resourceId > _catalog.resourceCount()) revert AccountabilityUnknownResource(resourceId);
    }

    function _requireGrant(uint256 grantId) private view {
        if (grantId == 0 || grantId > _usageRights.grantCount()) revert AccountabilityUnknownGrant(grantId);
    }

    function _existingIncident(uint256 incidentId) private view returns (IncidentRecord storage r) {
        r = _incidents[incidentId];
        if (r.reporter == address(0)) revert AccountabilityUnknownIncident(incidentId);
    }
}
