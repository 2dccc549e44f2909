// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IConsortiumManaged} from "./IConsortiumManaged.sol";

/**
 * @title IAssistedSessions
 * @notice The record of assisted sessions: a front-desk officer of a department, having checked a
 * citizen's identity in person, opens a session on the citizen's behalf. Each one is recorded here
 * BEFORE the node issues the citizen token, so the citizen (in their own log) and auditors (in the
 * trail) see which desk and which officer opened it, when, and why.
 *
 * @dev Only hashes go on chain: the keyed subject hash of the citizen (as in `UsageRights` uses), the
 * keyed officer hash and the keyed hash of the reason text. The desk is `msg.sender` and must be an
 * active department at the time of the call; the time is the block's. The event is the record (the
 * indexer reads it), and `sessionId` numbers sessions 1, 2, … so that a session can be named in an
 * objection or an inquiry. Each session's desk and subject are also kept, as one word
 * `keccak256(abi.encode(desk, subjectHash))` ({bindingOf}), so that another contract told the desk can check
 * which desk opened a session for whom (the property registry: a seller's consent is given in an assisted
 * session opened at a department other than the registrar). One word, not two: the desk costs no extra slot.
 */
interface IAssistedSessions is IConsortiumManaged {
    // ------------------------------------------------------------------ events

    /// @notice Desk department `desk` (officer `officerHash`) opened assisted session `sessionId` for the
    /// data subject `subjectHash`, for the reason whose keyed hash is `reasonHash`.
    event AssistedSessionOpened(
        address indexed desk,
        bytes32 indexed officerHash,
        bytes32 indexed subjectHash,
        bytes32 reasonHash,
        uint256 sessionId
    );

    // ------------------------------------------------------------------ errors

    /// @notice The subject hash is zero (no citizen named).
    error AssistedSessionsZeroSubject();
    /// @notice The officer hash is zero (no officer named: an assisted session always has one).
    error AssistedSessionsZeroOfficer();
    /// @notice The reason hash is zero (an assisted session always states why).
    error AssistedSessionsZeroReason();

    // ------------------------------------------------------------------ writes

    /**
     * @notice Records an assisted session opened by the caller's front desk.
     * @param officerHash keyed hash of the officer who checked the identity; non-zero.
     * @param subjectHash keyed hash of the citizen (the principal of the session); non-zero.
     * @param reasonHash keyed hash of the reason the officer gave; non-zero.
     * @return sessionId the new session's number (1 for the first).
     * @dev Requirements: caller is an active department (else {ConsortiumManagedNotActiveDepartment});
     * the three hashes are non-zero (else {AssistedSessionsZeroOfficer}, {AssistedSessionsZeroSubject},
     * {AssistedSessionsZeroReason}). Emits {AssistedSessionOpened}.
     */
    function openAssistedSession(bytes32 officerHash, bytes32 subjectHash, bytes32 reasonHash)
        external
        returns (uint256 sessionId);

    // ------------------------------------------------------------------ views

    /// @notice How many assisted sessions have been recorded (the last `sessionId`).
    function sessionCount() external view returns (uint256);
    /// @notice `keccak256(abi.encode(desk, subjectHash))` of session `sessionId`: the desk that opened it
    /// and the subject it was opened for; zero if there is no such session.
    function bindingOf(uint256 sessionId) external view returns (bytes32);
}
