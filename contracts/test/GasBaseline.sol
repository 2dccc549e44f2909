// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title GasBaseline
/// @notice Test-only reference transactions, measured in the same run as the
/// platform's operations so that gas figures are reported as ratios.
contract GasBaseline {
    /// @notice Emitted by {emitOnly}.
    event Pinged(address indexed sender, uint256 value);

    mapping(uint256 => uint256) private _slots;

    /// @notice A transaction that only emits one event.
    function emitOnly(uint256 value) external {
        emit Pinged(msg.sender, value);
    }

    /// @notice A transaction that only writes one new storage slot.
    function writeSlot(uint256 key, uint256 value) external {
        _slots[key] = value;
    }
}
