// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title BridgeRejectEther
/// @notice Test-only: a fee recipient that refuses native transfers.
contract BridgeRejectEther {
    /// @notice Always reverts.
    error NoEther();

    receive() external payable {
        revert NoEther();
    }
}
