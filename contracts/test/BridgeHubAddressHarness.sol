// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {HubAddress} from "../bridge/HubAddress.sol";

/// @title BridgeHubAddressHarness
/// @notice Test-only: exposes the HubAddress library.
contract BridgeHubAddressHarness {
    /// @notice The first problem found in `account` (0 = valid).
    function check(string calldata account) external pure returns (HubAddress.Problem) {
        return HubAddress.check(account);
    }

    /// @notice Reverts unless `account` is valid.
    function validate(string calldata account) external pure {
        HubAddress.validate(account);
    }
}
