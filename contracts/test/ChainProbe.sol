// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title ChainProbe
/// @notice Test-only contract for the backend's chain access layer
/// (backend/chain). It gives the tests one event to decode, one custom error
/// with arguments and the two built-in revert kinds (Error(string), Panic).
/// @dev Never deployed outside tests. The revert string in {failWithReason}
/// exists only to exercise the Error(string) decoder; production contracts
/// use custom errors exclusively.
contract ChainProbe {
    /// @dev Raised by {reject}; carries the caller so the decoder's address
    /// formatting (checksummed) is covered.
    error ProbeRejected(uint256 code, address who);

    /// @dev Emitted by {bump} after the counter was incremented.
    event Bumped(uint256 indexed tag, address indexed by, uint256 n);

    uint256 private _count;

    /// @notice Increments the counter. Emits {Bumped}.
    function bump(uint256 tag) external {
        ++_count;
        emit Bumped(tag, msg.sender, _count);
    }

    /// @notice Increments the counter unless `code` is non-zero, in which
    /// case it reverts with {ProbeRejected}. Lets a test make a transaction
    /// that simulates fine against one state and reverts against another.
    function bumpUnlessCode(uint256 tag, uint256 code) external {
        if (code != 0 && _count >= code) revert ProbeRejected(code, msg.sender);
        ++_count;
        emit Bumped(tag, msg.sender, _count);
    }

    /// @notice Always reverts with {ProbeRejected}(code, msg.sender).
    function reject(uint256 code) external view {
        revert ProbeRejected(code, msg.sender);
    }

    /// @notice Always reverts with Error(string).
    function failWithReason() external pure {
        // solhint-disable-next-line reason-string, gas-custom-errors
        require(false, "probe: reason");
    }

    /// @notice Reverts with Panic(0x12) when `b` is zero.
    function divide(uint256 a, uint256 b) external pure returns (uint256) {
        return a / b;
    }

    /// @notice Current counter value.
    function count() external view returns (uint256) {
        return _count;
    }
}
