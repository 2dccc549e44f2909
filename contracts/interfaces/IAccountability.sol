// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IConsortiumManaged} from "./IConsortiumManaged.sol";
/**
 * @title IAccountability
 * @notice Named responsibility and incidents. Officers are assigned to resources (stewards) and to grants
 * (grant officers); incidents are filed against a resource version, a grant or a single use, and the
 * responsible department and officer are attributed by rule from the on-chain record, not argued.
 *
 * Blame follows the record: a use is answered for by the officer recorded in that use, a published
 * version by the department and officer that published it, whatever was reassigned or transferred since.
 *
 * | incident type        | subject kinds    | responsible department          | responsible officer             |
 * |----------------------|------------------|---------------------------------|---------------------------------|
 * | DATA_ERROR (0)       | RESOURCE_VERSION | the publisher of that version   | the officer who published it    |
 * | TAMPER (3)           | RESOURCE_VERSION | current owner (the custodian)   | steward from {assignSteward}    |
 * | UNAUTHORIZED_USE (1) | USE              | grantee of the grant            | officer recorded in the use     |
 * | LEAK (2)             | USE              | grantee of the grant            | officer recorded in the use     |
 * | UNAUTHORIZED_USE (1) | GRANT            | grantee of the grant            | grant officer at filing time    |
 * | LEAK (2)             | GRANT            | grantee of the grant            | grant officer at filing time    |
 *
 * The publisher of a version and, from version 2 on, its officer are read from
 * `IDataCatalog.versionPublication`. The officer of a use (`UseRecorded.officerHash`) and of version 1
 * (`ResourceRegistered.stewardHash`) are kept only in those events (storing them would put `recordUse`
 * and `registerResource` over their gas targets): the reporter cites them as `officerHash`, copied from
 * the event, which anyone can check against it; the chain cannot. Where the chain holds the officer
 * itself, the citation is optional: zero, or equal to it. Stewards and grant officers assigned later never
 * change the officer of a use or of a published version.
 *
 * Who may file what (a reporter is an active department or an auditor; auditors also file citizens'
 * objections on their behalf):
 *
 * | incident type              | subject              | may file                                                 |
 * |----------------------------|----------------------|----------------------------------------------------------|
 * | UNAUTHORIZED_USE, LEAK     | GRANT, USE           | auditor; current owner of the grant's resource; grantee  |
 * | DATA_ERROR, TAMPER         | RESOURCE_VERSION     | auditor; current owner; publisher of that version;       |
 * |                            |                      | a grantee naming its grant on that resource (`viaGrant`) |
 *
 * Subject kinds: RESOURCE_VERSION (subjectId = resourceId, useIndex = version 1..versionCount),
 * GRANT (subjectId = grantId, useIndex = 0), USE (subjectId = grantId, useIndex = 1..usedCount).
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
    /// @notice `reporter` filed `incidentId`, attributed to `responsible` and its officer
    /// `responsibleOfficerHash` by the rule of {IAccountability} at filing time.
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
    /// @notice `account` may not file about `grantId` or its uses: it is neither an auditor, nor the current
    /// owner of the grant's resource, nor the grantee.
    error AccountabilityNotPartyToGrant(uint256 grantId, address account);
    /// @notice `account` may not file about `version` of `resourceId` without naming its grant on the resource:
    /// it is neither an auditor, nor the current owner, nor the department that published that version.
    error AccountabilityNoStandingOnResource(uint256 resourceId, uint32 version, address account);
    /// @notice `viaGrant` is not a grant of `account` on the incident's resource, or a grant was named for a
    /// GRANT or USE subject (whose grant is the subject itself).
    error AccountabilityInvalidReporterGrant(uint256 viaGrant, address account);
    /// @notice The officer of this subject is kept only in an event (a use's `UseRecorded`, version 1's
    /// `ResourceRegistered`): the reporter must cite it as `officerHash`.
    error AccountabilityEmptyOfficerCitation(SubjectKind subjectKind, uint256 subjectId, uint32 useIndex);
    /// @notice The cited officer `cited` differs from the officer `recorded` on chain for this subject.
    error AccountabilityInvalidOfficerCitation(bytes32 recorded, bytes32 cited);
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
     * @notice Names the steward (responsible officer) of `resourceId`, replacing the previous one. It answers
     * for TAMPER incidents filed from now on; DATA_ERROR incidents name the officer who published the version.
     * @dev Requirements: caller is the current owner; `officerHash` non-zero. Emits {StewardAssigned}.
     */
    function assignSteward(uint256 resourceId, bytes32 officerHash) external;

    /**
     * @notice Names the grantee's officer responsible for `grantId`, replacing the previous one. It answers
     * for incidents about the grant as a whole filed from now on; an incident about one use names the officer
     * recorded in that use.
     * @dev Requirements: the grant exists; caller is its grantee; `officerHash` non-zero.
     * Emits {GrantOfficerAssigned}.
     */
    function assignGrantOfficer(uint256 grantId, bytes32 officerHash) external;

    /**
     * @notice Files an incident; the responsible department and officer are attributed by rule.
     * @param incidentType 0 DATA_ERROR, 1 UNAUTHORIZED_USE, 2 LEAK, 3 TAMPER.
     * @param subjectKind 0 RESOURCE_VERSION, 1 GRANT, 2 USE.
     * @param subjectId resourceId (RESOURCE_VERSION) or grantId (GRANT, USE).
     * @param useIndex version (RESOURCE_VERSION), 0 (GRANT) or use index (USE).
     * @param officerHash the officer the subject's record names, cited from its event: required for a USE
     * (`UseRecorded.officerHash`) and for a DATA_ERROR about version 1 (`ResourceRegistered.stewardHash`);
     * otherwise zero or equal to the officer the chain holds.
     * @param viaGrant for a grantee filing about a RESOURCE_VERSION: its grant on that resource (current or
     * past); otherwise 0.
     * @param evidenceHash hash of the evidence document (non-zero).
     * @param responseWindow seconds the responsible department has to respond.
     * @return incidentId sequential from 1.
     * @dev Requirements, in this order: caller is an active department or an auditor
     * ({AccountabilityNotReporter}); valid type and kind; `evidenceHash` non-zero; window within bounds; a
     * valid type/kind combination ({AccountabilityInvalidSubject}); the subject exists
     * ({AccountabilityUnknownSubject}); the caller may file about it ({AccountabilityNotPartyToGrant},
     * {AccountabilityInvalidReporterGrant}, {AccountabilityNoStandingOnResource}); the officer citation
     * ({AccountabilityEmptyOfficerCitation}, {AccountabilityInvalidOfficerCitation}). Emits {IncidentFiled}.
     */
    function fileIncident(
        uint8 incidentType,
        uint8 subjectKind,
        uint256 subjectId,
        uint32 useIndex,
        bytes32 officerHash,
        uint256 viaGrant,
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
    /// @notice Steward assigned to `resourceId` with {assignSteward}, zero if none; named by TAMPER incidents.
    function stewardOf(uint256 resourceId) external view returns (bytes32);
    /// @notice Officer assigned to `grantId` with {assignGrantOfficer}, zero if none; named by incidents about
    /// the grant as a whole, never by incidents about one of its uses.
    function grantOfficerOf(uint256 grantId) external view returns (bytes32);
    /// @notice The data catalog.
    function catalog() external view returns (address);
    /// @notice The usage-rights contract.
    function usageRights() external view returns (address);
}
