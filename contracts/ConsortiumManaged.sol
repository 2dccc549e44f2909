// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IConsortium} from "./interfaces/IConsortium.sol";
import {IConsortiumManaged} from "./interfaces/IConsortiumManaged.sol";

/**
 * @title ConsortiumManaged
 * @notice Base of every contract that answers to the consortium: holds the consortium reference and
 * provides the council-only modifier and the active-department check. See {IConsortiumManaged}.
 *
 * @dev In the spirit of OpenZeppelin's `AccessManaged`, with the consortium as the authority: the
 * reference is immutable (no storage read on the hot paths) and private; inheriting contracts reach it
 * through {_consortium}. The checks are internal functions so that the modifier body is not inlined at
 * every use.
 */
abstract contract ConsortiumManaged is IConsortiumManaged {
    IConsortium private immutable _consortiumRef;

    /**
     * @param consortium_ the consortium this contract answers to.
     * @dev Requirements: `consortium_` is non-zero (else {ConsortiumManagedZeroAddress}).
     */
    constructor(address consortium_) {
        if (consortium_ == address(0)) revert ConsortiumManagedZeroAddress();
        _consortiumRef = IConsortium(consortium_);
    }

    /**
     * @dev Restricts a function to council calls.
     *
     * Requirements:
     * - the caller is the consortium (a council call), else {ConsortiumManagedNotCouncil}.
     */
    modifier onlyCouncil() {
        _checkCouncil();
        _;
    }

    /// @inheritdoc IConsortiumManaged
    function consortium() external view returns (address) {
        return address(_consortiumRef);
    }

    /// @dev The consortium, typed, for calls such as `executingProposal()` or `isAuditor(…)`.
    function _consortium() internal view returns (IConsortium) {
        return _consortiumRef;
    }

    /// @dev Whether the current call is a council call (`msg.sender` is the consortium).
    function _isCouncilCall() internal view returns (bool) {
        return msg.sender == address(_consortiumRef);
    }

    /**
     * @dev Reverts unless the current call is a council call.
     *
     * Requirements:
     * - `msg.sender` is the consortium, else {ConsortiumManagedNotCouncil}.
     */
    function _checkCouncil() internal view {
        if (msg.sender != address(_consortiumRef)) revert ConsortiumManagedNotCouncil(msg.sender);
    }

    /**
     * @dev Reverts unless `account` is an active department of the consortium.
     *
     * Requirements:
     * - `account` is an active (admitted, not suspended) department, else
     *   {ConsortiumManagedNotActiveDepartment}.
     */
    function _requireActiveDepartment(address account) internal view {
        if (!_consortiumRef.isActiveDepartment(account)) revert ConsortiumManagedNotActiveDepartment(account);
    }
}
