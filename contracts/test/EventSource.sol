// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title EventSource
/// @notice Test-only contract: emits events shaped like the platform's
/// (indexed address / uint256 / bytes32 args) in batches, so the indexer can
/// be tested for completeness, crash safety and reorgs without the real
/// contracts. Holds no state.
contract EventSource {
    /// @dev Emitted for each simulated data use.
    event ResourceUsed(
        uint256 indexed resourceId,
        uint256 indexed grantId,
        address indexed user,
        bytes32 officerHash,
        bytes32 subjectHash,
        uint64 seq
    );

    /// @dev Emitted for a simulated incident.
    event IncidentFiled(uint256 indexed incidentId, address indexed filer, bytes32 indexed officerHash, string note);

    /// @dev Emitted for a simulated catalog registration.
    event ResourceRegistered(uint256 indexed resourceId, address indexed owner, bytes32 contentHash, uint256 big);

    /// @notice Emits `count` ResourceUsed events with seq = firstSeq, firstSeq+1, ...
    function emitUses(uint256 resourceId, uint256 grantId, bytes32 subjectHash, uint64 firstSeq, uint64 count) external {
        for (uint64 i = 0; i < count; ++i) {
            emit ResourceUsed(resourceId, grantId, msg.sender, keccak256(abi.encode(msg.sender)), subjectHash, firstSeq + i);
        }
    }

    /// @notice Emits one IncidentFiled event.
    function fileIncident(uint256 incidentId, bytes32 officerHash, string calldata note) external {
        emit IncidentFiled(incidentId, msg.sender, officerHash, note);
    }

    /// @notice Emits one ResourceRegistered event.
    function register(uint256 resourceId, bytes32 contentHash, uint256 big) external {
        emit ResourceRegistered(resourceId, msg.sender, contentHash, big);
    }
}
