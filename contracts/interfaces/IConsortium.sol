// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title IConsortium
 * @notice The GovChain council: a k-of-n set of governors that admits, suspends and reinstates
 * departments, changes its own membership and threshold, appoints auditors and acts on the other
 * GovChain contracts through council calls. There is no administrator: every change is a proposal
 * that executes when the required number of distinct current governors approved it.
 *
 * @dev Lifecycle of a proposal:
 *  - a governor creates it with one of the `propose…` functions; creating counts as the proposer's
 *    approval;
 *  - other governors call {approve}; when the approvals that count (see "Council epochs") reach
 *    {threshold} (or, for {ProposalKind.UnanimousCouncilCall}, the size of the proposal's council) the
 *    proposal is executed inside the approving transaction;
 *  - a proposal expires `lifetime` seconds after creation (default {DEFAULT_PROPOSAL_LIFETIME}); an
 *    expired proposal can no longer be approved or executed;
 *  - if execution fails (for example a council call reverts, or an admission whose account was admitted
 *    meanwhile) the approving transaction reverts and the approval is not recorded.
 *
 * Council epochs: every governor added or removed starts a new council epoch ({councilEpoch},
 * {CouncilEpochStarted}). A proposal belongs to the council of the epoch it was created in and records
 * that epoch and that council's size ({Proposal}). Only members of that council approve it, and an
 * approval counts while its giver is still a governor in the same membership:
 *  - a removed governor's approval stops counting;
 *  - a governor whose membership began after the proposal (a new governor, or a removed one re-added;
 *    see {governorSince}) cannot approve it ({ConsortiumGovernorJoinedAfterProposal}), and approvals
 *    from a re-added governor's earlier membership never count again;
 *  - an ordinary proposal needs the current {threshold} of those approvals, so after the council
 *    changed it executes only if enough members of its council still serve, else it expires;
 *  - a {ProposalKind.UnanimousCouncilCall} needs every member of its council and that council still in
 *    office: once the governor set changed it can neither be approved nor executed
 *    ({ConsortiumCouncilChangedSinceProposal}) and has to be proposed again. Removing a dissenter
 *    therefore never makes a proposal unanimous.
 * {executeProposal} executes a proposal whose approvals reached the requirement without a new approval
 * (e.g. after a threshold decrease).
 *
 * Council calls: {ProposalKind.CouncilCall} and {ProposalKind.UnanimousCouncilCall} make this contract
 * call `target` with `data`. The other GovChain contracts accept council actions only from
 * `msg.sender == consortium`. While a council call runs, {executingProposal} tells the callee which
 * proposal is executing and whether it is unanimous (every member of its council approved and that
 * council is still in office); UsageRights uses this to require
 * unanimity for SECRET resources.
 */
interface IConsortium {
    /// @notice What a proposal does when executed.
    enum ProposalKind {
        AdmitDepartment, // target = department account, data = abi.encode(bytes32 code, string name, bytes32 regionCode)
        SuspendDepartment, // target = department account, data empty
        ReinstateDepartment, // target = department account, data empty
        AddGovernor, // target = new governor, data empty
        RemoveGovernor, // target = governor, data empty
        ChangeThreshold, // target = address(0), data = abi.encode(uint256 newThreshold)
        AppointAuditor, // target = auditor account, data empty
        RemoveAuditor, // target = auditor account, data empty
        CouncilCall, // target = contract, data = calldata; executes at `threshold` approvals
        UnanimousCouncilCall, // as CouncilCall, but executes only once every member of its council approved
        AddStandingListener // target = a contract implementing IStandingListener, data empty
    }

    /// @notice Membership status of a department.
    enum DepartmentStatus {
        None,
        Active,
        Suspended
    }

    /// @notice A member department. `code` and `regionCode` are opaque identifiers (e.g. an
    /// organisation code and an administrative-division code), never personal data.
    struct Department {
        address account;
        bytes32 code;
        string name;
        bytes32 regionCode;
        DepartmentStatus status;
        uint64 admittedAt;
    }

    /**
     * @notice A proposal as returned by {proposal}. `approvals` counts the approvals that count: members of
     * the proposal's council still serving in the same membership. `councilEpoch` and `councilSize` are
     * the council epoch and the number of governors when the proposal was created.
     */
    struct Proposal {
        ProposalKind kind;
        address proposer;
        address target;
        bytes data;
        bytes32 descriptionHash;
        uint256 approvals;
        uint64 createdAt;
        uint64 expiresAt;
        uint32 councilEpoch;
        uint8 councilSize;
        // Last, as before the council epoch was added: readers of the tuple take `executed` from its end.
        bool executed;
    }

    // ------------------------------------------------------------------ events

    /// @notice A proposal was created (the proposer's approval is emitted separately as {ProposalApproved}).
    event ProposalCreated(
        uint256 indexed proposalId,
        ProposalKind indexed kind,
        address indexed proposer,
        address target,
        bytes data,
        bytes32 descriptionHash,
        uint64 expiresAt
    );
    /// @notice `governor` approved `proposalId`; `approvals` is the count of approvals that count after it.
    event ProposalApproved(uint256 indexed proposalId, address indexed governor, uint256 approvals);
    /// @notice `proposalId` was executed (for council calls: emitted before the call, reverted with it on failure).
    event ProposalExecuted(uint256 indexed proposalId, ProposalKind indexed kind);
    /// @notice A department was admitted as a member.
    event DepartmentAdmitted(address indexed account, bytes32 indexed code, string name, bytes32 regionCode);
    /// @notice A department was suspended by `proposalId`.
    event DepartmentSuspended(address indexed account, uint256 indexed proposalId);
    /// @notice A suspended department was reinstated by `proposalId`.
    event DepartmentReinstated(address indexed account, uint256 indexed proposalId);
    /// @notice The council registered `listener`: from now on it is told of every department's standing.
    event StandingListenerAdded(address indexed listener);
    /// @notice `account` became a governor (also emitted for each initial governor at deployment).
    event GovernorAdded(address indexed account);
    /// @notice `account` stopped being a governor.
    event GovernorRemoved(address indexed account);
    /**
     * @notice The governor set changed (after {GovernorAdded} or {GovernorRemoved}) and council epoch
     * `epoch` began with `governorCount` governors; epoch 0 is the founding council (emitted at deployment).
     * Pending proposals of earlier epochs follow the rules in the contract description.
     */
    event CouncilEpochStarted(uint32 indexed epoch, uint256 governorCount);
    /// @notice The approval threshold changed (emitted with `previousThreshold = 0` at deployment).
    event ThresholdChanged(uint8 previousThreshold, uint8 newThreshold);
    /// @notice `account` was appointed auditor.
    event AuditorAppointed(address indexed account);
    /// @notice `account` stopped being an auditor.
    event AuditorRemoved(address indexed account);

    // ------------------------------------------------------------------ errors

    /// @notice `account` is not a governor (caller of a governor-only function, or target of a removal).
    error ConsortiumNotGovernor(address account);
    /// @notice `account` is already a governor.
    error ConsortiumAlreadyGovernor(address account);
    /// @notice The governor set would exceed {MAX_GOVERNORS}.
    error ConsortiumTooManyGovernors(uint256 count, uint256 max);
    /// @notice `threshold` is not within 1..`governorCount`.
    error ConsortiumInvalidThreshold(uint256 threshold, uint256 governorCount);
    /// @notice A zero address was given where an account or contract is required.
    error ConsortiumZeroAddress();
    /// @notice The department code is zero.
    error ConsortiumEmptyCode();
    /// @notice The department region code is zero.
    error ConsortiumEmptyRegionCode();
    /// @notice The department name is empty or longer than {MAX_NAME_LENGTH} bytes.
    error ConsortiumInvalidName(uint256 length);
    /// @notice `account` is already a department (active or suspended).
    error ConsortiumDepartmentExists(address account);
    /// @notice `code` is already used by `account`.
    error ConsortiumDepartmentCodeTaken(bytes32 code, address account);
    /// @notice `account` is not a department.
    error ConsortiumUnknownDepartment(address account);
    /// @notice `account` is a department but not active.
    error ConsortiumDepartmentNotActive(address account);
    /// @notice `account` is a department but not suspended.
    error ConsortiumDepartmentNotSuspended(address account);
    /// @notice `account` is already an auditor.
    error ConsortiumAlreadyAuditor(address account);
    /// @notice `account` is not an auditor.
    error ConsortiumNotAuditor(address account);
    /// @notice No proposal has id `proposalId`.
    error ConsortiumUnknownProposal(uint256 proposalId);
    /// @notice `proposalId` expired at `expiresAt`.
    error ConsortiumProposalExpired(uint256 proposalId, uint64 expiresAt);
    /// @notice `proposalId` was already executed.
    error ConsortiumProposalAlreadyExecuted(uint256 proposalId);
    /// @notice `governor` already approved `proposalId`.
    error ConsortiumAlreadyApproved(uint256 proposalId, address governor);
    /// @notice `proposalId` has `approvals` approvals that count, `required` are needed.
    error ConsortiumInsufficientApprovals(uint256 proposalId, uint256 approvals, uint256 required);
    /**
     * @notice The unanimous proposal `proposalId` was made to the council of epoch `proposalEpoch`, and the
     * governor set has changed since (now epoch `currentEpoch`): it can no longer be approved or executed
     * and has to be proposed again.
     */
    error ConsortiumCouncilChangedSinceProposal(uint256 proposalId, uint32 proposalEpoch, uint32 currentEpoch);
    /**
     * @notice `governor`'s membership began in council epoch `governorSince`, after `proposalId` was made
     * to the council of epoch `proposalEpoch`: only members of that council approve it.
     */
    error ConsortiumGovernorJoinedAfterProposal(
        uint256 proposalId, address governor, uint32 governorSince, uint32 proposalEpoch
    );
    /// @notice The proposal lifetime is outside {MIN_PROPOSAL_LIFETIME}..{MAX_PROPOSAL_LIFETIME}.
    error ConsortiumInvalidLifetime(uint64 lifetime);
    /// @notice `target` is not a contract other than the consortium itself.
    error ConsortiumInvalidTarget(address target);
    /// @notice `listener` is already a standing listener.
    error ConsortiumAlreadyStandingListener(address listener);
    /// @notice At most `max` standing listeners (each is called on every change of standing).
    error ConsortiumTooManyStandingListeners(uint256 count, uint256 max);
    /// @notice `data` does not fit the proposal kind (e.g. malformed admission data, calldata without selector).
    error ConsortiumInvalidProposalData(ProposalKind kind);
    /// @notice A council call needs a non-zero description hash.
    error ConsortiumEmptyDescription();
    /// @notice The council call of `proposalId` reverted with `reason` (the callee's revert data).
    error ConsortiumCallFailed(uint256 proposalId, bytes reason);

    // ------------------------------------------------------------------ proposals

    /**
     * @notice Proposes admitting `account` as an active department.
     * @dev Requirements: caller is a governor; `account` non-zero and not yet a department; `code` and
     * `regionCode` non-zero; `code` unused; `name` 1..{MAX_NAME_LENGTH} bytes.
     * Emits {ProposalCreated}, {ProposalApproved} and, if the threshold is 1, {ProposalExecuted} and
     * {DepartmentAdmitted}.
     */
    function proposeAdmitDepartment(address account, bytes32 code, string calldata name, bytes32 regionCode)
        external
        returns (uint256 proposalId);

    /**
     * @notice Proposes suspending the active department `account`.
     * @dev Requirements: caller is a governor; `account` is an active department.
     * Emits {ProposalCreated}, {ProposalApproved}; on execution {ProposalExecuted} and {DepartmentSuspended}.
     */
    function proposeSuspendDepartment(address account) external returns (uint256 proposalId);

    /**
     * @notice Proposes reinstating the suspended department `account`.
     * @dev Requirements: caller is a governor; `account` is a suspended department.
     * Emits {ProposalCreated}, {ProposalApproved}; on execution {ProposalExecuted} and {DepartmentReinstated}.
     */
    function proposeReinstateDepartment(address account) external returns (uint256 proposalId);

    /**
     * @notice Proposes adding `account` as a governor.
     * @dev Requirements: caller is a governor; `account` non-zero, not a governor; fewer than
     * {MAX_GOVERNORS} governors. Emits {ProposalCreated}, {ProposalApproved}; on execution
     * {ProposalExecuted}, {GovernorAdded} and {CouncilEpochStarted}.
     */
    function proposeAddGovernor(address account) external returns (uint256 proposalId);

    /**
     * @notice Proposes removing the governor `account`.
     * @dev Requirements: caller is a governor; `account` is a governor; after removal
     * `threshold <= governorCount` still holds. Emits {ProposalCreated}, {ProposalApproved}; on execution
     * {ProposalExecuted}, {GovernorRemoved} and {CouncilEpochStarted}.
     */
    function proposeRemoveGovernor(address account) external returns (uint256 proposalId);

    /**
     * @notice Proposes changing the threshold to `newThreshold`.
     * @dev Requirements: caller is a governor; `1 <= newThreshold <= governorCount`. Emits
     * {ProposalCreated}, {ProposalApproved}; on execution {ProposalExecuted} and {ThresholdChanged}.
     */
    function proposeChangeThreshold(uint8 newThreshold) external returns (uint256 proposalId);

    /**
     * @notice Proposes appointing `account` as auditor.
     * @dev Requirements: caller is a governor; `account` non-zero and not an auditor. Emits
     * {ProposalCreated}, {ProposalApproved}; on execution {ProposalExecuted} and {AuditorAppointed}.
     */
    function proposeAppointAuditor(address account) external returns (uint256 proposalId);

    /**
     * @notice Proposes registering `listener` (an {IStandingListener}, e.g. UsageRights) to be told of every
     * change of a department's standing in the transaction that makes it.
     * @dev Requirements: caller is a governor; `listener` is a contract other than this one, not yet registered,
     * and fewer than the maximum are. Listeners cannot be removed: a listener that stopped being told would
     * keep a stale copy. On execution the listener is told every department's current standing, so the
     * number of departments bounds that transaction's gas. Emits {ProposalCreated}, {ProposalApproved}; on
     * execution {ProposalExecuted} and {StandingListenerAdded}.
     */
    function proposeAddStandingListener(address listener) external returns (uint256 proposalId);

    /// @notice The registered standing listeners, in registration order.
    function standingListeners() external view returns (address[] memory);

    /**
     * @notice Proposes removing the auditor `account`.
     * @dev Requirements: caller is a governor; `account` is an auditor. Emits {ProposalCreated},
     * {ProposalApproved}; on execution {ProposalExecuted} and {AuditorRemoved}.
     */
    function proposeRemoveAuditor(address account) external returns (uint256 proposalId);

    /**
     * @notice Proposes that the consortium calls `target` with `data` once {threshold} governors approved.
     * @dev Requirements: caller is a governor; `target` is a contract other than this one; `data` holds at
     * least a 4-byte selector; `descriptionHash` non-zero (hash of the off-chain justification).
     * Emits {ProposalCreated}, {ProposalApproved}; on execution {ProposalExecuted} plus the callee's events.
     * A reverting call makes the approving transaction revert with {ConsortiumCallFailed}.
     */
    function proposeCouncilCall(address target, bytes calldata data, bytes32 descriptionHash)
        external
        returns (uint256 proposalId);

    /**
     * @notice As {proposeCouncilCall}, but the call executes only once every governor of the current
     * council approved it, while that council is unchanged. Needed for council actions on SECRET resources.
     * @dev If a governor is added or removed before it executes, {approve} and {executeProposal} revert
     * {ConsortiumCouncilChangedSinceProposal}: propose it again to the new council.
     */
    function proposeUnanimousCouncilCall(address target, bytes calldata data, bytes32 descriptionHash)
        external
        returns (uint256 proposalId);

    /**
     * @notice Generic form of all `propose…` functions with an explicit lifetime in seconds.
     * @dev `target` and `data` as documented on {ProposalKind}. Requirements: as for the typed function
     * of `kind`, plus `MIN_PROPOSAL_LIFETIME <= lifetime <= MAX_PROPOSAL_LIFETIME`. `descriptionHash` is
     * required for council calls and optional (may be zero) otherwise.
     * Emits {ProposalCreated} and {ProposalApproved} (and execution events if the requirement is 1).
     */
    function propose(ProposalKind kind, address target, bytes calldata data, bytes32 descriptionHash, uint64 lifetime)
        external
        returns (uint256 proposalId);

    /**
     * @notice Approves `proposalId`; executes it when the approval requirement is reached.
     * @dev Requirements: caller is a governor that has not approved it yet; the proposal exists, is not
     * executed and not expired; if the governor set changed since the proposal, it is not unanimous
     * ({ConsortiumCouncilChangedSinceProposal}) and the caller's membership began no later than the
     * proposal ({ConsortiumGovernorJoinedAfterProposal}); if it executes, execution must succeed.
     * Emits {ProposalApproved} and, on execution, {ProposalExecuted} plus the execution's own events.
     */
    function approve(uint256 proposalId) external;

    /**
     * @notice Executes `proposalId` when it already has enough approvals that count (e.g. after the
     * threshold was lowered).
     * @dev Requirements: caller is a governor; the proposal exists, is not executed, not expired, is not a
     * unanimous proposal whose council changed ({ConsortiumCouncilChangedSinceProposal}) and its
     * approvals reach the requirement. Emits {ProposalExecuted} plus the execution's own events.
     */
    function executeProposal(uint256 proposalId) external;

    // ------------------------------------------------------------------ views

    /// @notice Default proposal lifetime used by the typed `propose…` functions.
    function DEFAULT_PROPOSAL_LIFETIME() external view returns (uint64);
    /// @notice Shortest allowed proposal lifetime.
    function MIN_PROPOSAL_LIFETIME() external view returns (uint64);
    /// @notice Longest allowed proposal lifetime.
    function MAX_PROPOSAL_LIFETIME() external view returns (uint64);
    /// @notice Maximum number of governors.
    function MAX_GOVERNORS() external view returns (uint256);

    /// @notice The lowest threshold allowed (2): no single governor can act for the council.
    function MIN_THRESHOLD() external view returns (uint8);
    /// @notice Maximum department name length in bytes.
    function MAX_NAME_LENGTH() external view returns (uint256);

    /// @notice Whether `account` is a governor.
    function isGovernor(address account) external view returns (bool);
    /// @notice Whether `account` is an admitted, not suspended department.
    function isActiveDepartment(address account) external view returns (bool);
    /// @notice Whether `account` is an auditor.
    function isAuditor(address account) external view returns (bool);
    /// @notice Number of distinct governor approvals a proposal needs.
    function threshold() external view returns (uint8);
    /// @notice Number of governors.
    function governorCount() external view returns (uint256);
    /// @notice The current council epoch: 0 at deployment, +1 for every governor added or removed.
    function councilEpoch() external view returns (uint32);
    /// @notice The council epoch in which `account`'s current membership began (0 for founders);
    /// reverts {ConsortiumNotGovernor} if `account` is not a governor.
    function governorSince(address account) external view returns (uint32);
    /// @notice All governors (unordered).
    function governors() external view returns (address[] memory);
    /// @notice All auditors (unordered).
    function auditors() external view returns (address[] memory);
    /// @notice The department `account`; reverts {ConsortiumUnknownDepartment} if it was never admitted.
    function department(address account) external view returns (Department memory);
    /// @notice All departments ever admitted, in admission order (including suspended ones).
    function departments() external view returns (address[] memory);
    /// @notice Proposal `proposalId`; reverts {ConsortiumUnknownProposal} if it does not exist.
    function proposal(uint256 proposalId) external view returns (Proposal memory);
    /// @notice Whether an approval of `governor` for `proposalId` is recorded (also true for former governors
    /// and for a re-added governor's approval from an earlier membership, which no longer count).
    function hasApproved(uint256 proposalId, address governor) external view returns (bool);
    /// @notice Number of proposals created; ids run from 1 to `proposalCount()`.
    function proposalCount() external view returns (uint256);
    /**
     * @notice The council call being executed right now, if any.
     * @return proposalId the executing council-call proposal, 0 outside a council call.
     * @return unanimous whether every member of its council approved it and that council is still in office.
     * @dev Callees of council calls (msg.sender == consortium) use this to apply stricter rules.
     */
    function executingProposal() external view returns (uint256 proposalId, bool unanimous);
}
