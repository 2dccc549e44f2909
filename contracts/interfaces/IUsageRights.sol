// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IConsortiumManaged} from "./IConsortiumManaged.sol";
/**
 * @title IUsageRights
 * @notice Purpose-bound usage rights. A department requests the use of another department's resource for
 * a purpose, on a legal basis, for a duration and a number of uses; the owner (and for sensitive data the
 * council) decides; the resulting grant is recorded, and every use under it is recorded on chain before
 * the data is released.
 *
 * @dev Who may create a grant (only the owner or the council ever does):
 *
 * | classification | owner alone            | council call (threshold) | unanimous council call |
 * |----------------|------------------------|--------------------------|------------------------|
 * | PUBLIC         | yes                    | yes                      | yes                    |
 * | INTERNAL       | yes                    | yes                      | yes                    |
 * | SENSITIVE      | no (owner-approves)    | yes                      | yes                    |
 * | SECRET         | no (owner-approves)    | no                       | yes                    |
 *
 * Request lifecycle: `requestUse` → Pending. The owner's `approveRequest` makes PUBLIC/INTERNAL requests
 * Approved and issues the grant; for SENSITIVE/SECRET it makes them OwnerApproved and the council's
 * `councilApprove` (a council call; for SECRET a unanimous council call, checked through
 * `IConsortium.executingProposal()`) issues the grant. A Pending request whose approval deadline passed
 * can be escalated by anyone; the council may then approve it (`councilApprove` accepts OwnerApproved
 * and Escalated requests) or deny it. The owner may still approve or deny an escalated request.
 *
 * A use is identified by `(grantId, useIndex)`, `useIndex` counting from 1; uses are not stored, only
 * counted and emitted as {UseRecorded}. The hot path `recordUse` checks the grant (grantee, not
 * revoked, not expired, not exhausted) and the grantee's standing, read live from the consortium: a
 * suspended department records no use and makes no request under any grant it holds (its grants are not
 * revoked by the suspension, so a reinstatement restores them; the council may still revoke them).
 */
interface IUsageRights is IConsortiumManaged {
    /// @notice Status of a usage request.
    enum RequestStatus {
        None,
        Pending,
        OwnerApproved,
        Approved,
        Denied,
        Escalated
    }

    /// @notice A usage request as returned by {request}.
    struct Request {
        uint256 resourceId;
        address requester;
        uint32 purposeCode;
        bytes32 legalBasisHash;
        bytes32 fieldsHash;
        uint64 duration;
        uint32 maxUses;
        uint64 approvalDeadline;
        RequestStatus status;
        uint256 grantId; // 0 until a grant was issued for it
    }

    /// @notice A grant as returned by {grant}.
    struct Grant {
        uint256 resourceId;
        address grantee;
        uint32 purposeCode;
        uint64 issuedAt;
        uint64 expiresAt;
        uint32 maxUses;
        uint32 usedCount;
        bool revoked;
    }

    // ------------------------------------------------------------------ events

    /// @notice `requester` asked to use `resourceId`.
    event UseRequested(
        uint256 indexed requestId,
        uint256 indexed resourceId,
        address indexed requester,
        uint32 purposeCode,
        bytes32 legalBasisHash,
        bytes32 fieldsHash,
        uint64 duration,
        uint32 maxUses,
        uint64 approvalDeadline
    );
    /// @notice The owner `approver` approved `requestId`; `status` is the resulting status
    /// (Approved for PUBLIC/INTERNAL, OwnerApproved for SENSITIVE/SECRET).
    event RequestApproved(
        uint256 indexed requestId, address indexed approver, RequestStatus status, bytes32 reasonHash
    );
    /// @notice The council approved `requestId` through council-call proposal `proposalId`.
    event RequestCouncilApproved(uint256 indexed requestId, uint256 indexed proposalId);
    /// @notice `denier` (the owner or the consortium) denied `requestId`.
    event RequestDenied(uint256 indexed requestId, address indexed denier, bytes32 reasonHash);
    /// @notice `escalatedBy` escalated the undecided `requestId` to the council after its deadline.
    event RequestEscalated(uint256 indexed requestId, address indexed escalatedBy);
    /// @notice `issuer` (the owner or the consortium) issued `grantId`; `requestId` is 0 for direct grants.
    event GrantIssued(
        uint256 indexed grantId,
        uint256 indexed resourceId,
        address indexed grantee,
        uint256 requestId,
        address issuer,
        uint32 purposeCode,
        bytes32 legalBasisHash,
        uint64 expiresAt,
        uint32 maxUses
    );
    /// @notice `revokedBy` (the owner or the consortium) revoked `grantId`.
    event GrantRevoked(
        uint256 indexed grantId, uint256 indexed resourceId, address indexed revokedBy, bytes32 reasonHash
    );
    /// @notice Use number `useIndex` of `grantId` by `user`.
    event UseRecorded(
        uint256 indexed grantId,
        uint256 indexed resourceId,
        address indexed user,
        bytes32 officerHash,
        bytes32 subjectHash,
        uint32 purposeCode,
        bytes32 contextRef,
        uint32 useIndex
    );
    /// @notice `owner`, the resource's owner, released use `useIndex` of `grantId`: the released content
    /// hashes to `contentHash` (sha256 of the plaintext named by the owner's signed release receipt).
    event UseReleased(
        uint256 indexed grantId, uint32 indexed useIndex, uint256 indexed resourceId, address owner, bytes32 contentHash
    );

    // ------------------------------------------------------------------ errors

    /// @notice The catalog address given to the constructor is zero.
    error UsageRightsZeroAddress();
    /// @notice `account` does not own `resourceId` (and is not the consortium where that is allowed).
    error UsageRightsNotOwner(uint256 resourceId, address account);
    /// @notice Only the consortium tells this contract of a department's standing; `caller` is not it.
    error UsageRightsNotConsortium(address caller);
    /// @notice The standing told (`active`) is not the consortium's: only a real admission, suspension or
    /// reinstatement updates the copy (a council call cannot write it directly).
    error UsageRightsStandingMismatch(address department, bool active);
    /// @notice No resource has id `resourceId`.
    error UsageRightsUnknownResource(uint256 resourceId);
    /// @notice The requester or grantee `account` owns `resourceId` itself.
    error UsageRightsOwnUse(uint256 resourceId, address account);
    /// @notice Grants on `resourceId` of `classification` need the council (owner alone may not issue them).
    error UsageRightsCouncilRequired(uint256 resourceId, uint8 classification);
    /// @notice The council call `proposalId` acting on a SECRET resource was not approved by every governor.
    error UsageRightsCouncilNotUnanimous(uint256 proposalId);
    /// @notice The purpose code is zero.
    error UsageRightsInvalidPurpose();
    /// @notice The legal-basis hash is zero.
    error UsageRightsEmptyLegalBasis();
    /// @notice `purposeCode` is not a registered, unretired purpose of the council's registry ({IPurposes}).
    error UsageRightsUnregisteredPurpose(uint32 purposeCode);
    /// @notice `legalBasisHash` is not a registered, unretired legal basis of the council's registry.
    error UsageRightsUnregisteredLegalBasis(bytes32 legalBasisHash);
    /// @notice The fields hash is zero.
    error UsageRightsEmptyFieldsHash();
    /// @notice The reason hash is zero.
    error UsageRightsEmptyReason();
    /// @notice The officer hash is zero.
    error UsageRightsEmptyOfficerHash();
    /// @notice `duration` is zero or longer than {MAX_GRANT_DURATION}.
    error UsageRightsInvalidDuration(uint64 duration);
    /// @notice `maxUses` is zero.
    error UsageRightsInvalidMaxUses(uint32 maxUses);
    /// @notice `approvalDeadline` is not in the future or farther than {MAX_APPROVAL_WINDOW}.
    error UsageRightsInvalidDeadline(uint64 approvalDeadline);
    /// @notice No request has id `requestId`.
    error UsageRightsUnknownRequest(uint256 requestId);
    /// @notice `requestId` is `status`, which does not allow this action.
    error UsageRightsInvalidRequestStatus(uint256 requestId, RequestStatus status);
    /// @notice `requestId` can be escalated only after its deadline `approvalDeadline`.
    error UsageRightsDeadlineNotReached(uint256 requestId, uint64 approvalDeadline);
    /// @notice No grant has id `grantId`.
    error UsageRightsUnknownGrant(uint256 grantId);
    /// @notice `grantId` expired at `expiresAt`.
    error UsageRightsGrantExpired(uint256 grantId, uint64 expiresAt);
    /// @notice `grantId` was revoked.
    error UsageRightsGrantRevoked(uint256 grantId);
    /// @notice `grantId` has no uses left of its `maxUses`.
    error UsageRightsGrantExhausted(uint256 grantId, uint32 maxUses);
    /// @notice `caller` is not the grantee of `grantId`.
    error UsageRightsNotGrantee(uint256 grantId, address caller);
    /// @notice A batch is empty or its arrays have different lengths.
    error UsageRightsInvalidBatch(uint256 officers, uint256 subjects, uint256 contexts);
    /// @notice `grantId` has no recorded use number `useIndex` (it counts from 1 to the grant's `usedCount`).
    error UsageRightsUnknownUse(uint256 grantId, uint32 useIndex);
    /// @notice Use `useIndex` of `grantId` was released before, as `contentHash`.
    error UsageRightsUseAlreadyReleased(uint256 grantId, uint32 useIndex, bytes32 contentHash);
    /// @notice The content hash is zero.
    error UsageRightsEmptyContentHash();

    // ------------------------------------------------------------------ requests

    /**
     * @notice Requests the use of `resourceId`.
     * @param purposeCode code of a registered, unretired purpose ({IPurposes}; else
     * {UsageRightsUnregisteredPurpose}).
     * @param legalBasisHash hash of the text of a registered, unretired legal basis (else
     * {UsageRightsUnregisteredLegalBasis}). A request made before an entry's retirement may still be
     * approved: approvals do not read the registry.
     * @param fieldsHash hash of the list of requested fields.
     * @param duration grant duration in seconds, counted from issuance; 1..{MAX_GRANT_DURATION}.
     * @param maxUses maximum number of uses, non-zero.
     * @param approvalDeadline timestamp by which the owner should decide; in the future, at most
     * {MAX_APPROVAL_WINDOW} away. After it anyone may {escalateRequest}.
     * @return requestId sequential from 1.
     * @dev Requirements: caller is an active department and not the owner; the resource exists; the
     * arguments as above. Emits {UseRequested}.
     */
    function requestUse(
        uint256 resourceId,
        uint32 purposeCode,
        bytes32 legalBasisHash,
        bytes32 fieldsHash,
        uint64 duration,
        uint32 maxUses,
        uint64 approvalDeadline
    ) external returns (uint256 requestId);

    /**
     * @notice The owner approves `requestId`.
     * @return grantId the grant issued (PUBLIC/INTERNAL), or 0 when the request now awaits the council
     * (SENSITIVE/SECRET).
     * @dev Requirements: caller is the current owner of the resource and an active department; the request
     * is Pending or Escalated; `reasonHash` non-zero; for a grant: the requester is still an active department.
     * Emits {RequestApproved} and, for PUBLIC/INTERNAL, {GrantIssued}.
     */
    function approveRequest(uint256 requestId, bytes32 reasonHash) external returns (uint256 grantId);

    /**
     * @notice The council approves `requestId` and issues its grant.
     * @return grantId the grant issued.
     * @dev Requirements: caller is the consortium; the request is OwnerApproved or Escalated; for SECRET
     * resources the executing council call is unanimous; the requester is still an active department.
     * Emits {RequestCouncilApproved} and {GrantIssued}.
     */
    function councilApprove(uint256 requestId) external returns (uint256 grantId);

    /**
     * @notice The owner or the council denies `requestId`.
     * @dev Requirements: caller is the current owner or the consortium; the request is Pending,
     * OwnerApproved or Escalated; `reasonHash` non-zero. Emits {RequestDenied}.
     */
    function denyRequest(uint256 requestId, bytes32 reasonHash) external;

    /**
     * @notice Escalates an undecided request to the council after its approval deadline.
     * @dev Requirements: the request is Pending and `block.timestamp > approvalDeadline`. Anyone may call.
     * Emits {RequestEscalated}.
     */
    function escalateRequest(uint256 requestId) external;

    // ------------------------------------------------------------------ grants

    /**
     * @notice Issues a grant without a request.
     * @return grantId sequential from 1.
     * @dev Requirements: caller is the current owner and an active department (PUBLIC/INTERNAL only) or the
     * consortium (any class; SECRET needs a unanimous council call); `grantee` is an active department other
     * than the owner;
     * `purposeCode`, `legalBasisHash`, `duration`, `maxUses` valid as for {requestUse}. Emits {GrantIssued}.
     */
    function issueGrant(
        uint256 resourceId,
        address grantee,
        uint32 purposeCode,
        bytes32 legalBasisHash,
        uint64 duration,
        uint32 maxUses
    ) external returns (uint256 grantId);

    /**
     * @notice Revokes `grantId`; it can never be used again.
     * @dev Requirements: caller is the current owner of the resource or the consortium; the grant exists and
     * is not revoked; `reasonHash` non-zero. Emits {GrantRevoked}.
     */
    function revokeGrant(uint256 grantId, bytes32 reasonHash) external;

    /**
     * @notice Records one use of `grantId` by the caller, before the data is released.
     * @param officerHash salted hash of the officer who uses the data (non-zero).
     * @param subjectHash salted hash of the data subject concerned, or zero.
     * @param contextRef reference of the case or process (opaque, may be zero).
     * @return useIndex number of this use, from 1.
     * @dev Requirements, checked in this order: the grant exists ({UsageRightsUnknownGrant}); caller is its
     * grantee ({UsageRightsNotGrantee}); the grantee is an active department of the consortium, not
     * suspended ({ConsortiumManagedNotActiveDepartment}); the grant is not revoked, not expired
     * (`block.timestamp < expiresAt`) and not exhausted. Emits {UseRecorded}.
     */
    function recordUse(uint256 grantId, bytes32 officerHash, bytes32 subjectHash, bytes32 contextRef)
        external
        returns (uint32 useIndex);

    /**
     * @notice Records `officerHashes.length` uses of `grantId` in one transaction, one {UseRecorded} each.
     * @return firstUseIndex index of the first use recorded; the others follow consecutively.
     * @dev Requirements: as {recordUse} for each use (the grantee's standing is read once for the batch);
     * the three arrays are non-empty and of equal length; the grant has enough uses left for all of them.
     */
    function recordUseBatch(
        uint256 grantId,
        bytes32[] calldata officerHashes,
        bytes32[] calldata subjectHashes,
        bytes32[] calldata contextRefs
    ) external returns (uint32 firstUseIndex);

    /**
     * @notice Records on chain that the owner released use `useIndex` of `grantId` to the grantee, so that
     * anyone reading the chain can tell a use "recorded, not released" from a released one.
     * @param contentHash sha256 of the released plaintext, as in the owner's signed release receipt (non-zero).
     * @dev Requirements: the grant exists; caller is the current owner of its resource and an active
     * department; `1 <= useIndex <= usedCount`; the use was not released before (at most once per use);
     * `contentHash` non-zero. Revocation or expiry of the grant does not matter: a recorded use is owed its
     * release. Neither does the grantee's standing: this records a release the owner's node already made
     * (refused to a suspended grantee off chain), and the record of a fact must not wait on a reinstatement.
     * Emits {UseReleased}.
     */
    function recordRelease(uint256 grantId, uint32 useIndex, bytes32 contentHash) external;

    // ------------------------------------------------------------------ views

    /// @notice Longest grant duration in seconds.
    function MAX_GRANT_DURATION() external view returns (uint64);
    /// @notice Farthest approval deadline from now, in seconds.
    function MAX_APPROVAL_WINDOW() external view returns (uint64);
    /// @notice The grant `grantId`; reverts {UsageRightsUnknownGrant}.
    function grant(uint256 grantId) external view returns (Grant memory);
    /// @notice The request `requestId`; reverts {UsageRightsUnknownRequest}.
    function request(uint256 requestId) external view returns (Request memory);
    /// @notice The content hash recorded by {recordRelease} for use `useIndex` of `grantId`; zero: not released.
    function releaseOf(uint256 grantId, uint32 useIndex) external view returns (bytes32);
    /// @notice Whether `grantId` exists, is not revoked, not expired, has uses left and its grantee is an
    /// active (not suspended) department: whether its grantee could record a use now.
    function isGrantUsable(uint256 grantId) external view returns (bool);
    /// @notice Number of grants; ids run from 1 to `grantCount()`.
    function grantCount() external view returns (uint256);
    /// @notice Number of requests; ids run from 1 to `requestCount()`.
    function requestCount() external view returns (uint256);
    /// @notice The data catalog.
    function catalog() external view returns (address);
    /// @notice The council's registry of purposes and legal bases ({IPurposes}) new requests and grants must use.
    function purposeRegistry() external view returns (address);
}
