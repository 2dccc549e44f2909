// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ConsortiumManaged} from "./ConsortiumManaged.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {IDataCatalog} from "./interfaces/IDataCatalog.sol";
import {IPurposes} from "./interfaces/IPurposes.sol";
import {IStandingListener} from "./interfaces/IStandingListener.sol";
import {IUsageRights} from "./interfaces/IUsageRights.sol";

/**
 * @title UsageRights
 * @notice Usage requests, grants and recorded uses. See {IUsageRights} for who may do what.
 * @dev A grant is two packed slots; {recordUse} reads both, writes one and emits one event, and checks the
 * grantee's standing in the consortium from this contract's own copy (one more slot), which the consortium
 * keeps current once the council registered this contract as a standing listener ({IStandingListener}:
 * told in the very transaction that suspends or reinstates). Until then, or for a department the copy
 * does not know, it asks the consortium (an external call): the copy only saves gas, it never lets a use
 * through that the consortium would refuse.
 * Uses are not stored: a use is `(grantId, useIndex)` and lives in {UseRecorded}; only
 * its release is, one slot per use (the content hash), so that "released at most once" holds on chain.
 */
contract UsageRights is IUsageRights, IStandingListener, ConsortiumManaged {
    uint64 public constant MAX_GRANT_DURATION = 5 * 365 days;
    uint64 public constant MAX_APPROVAL_WINDOW = 90 days;

    struct RequestRecord {
        // slot 0
        address requester;
        uint32 purposeCode;
        uint32 maxUses;
        RequestStatus status;
        // slot 1
        uint64 resourceId;
        uint64 duration;
        uint64 approvalDeadline;
        uint64 grantId;
        // slots 2, 3
        bytes32 legalBasisHash;
        bytes32 fieldsHash;
    }

    struct GrantRecord {
        // slot 0: everything recordUse checks and writes besides the revocation flag
        address grantee;
        uint64 expiresAt;
        uint32 usedCount;
        // slot 1
        uint64 resourceId;
        uint64 issuedAt;
        uint32 maxUses;
        uint32 purposeCode;
        bool revoked;
    }

    IDataCatalog private immutable _catalog;
    IPurposes private immutable _purposes;

    uint64 private _requestCount;
    uint64 private _grantCount;
    mapping(uint256 requestId => RequestRecord) private _requests;
    mapping(uint256 grantId => GrantRecord) private _grants;
    mapping(uint256 grantId => mapping(uint32 useIndex => bytes32 contentHash)) private _releases;

    /// @dev The consortium's word on each department's standing (Unknown: not told yet, so ask it).
    enum Standing {
        Unknown,
        Active,
        Inactive
    }

    mapping(address department => Standing) private _standing;

    /// @param consortium_ the consortium (departments, council).
    /// @param catalog_ the data catalog (ownership, classification).
    /// @param purposes_ the council's registry of purposes and legal bases.
    constructor(address consortium_, address catalog_, address purposes_) ConsortiumManaged(consortium_) {
        if (catalog_ == address(0) || purposes_ == address(0)) revert UsageRightsZeroAddress();
        _catalog = IDataCatalog(catalog_);
        _purposes = IPurposes(purposes_);
    }

    // ================================================================== standing

    /// @inheritdoc IStandingListener
    function onDepartmentStanding(address department, bool active) external {
        IConsortium consortium_ = _consortium();
        if (msg.sender != address(consortium_)) revert UsageRightsNotConsortium(msg.sender);
        // A council call also runs as the consortium: the copy only ever follows the consortium's own record.
        if (consortium_.isActiveDepartment(department) != active) revert UsageRightsStandingMismatch(department, active);
        _standing[department] = active ? Standing.Active : Standing.Inactive;
    }

    // ================================================================== requests

    /// @inheritdoc IUsageRights
    function requestUse(
        uint256 resourceId,
        uint32 purposeCode,
        bytes32 legalBasisHash,
        bytes32 fieldsHash,
        uint64 duration,
        uint32 maxUses,
        uint64 approvalDeadline
    ) external returns (uint256 requestId) {
        _requireActiveDepartment(msg.sender);
        (address owner,) = _resourceInfo(resourceId);
        if (owner == msg.sender) revert UsageRightsOwnUse(resourceId, msg.sender);
        _checkTerms(purposeCode, legalBasisHash, duration, maxUses);
        _requireRegistered(purposeCode, legalBasisHash);
        if (fieldsHash == bytes32(0)) revert UsageRightsEmptyFieldsHash();
        if (approvalDeadline <= block.timestamp || approvalDeadline > block.timestamp + MAX_APPROVAL_WINDOW) {
            revert UsageRightsInvalidDeadline(approvalDeadline);
        }

        requestId = ++_requestCount;
        _requests[requestId] = RequestRecord({
            requester: msg.sender,
            purposeCode: purposeCode,
            maxUses: maxUses,
            status: RequestStatus.Pending,
            resourceId: uint64(resourceId),
            duration: duration,
            approvalDeadline: approvalDeadline,
            grantId: 0,
            legalBasisHash: legalBasisHash,
            fieldsHash: fieldsHash
        });
        emit UseRequested(
            requestId,
            resourceId,
            msg.sender,
            purposeCode,
            legalBasisHash,
            fieldsHash,
            duration,
            maxUses,
            approvalDeadline
        );
    }

    /// @inheritdoc IUsageRights
    function approveRequest(uint256 requestId, bytes32 reasonHash) external returns (uint256 grantId) {
        RequestRecord storage q = _existingRequest(requestId);
        uint256 resourceId = q.resourceId;
        (address owner, IDataCatalog.Classification classification) = _catalog.ownerAndClassification(resourceId);
        if (owner != msg.sender) revert UsageRightsNotOwner(resourceId, msg.sender);
        _requireActiveDepartment(msg.sender);
        RequestStatus status = q.status;
        if (status != RequestStatus.Pending && status != RequestStatus.Escalated) {
            revert UsageRightsInvalidRequestStatus(requestId, status);
        }
        if (reasonHash == bytes32(0)) revert UsageRightsEmptyReason();

        if (classification <= IDataCatalog.Classification.Internal) {
            q.status = RequestStatus.Approved;
            emit RequestApproved(requestId, msg.sender, RequestStatus.Approved, reasonHash);
            grantId = _issueForRequest(requestId, q);
        } else {
            q.status = RequestStatus.OwnerApproved;
            emit RequestApproved(requestId, msg.sender, RequestStatus.OwnerApproved, reasonHash);
        }
    }

    /// @inheritdoc IUsageRights
    function councilApprove(uint256 requestId) external onlyCouncil returns (uint256 grantId) {
        RequestRecord storage q = _existingRequest(requestId);
        RequestStatus status = q.status;
        if (status != RequestStatus.OwnerApproved && status != RequestStatus.Escalated) {
            revert UsageRightsInvalidRequestStatus(requestId, status);
        }
        uint256 proposalId = _councilMandate(_catalog.classificationOf(q.resourceId));

        q.status = RequestStatus.Approved;
        emit RequestCouncilApproved(requestId, proposalId);
        grantId = _issueForRequest(requestId, q);
    }

    /// @inheritdoc IUsageRights
    function denyRequest(uint256 requestId, bytes32 reasonHash) external {
        RequestRecord storage q = _existingRequest(requestId);
        if (!_isCouncilCall()) {
            uint256 resourceId = q.resourceId;
            if (_catalog.ownerOf(resourceId) != msg.sender) revert UsageRightsNotOwner(resourceId, msg.sender);
        }
        RequestStatus status = q.status;
        if (status != RequestStatus.Pending && status != RequestStatus.OwnerApproved && status != RequestStatus.Escalated)
        {
            revert UsageRightsInvalidRequestStatus(requestId, status);
        }
        if (reasonHash == bytes32(0)) revert UsageRightsEmptyReason();

        q.status = RequestStatus.Denied;
        emit RequestDenied(requestId, msg.sender, reasonHash);
    }

    /// @inheritdoc IUsageRights
    function escalateRequest(uint256 requestId) external {
        RequestRecord storage q = _existingRequest(requestId);
        RequestStatus status = q.status;
        if (status != RequestStatus.Pending) revert UsageRightsInvalidRequestStatus(requestId, status);
        uint64 deadline = q.approvalDeadline;
        if (block.timestamp <= deadline) revert UsageRightsDeadlineNotReached(requestId, deadline);

        q.status = RequestStatus.Escalated;
        emit RequestEscalated(requestId, msg.sender);
    }

    // ================================================================== grants

    /// @inheritdoc IUsageRights
    function issueGrant(
        uint256 resourceId,
        address grantee,
        uint32 purposeCode,
        bytes32 legalBasisHash,
        uint64 duration,
        uint32 maxUses
    ) external returns (uint256 grantId) {
        (address owner, IDataCatalog.Classification classification) = _resourceInfo(resourceId);
        if (_isCouncilCall()) {
            _councilMandate(classification);
        } else {
            if (owner != msg.sender) revert UsageRightsNotOwner(resourceId, msg.sender);
            _requireActiveDepartment(msg.sender);
            if (classification > IDataCatalog.Classification.Internal) {
                revert UsageRightsCouncilRequired(resourceId, uint8(classification));
            }
        }
        if (grantee == owner) revert UsageRightsOwnUse(resourceId, grantee);
        _checkTerms(purposeCode, legalBasisHash, duration, maxUses);
        _requireRegistered(purposeCode, legalBasisHash);
        grantId = _issue(resourceId, grantee, purposeCode, legalBasisHash, duration, maxUses, 0);
    }

    /// @inheritdoc IUsageRights
    function revokeGrant(uint256 grantId, bytes32 reasonHash) external {
        GrantRecord storage g = _grants[grantId];
        if (g.grantee == address(0)) revert UsageRightsUnknownGrant(grantId);
        uint256 resourceId = g.resourceId;
        if (!_isCouncilCall() && _catalog.ownerOf(resourceId) != msg.sender) {
            revert UsageRightsNotOwner(resourceId, msg.sender);
        }
        if (g.revoked) revert UsageRightsGrantRevoked(grantId);
        if (reasonHash == bytes32(0)) revert UsageRightsEmptyReason();

        g.revoked = true;
        emit GrantRevoked(grantId, resourceId, msg.sender, reasonHash);
    }

    /// @inheritdoc IUsageRights
    function recordUse(uint256 grantId, bytes32 officerHash, bytes32 subjectHash, bytes32 contextRef)
        external
        returns (uint32 useIndex)
    {
        GrantRecord storage g = _grants[grantId];
        uint32 used = _checkUsable(g, grantId, 1);
        if (officerHash == bytes32(0)) revert UsageRightsEmptyOfficerHash();

        useIndex = used + 1;
        g.usedCount = useIndex;
        emit UseRecorded(grantId, g.resourceId, msg.sender, officerHash, subjectHash, g.purposeCode, contextRef, useIndex);
    }

    /// @inheritdoc IUsageRights
    function recordUseBatch(
        uint256 grantId,
        bytes32[] calldata officerHashes,
        bytes32[] calldata subjectHashes,
        bytes32[] calldata contextRefs
    ) external returns (uint32 firstUseIndex) {
        uint256 n = officerHashes.length;
        if (n == 0 || subjectHashes.length != n || contextRefs.length != n) {
            revert UsageRightsInvalidBatch(n, subjectHashes.length, contextRefs.length);
        }
        GrantRecord storage g = _grants[grantId];
        uint32 used = _checkUsable(g, grantId, n);
        for (uint256 i = 0; i < n; ++i) {
            if (officerHashes[i] == bytes32(0)) revert UsageRightsEmptyOfficerHash();
        }

        firstUseIndex = used + 1;
        g.usedCount = used + uint32(n); // fits: _checkUsable ensured used + n <= maxUses
        _emitUses(grantId, g.resourceId, g.purposeCode, firstUseIndex, officerHashes, subjectHashes, contextRefs);
    }

    /// @inheritdoc IUsageRights
    function recordRelease(uint256 grantId, uint32 useIndex, bytes32 contentHash) external {
        GrantRecord storage g = _grants[grantId];
        if (g.grantee == address(0)) revert UsageRightsUnknownGrant(grantId);
        uint256 resourceId = g.resourceId;
        if (_catalog.ownerOf(resourceId) != msg.sender) revert UsageRightsNotOwner(resourceId, msg.sender);
        _requireActiveDepartment(msg.sender);
        if (useIndex == 0 || useIndex > g.usedCount) revert UsageRightsUnknownUse(grantId, useIndex);
        bytes32 released = _releases[grantId][useIndex];
        if (released != bytes32(0)) revert UsageRightsUseAlreadyReleased(grantId, useIndex, released);
        if (contentHash == bytes32(0)) revert UsageRightsEmptyContentHash();

        _releases[grantId][useIndex] = contentHash;
        emit UseReleased(grantId, useIndex, resourceId, msg.sender, contentHash);
    }

    // ================================================================== views

    /// @inheritdoc IUsageRights
    function releaseOf(uint256 grantId, uint32 useIndex) external view returns (bytes32) {
        return _releases[grantId][useIndex];
    }

    /// @inheritdoc IUsageRights
    function grant(uint256 grantId) external view returns (Grant memory) {
        GrantRecord storage g = _grants[grantId];
        if (g.grantee == address(0)) revert UsageRightsUnknownGrant(grantId);
        return Grant({
            resourceId: g.resourceId,
            grantee: g.grantee,
            purposeCode: g.purposeCode,
            issuedAt: g.issuedAt,
            expiresAt: g.expiresAt,
            maxUses: g.maxUses,
            usedCount: g.usedCount,
            revoked: g.revoked
        });
    }

    /// @inheritdoc IUsageRights
    function request(uint256 requestId) external view returns (Request memory) {
        RequestRecord storage q = _existingRequest(requestId);
        return Request({
            resourceId: q.resourceId,
            requester: q.requester,
            purposeCode: q.purposeCode,
            legalBasisHash: q.legalBasisHash,
            fieldsHash: q.fieldsHash,
            duration: q.duration,
            maxUses: q.maxUses,
            approvalDeadline: q.approvalDeadline,
            status: q.status,
            grantId: q.grantId
        });
    }

    /// @inheritdoc IUsageRights
    function isGrantUsable(uint256 grantId) external view returns (bool) {
        GrantRecord storage g = _grants[grantId];
        address grantee = g.grantee;
        return grantee != address(0) && !g.revoked && block.timestamp < g.expiresAt && g.usedCount < g.maxUses
            && _consortium().isActiveDepartment(grantee);
    }

    /// @inheritdoc IUsageRights
    function grantCount() external view returns (uint256) {
        return _grantCount;
    }

    /// @inheritdoc IUsageRights
    function requestCount() external view returns (uint256) {
        return _requestCount;
    }

    /// @inheritdoc IUsageRights
    function catalog() external view returns (address) {
        return address(_catalog);
    }

    /// @inheritdoc IUsageRights
    function purposeRegistry() external view returns (address) {
        return address(_purposes);
    }

    // ================================================================== internals

    /// @dev Emits one {UseRecorded} per element, numbered from `firstUseIndex`. Taking the arrays as
    /// memory (one stack slot each instead of two) keeps the stack within reach.
    function _emitUses(
        uint256 grantId,
        uint256 resourceId,
        uint32 purposeCode,
        uint32 firstUseIndex,
        bytes32[] memory officerHashes,
        bytes32[] memory subjectHashes,
        bytes32[] memory contextRefs
    ) private {
        uint256 n = officerHashes.length;
        for (uint256 i = 0; i < n; ++i) {
            emit UseRecorded(
                grantId,
                resourceId,
                msg.sender,
                officerHashes[i],
                subjectHashes[i],
                purposeCode,
                contextRefs[i],
                firstUseIndex + uint32(i)
            );
        }
    }

    /// @dev Checks that the caller may record `count` more uses of `g`; returns the current use count.
    /// The grantee's standing is read live (one call for the whole batch): a grant outlives a suspension,
    /// its use must not.
    function _checkUsable(GrantRecord storage g, uint256 grantId, uint256 count) private view returns (uint32 used) {
        address grantee = g.grantee;
        if (grantee != msg.sender) {
            if (grantee == address(0)) revert UsageRightsUnknownGrant(grantId);
            revert UsageRightsNotGrantee(grantId, msg.sender);
        }
        Standing standing = _standing[grantee];
        if (standing == Standing.Inactive) revert ConsortiumManagedNotActiveDepartment(grantee);
        if (standing == Standing.Unknown) _requireActiveDepartment(grantee); // not told yet: ask the consortium
        if (g.revoked) revert UsageRightsGrantRevoked(grantId);
        uint64 expiresAt = g.expiresAt;
        if (block.timestamp >= expiresAt) revert UsageRightsGrantExpired(grantId, expiresAt);
        used = g.usedCount;
        uint32 maxUses = g.maxUses;
        if (uint256(used) + count > maxUses) revert UsageRightsGrantExhausted(grantId, maxUses);
    }

    function _issueForRequest(uint256 requestId, RequestRecord storage q) private returns (uint256 grantId) {
        grantId = _issue(q.resourceId, q.requester, q.purposeCode, q.legalBasisHash, q.duration, q.maxUses, requestId);
        q.grantId = uint64(grantId);
    }

    function _issue(
        uint256 resourceId,
        address grantee,
        uint32 purposeCode,
        bytes32 legalBasisHash,
        uint64 duration,
        uint32 maxUses,
        uint256 requestId
    ) private returns (uint256 grantId) {
        _requireActiveDepartment(grantee);
        grantId = ++_grantCount;
        uint64 expiresAt = uint64(block.timestamp) + duration;
        _grants[grantId] = GrantRecord({
            grantee: grantee,
            expiresAt: expiresAt,
            usedCount: 0,
            resourceId: uint64(resourceId),
            issuedAt: uint64(block.timestamp),
            maxUses: maxUses,
            purposeCode: purposeCode,
            revoked: false
        });
        emit GrantIssued(grantId, resourceId, grantee, requestId, msg.sender, purposeCode, legalBasisHash, expiresAt, maxUses);
    }

    /// @dev For council actions: the executing proposal id; SECRET resources need a unanimous council call.
    function _councilMandate(IDataCatalog.Classification classification) private view returns (uint256 proposalId) {
        bool unanimous;
        (proposalId, unanimous) = _consortium().executingProposal();
        if (classification == IDataCatalog.Classification.Secret && !unanimous) {
            revert UsageRightsCouncilNotUnanimous(proposalId);
        }
    }

    function _checkTerms(uint32 purposeCode, bytes32 legalBasisHash, uint64 duration, uint32 maxUses) private pure {
        if (purposeCode == 0) revert UsageRightsInvalidPurpose();
        if (legalBasisHash == bytes32(0)) revert UsageRightsEmptyLegalBasis();
        if (duration == 0 || duration > MAX_GRANT_DURATION) revert UsageRightsInvalidDuration(duration);
        if (maxUses == 0) revert UsageRightsInvalidMaxUses(maxUses);
    }

    /// @dev New requests and direct grants name only registered, unretired entries (one call, two reads).
    function _requireRegistered(uint32 purposeCode, bytes32 legalBasisHash) private view {
        (bool purposeUsable, bool legalBasisUsable) = _purposes.usable(purposeCode, legalBasisHash);
        if (!purposeUsable) revert UsageRightsUnregisteredPurpose(purposeCode);
        if (!legalBasisUsable) revert UsageRightsUnregisteredLegalBasis(legalBasisHash);
    }

    function _resourceInfo(uint256 resourceId)
        private
        view
        returns (address owner, IDataCatalog.Classification classification)
    {
        if (resourceId == 0 || resourceId > _catalog.resourceCount()) revert UsageRightsUnknownResource(resourceId);
        return _catalog.ownerAndClassification(resourceId);
    }

    function _existingRequest(uint256 requestId) private view returns (RequestRecord storage q) {
        q = _requests[requestId];
        if (q.requester == address(0)) revert UsageRightsUnknownRequest(requestId);
    }
}
