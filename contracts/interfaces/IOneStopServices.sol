// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IConsortiumManaged} from "./IConsortiumManaged.sol";
/**
 * @title IOneStopServices
 * @notice One-stop citizen services (一网通办): "apply once, at any desk". A service declares which
 * evidence it needs from which department's data resource and which departments approve it in which
 * order; a case pulls that evidence through usage grants instead of asking the citizen for certificates,
 * and every approval step is decided on chain by the department responsible for it.
 *
 * @dev Services. The lead department registers a service (status Proposed); the council activates it with
 * a council call to {activateService}; the lead or the council retires it. A service has:
 *  - evidence requirements: each names a catalog resource (its current owner is the source department),
 *    a purpose code and a legal-basis hash. The lead must not own the resource (it needs no grant for its
 *    own data);
 *  - approval steps: each names a department and a stage; stages are numbered 1, 2, … and listed in
 *    non-decreasing order; steps of the same stage run in parallel, stages run in order;
 *  - a step deadline: each stage must be decided within `stepDeadline` seconds after it became current
 *    (stage 1 at case opening); after it anyone may {escalateStep} an undecided step of the current stage.
 *
 * Evidence. The lead department holds standing grants on the source resources (issued by the resource
 * owners or by the council through `IUsageRights.issueGrant` when the service is set up). For each
 * requirement of a case the lead
 *  1. records the use on UsageRights: `recordUse(grantId, officerHash, applicantHash, caseRef(caseId))`,
 *     so the use is on chain, for that citizen (`subjectHash = applicantHash`) and that case
 *     (`contextRef = caseRef(caseId) = keccak256(abi.encode(address(this), caseId))`), before the data
 *     is released;
 *  2. links the use to the case with {attachEvidence}, which checks through the UsageRights views that the
 *     caller is the grant's grantee, the grant's resource and purpose equal the requirement's, the use
 *     exists (`1 <= useIndex <= usedCount`) and the `(grantId, useIndex)` pair was never attached before.
 * UsageRights does not store a use's subject and context (they live only in `UseRecorded`), so that the
 * attached use carries `subjectHash == applicantHash` and `contextRef == caseRef(caseId)` is checked off
 * chain by the indexer/auditor by joining {EvidenceAttached} with `UseRecorded` on `(grantId, useIndex)`;
 * likewise the grant's legal basis (only in `GrantIssued`) against the requirement's.
 *
 * Cases. Any active department opens a case as front desk. A step's department approves or rejects it
 * while its stage is current; approval needs all evidence attached, rejection does not (a department may
 * refuse, with a reason, for example when the evidence cannot be obtained). A rejection rejects the case;
 * approval of every step of the last stage approves it ({CaseCompleted}). Escalation flags a late step
 * for supervision; the step's department may still decide it.
 *
 * Citizens appear only as keyed hashes (`applicantHash`, computed off chain with the deployment secret),
 * documents only as content hashes.
 */
interface IOneStopServices is IConsortiumManaged {
    /// @notice Status of a service.
    enum ServiceStatus {
        None,
        Proposed,
        Active,
        Retired
    }

    /// @notice Status of a case.
    enum CaseStatus {
        None,
        Open,
        Approved,
        Rejected
    }

    /// @notice Status of one approval step of a case.
    enum StepStatus {
        Pending,
        Approved,
        Rejected
    }

    /// @notice One piece of evidence a service needs: a use of `resourceId` for `purposeCode`.
    struct EvidenceRequirement {
        uint256 resourceId;
        uint32 purposeCode;
        bytes32 legalBasisHash;
    }

    /// @notice One approval step: `department` decides in `stage` (1, 2, …).
    struct ApprovalStep {
        address department;
        uint8 stage;
    }

    /// @notice A service as returned by {service}.
    struct Service {
        address lead;
        bytes32 nameHash;
        ServiceStatus status;
        uint64 stepDeadline;
        uint8 stageCount;
        uint64 registeredAt;
        EvidenceRequirement[] requirements;
        ApprovalStep[] steps;
    }

    /// @notice A case as returned by {caseInfo}. `stageDeadline` is `stageStartedAt + stepDeadline`.
    struct Case {
        uint256 serviceId;
        bytes32 applicantHash;
        bytes32 formHash;
        address frontDesk;
        CaseStatus status;
        uint8 submittedDocuments;
        uint8 evidenceAttached;
        uint8 evidenceRequired;
        uint8 currentStage;
        uint8 stageCount;
        uint64 openedAt;
        uint64 stageStartedAt;
        uint64 stageDeadline;
        uint64 closedAt; // 0 while open
    }

    /// @notice The state of one step of a case as returned by {stepStatuses}.
    struct StepState {
        address department;
        uint8 stage;
        StepStatus status;
        bool escalated;
        uint64 decidedAt; // 0 while pending
    }

    /// @notice The evidence linked to one requirement of a case as returned by {evidenceLinks};
    /// `grantId == 0` while missing.
    struct EvidenceLink {
        uint256 resourceId;
        uint256 grantId;
        uint32 useIndex;
        uint64 attachedAt;
    }

    // ------------------------------------------------------------------ events

    /// @notice `lead` registered `serviceId` (status Proposed) with its full definition.
    event ServiceRegistered(
        uint256 indexed serviceId,
        address indexed lead,
        bytes32 nameHash,
        uint64 stepDeadline,
        EvidenceRequirement[] requirements,
        ApprovalStep[] steps
    );
    /// @notice The council activated `serviceId` through council-call proposal `proposalId`.
    event ServiceActivated(uint256 indexed serviceId, uint256 indexed proposalId);
    /// @notice `retiredBy` (the lead or the consortium) retired `serviceId`; no new case can be opened.
    event ServiceRetired(uint256 indexed serviceId, address indexed retiredBy, bytes32 reasonHash);
    /// @notice The front desk `frontDesk` opened `caseId` of `serviceId` for the applicant `applicantHash`.
    /// `caseRef` is the `contextRef` under which the evidence uses of this case are recorded.
    event CaseOpened(
        uint256 indexed caseId,
        uint256 indexed serviceId,
        bytes32 indexed applicantHash,
        address frontDesk,
        bytes32 formHash,
        uint8 submittedDocuments,
        bytes32 caseRef
    );
    /// @notice `attachedBy` (the lead) linked use `useIndex` of `grantId` on `resourceId` to requirement
    /// `requirementIndex` of `caseId`.
    event EvidenceAttached(
        uint256 indexed caseId,
        uint256 indexed grantId,
        uint256 indexed resourceId,
        uint256 requirementIndex,
        uint32 useIndex,
        address attachedBy
    );
    /// @notice `department` approved step `stepIndex` (of `stage`) of `caseId`.
    event StepApproved(
        uint256 indexed caseId, uint256 indexed stepIndex, address indexed department, uint8 stage, bytes32 reasonHash
    );
    /// @notice `department` rejected step `stepIndex` (of `stage`) of `caseId`; the case is rejected.
    event StepRejected(
        uint256 indexed caseId, uint256 indexed stepIndex, address indexed department, uint8 stage, bytes32 reasonHash
    );
    /// @notice `escalatedBy` escalated the undecided step `stepIndex` of `caseId`, whose `deadline` passed.
    event StepEscalated(
        uint256 indexed caseId,
        uint256 indexed stepIndex,
        address indexed department,
        address escalatedBy,
        uint64 deadline
    );
    /// @notice Every step of the previous stage of `caseId` was approved; `stage` is now current and must
    /// be decided by `deadline`.
    event StageAdvanced(uint256 indexed caseId, uint8 stage, uint64 deadline);
    /// @notice `caseId` was approved. `documentsSubmitted` were handed in by the citizen, `evidencePulled`
    /// items were pulled through grants, `departmentsInvolved` distinct departments took part (front desk,
    /// lead, evidence sources, approving departments).
    event CaseCompleted(
        uint256 indexed caseId,
        uint256 indexed serviceId,
        bytes32 indexed applicantHash,
        uint8 documentsSubmitted,
        uint8 evidencePulled,
        uint8 departmentsInvolved
    );
    /// @notice `caseId` was rejected by `department` at step `stepIndex`.
    event CaseRejected(
        uint256 indexed caseId,
        uint256 indexed serviceId,
        bytes32 indexed applicantHash,
        uint256 stepIndex,
        address department
    );

    // ------------------------------------------------------------------ errors

    /// @notice The catalog or usage-rights address given to the constructor is zero.
    error OneStopServicesZeroAddress();
    /// @notice `account` is not the lead department of `serviceId` (nor, where allowed, the consortium).
    error OneStopServicesNotServiceLead(uint256 serviceId, address account);
    /// @notice The service name hash is zero.
    error OneStopServicesEmptyNameHash();
    /// @notice The reason hash is zero.
    error OneStopServicesEmptyReason();
    /// @notice The applicant hash is zero.
    error OneStopServicesEmptyApplicantHash();
    /// @notice The form hash is zero.
    error OneStopServicesEmptyFormHash();
    /// @notice `submittedDocuments` is zero (the form itself is always submitted).
    error OneStopServicesInvalidDocumentCount(uint8 submittedDocuments);
    /// @notice `stepDeadline` is zero or longer than {MAX_STEP_DEADLINE}.
    error OneStopServicesInvalidStepDeadline(uint64 stepDeadline);
    /// @notice More than {MAX_REQUIREMENTS} evidence requirements.
    error OneStopServicesInvalidRequirementCount(uint256 count, uint256 max);
    /// @notice No steps, or more than {MAX_STEPS}.
    error OneStopServicesInvalidStepCount(uint256 count, uint256 max);
    /// @notice Requirement `requirementIndex` names `resourceId`, which is not in the catalog.
    error OneStopServicesUnknownResource(uint256 requirementIndex, uint256 resourceId);
    /// @notice Requirement `requirementIndex` names `resourceId`, which the lead owns itself.
    error OneStopServicesOwnResource(uint256 requirementIndex, uint256 resourceId);
    /// @notice Requirement `requirementIndex` has a zero purpose code.
    error OneStopServicesInvalidPurpose(uint256 requirementIndex);
    /// @notice Requirement `requirementIndex` has a zero legal-basis hash.
    error OneStopServicesEmptyLegalBasis(uint256 requirementIndex);
    /// @notice Step `stepIndex` names `department`, which is not an active department.
    error OneStopServicesInvalidStepDepartment(uint256 stepIndex, address department);
    /// @notice Step `stepIndex` has `stage`, but stages must start at 1 and grow by at most 1 per step.
    error OneStopServicesInvalidStage(uint256 stepIndex, uint8 stage);
    /// @notice Step `stepIndex` repeats `department` within its stage.
    error OneStopServicesDuplicateStep(uint256 stepIndex, address department);
    /// @notice No service has id `serviceId`.
    error OneStopServicesUnknownService(uint256 serviceId);
    /// @notice `serviceId` is `status`, which does not allow this action.
    error OneStopServicesInvalidServiceStatus(uint256 serviceId, ServiceStatus status);
    /// @notice `serviceId` is not active, so no case can be opened.
    error OneStopServicesServiceNotActive(uint256 serviceId);
    /// @notice No case has id `caseId`.
    error OneStopServicesUnknownCase(uint256 caseId);
    /// @notice `caseId` is `status`, not open.
    error OneStopServicesCaseNotOpen(uint256 caseId, CaseStatus status);
    /// @notice The service of `caseId` has no requirement `requirementIndex`.
    error OneStopServicesUnknownRequirement(uint256 caseId, uint256 requirementIndex);
    /// @notice Requirement `requirementIndex` of `caseId` already has its evidence.
    error OneStopServicesEvidenceAlreadyAttached(uint256 caseId, uint256 requirementIndex);
    /// @notice No grant has id `grantId`.
    error OneStopServicesUnknownGrant(uint256 grantId);
    /// @notice `account` is not the grantee of `grantId`.
    error OneStopServicesNotGrantee(uint256 grantId, address account);
    /// @notice `grantId` is on `actualResourceId`, the requirement needs `requiredResourceId`.
    error OneStopServicesWrongResource(uint256 grantId, uint256 requiredResourceId, uint256 actualResourceId);
    /// @notice `grantId` is for `actualPurpose`, the requirement needs `requiredPurpose`.
    error OneStopServicesWrongPurpose(uint256 grantId, uint32 requiredPurpose, uint32 actualPurpose);
    /// @notice `grantId` has no use `useIndex` (it has `usedCount` uses, numbered from 1).
    error OneStopServicesUnknownUse(uint256 grantId, uint32 useIndex, uint32 usedCount);
    /// @notice Use `useIndex` of `grantId` is already evidence of `caseId`.
    error OneStopServicesUseAlreadyAttached(uint256 grantId, uint32 useIndex, uint256 caseId);
    /// @notice The service of `caseId` has no step `stepIndex`.
    error OneStopServicesUnknownStep(uint256 caseId, uint256 stepIndex);
    /// @notice `caller` is not the department of step `stepIndex` of `caseId`.
    error OneStopServicesWrongDepartment(uint256 caseId, uint256 stepIndex, address caller);
    /// @notice Step `stepIndex` of `caseId` belongs to `stepStage`, but `currentStage` is current.
    error OneStopServicesStageNotCurrent(uint256 caseId, uint256 stepIndex, uint8 stepStage, uint8 currentStage);
    /// @notice Step `stepIndex` of `caseId` was already decided (`status`).
    error OneStopServicesStepAlreadyDecided(uint256 caseId, uint256 stepIndex, StepStatus status);
    /// @notice Step `stepIndex` of `caseId` was already escalated.
    error OneStopServicesStepAlreadyEscalated(uint256 caseId, uint256 stepIndex);
    /// @notice `caseId` has `attached` of its `required` evidence items; approval needs all of them.
    error OneStopServicesEvidenceMissing(uint256 caseId, uint256 attached, uint256 required);
    /// @notice Step `stepIndex` of `caseId` can be escalated only after `deadline`.
    error OneStopServicesDeadlineNotReached(uint256 caseId, uint256 stepIndex, uint64 deadline);

    // ------------------------------------------------------------------ services

    /**
     * @notice Registers a service led by the caller; it stays Proposed until the council activates it.
     * @param nameHash hash of the published service definition (name, guide, forms), non-zero.
     * @param requirements evidence the service pulls through grants; at most {MAX_REQUIREMENTS}.
     * @param steps approval steps, stages 1, 2, … in non-decreasing order; 1..{MAX_STEPS} steps.
     * @param stepDeadline seconds each stage has to be decided; 1..{MAX_STEP_DEADLINE}.
     * @return serviceId sequential from 1.
     * @dev Requirements: caller is an active department; every requirement names a catalog resource the
     * caller does not own, a non-zero purpose and legal basis; every step names an active department, at
     * most once per stage; the first stage is 1 and each step's stage equals the previous one or exceeds it
     * by 1. Emits {ServiceRegistered}.
     */
    function registerService(
        bytes32 nameHash,
        EvidenceRequirement[] calldata requirements,
        ApprovalStep[] calldata steps,
        uint64 stepDeadline
    ) external returns (uint256 serviceId);

    /**
     * @notice The council activates `serviceId`; cases can then be opened.
     * @dev Requirements: caller is the consortium (council call); the service is Proposed.
     * Emits {ServiceActivated}.
     */
    function activateService(uint256 serviceId) external;

    /**
     * @notice Retires `serviceId`: no new case can be opened; open cases run to their end.
     * @dev Requirements: caller is the service's lead (an active department) or the consortium; the service
     * is Proposed or Active; `reasonHash` non-zero. Emits {ServiceRetired}.
     */
    function retireService(uint256 serviceId, bytes32 reasonHash) external;

    // ------------------------------------------------------------------ cases

    /**
     * @notice Opens a case of `serviceId` at the caller's desk.
     * @param applicantHash keyed hash of the citizen or enterprise (never personal data), non-zero.
     * @param formHash content hash of the application form, non-zero.
     * @param submittedDocuments number of documents the citizen handed in (form included), non-zero.
     * @return caseId sequential from 1.
     * @dev Requirements: caller is an active department; the service is Active.
     * Emits {CaseOpened}. Stage 1 is current from now.
     */
    function openCase(uint256 serviceId, bytes32 applicantHash, bytes32 formHash, uint8 submittedDocuments)
        external
        returns (uint256 caseId);

    /**
     * @notice Links use `useIndex` of `grantId` to requirement `requirementIndex` of `caseId`.
     * @dev The use must have been recorded with `recordUse(grantId, officerHash, applicantHash,
     * caseRef(caseId))` (checked off chain, see the contract notes).
     * Requirements: the case is Open; the requirement exists and has no evidence yet; caller is the
     * service's lead and an active department; the grant exists, its grantee is the caller, its resource
     * and purpose are the requirement's; `1 <= useIndex <= usedCount`; the use is not attached to any case.
     * Emits {EvidenceAttached}.
     */
    function attachEvidence(uint256 caseId, uint256 requirementIndex, uint256 grantId, uint32 useIndex) external;

    /**
     * @notice The caller approves step `stepIndex` of `caseId`.
     * @dev Requirements: the case is Open; the step exists; caller is its department and active; its stage
     * is current; it is undecided; every requirement has its evidence; `reasonHash` non-zero.
     * Emits {StepApproved}; then {StageAdvanced} when it was the stage's last approval, or
     * {CaseCompleted} when it was the last approval of the last stage.
     */
    function approveStep(uint256 caseId, uint256 stepIndex, bytes32 reasonHash) external;

    /**
     * @notice The caller rejects step `stepIndex` of `caseId`, which rejects the case.
     * @dev Requirements: as {approveStep}, except that missing evidence does not prevent a rejection.
     * Emits {StepRejected} and {CaseRejected}.
     */
    function rejectStep(uint256 caseId, uint256 stepIndex, bytes32 reasonHash) external;

    /**
     * @notice Escalates the undecided step `stepIndex` of `caseId` after its deadline. Anyone may call.
     * @dev Requirements: the case is Open; the step exists, its stage is current, it is undecided and not
     * escalated yet; `block.timestamp > stageStartedAt + stepDeadline`. Emits {StepEscalated}.
     */
    function escalateStep(uint256 caseId, uint256 stepIndex) external;

    // ------------------------------------------------------------------ views

    /// @notice Most evidence requirements per service.
    function MAX_REQUIREMENTS() external view returns (uint256);
    /// @notice Most approval steps per service.
    function MAX_STEPS() external view returns (uint256);
    /// @notice Longest step deadline in seconds.
    function MAX_STEP_DEADLINE() external view returns (uint64);
    /// @notice The service `serviceId` with its requirements and steps; reverts {OneStopServicesUnknownService}.
    function service(uint256 serviceId) external view returns (Service memory);
    /// @notice The case `caseId`; reverts {OneStopServicesUnknownCase}.
    function caseInfo(uint256 caseId) external view returns (Case memory);
    /// @notice The state of every step of `caseId`, in the service's step order.
    function stepStatuses(uint256 caseId) external view returns (StepState[] memory);
    /// @notice The evidence of every requirement of `caseId`, in the service's requirement order.
    function evidenceLinks(uint256 caseId) external view returns (EvidenceLink[] memory);
    /// @notice The `contextRef` the lead records evidence uses of `caseId` under:
    /// `keccak256(abi.encode(address(this), caseId))`. Does not check that the case exists.
    function caseRef(uint256 caseId) external view returns (bytes32);
    /// @notice The case use `useIndex` of `grantId` is evidence of, or 0.
    function caseOfUse(uint256 grantId, uint32 useIndex) external view returns (uint256 caseId);
    /// @notice Number of services; ids run from 1 to `serviceCount()`.
    function serviceCount() external view returns (uint256);
    /// @notice Number of cases; ids run from 1 to `caseCount()`.
    function caseCount() external view returns (uint256);
    /// @notice The data catalog.
    function catalog() external view returns (address);
    /// @notice The usage-rights contract.
    function usageRights() external view returns (address);
}
