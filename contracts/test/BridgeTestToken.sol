// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Bridgeable} from "@openzeppelin/contracts/token/ERC20/extensions/draft-ERC20Bridgeable.sol";
import {RateLimit} from "../utils/RateLimit.sol";

/**
 * @title BridgeTestToken
 * @notice Test-only ERC-7802 token with per-bridge mint and burn limits, standing in for AlloToken in the
 * bridge tests until they run against it. Anyone can mint freely (test use only).
 */
contract BridgeTestToken is ERC20, ERC20Permit, ERC20Bridgeable {
    using RateLimit for RateLimit.Bucket;

    /// @notice Limits refill over one day.
    uint256 public constant WINDOW = 1 days;

    /// @notice A caller that is not a registered bridge, or a bridge over its limit.
    error BridgeLimitExceeded(address bridge, uint256 amount);

    mapping(address bridge => RateLimit.Bucket) private _mintLimits;
    mapping(address bridge => RateLimit.Bucket) private _burnLimits;

    constructor() ERC20("Test ALLO", "tALLO") ERC20Permit("Test ALLO") {}

    /// @notice Registers `bridge` with mint and burn limits (zero removes it).
    function setBridgeLimits(address bridge, uint256 mintLimit, uint256 burnLimit) external {
        _mintLimits[bridge].setCapacity(mintLimit, WINDOW);
        _burnLimits[bridge].setCapacity(burnLimit, WINDOW);
    }

    /// @notice Test faucet.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @inheritdoc ERC20Bridgeable
    function crosschainMint(address to, uint256 value) public override {
        if (!_mintLimits[msg.sender].tryConsume(value, WINDOW)) revert BridgeLimitExceeded(msg.sender, value);
        super.crosschainMint(to, value);
    }

    /// @inheritdoc ERC20Bridgeable
    function crosschainBurn(address from, uint256 value) public override {
        if (!_burnLimits[msg.sender].tryConsume(value, WINDOW)) revert BridgeLimitExceeded(msg.sender, value);
        super.crosschainBurn(from, value);
    }

    /// @dev Registration is the limits above; a zero-capacity bucket already failed its consume.
    function _checkTokenBridge(address caller) internal view override {
        if (_mintLimits[caller].capacity == 0 && _burnLimits[caller].capacity == 0) {
            revert BridgeLimitExceeded(caller, 0);
        }
    }
}
