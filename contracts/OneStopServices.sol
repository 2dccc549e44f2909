// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ConsortiumManaged} from "./ConsortiumManaged.sol";
import {IDataCatalog} from "./interfaces/IDataCatalog.sol";
import {IOneStopServices} from "./interfaces/IOneStopServices.sol";
import {IUsageRights} from "./interfaces/IUsageRights.sol";

/**
 * @title OneStopServices
 * @notice One-stop citizen services: service definitions, cases, evidence pulled through usage grants and
 * staged approval steps. See {IOneStopServices}.
 * @dev A service is three slots plus two per requirement and one per step; the stage boundaries are packed
 * into one word (byte `s - 1` holds the index one past the last step of stage `s`), so a decision reads
 * the number of steps of its stage with one load. A case is four slots plus one per decided step and one
 * per attached evidence item.
 */
contract OneStopServices is IOneStopServices, ConsortiumManaged {
    uint256 public constant MAX_REQUIREMENTS = 16;
    uint256 public constant MAX_STEPS = 16;
    uint64 public constant MAX_STEP_DEADLINE = 90 days;

    struct ServiceRecord {
        // slot 0
        address lead;
        uint64 stepDeadline;
        ServiceStatus status;
        uint8 stageCount;
        uint8 requirementCount;
        uint8 stepCount;
        // slot 1
        bytes32 nameHash;
        // slot 2
        uint64 registeredAt;
        uint128 stageEnds;
    }

    struct RequirementRecord {
        uint64 resourceId;
        uint32 purposeCode;
        bytes32 legalBasisHash;
    }

    struct StepDefinition {
        address department;
        uint8 stage;
    }

    struct CaseRecord {
        // slot 0
        uint64 serviceId;
        uint64 openedAt;
        uint64 stageStartedAt;
        CaseStatus status;
        uint8 currentStage;
        uint8 approvedInStage;
        uint8 evidenceAttached;
        uint8 submittedDocuments;
        // slot 1
        address frontDesk;
        uint64 closedAt;
        // slots 2, 3
        bytes32 applicantHash;
        bytes32 formHash;
    }

    struct StepRecord {
        StepStatus status;
        bool escalated;
        uint64 decidedAt;
    }

    struct EvidenceRecord {
        uint64 grantId;
        uint32 useIndex;
        uint64 attachedAt;
    }

    IDataCatalog private immutable _catalog;
    IUsageRights private immutable _usageRights;

    uint256 private _serviceCount;
    uint256 private _caseCount;
    mapping(uint256 serviceId => ServiceRecord) private _services;
    mapping(uint256 serviceId => mapping(uint256 index => RequirementRecord)) private _requirements;
    mapping(uint256 serviceId => mapping(uint256 index => StepDefinition)) private _steps;
    mapping(uint256 caseId => CaseRecord) private _cases;
    mapping(uint256 caseId => mapping(uint256 stepIndex => StepRecord)) private _caseSteps;
    mapping(uint256 caseId => mapping(uint256 requirementIndex => EvidenceRecord)) private _evidence;
    mapping(uint256 grantId => mapping(uint32 useIndex => uint256 caseId)) private _useCase;

    /// @param consortium_ the consortium (departments, council).
    /// @param catalog_ the data catalog (resources and their owners).
    /// @param usageRights_ the usage-rights contract (grants and recorded uses).
    constructor(address consortium_, address catalog_, address usageRights_) ConsortiumManaged(consortium_) {
        if (catalog_ == address(0) || usageRights_ == address(0)) {
            revert OneStopServicesZeroAddress();
        }
        _catalog = IDataCatalog(catalog_);
        _usageRights = IUsageRights(usageRights_);
    }

    // ================================================================== services

    /// @inheritdoc IOneStopServices
    function registerService(
        bytes32 nameHash,
        EvidenceRequirement[] calldata requirements,
        ApprovalStep[] calldata steps,
        uint64 stepDeadline
    ) external returns (uint256 serviceId) {
        _requireActiveDepartment(msg.sender);
        if (nameHash == bytes32(0)) revert OneStopServicesEmptyNameHash();
        if (requirements.length > MAX_REQUIREMENTS) {
            revert OneStopServicesInvalidRequirementCount(requirements.length, MAX_REQUIREMENTS);
        }
        if (steps.length == 0 || steps.length > MAX_STEPS) {
            revert OneStopServicesInvalidStepCount(steps.length, MAX_STEPS);
        }
        if (stepDeadline == 0 || stepDeadline > MAX_STEP_DEADLINE) {
            revert OneStopServicesInvalidStepDeadline(stepDeadline);
        }

        serviceId = ++_serviceCount;
        _storeRequirements(serviceId, requirements);
        (uint8 stageCount, uint128 stageEnds) = _storeSteps(serviceId, steps);
        _services[serviceId] = ServiceRecord({
            lead: msg.sender,
            stepDeadline: stepDeadline,
            status: ServiceStatus.Proposed,
            stageCount: stageCount,
            requirementCount: uint8(requirements.length),
            stepCount: uint8(steps.length),
            nameHash: nameHash,
            registeredAt: uint64(block.timestamp),
            stageEnds: stageEnds
        });
        emit ServiceRegistered(serviceId, msg.sender, nameHash, stepDeadline, requirements, steps);
    }

    /// @inheritdoc IOneStopServices
    function activateService(uint256 serviceId) external onlyCouncil {
        ServiceRecord storage s = _existingService(serviceId);
        ServiceStatus status = s.status;
        if (status != ServiceStatus.Proposed) revert OneStopServicesInvalidServiceStatus(serviceId, status);
        // Any council call may activate a service (no unanimity rule); `unanimous` is read only to
        // consume both return values (slither unused-return).
        (uint256 proposalId, bool unanimous) = _consortium().executingProposal();
        unanimous;

        s.status = ServiceStatus.Active;
        emit ServiceActivated(serviceId, proposalId);
    }

    /// @inheritdoc IOneStopServices
    function retireService(uint256 serviceId, bytes32 reasonHash) external {
        ServiceRecord storage s = _existingService(serviceId);
        if (!_isCouncilCall()) {
            if (s.lead != msg.sender) revert OneStopServicesNotServiceLead(serviceId, msg.sender);
            _requireActiveDepartment(msg.sender);
        }
        ServiceStatus status = s.status;
        if (status != ServiceStatus.Proposed && status != ServiceStatus.Active) {
            revert OneStopServicesInvalidServiceStatus(serviceId, status);
        }
        if (reasonHash == bytes32(0)) revert OneStopServicesEmptyReason();

        s.status = ServiceStatus.Retired;
        emit ServiceRetired(serviceId, msg.sender, reasonHash);
    }

    // ================================================================== cases

    /// @inheritdoc IOneStopServices
    function openCase(uint256 serviceId, bytes32 applicantHash, bytes32 formHash, uint8 submittedDocuments)
        external
        returns (uint256 caseId)
    {
        _requireActiveDepartment(msg.sender);
        if (_existingService(serviceId).status != ServiceStatus.Active) {
            revert OneStopServicesServiceNotActive(serviceId);
        }
        if (applicantHash == bytes32(0)) revert OneStopServicesEmptyApplicantHash();
        if (formHash == bytes32(0)) revert OneStopServicesEmptyFormHash();
        if (submittedDocuments == 0) revert OneStopServicesInvalidDocumentCount(submittedDocuments);

        caseId = ++_caseCount;
        _cases[caseId] = CaseRecord({
            serviceId: uint64(serviceId),
            openedAt: uint64(block.timestamp),
            stageStartedAt: uint64(block.timestamp),
            status: CaseStatus.Open,
            currentStage: 1,
            approvedInStage: 0,
            evidenceAttached: 0,
            submittedDocuments: submittedDocuments,
            frontDesk: msg.sender,
            closedAt: 0,
            applicantHash: applicantHash,
            formHash: formHash
        });
        emit CaseOpened(caseId, serviceId, applicantHash, msg.sender, formHash, submittedDocuments, _caseRef(caseId));
    }

    /// @inheritdoc IOneStopServices
    function attachEvidence(uint256 caseId, uint256 requirementIndex, uint256 grantId, uint32 useIndex) external {
        CaseRecord storage c = _openCase(caseId);
        uint256 serviceId = c.serviceId;
        ServiceRecord storage s = _services[serviceId];
        if (requirementIndex >= s.requirementCount) {
            revert OneStopServicesUnknownRequirement(caseId, requirementIndex);
        }
        if (s.lead != msg.sender) revert OneStopServicesNotServiceLead(serviceId, msg.sender);
        _requireActiveDepartment(msg.sender);
        EvidenceRecord storage e = _evidence[caseId][requirementIndex];
        if (e.grantId != 0) revert OneStopServicesEvidenceAlreadyAttached(caseId, requirementIndex);
        uint256 resourceId = _checkUse(_requirements[serviceId][requirementIndex], grantId, useIndex);
        uint256 otherCase = _useCase[grantId][useIndex];
        if (otherCase != 0) revert OneStopServicesUseAlreadyAttached(grantId, useIndex, otherCase);

        e.grantId = uint64(grantId);
        e.useIndex = useIndex;
        e.attachedAt = uint64(block.timestamp);
        _useCase[grantId][useIndex] = caseId;
        ++c.evidenceAttached; // at most requirementCount <= MAX_REQUIREMENTS
        emit EvidenceAttached(caseId, grantId, resourceId, requirementIndex, useIndex, msg.sender);
    }

    /// @inheritdoc IOneStopServices
    function approveStep(uint256 caseId, uint256 stepIndex, bytes32 reasonHash) external {
        (CaseRecord storage c, ServiceRecord storage s, uint8 stage) = _decidableStep(caseId, stepIndex);
        uint8 required = s.requirementCount;
        if (c.evidenceAttached < required) {
            revert OneStopServicesEvidenceMissing(caseId, c.evidenceAttached, required);
        }
        if (reasonHash == bytes32(0)) revert OneStopServicesEmptyReason();

        StepRecord storage st = _caseSteps[caseId][stepIndex];
        st.status = StepStatus.Approved;
        st.decidedAt = uint64(block.timestamp);
        emit StepApproved(caseId, stepIndex, msg.sender, stage, reasonHash);

        uint8 approved = c.approvedInStage + 1;
        (uint256 start, uint256 end) = _stageBounds(s.stageEnds, stage);
        if (approved < end - start) {
            c.approvedInStage = approved;
        } else if (stage < s.stageCount) {
            c.currentStage = stage + 1;
            c.stageStartedAt = uint64(block.timestamp);
            c.approvedInStage = 0;
            emit StageAdvanced(caseId, stage + 1, uint64(block.timestamp) + s.stepDeadline);
        } else {
            c.approvedInStage = approved;
            c.status = CaseStatus.Approved;
            c.closedAt = uint64(block.timestamp);
            emit CaseCompleted(
                caseId, c.serviceId, c.applicantHash, c.submittedDocuments, c.evidenceAttached, _departmentsInvolved(c, s)
            );
        }
    }

    /// @inheritdoc IOneStopServices
    function rejectStep(uint256 caseId, uint256 stepIndex, bytes32 reasonHash) external {
        (CaseRecord storage c,, uint8 stage) = _decidableStep(caseId, stepIndex);
        if (reasonHash == bytes32(0)) revert OneStopServicesEmptyReason();

        StepRecord storage st = _caseSteps[caseId][stepIndex];
        st.status = StepStatus.Rejected;
        st.decidedAt = uint64(block.timestamp);
        emit StepRejected(caseId, stepIndex, msg.sender, stage, reasonHash);

        c.status = CaseStatus.Rejected;
        c.closedAt = uint64(block.timestamp);
        emit CaseRejected(caseId, c.serviceId, c.applicantHash, stepIndex, msg.sender);
    }

    /// @inheritdoc IOneStopServices
    function escalateStep(uint256 caseId, uint256 stepIndex) external {
        CaseRecord storage c = _openCase(caseId);
        ServiceRecord storage s = _services[c.serviceId];
        StepDefinition storage d = _stepDefinition(c, s, caseId, stepIndex);
        _requireCurrentUndecided(c, d.stage, caseId, stepIndex);
        StepRecord storage st = _caseSteps[caseId][stepIndex];
        if (st.escalated) revert OneStopServicesStepAlreadyEscalated(caseId, stepIndex);
        uint64 deadline = c.stageStartedAt + s.stepDeadline;
        if (block.timestamp <= deadline) revert OneStopServicesDeadlineNotReached(caseId, stepIndex, deadline);

        st.escalated = true;
        emit StepEscalated(caseId, stepIndex, d.department, msg.sender, deadline);
    }

    // ================================================================== views

    /// @inheritdoc IOneStopServices
    function service(uint256 serviceId) external view returns (Service memory out) {
        ServiceRecord storage s = _existingService(serviceId);
        out.lead = s.lead;
        out.nameHash = s.nameHash;
        out.status = s.status;
        out.stepDeadline = s.stepDeadline;
        out.stageCount = s.stageCount;
        out.registeredAt = s.registeredAt;
        uint256 n = s.requirementCount;
        out.requirements = new EvidenceRequirement[](n);
        for (uint256 i = 0; i < n; ++i) {
            RequirementRecord storage r = _requirements[serviceId][i];
            out.requirements[i] = EvidenceRequirement(r.resourceId, r.purposeCode, r.legalBasisHash);
        }
        n = s.stepCount;
        out.steps = new ApprovalStep[](n);
        for (uint256 i = 0; i < n; ++i) {
            StepDefinition storage d = _steps[serviceId][i];
            out.steps[i] = ApprovalStep(d.department, d.stage);
        }
    }

    /// @inheritdoc IOneStopServices
    function caseInfo(uint256 caseId) external view returns (Case memory) {
        CaseRecord storage c = _existingCase(caseId);
        ServiceRecord storage s = _services[c.serviceId];
        return Case({
            serviceId: c.serviceId,
            applicantHash: c.applicantHash,
            formHash: c.formHash,
            frontDesk: c.frontDesk,
            status: c.status,
            submittedDocuments: c.submittedDocuments,
            evidenceAttached: c.evidenceAttached,
            evidenceRequired: s.requirementCount,
            currentStage: c.currentStage,
            stageCount: s.stageCount,
            openedAt: c.openedAt,
            stageStartedAt: c.stageStartedAt,
            stageDeadline: c.stageStartedAt + s.stepDeadline,
            closedAt: c.closedAt
        });
    }

    /// @inheritdoc IOneStopServices
    function stepStatuses(uint256 caseId) external view returns (StepState[] memory out) {
        uint256 serviceId = _existingCase(caseId).serviceId;
        uint256 n = _services[serviceId].stepCount;
        out = new StepState[](n);
        for (uint256 i = 0; i < n; ++i) {
            StepDefinition storage d = _steps[serviceId][i];
            StepRecord storage st = _caseSteps[caseId][i];
            out[i] = StepState(d.department, d.stage, st.status, st.escalated, st.decidedAt);
        }
    }

    /// @inheritdoc IOneStopServices
    function evidenceLinks(uint256 caseId) external view returns (EvidenceLink[] memory out) {
        uint256 serviceId = _existingCase(caseId).serviceId;
        uint256 n = _services[serviceId].requirementCount;
        out = new EvidenceLink[](n);
        for (uint256 i = 0; i < n; ++i) {
            EvidenceRecord storage e = _evidence[caseId][i];
            out[i] = EvidenceLink(_requirements[serviceId][i].resourceId, e.grantId, e.useIndex, e.attachedAt);
        }
    }

    /// @inheritdoc IOneStopServices
    function caseRef(uint256 caseId) external view returns (bytes32) {
        return _caseRef(caseId);
    }

    /// @inheritdoc IOneStopServices
    function caseOfUse(uint256 grantId, uint32 useIndex) external view returns (uint256) {
        return _useCase[grantId][useIndex];
    }

    /// @inheritdoc IOneStopServices
    function serviceCount() external view returns (uint256) {
        return _serviceCount;
    }

    /// @inheritdoc IOneStopServices
    function caseCount() external view returns (uint256) {
        return _caseCount;
    }

    /// @inheritdoc IOneStopServices
    function catalog() external view returns (address) {
        return address(_catalog);
    }

    /// @inheritdoc IOneStopServices
    function usageRights() external view returns (address) {
        return address(_usageRights);
    }

    // ================================================================== internals

    function _storeRequirements(uint256 serviceId, EvidenceRequirement[] calldata requirements) private {
        uint256 resourceCount = _catalog.resourceCount();
        uint256 n = requirements.length;
        for (uint256 i = 0; i < n; ++i) {
            EvidenceRequirement calldata r = requirements[i];
            uint256 resourceId = r.resourceId;
            if (resourceId == 0 || resourceId > resourceCount) revert OneStopServicesUnknownResource(i, resourceId);
            if (_catalog.ownerOf(resourceId) == msg.sender) revert OneStopServicesOwnResource(i, resourceId);
            if (r.purposeCode == 0) revert OneStopServicesInvalidPurpose(i);
            if (r.legalBasisHash == bytes32(0)) revert OneStopServicesEmptyLegalBasis(i);
            _requirements[serviceId][i] = RequirementRecord({
                resourceId: uint64(resourceId),
                purposeCode: r.purposeCode,
                legalBasisHash: r.legalBasisHash
            });
        }
    }

    /// @dev Validates and stores the steps; returns the number of stages and the packed stage ends.
    function _storeSteps(uint256 serviceId, ApprovalStep[] calldata steps)
        private
        returns (uint8 stageCount, uint128 stageEnds)
    {
        uint256 n = steps.length;
        uint256 stageStart = 0;
        for (uint256 i = 0; i < n; ++i) {
            address department = steps[i].department;
            uint8 stage = steps[i].stage;
            if (department == address(0) || !_consortium().isActiveDepartment(department)) {
                revert OneStopServicesInvalidStepDepartment(i, department);
            }
            if (stage == stageCount + 1) {
                if (stageCount != 0) stageEnds |= uint128(i) << (8 * (stageCount - 1));
                stageCount = stage;
                stageStart = i;
            } else if (stage != stageCount || stage == 0) {
                revert OneStopServicesInvalidStage(i, stage);
            }
            for (uint256 j = stageStart; j < i; ++j) {
                if (steps[j].department == department) revert OneStopServicesDuplicateStep(i, department);
            }
            _steps[serviceId][i] = StepDefinition({department: department, stage: stage});
        }
        stageEnds |= uint128(n) << (8 * (stageCount - 1));
    }

    /// @dev Checks that the caller may link use `useIndex` of `grantId` to requirement `r`; returns the
    /// grant's resource.
    function _checkUse(RequirementRecord storage r, uint256 grantId, uint32 useIndex)
        private
        view
        returns (uint256 resourceId)
    {
        if (grantId == 0 || grantId > _usageRights.grantCount()) revert OneStopServicesUnknownGrant(grantId);
        IUsageRights.Grant memory g = _usageRights.grant(grantId);
        if (g.grantee != msg.sender) revert OneStopServicesNotGrantee(grantId, msg.sender);
        resourceId = g.resourceId;
        if (resourceId != r.resourceId) revert OneStopServicesWrongResource(grantId, r.resourceId, resourceId);
        if (g.purposeCode != r.purposeCode) revert OneStopServicesWrongPurpose(grantId, r.purposeCode, g.purposeCode);
        if (useIndex == 0 || useIndex > g.usedCount) revert OneStopServicesUnknownUse(grantId, useIndex, g.usedCount);
    }

    /// @dev Common checks of {approveStep} and {rejectStep}; returns the case, its service and the step's stage.
    function _decidableStep(uint256 caseId, uint256 stepIndex)
        private
        view
        returns (CaseRecord storage c, ServiceRecord storage s, uint8 stage)
    {
        c = _openCase(caseId);
        s = _services[c.serviceId];
        StepDefinition storage d = _stepDefinition(c, s, caseId, stepIndex);
        if (d.department != msg.sender) revert OneStopServicesWrongDepartment(caseId, stepIndex, msg.sender);
        _requireActiveDepartment(msg.sender);
        stage = d.stage;
        _requireCurrentUndecided(c, stage, caseId, stepIndex);
    }

    function _stepDefinition(CaseRecord storage c, ServiceRecord storage s, uint256 caseId, uint256 stepIndex)
        private
        view
        returns (StepDefinition storage)
    {
        if (stepIndex >= s.stepCount) revert OneStopServicesUnknownStep(caseId, stepIndex);
        return _steps[c.serviceId][stepIndex];
    }

    function _requireCurrentUndecided(CaseRecord storage c, uint8 stage, uint256 caseId, uint256 stepIndex)
        private
        view
    {
        uint8 current = c.currentStage;
        if (stage != current) revert OneStopServicesStageNotCurrent(caseId, stepIndex, stage, current);
        StepStatus status = _caseSteps[caseId][stepIndex].status;
        if (status != StepStatus.Pending) revert OneStopServicesStepAlreadyDecided(caseId, stepIndex, status);
    }

    /// @dev Distinct departments of a completed case: front desk, lead, current owners of the evidence
    /// resources and the step departments.
    function _departmentsInvolved(CaseRecord storage c, ServiceRecord storage s) private view returns (uint8) {
        uint256 serviceId = c.serviceId;
        uint256 nReq = s.requirementCount;
        uint256 nSteps = s.stepCount;
        address[] memory seen = new address[](2 + nReq + nSteps);
        uint256 count = _addDistinct(seen, 0, c.frontDesk);
        count = _addDistinct(seen, count, s.lead);
        for (uint256 i = 0; i < nReq; ++i) {
            count = _addDistinct(seen, count, _catalog.ownerOf(_requirements[serviceId][i].resourceId));
        }
        for (uint256 i = 0; i < nSteps; ++i) {
            count = _addDistinct(seen, count, _steps[serviceId][i].department);
        }
        return uint8(count); // at most 2 + 16 + 16
    }

    function _addDistinct(address[] memory seen, uint256 count, address account) private pure returns (uint256) {
        for (uint256 i = 0; i < count; ++i) {
            if (seen[i] == account) return count;
        }
        seen[count] = account;
        return count + 1;
    }

    /// @dev First and one-past-last step index of `stage` (stages are contiguous, see the contract notes).
    function _stageBounds(uint128 stageEnds, uint8 stage) private pure returns (uint256 start, uint256 end) {
        end = uint8(stageEnds >> (8 * (stage - 1)));
        start = stage == 1 ? 0 : uint8(stageEnds >> (8 * (stage - 2)));
    }

    function _caseRef(uint256 caseId) private view returns (bytes32) {
        return keccak256(abi.encode(address(this), caseId));
    }

    function _existingService(uint256 serviceId) private view returns (ServiceRecord storage s) {
        s = _services[serviceId];
        if (s.lead == address(0)) revert OneStopServicesUnknownService(serviceId);
    }

    function _existingCase(uint256 caseId) private view returns (CaseRecord storage c) {
        c = _cases[caseId];
        if (c.status == CaseStatus.None) revert OneStopServicesUnknownCase(caseId);
    }

    function _openCase(uint256 caseId) private view returns (CaseRecord storage c) {
        c = _existingCase(caseId);
        CaseStatus status = c.status;
        if (status != CaseStatus.Open) revert OneStopServicesCaseNotOpen(caseId, status);
    }
}
