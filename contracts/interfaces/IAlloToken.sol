// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC7802} from "@openzeppelin/contracts/interfaces/draft-IERC7802.sol";

/**
 * @title IAlloToken
 * @notice The bridging surface of ALLO on an EVM chain: ERC-7802 `crosschainMint` / `crosschainBurn` for
 * registered bridges, each bounded by its own minting and burning limit that refills linearly over
 * `LIMIT_WINDOW` (the xERC20 / ERC-7281 model), and a pause that stops bridging but not transfers.
 * @dev A bridge is registered while at least one of its two limits is above zero. Setting both to zero
 * removes it.
 */
interface IAlloToken is IERC7802 {
    /// @notice The admin set a bridge's limits (both values are the new maximums).
    event BridgeLimitsSet(address indexed bridge, uint256 mintingLimit, uint256 burningLimit);
    /// @notice A bridge became registered (it was given a limit above zero).
    event BridgeRegistered(address indexed bridge);
    /// @notice A bridge stopped being registered (both its limits were set to zero).
    event BridgeRemoved(address indexed bridge);

    /// @notice The caller of `crosschainMint` / `crosschainBurn` is not a registered bridge.
    error NotBridge(address caller);
    /// @notice The zero address cannot be a bridge.
    error InvalidBridge(address bridge);
    /// @notice The bridge's minting limit holds less than the amount right now; retry later or raise the limit.
    error MintingLimitExceeded(address bridge, uint256 amount, uint256 available);
    /// @notice The bridge's burning limit holds less than the amount right now; retry later or raise the limit.
    error BurningLimitExceeded(address bridge, uint256 amount, uint256 available);

    /**
     * @notice Sets a bridge's minting and burning limits (per `LIMIT_WINDOW`); registers the bridge if a
     * limit is above zero, removes it if both are zero. Raising a limit frees the difference at once,
     * lowering it takes the difference away from what is currently available. Admin only.
     * @param bridge The bridge contract.
     * @param mintingLimit The most the bridge may mint per window.
     * @param burningLimit The most the bridge may burn per window.
     */
    function setBridgeLimits(address bridge, uint256 mintingLimit, uint256 burningLimit) external;

    /// @notice Stops `crosschainMint` and `crosschainBurn` at once. Guardian only. Transfers keep working.
    function pauseBridging() external;

    /// @notice Lets bridging resume after a pause. Admin only.
    function unpauseBridging() external;

    /// @notice The bridge's minting limit per window.
    /// @param bridge The bridge.
    /// @return limit The maximum.
    function mintingMaxLimitOf(address bridge) external view returns (uint256 limit);

    /// @notice What the bridge may mint right now.
    /// @param bridge The bridge.
    /// @return limit The amount currently available.
    function mintingCurrentLimitOf(address bridge) external view returns (uint256 limit);

    /// @notice The bridge's burning limit per window.
    /// @param bridge The bridge.
    /// @return limit The maximum.
    function burningMaxLimitOf(address bridge) external view returns (uint256 limit);

    /// @notice What the bridge may burn right now.
    /// @param bridge The bridge.
    /// @return limit The amount currently available.
    function burningCurrentLimitOf(address bridge) external view returns (uint256 limit);

    /// @notice Whether `account` is a registered bridge.
    /// @param account The address to check.
    /// @return registered True while at least one of its limits is above zero.
    function isBridge(address account) external view returns (bool registered);

    /// @notice Every registered bridge, in no particular order.
    /// @return list The bridges.
    function bridges() external view returns (address[] memory list);
}
