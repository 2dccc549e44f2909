// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title IConsortiumManaged
 * @notice What every consortium-managed contract shares: the consortium it answers to and the errors of
 * the two checks it makes against that consortium (council call, active department).
 *
 * @dev The council never calls a managed contract directly: a council call is executed by the consortium,
 * so "called by the council" means `msg.sender == consortium()`. While such a call runs,
 * `IConsortium.executingProposal()` names the proposal. Department status is read live from the
 * consortium on every check, so a suspension takes effect at once in every managed contract.
 *
 * The errors are shared: a managed contract reverts with them instead of contract-specific copies, so a
 * caller decodes one selector per failure, whichever contract raised it.
 */
interface IConsortiumManaged {
    // ------------------------------------------------------------------ errors

    /// @notice The consortium address given to the constructor is zero.
    error ConsortiumManagedZeroAddress();
    /// @notice `caller` is not the consortium (council actions come only through council calls).
    error ConsortiumManagedNotCouncil(address caller);
    /// @notice `account` is not an active department of the consortium (unknown or suspended).
    error ConsortiumManagedNotActiveDepartment(address account);

    // ------------------------------------------------------------------ views

    /**
     * @notice The consortium whose council and departments this contract trusts.
     * @dev Fixed at deployment; never zero.
     */
    function consortium() external view returns (address);
}
