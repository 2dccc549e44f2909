// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IConsortium} from "./interfaces/IConsortium.sol";
import {IStandingListener} from "./interfaces/IStandingListener.sol";

/**
 * @title Consortium
 * @notice k-of-n council of governors with department membership, auditors and council calls.
 * See {IConsortium} for the rules. There is no administrator: after deployment every change is a
 * proposal approved by distinct governors.
 */
contract Consortium is IConsortium {
    uint64 public constant DEFAULT_PROPOSAL_LIFETIME = 7 days;
    uint64 public constant MIN_PROPOSAL_LIFETIME = 1 hours;
    uint64 public constant MAX_PROPOSAL_LIFETIME = 30 days;
    uint256 public constant MAX_GOVERNORS = 32;
    /// @dev At least two governors must agree on anything: no single account acts for the council.
    uint8 public constant MIN_THRESHOLD = 2;
    uint256 public constant MAX_NAME_LENGTH = 128;
    /// @dev Each listener is called on every change of standing: a small bound keeps those calls cheap.
    uint256 public constant MAX_STANDING_LISTENERS = 8;

    /// @dev Two packed slots plus the description and data, as before the council epoch was added.
    struct ProposalRecord {
        address proposer;
        uint64 createdAt;
        ProposalKind kind;
        bool executed;
        uint8 councilSize;
        // Approvals recorded, all by members of the proposal's council: the count while that council is
        // unchanged (at most MAX_GOVERNORS distinct members, so a uint8 cannot overflow).
        uint8 recordedApprovals;
        address target;
        uint64 expiresAt;
        uint32 councilEpoch;
        bytes32 descriptionHash;
        bytes data;
    }

    uint8 private _threshold;
    /// @dev Bumped on every governor added or removed; shares the threshold's slot.
    uint32 private _councilEpoch;
    address[] private _governorList;
    mapping(address account => uint256 indexPlusOne) private _governorIndex;
    /// @dev The council epoch in which the current membership began (0 for founders). A removed and
    /// re-added governor gets a new one, so approvals from the earlier membership never count again.
    mapping(address account => uint32 epoch) private _governorSince;
    address[] private _auditorList;
    mapping(address account => uint256 indexPlusOne) private _auditorIndex;

    struct DepartmentRecord {
        bytes32 code;
        bytes32 regionCode;
        DepartmentStatus status;
        string name;
    }

    mapping(address account => DepartmentRecord) private _departments;
    /// @dev Kept apart from the record so that status checks do not depend on block time.
    mapping(address account => uint64) private _admittedAt;
    address[] private _departmentList;
    mapping(bytes32 code => address account) private _codeOwner;

    mapping(uint256 proposalId => ProposalRecord) private _proposals;
    mapping(uint256 proposalId => mapping(address governor => bool)) private _approved;
    uint256 private _proposalCount;

    address[] private _standingListeners;

    /// @dev Id of the council-call proposal whose call is running, 0 otherwise.
    uint256 private _executing;

    modifier onlyGovernor() {
        if (_governorIndex[msg.sender] == 0) revert ConsortiumNotGovernor(msg.sender);
        _;
    }

    /**
     * @param initialGovernors the founding governors (distinct, non-zero, at most {MAX_GOVERNORS}).
     * @param initialThreshold approvals a proposal needs, {MIN_THRESHOLD}..`initialGovernors.length`.
     * @dev Emits {GovernorAdded} for each governor and {ThresholdChanged} (from 0).
     */
    constructor(address[] memory initialGovernors, uint8 initialThreshold) {
        uint256 count = initialGovernors.length;
        if (count > MAX_GOVERNORS) revert ConsortiumTooManyGovernors(count, MAX_GOVERNORS);
        if (initialThreshold < MIN_THRESHOLD || initialThreshold > count) {
            revert ConsortiumInvalidThreshold(initialThreshold, count);
        }
        for (uint256 i = 0; i < count; ++i) {
            address account = initialGovernors[i];
            if (account == address(0)) revert ConsortiumZeroAddress();
            if (_governorIndex[account] != 0) revert ConsortiumAlreadyGovernor(account);
            _governorList.push(account);
            _governorIndex[account] = _governorList.length;
            emit GovernorAdded(account);
        }
        _threshold = initialThreshold;
        emit ThresholdChanged(0, initialThreshold);
        emit CouncilEpochStarted(0, count);
    }

    // ================================================================== proposals

    /// @inheritdoc IConsortium
    function proposeAdmitDepartment(address account, bytes32 code, string calldata name, bytes32 regionCode)
        external
        onlyGovernor
        returns (uint256)
    {
        _checkAdmission(account, code, bytes(name).length, regionCode);
        return _create(
            ProposalKind.AdmitDepartment, account, abi.encode(code, name, regionCode), 0, DEFAULT_PROPOSAL_LIFETIME
        );
    }

    /// @inheritdoc IConsortium
    function proposeSuspendDepartment(address account) external onlyGovernor returns (uint256) {
        return _proposeAccount(ProposalKind.SuspendDepartment, account);
    }

    /// @inheritdoc IConsortium
    function proposeReinstateDepartment(address account) external onlyGovernor returns (uint256) {
        return _proposeAccount(ProposalKind.ReinstateDepartment, account);
    }

    /// @inheritdoc IConsortium
    function proposeAddStandingListener(address listener) external onlyGovernor returns (uint256) {
        return _proposeAccount(ProposalKind.AddStandingListener, listener);
    }

    /// @inheritdoc IConsortium
    function proposeAddGovernor(address account) external onlyGovernor returns (uint256) {
        return _proposeAccount(ProposalKind.AddGovernor, account);
    }

    /// @inheritdoc IConsortium
    function proposeRemoveGovernor(address account) external onlyGovernor returns (uint256) {
        return _proposeAccount(ProposalKind.RemoveGovernor, account);
    }

    /// @inheritdoc IConsortium
    function proposeChangeThreshold(uint8 newThreshold) external onlyGovernor returns (uint256) {
        _checkThreshold(newThreshold);
        return _create(
            ProposalKind.ChangeThreshold, address(0), abi.encode(uint256(newThreshold)), 0, DEFAULT_PROPOSAL_LIFETIME
        );
    }

    /// @inheritdoc IConsortium
    function proposeAppointAuditor(address account) external onlyGovernor returns (uint256) {
        return _proposeAccount(ProposalKind.AppointAuditor, account);
    }

    /// @inheritdoc IConsortium
    function proposeRemoveAuditor(address account) external onlyGovernor returns (uint256) {
        return _proposeAccount(ProposalKind.RemoveAuditor, account);
    }

    /// @inheritdoc IConsortium
    function proposeCouncilCall(address target, bytes calldata data, bytes32 descriptionHash)
        external
        onlyGovernor
        returns (uint256)
    {
        return _proposeCall(ProposalKind.CouncilCall, target, data, descriptionHash);
    }

    /// @inheritdoc IConsortium
    function proposeUnanimousCouncilCall(address target, bytes calldata data, bytes32 descriptionHash)
        external
        onlyGovernor
        returns (uint256)
    {
        return _proposeCall(ProposalKind.UnanimousCouncilCall, target, data, descriptionHash);
    }

    /// @inheritdoc IConsortium
    function propose(ProposalKind kind, address target, bytes calldata data, bytes32 descriptionHash, uint64 lifetime)
        external
        onlyGovernor
        returns (uint256)
    {
        if (kind == ProposalKind.CouncilCall || kind == ProposalKind.UnanimousCouncilCall) {
            _checkCall(kind, target, data, descriptionHash);
        } else if (kind == ProposalKind.AdmitDepartment) {
            (bytes32 code, uint256 nameLength, bytes32 regionCode) = _parseAdmission(data);
            _checkAdmission(target, code, nameLength, regionCode);
        } else if (kind == ProposalKind.ChangeThreshold) {
            if (target != address(0) || data.length != 32) revert ConsortiumInvalidProposalData(kind);
            _checkThreshold(uint256(bytes32(data)));
        } else {
            if (data.length != 0) revert ConsortiumInvalidProposalData(kind);
            _checkAccountProposal(kind, target);
        }
        return _create(kind, target, data, descriptionHash, lifetime);
    }

    /// @inheritdoc IConsortium
    function approve(uint256 proposalId) external onlyGovernor {
        ProposalRecord storage p = _openProposal(proposalId);
        if (_checkCouncil(proposalId, p)) {
            // Only members of the proposal's council approve it; a membership that began later
            // (a new governor, or a removed one re-added) does not.
            uint32 since = _governorSince[msg.sender];
            if (since > p.councilEpoch) {
                revert ConsortiumGovernorJoinedAfterProposal(proposalId, msg.sender, since, p.councilEpoch);
            }
        }
        if (_approved[proposalId][msg.sender]) revert ConsortiumAlreadyApproved(proposalId, msg.sender);
        _approved[proposalId][msg.sender] = true;
        ++p.recordedApprovals;
        uint256 approvals = _approvalCount(proposalId, p);
        emit ProposalApproved(proposalId, msg.sender, approvals);
        if (approvals >= _required(p)) _execute(proposalId, p);
    }

    /// @inheritdoc IConsortium
    function executeProposal(uint256 proposalId) external onlyGovernor {
        ProposalRecord storage p = _openProposal(proposalId);
        _checkCouncil(proposalId, p);
        uint256 approvals = _approvalCount(proposalId, p);
        uint256 required = _required(p);
        if (approvals < required) revert ConsortiumInsufficientApprovals(proposalId, approvals, required);
        _execute(proposalId, p);
    }

    // ================================================================== views

    /// @inheritdoc IConsortium
    function isGovernor(address account) external view returns (bool) {
        return _governorIndex[account] != 0;
    }

    /// @inheritdoc IConsortium
    function standingListeners() external view returns (address[] memory) {
        return _standingListeners;
    }

    /// @inheritdoc IConsortium
    function isActiveDepartment(address account) external view returns (bool) {
        return _departments[account].status == DepartmentStatus.Active;
    }

    /// @inheritdoc IConsortium
    function isAuditor(address account) external view returns (bool) {
        return _auditorIndex[account] != 0;
    }

    /// @inheritdoc IConsortium
    function threshold() external view returns (uint8) {
        return _threshold;
    }

    /// @inheritdoc IConsortium
    function governorCount() external view returns (uint256) {
        return _governorList.length;
    }

    /// @inheritdoc IConsortium
    function councilEpoch() external view returns (uint32) {
        return _councilEpoch;
    }

    /// @inheritdoc IConsortium
    function governorSince(address account) external view returns (uint32) {
        if (_governorIndex[account] == 0) revert ConsortiumNotGovernor(account);
        return _governorSince[account];
    }

    /// @inheritdoc IConsortium
    function governors() external view returns (address[] memory) {
        return _governorList;
    }

    /// @inheritdoc IConsortium
    function auditors() external view returns (address[] memory) {
        return _auditorList;
    }

    /// @inheritdoc IConsortium
    function department(address account) external view returns (Department memory) {
        DepartmentRecord storage d = _departments[account];
        if (d.status == DepartmentStatus.None) revert ConsortiumUnknownDepartment(account);
        return Department({
            account: account,
            code: d.code,
            name: d.name,
            regionCode: d.regionCode,
            status: d.status,
            admittedAt: _admittedAt[account]
        });
    }

    /// @inheritdoc IConsortium
    function departments() external view returns (address[] memory) {
        return _departmentList;
    }

    /// @inheritdoc IConsortium
    function proposal(uint256 proposalId) external view returns (Proposal memory) {
        ProposalRecord storage p = _existingProposal(proposalId);
        return Proposal({
            kind: p.kind,
            proposer: p.proposer,
            target: p.target,
            data: p.data,
            descriptionHash: p.descriptionHash,
            approvals: _approvalCount(proposalId, p),
            createdAt: p.createdAt,
            expiresAt: p.expiresAt,
            councilEpoch: p.councilEpoch,
            councilSize: p.councilSize,
            executed: p.executed
        });
    }

    /// @inheritdoc IConsortium
    function hasApproved(uint256 proposalId, address governor) external view returns (bool) {
        return _approved[proposalId][governor];
    }

    /// @inheritdoc IConsortium
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /// @inheritdoc IConsortium
    function executingProposal() external view returns (uint256 proposalId, bool unanimous) {
        proposalId = _executing;
        if (proposalId != 0) {
            // Unanimous means every member of the proposal's council, and that council still in office.
            ProposalRecord storage p = _proposals[proposalId];
            unanimous = p.councilEpoch == _councilEpoch && p.recordedApprovals == p.councilSize;
        }
    }

    // ================================================================== internals: proposals

    function _proposeAccount(ProposalKind kind, address account) private returns (uint256) {
        _checkAccountProposal(kind, account);
        return _create(kind, account, "", 0, DEFAULT_PROPOSAL_LIFETIME);
    }

    function _create(ProposalKind kind, address target, bytes memory data, bytes32 descriptionHash, uint64 lifetime)
        private
        returns (uint256 proposalId)
    {
        if (lifetime < MIN_PROPOSAL_LIFETIME || lifetime > MAX_PROPOSAL_LIFETIME) {
            revert ConsortiumInvalidLifetime(lifetime);
        }
        proposalId = ++_proposalCount;
        uint64 expiresAt = uint64(block.timestamp) + lifetime;
        ProposalRecord storage p = _proposals[proposalId];
        p.kind = kind;
        p.proposer = msg.sender;
        p.createdAt = uint64(block.timestamp);
        p.expiresAt = expiresAt;
        p.councilSize = uint8(_governorList.length);
        p.recordedApprovals = 1;
        p.target = target;
        p.councilEpoch = _councilEpoch;
        p.descriptionHash = descriptionHash;
        p.data = data;
        emit ProposalCreated(proposalId, kind, msg.sender, target, data, descriptionHash, expiresAt);

        _approved[proposalId][msg.sender] = true;
        emit ProposalApproved(proposalId, msg.sender, 1);
        if (_required(p) <= 1) _execute(proposalId, p);
    }

    function _execute(uint256 proposalId, ProposalRecord storage p) private {
        ProposalKind kind = p.kind;
        p.executed = true;
        emit ProposalExecuted(proposalId, kind);
        if (kind == ProposalKind.CouncilCall || kind == ProposalKind.UnanimousCouncilCall) {
            // The call is the purpose of the proposal, so it is a low-level call to an arbitrary contract.
            // `executed` is already set, so re-entering cannot run this proposal twice; `_executing` is
            // saved and restored around the call so that a nested council call (a governor contract
            // approving another proposal from inside the callee) leaves it correct. The write after the
            // call is that restore, hence the reentrancy-no-eth suppression.
            uint256 previous = _executing;
            _executing = proposalId;
            // slither-disable-next-line low-level-calls
            (bool ok, bytes memory reason) = p.target.call(p.data); // solhint-disable-line avoid-low-level-calls
            // slither-disable-next-line reentrancy-no-eth
            _executing = previous;
            if (!ok) revert ConsortiumCallFailed(proposalId, reason);
        } else {
            _apply(proposalId, kind, p.target, p.data);
        }
    }

    function _apply(uint256 proposalId, ProposalKind kind, address account, bytes memory data) private {
        if (kind == ProposalKind.AdmitDepartment) {
            (bytes32 code, string memory name, bytes32 regionCode) = abi.decode(data, (bytes32, string, bytes32));
            _checkAdmission(account, code, bytes(name).length, regionCode);
            _departments[account] =
                DepartmentRecord({code: code, regionCode: regionCode, status: DepartmentStatus.Active, name: name});
            _admittedAt[account] = uint64(block.timestamp);
            _departmentList.push(account);
            _codeOwner[code] = account;
            emit DepartmentAdmitted(account, code, name, regionCode);
            _tellStanding(account, true);
        } else if (kind == ProposalKind.ChangeThreshold) {
            uint256 newThreshold = abi.decode(data, (uint256));
            _checkThreshold(newThreshold);
            uint8 previous = _threshold;
            _threshold = uint8(newThreshold);
            emit ThresholdChanged(previous, uint8(newThreshold));
        } else {
            _checkAccountProposal(kind, account);
            if (kind == ProposalKind.SuspendDepartment) {
                _departments[account].status = DepartmentStatus.Suspended;
                emit DepartmentSuspended(account, proposalId);
                _tellStanding(account, false);
            } else if (kind == ProposalKind.ReinstateDepartment) {
                _departments[account].status = DepartmentStatus.Active;
                emit DepartmentReinstated(account, proposalId);
                _tellStanding(account, true);
            } else if (kind == ProposalKind.AddStandingListener) {
                _addStandingListener(account);
            } else if (kind == ProposalKind.AddGovernor) {
                uint32 epoch = ++_councilEpoch;
                _governorList.push(account);
                _governorIndex[account] = _governorList.length;
                _governorSince[account] = epoch;
                emit GovernorAdded(account);
                emit CouncilEpochStarted(epoch, _governorList.length);
            } else if (kind == ProposalKind.RemoveGovernor) {
                uint32 epoch = ++_councilEpoch;
                _removeFromSet(_governorList, _governorIndex, account);
                emit GovernorRemoved(account);
                emit CouncilEpochStarted(epoch, _governorList.length);
            } else if (kind == ProposalKind.AppointAuditor) {
                _auditorList.push(account);
                _auditorIndex[account] = _auditorList.length;
                emit AuditorAppointed(account);
            } else {
                // ProposalKind.RemoveAuditor (council calls never reach _apply)
                _removeFromSet(_auditorList, _auditorIndex, account);
                emit AuditorRemoved(account);
            }
        }
    }

    function _removeFromSet(address[] storage list, mapping(address => uint256) storage index, address account)
        private
    {
        uint256 position = index[account] - 1;
        uint256 last = list.length - 1;
        if (position != last) {
            address moved = list[last];
            list[position] = moved;
            index[moved] = position + 1;
        }
        list.pop();
        delete index[account];
    }

    // ================================================================== internals: checks

    function _checkAdmission(address account, bytes32 code, uint256 nameLength, bytes32 regionCode) private view {
        if (account == address(0)) revert ConsortiumZeroAddress();
        if (_departments[account].status != DepartmentStatus.None) revert ConsortiumDepartmentExists(account);
        if (code == bytes32(0)) revert ConsortiumEmptyCode();
        address holder = _codeOwner[code];
        if (holder != address(0)) revert ConsortiumDepartmentCodeTaken(code, holder);
        if (nameLength == 0 || nameLength > MAX_NAME_LENGTH) revert ConsortiumInvalidName(nameLength);
        if (regionCode == bytes32(0)) revert ConsortiumEmptyRegionCode();
    }

    /// @dev Checks that `data` is the canonical encoding of (bytes32, string, bytes32) so that decoding
    /// cannot fail later, and returns the parts the checks need.
    function _parseAdmission(bytes calldata data)
        private
        pure
        returns (bytes32 code, uint256 nameLength, bytes32 regionCode)
    {
        if (data.length < 128 || uint256(bytes32(data[32:64])) != 96) {
            revert ConsortiumInvalidProposalData(ProposalKind.AdmitDepartment);
        }
        nameLength = uint256(bytes32(data[96:128]));
        uint256 padding = (32 - (nameLength % 32)) % 32;
        if (nameLength > MAX_NAME_LENGTH || data.length != 128 + nameLength + padding) {
            revert ConsortiumInvalidProposalData(ProposalKind.AdmitDepartment);
        }
        code = bytes32(data[0:32]);
        regionCode = bytes32(data[64:96]);
    }

    function _checkThreshold(uint256 newThreshold) private view {
        uint256 count = _governorList.length;
        if (newThreshold < MIN_THRESHOLD || newThreshold > count) {
            revert ConsortiumInvalidThreshold(newThreshold, count);
        }
    }

    /// @dev A checked council call (plain or unanimous) with the default lifetime.
    function _proposeCall(ProposalKind kind, address target, bytes calldata data, bytes32 descriptionHash)
        private
        returns (uint256)
    {
        _checkCall(kind, target, data, descriptionHash);
        return _create(kind, target, data, descriptionHash, DEFAULT_PROPOSAL_LIFETIME);
    }

    function _checkCall(ProposalKind kind, address target, bytes calldata data, bytes32 descriptionHash)
        private
        view
    {
        if (target == address(this) || target.code.length == 0) revert ConsortiumInvalidTarget(target);
        if (data.length < 4) revert ConsortiumInvalidProposalData(kind);
        if (descriptionHash == bytes32(0)) revert ConsortiumEmptyDescription();
    }

    function _checkAccountProposal(ProposalKind kind, address account) private view {
        if (kind == ProposalKind.SuspendDepartment) {
            DepartmentStatus status = _departments[account].status;
            if (status == DepartmentStatus.None) revert ConsortiumUnknownDepartment(account);
            if (status != DepartmentStatus.Active) revert ConsortiumDepartmentNotActive(account);
        } else if (kind == ProposalKind.ReinstateDepartment) {
            DepartmentStatus status = _departments[account].status;
            if (status == DepartmentStatus.None) revert ConsortiumUnknownDepartment(account);
            if (status != DepartmentStatus.Suspended) revert ConsortiumDepartmentNotSuspended(account);
        } else if (kind == ProposalKind.AddGovernor) {
            if (account == address(0)) revert ConsortiumZeroAddress();
            if (_governorIndex[account] != 0) revert ConsortiumAlreadyGovernor(account);
            uint256 count = _governorList.length;
            if (count >= MAX_GOVERNORS) revert ConsortiumTooManyGovernors(count + 1, MAX_GOVERNORS);
        } else if (kind == ProposalKind.RemoveGovernor) {
            if (_governorIndex[account] == 0) revert ConsortiumNotGovernor(account);
            uint256 remaining = _governorList.length - 1;
            if (_threshold > remaining) revert ConsortiumInvalidThreshold(_threshold, remaining);
        } else if (kind == ProposalKind.AppointAuditor) {
            if (account == address(0)) revert ConsortiumZeroAddress();
            if (_auditorIndex[account] != 0) revert ConsortiumAlreadyAuditor(account);
        } else if (kind == ProposalKind.AddStandingListener) {
            if (account == address(this) || account.code.length == 0) revert ConsortiumInvalidTarget(account);
            uint256 count = _standingListeners.length;
            for (uint256 i = 0; i < count; ++i) {
                if (_standingListeners[i] == account) revert ConsortiumAlreadyStandingListener(account);
            }
            if (count >= MAX_STANDING_LISTENERS) {
                revert ConsortiumTooManyStandingListeners(count + 1, MAX_STANDING_LISTENERS);
            }
        } else {
            // ProposalKind.RemoveAuditor
            if (_auditorIndex[account] == 0) revert ConsortiumNotAuditor(account);
        }
    }

    /// @dev Registers `listener` and tells it every department's current standing (bounded by the number of
    /// departments; the council decides when to pay for it).
    function _addStandingListener(address listener) private {
        _standingListeners.push(listener);
        emit StandingListenerAdded(listener);
        uint256 count = _departmentList.length;
        for (uint256 i = 0; i < count; ++i) {
            address department = _departmentList[i];
            // A council-registered listener; a revert makes the registration revert (nothing half-told).
            // slither-disable-next-line calls-loop
            IStandingListener(listener).onDepartmentStanding(
                department, _departments[department].status == DepartmentStatus.Active
            );
        }
    }

    /// @dev Tells every listener `account`'s new standing in the transaction that changes it. A listener's
    /// revert reverts the change: a listener never holds a stale standing.
    function _tellStanding(address account, bool active) private {
        uint256 count = _standingListeners.length;
        for (uint256 i = 0; i < count; ++i) {
            // slither-disable-next-line calls-loop
            IStandingListener(_standingListeners[i]).onDepartmentStanding(account, active);
        }
    }

    function _existingProposal(uint256 proposalId) private view returns (ProposalRecord storage p) {
        p = _proposals[proposalId];
        if (p.proposer == address(0)) revert ConsortiumUnknownProposal(proposalId);
    }

    function _openProposal(uint256 proposalId) private view returns (ProposalRecord storage p) {
        p = _existingProposal(proposalId);
        if (p.executed) revert ConsortiumProposalAlreadyExecuted(proposalId);
        if (block.timestamp >= p.expiresAt) revert ConsortiumProposalExpired(proposalId, p.expiresAt);
    }

    /**
     * @dev Returns whether the governor set changed since `p` was proposed. A unanimous proposal then
     * reverts: its council is gone, and counting the remaining members would let a majority make a
     * proposal "unanimous" by removing a dissenter. It has to be proposed again to the new council.
     */
    function _checkCouncil(uint256 proposalId, ProposalRecord storage p) private view returns (bool changed) {
        uint32 current = _councilEpoch;
        changed = current != p.councilEpoch;
        if (changed && p.kind == ProposalKind.UnanimousCouncilCall) {
            revert ConsortiumCouncilChangedSinceProposal(proposalId, p.councilEpoch, current);
        }
    }

    /// @dev Unanimous: every member of the proposal's council (reached only while it is unchanged).
    function _required(ProposalRecord storage p) private view returns (uint256) {
        return p.kind == ProposalKind.UnanimousCouncilCall ? p.councilSize : _threshold;
    }

    /**
     * @dev Approvals that count: those of members of the proposal's council who still serve in the same
     * membership. While the council is unchanged that is every recorded approval; otherwise the current
     * governors are walked (bounded by {MAX_GOVERNORS}) and a membership that began after the proposal
     * (a re-added governor's) is skipped, so an approval from an earlier membership never revives.
     */
    function _approvalCount(uint256 proposalId, ProposalRecord storage p) private view returns (uint256 count) {
        uint32 epoch = p.councilEpoch;
        if (epoch == _councilEpoch) return p.recordedApprovals;
        mapping(address => bool) storage approvedBy = _approved[proposalId];
        uint256 n = _governorList.length;
        for (uint256 i = 0; i < n; ++i) {
            address governor = _governorList[i];
            if (approvedBy[governor] && _governorSince[governor] <= epoch) ++count;
        }
    }
}
