// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ConsortiumManaged} from "./ConsortiumManaged.sol";
import {IAssistedSessions} from "./interfaces/IAssistedSessions.sol";

/**
 * @title AssistedSessions
 * @notice The on-chain record of assisted citizen sessions opened by front desks. See {IAssistedSessions}.
 * @dev The counter and, per session, one word binding its desk to its subject (for {bindingOf}): the
 * property registry needs both (a seller's consent must be taken at another department's desk than the
 * registrar's), and one hash costs one slot where desk + subject would cost two. The event carries the record.
 */
contract AssistedSessions is IAssistedSessions, ConsortiumManaged {
    uint256 private _count;
    mapping(uint256 sessionId => bytes32 binding) private _bindings; // keccak256(abi.encode(desk, subjectHash))

    /// @param consortium_ the consortium whose active departments may open assisted sessions.
    constructor(address consortium_) ConsortiumManaged(consortium_) {
    }

    // ================================================================== writes

    /// @inheritdoc IAssistedSessions
    function openAssistedSession(bytes32 officerHash, bytes32 subjectHash, bytes32 reasonHash)
        external
        returns (uint256 sessionId)
    {
        _requireActiveDepartment(msg.sender);
        if (officerHash == bytes32(0)) revert AssistedSessionsZeroOfficer();
        if (subjectHash == bytes32(0)) revert AssistedSessionsZeroSubject();
        if (reasonHash == bytes32(0)) revert AssistedSessionsZeroReason();
        sessionId = ++_count;
        _bindings[sessionId] = keccak256(abi.encode(msg.sender, subjectHash));
        emit AssistedSessionOpened(msg.sender, officerHash, subjectHash, reasonHash, sessionId);
    }

    // ================================================================== views

    /// @inheritdoc IAssistedSessions
    function sessionCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IAssistedSessions
    function bindingOf(uint256 sessionId) external view returns (bytes32) {
        return _bindings[sessionId];
    }
}
