// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IConsortiumManaged} from "./IConsortiumManaged.sol";
/**
 * @title IAccountability
 * @notice Named responsibility and incidents. Officers are assigned to resources (stewards) and to grants
 * (grant officers); incidents are filed against a resource version, a grant or a single use, and the
 * responsible department is attributed by rule from the on-chain trail, not argued:
 *
 * | incident type     | allowed subject kinds | responsible department        |
 * |-------------------|-----------------------|-------------------------------|
 * | DATA_ERROR (0)    | RESOURCE_VERSION      | current owner of the resource |
 * | TAMPER (3)        | RESOURCE_VERSION      | current owner of the resource |
 * | UNAUTHORIZED_USE  | GRANT, USE            | grantee of the grant          |
 * | LEAK (2)          | GRANT, USE            | grantee of the grant          |
 *
 * Subject kinds: RESOURCE_VERSION (subjectId = resourceId, useIndex = version 1..versionCount),
 * GRANT (subjectId = grantId, useIndex = 0), USE (subjectId = grantId, useIndex = 1..usedCount).
 *
 * The incident also records the responsible officer at filing time: the steward assigned with
 * {assignSteward} (zero if none was assigned: then the steward of the `ResourceRegistered` event applies)
 * or the grant officer assigned with {assignGrantOfficer} (zero if none).
 *
 * Lifecycle: Open → Responded (responsible department answers before the deadline) or Escalated
 * (anyone, after an unanswered deadline) → Upheld / Dismissed (council ruling via a council call).
 * Upheld incidents count against the responsible department ({upheldCount}).
 */
interface IAccountability is IConsortiumManaged {
    /// @notice Type of an incident.
    enum IncidentType {
        DataError,
        UnauthorizedUse,
        Leak,
        Tamper
    }

    /// @notice What an incident is about.
    enum SubjectKind {
        ResourceVersion,
        Grant,
        Use
    }

    /// @notice Status of an incident.
    enum IncidentStatus {
        None,
        Open,
        Responded,
        Escalated,
        Upheld,
        Dismissed
    }

    /// @notice An incident as returned by {incident}.
    struct Incident {
        IncidentType incidentType;
        SubjectKind subjectKind;
        IncidentStatus status;
        uint256 subjectId;
        uint32 useIndex;
        address reporter;
        address responsible;
        bytes32 responsibleOfficerHash;
        bytes32 evidenceHash;
        bytes32 responseHash;
        bytes32 rulingHash;
        uint64 filedAt;
        uint64 responseDeadline;
    }

    // ------------------------------------------------------------------ events

    /// @notice The owner named `officerHash` steward of `resourceId`.
    event StewardAssigned(uint256 indexed resourceId, address indexed owner, bytes32 officerHash);
    /// @notice The grantee named `officerHash` responsible officer of `grantId`.
    event GrantOfficerAssigned(uint256 indexed grantId, address indexed grantee, bytes32 officerHash);
    /// @notice `reporter` filed `incidentId`, attributed to `responsible`.
    event IncidentFiled(
        uint256 indexed incidentId,
        address indexed responsible,
        address indexed reporter,
        IncidentType incidentType,
        SubjectKind subjectKind,
        uint256 subjectId,
        uint32 useIndex,
        bytes32 evidenceHash,
        bytes32 responsibleOfficerHash,
        uint64 responseDeadline
    );
    /// @notice The responsible department answered `incidentId`.
    event IncidentResponded(uint256 indexed incidentId, address indexed responsible, bytes32 responseHash);
    /// @notice `escalatedBy` escalated the unanswered `incidentId` after its deadline.
    event IncidentEscalated(uint256 indexed incidentId, address indexed escalatedBy);
    /// @notice The council ruled on `incidentId` through council-call proposal `proposalId`.
    event IncidentRuled(
        uint256 indexed incidentId,
        address indexed responsible,
        uint256 indexed proposalId,
        bool upheld,
        bytes32 rulingHash
    );

    // ------------------------------------------------------------------ errors

    /// @notice The catalog or usage-rights address given to the constructor is zero.
    error AccountabilityZeroAddress();
    /// @notice `account` does not own `resourceId`.
    error AccountabilityNotResourceOwner(uint256 resourceId, address account);
    /// @notice `account` is not the grantee of `grantId`.
    error AccountabilityNotGrantee(uint256 grantId, address account);
    /// @notice `account` is neither an active department nor an auditor.
    error AccountabilityNotReporter(address account);
    /// @notice `account` is not the department responsible for `incidentId`.
    error AccountabilityNotResponsible(uint256 incidentId, address account);
    /// @notice The officer hash is zero.
    error AccountabilityEmptyOfficerHash();
    /// @notice The evidence hash is zero.
    error AccountabilityEmptyEvidence();
    /// @notice The response hash is zero.
    error AccountabilityEmptyResponse();
    /// @notice The ruling hash is zero.
    error AccountabilityEmptyRuling();
    /// @notice `incidentType` is not 0..3.
    error AccountabilityInvalidIncidentType(uint8 incidentType);
    /// @notice `subjectKind` is not 0..2.
    error AccountabilityInvalidSubjectKind(uint8 subjectKind);
    /// @notice Incidents of `incidentType` cannot be filed against `subjectKind` (see the table above).
    error AccountabilityInvalidSubject(IncidentType incidentType, SubjectKind subjectKind);
    /// @notice The subject (`subjectKind`, `subjectId`, `useIndex`) does not exist.
    error AccountabilityUnknownSubject(SubjectKind subjectKind, uint256 subjectId, uint32 useIndex);
    /// @notice No resource has id `resourceId`.
    error AccountabilityUnknownResource(uint256 resourceId);
    /// @notice No grant has id `grantId`.
    error AccountabilityUnknownGrant(uint256 grantId);
    /// @notice `responseWindow` is outside {MIN_RESPONSE_WINDOW}..{MAX_RESPONSE_WINDOW}.
    error AccountabilityInvalidResponseWindow(uint64 responseWindow);
    /// @notice No incident has id `incidentId`.
    error AccountabilityUnknownIncident(uint256 incidentId);
    /// @notice `incidentId` is `status`, which does not allow this action.
    error AccountabilityInvalidIncidentStatus(uint256 incidentId, IncidentStatus status);
    /// @notice The response window of `incidentId` closed at `responseDeadline`.
    error AccountabilityResponseWindowClosed(uint256 incidentId, uint64 responseDeadline);
    /// @notice The response window of `incidentId` is open until `responseDeadline`.
    error AccountabilityResponseWindowOpen(uint256 incidentId, uint64 responseDeadline);

    // ------------------------------------------------------------------ writes

    /**
     * @notice Names the steward (responsible officer) of `resourceId`, replacing the previous one.
     * @dev Requirements: caller is the current owner; `officerHash` non-zero. Emits {StewardAssigned}.
     */
    function assignSteward(uint256 resourceId, bytes32 officerHash) external;

    /**
     * @notice Names the grantee's officer responsible for `grantId`, replacing the previous one.
     * @dev Requirements: the grant exists; caller is its grantee; `officerHash` non-zero.
     * Emits {GrantOfficerAssigned}.
     */
    function assignGrantOfficer(uint256 grantId, bytes32 officerHash) external;

    /**
     * @notice Files an incident; the responsible department is attributed by rule.
     * @param incidentType 0 DATA_ERROR, 1 UNAUTHORIZED_USE, 2 LEAK, 3 TAMPER.
     * @param subjectKind 0 RESOURCE_VERSION, 1 GRANT, 2 USE.
     * @param subjectId resourceId (RESOURCE_VERSION) or grantId (GRANT, USE).
     * @param useIndex version (RESOURCE_VERSION), 0 (GRANT) or use index (USE).
     * @param evidenceHash hash of the evidence document (non-zero).
     * @param responseWindow seconds the responsible department has to respond.
     * @return incidentId sequential from 1.
     * @dev Requirements: caller is an active department or an auditor; valid type, kind and combination;
     * the subject exists; `evidenceHash` non-zero; window within bounds. Emits {IncidentFiled}.
     */
    function fileIncident(
        uint8 incidentType,
        uint8 subjectKind,
        uint256 subjectId,
        uint32 useIndex,
        bytes32 evidenceHash,
        uint64 responseWindow
    ) external returns (uint256 incidentId);

    /**
     * @notice The responsible department answers `incidentId`.
     * @dev Requirements: caller is the responsible department; the incident is Open and
     * `block.timestamp <= responseDeadline`; `responseHash` non-zero. Emits {IncidentResponded}.
     */
    function respond(uint256 incidentId, bytes32 responseHash) external;

    /**
     * @notice Escalates an unanswered incident after its deadline.
     * @dev Requirements: the incident is Open and `block.timestamp > responseDeadline`. Anyone may call.
     * Emits {IncidentEscalated}.
     */
    function escalate(uint256 incidentId) external;

    /**
     * @notice The council rules on `incidentId`.
     * @dev Requirements: caller is the consortium; the incident is Responded or Escalated; `rulingHash`
     * non-zero. An upheld ruling increments {upheldCount} of the responsible department.
     * Emits {IncidentRuled}.
     */
    function rule(uint256 incidentId, bool upheld, bytes32 rulingHash) external;

    // ------------------------------------------------------------------ views

    /// @notice Shortest response window in seconds.
    function MIN_RESPONSE_WINDOW() external view returns (uint64);
    /// @notice Longest response window in seconds.
    function MAX_RESPONSE_WINDOW() external view returns (uint64);
    /// @notice The incident `incidentId`; reverts {AccountabilityUnknownIncident}.
    function incident(uint256 incidentId) external view returns (Incident memory);
    /// @notice Number of upheld incidents attributed to `department`.
    function upheldCount(address department) external view returns (uint256);
    /// @notice Number of incidents; ids run from 1 to `incidentCount()`.
    function incidentCount() external view returns (uint256);
    /// @notice Steward assigned to `resourceId` with {assignSteward}, zero if none.
    function stewardOf(uint256 resourceId) external view returns (bytes32);
    /// @notice Officer assigned to `grantId` with {assignGrantOfficer}, zero if none.
    function grantOfficerOf(uint256 grantId) external view returns (bytes32);
    /// @notice The data catalog.
    function catalog() external view returns (address);
    /// @notice The usage-rights contract.
    function usageRights() external view returns (address);
}
