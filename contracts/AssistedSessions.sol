// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ConsortiumManaged} from "./ConsortiumManaged.sol";
import {IAssistedSessions} from "./interfaces/IAssistedSessions.sol";

/**
 * @title AssistedSessions
 * @notice The on-chain record of assisted citizen sessions opened by front desks. See {IAssistedSessions}.
 * @dev The counter and each session's subject hash (for {subjectOf}); the event carries the record.
 */
contract AssistedSessions is IAssistedSessions, ConsortiumManaged {
    uint256 private _count;
    mapping(uint256 sessionId => bytes32 subjectHash) private _subjects;

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
        _subjects[sessionId] = subjectHash;
        emit AssistedSessionOpened(msg.sender, officerHash, subjectHash, reasonHash, sessionId);
    }

    // ================================================================== views

    /// @inheritdoc IAssistedSessions
    function sessionCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IAssistedSessions
    function subjectOf(uint256 sessionId) external view returns (bytes32) {
        return _subjects[sessionId];
    }
}
