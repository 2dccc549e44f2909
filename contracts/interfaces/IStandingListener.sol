// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title IStandingListener
 * @notice A contract the council registered with the consortium ({IConsortium-proposeAddStandingListener}) to
 * be told of every change of a department's standing, in the transaction that makes it: admission (active),
 * suspension (not active), reinstatement (active); and, once, of every department's standing when it is
 * registered. It lets a hot path (UsageRights.recordUse) check standing from its own storage instead of
 * calling the consortium.
 */
interface IStandingListener {
    /// @notice `department` is now active (`true`) or not (`false`). Only the consortium calls this.
    function onDepartmentStanding(address department, bool active) external;
}
