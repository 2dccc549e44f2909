// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ConsortiumManaged} from "./ConsortiumManaged.sol";
import {IAccountability} from "./interfaces/IAccountability.sol";
import {IDataCatalog} from "./interfaces/IDataCatalog.sol";
import {IUsageRights} from "./interfaces/IUsageRights.sol";

/**
 * @title Accountability
 * @notice Stewards, grant officers and incidents with rule-based attribution of responsibility.
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
        bytes32 evidenceHash,
        uint64 responseWindow
    ) external returns (uint256 incidentId) {
        if (!_consortium().isActiveDepartment(msg.sender) && !_consortium().isAuditor(msg.sender)) {
            revert AccountabilityNotReporter(msg.sender);
        }
        if (incidentType > uint8(IncidentType.Tamper)) revert AccountabilityInvalidIncidentType(incidentType);
        if (subjectKind > uint8(SubjectKind.Use)) revert AccountabilityInvalidSubjectKind(subjectKind);
        if (evidenceHash == bytes32(0)) revert AccountabilityEmptyEvidence();
        if (responseWindow < MIN_RESPONSE_WINDOW || responseWindow > MAX_RESPONSE_WINDOW) {
            revert AccountabilityInvalidResponseWindow(responseWindow);
        }
        (address responsible, bytes32 officerHash) =
            _attribute(IncidentType(incidentType), SubjectKind(subjectKind), subjectId, useIndex);

        incidentId = ++_incidentCount;
        uint64 deadline = uint64(block.timestamp) + responseWindow;
        _incidents[incidentId] = IncidentRecord({
            reporter: msg.sender,
            incidentType: IncidentType(incidentType),
            subjectKind: SubjectKind(subjectKind),
            status: IncidentStatus.Open,
            useIndex: useIndex,
            responsible: responsible,
            responseDeadline: deadline,
            subjectId: subjectId,
            filedAt: uint64(block.timestamp),
            responsibleOfficerHash: officerHash,
            evidenceHash: evidenceHash,
            responseHash: bytes32(0),
            rulingHash: bytes32(0)
        });
        emit IncidentFiled(
            incidentId,
            responsible,
            msg.sender,
            IncidentType(incidentType),
            SubjectKind(subjectKind),
            subjectId,
            useIndex,
            evidenceHash,
            officerHash,
            deadline
        );
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

    /// @dev Applies the attribution rule of {IAccountability} and checks that the subject exists.
    function _attribute(IncidentType incidentType, SubjectKind subjectKind, uint256 subjectId, uint32 useIndex)
        private
        view
        returns (address responsible, bytes32 officerHash)
    {
        bool aboutData = incidentType == IncidentType.DataError || incidentType == IncidentType.Tamper;
        if (aboutData != (subjectKind == SubjectKind.ResourceVersion)) {
            revert AccountabilityInvalidSubject(incidentType, subjectKind);
        }
        if (aboutData) {
            if (subjectId == 0 || subjectId > _catalog.resourceCount()) {
                revert AccountabilityUnknownSubject(subjectKind, subjectId, useIndex);
            }
            IDataCatalog.Resource memory res = _catalog.resource(subjectId);
            if (useIndex == 0 || useIndex > res.versionCount) {
                revert AccountabilityUnknownSubject(subjectKind, subjectId, useIndex);
            }
            return (res.owner, _stewards[subjectId]);
        }
        if (subjectId == 0 || subjectId > _usageRights.grantCount()) {
            revert AccountabilityUnknownSubject(subjectKind, subjectId, useIndex);
        }
        IUsageRights.Grant memory g = _usageRights.grant(subjectId);
        bool validIndex = subjectKind == SubjectKind.Grant ? useIndex == 0 : (useIndex != 0 && useIndex <= g.usedCount);
        if (!validIndex) revert AccountabilityUnknownSubject(subjectKind, subjectId, useIndex);
        return (g.grantee, _grantOfficers[subjectId]);
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
