// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Bridgeable} from "@openzeppelin/contracts/token/ERC20/extensions/draft-ERC20Bridgeable.sol";
// solhint-disable-next-line max-line-length
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC7802} from "@openzeppelin/contracts/interfaces/draft-IERC7802.sol";
import {IAlloToken} from "../interfaces/IAlloToken.sol";
import {RateLimit} from "../utils/RateLimit.sol";

/**
 * @title AlloToken
 * @notice ALLO on an EVM chain: ERC-20 "Allora" / "ALLO" with 18 decimals and ERC-2612 permit. Nothing is
 * minted at deployment: every token is minted by a registered bridge (ERC-7802 `crosschainMint`) against
 * ALLO locked or burned elsewhere, and burned (`crosschainBurn`) when it leaves. Each bridge has its own
 * minting and burning limit that refills linearly over `LIMIT_WINDOW`, so a compromised bridge can move at
 * most one window's worth before the guardian pauses bridging.
 * @dev Roles: the default admin (two-step transfer with a delay, AccessControlDefaultAdminRules) sets bridge
 * limits, grants `GUARDIAN_ROLE` and unpauses; a guardian pauses. The pause stops only bridging.
 *
 * The constructor takes only the initial admin, so the same creation code (and, through a CREATE2 factory,
 * the same address) works on every chain; guardians and bridges are configured after deployment.
 *
 * Bridges are trusted (ERC-7802): `crosschainBurn` does not spend an allowance. A bridge must only burn
 * from the account that asked it to bridge; the burning limit bounds the damage if it does not.
 */
contract AlloToken is ERC20Bridgeable, ERC20Permit, AccessControlDefaultAdminRules, Pausable, IAlloToken {
    using RateLimit for RateLimit.FlaggedBucket;
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice The role that may pause bridging.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice A limit refills from empty to full over this many seconds (xERC20's duration).
    uint256 public constant LIMIT_WINDOW = 1 days;

    /// @notice How long a default admin transfer waits between its start and its acceptance.
    uint48 public constant INITIAL_ADMIN_TRANSFER_DELAY = 2 days;

    /// @notice The highest minting or burning limit `setBridgeLimits` accepts (uint104: 2.0e13 ALLO).
    uint256 public constant MAX_LIMIT = type(uint104).max;

    /// @dev A bridge's two buckets, one slot each. Each bucket's `flag` is "bridging paused": the mint and
    /// burn paths read the pause from the slot they load for the limit anyway, instead of a cold SLOAD of
    /// Pausable's slot. Invariant: for a registered bridge both flags equal `paused()`; for any other address
    /// both are false. `pauseBridging`, `unpauseBridging` and `setBridgeLimits` keep it.
    struct BridgeLimits {
        RateLimit.FlaggedBucket minting;
        RateLimit.FlaggedBucket burning;
    }

    mapping(address bridge => BridgeLimits) private _limits;
    EnumerableSet.AddressSet private _bridges;

    /// @param initialAdmin The default admin (sets limits, grants guardians, unpauses). Not the deployer
    /// implicitly: through a CREATE2 factory the deployer is the factory.
    constructor(
        address initialAdmin
    )
        ERC20("Allora", "ALLO")
        ERC20Permit("Allora")
        AccessControlDefaultAdminRules(INITIAL_ADMIN_TRANSFER_DELAY, initialAdmin)
    {}

    // ---------------------------------------------------------------- bridging

    /// @inheritdoc ERC20Bridgeable
    /// @dev Reverts with `NotBridge` for a caller that is not registered, `MintingLimitExceeded` above the
    /// bridge's current minting limit, and `EnforcedPause` while bridging is paused.
    function crosschainMint(address to, uint256 value) public override(ERC20Bridgeable, IERC7802) {
        RateLimit.FlaggedBucket storage bucket = _limits[msg.sender].minting;
        _checkBucket(bucket);
        if (!bucket.tryConsume(value, LIMIT_WINDOW)) {
            revert MintingLimitExceeded(msg.sender, value, bucket.availableNow(LIMIT_WINDOW));
        }
        _mint(to, value);
        emit CrosschainMint(to, value, msg.sender);
    }

    /// @inheritdoc ERC20Bridgeable
    /// @dev Reverts with `NotBridge` for a caller that is not registered, `BurningLimitExceeded` above the
    /// bridge's current burning limit, and `EnforcedPause` while bridging is paused.
    function crosschainBurn(address from, uint256 value) public override(ERC20Bridgeable, IERC7802) {
        RateLimit.FlaggedBucket storage bucket = _limits[msg.sender].burning;
        _checkBucket(bucket);
        if (!bucket.tryConsume(value, LIMIT_WINDOW)) {
            revert BurningLimitExceeded(msg.sender, value, bucket.availableNow(LIMIT_WINDOW));
        }
        _burn(from, value);
        emit CrosschainBurn(from, value, msg.sender);
    }

    // ---------------------------------------------------------------- administration

    /// @inheritdoc IAlloToken
    function setBridgeLimits(
        address bridge,
        uint256 mintingLimit,
        uint256 burningLimit
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bridge == address(0)) revert InvalidBridge(bridge);
        BridgeLimits storage limits = _limits[bridge];
        limits.minting.setCapacity(mintingLimit, LIMIT_WINDOW);
        limits.burning.setCapacity(burningLimit, LIMIT_WINDOW);
        emit BridgeLimitsSet(bridge, mintingLimit, burningLimit);
        bool registered = mintingLimit != 0 || burningLimit != 0;
        if (registered) {
            if (_bridges.add(bridge)) emit BridgeRegistered(bridge);
        } else if (_bridges.remove(bridge)) {
            emit BridgeRemoved(bridge);
        }
        // A bridge registered while bridging is paused starts paused; a removed one keeps no stale flag.
        _setBridgePaused(limits, registered && paused());
    }

    /// @inheritdoc IAlloToken
    /// @dev Writes the flag on every registered bridge (a short list, `bridges()`), then Pausable's own.
    function pauseBridging() external onlyRole(GUARDIAN_ROLE) {
        _pause();
        _setAllBridgesPaused(true);
    }

    /// @inheritdoc IAlloToken
    function unpauseBridging() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
        _setAllBridgesPaused(false);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IAlloToken
    function mintingMaxLimitOf(address bridge) external view returns (uint256) {
        return _limits[bridge].minting.capacity;
    }

    /// @inheritdoc IAlloToken
    function mintingCurrentLimitOf(address bridge) external view returns (uint256) {
        return _limits[bridge].minting.availableNow(LIMIT_WINDOW);
    }

    /// @inheritdoc IAlloToken
    function burningMaxLimitOf(address bridge) external view returns (uint256) {
        return _limits[bridge].burning.capacity;
    }

    /// @inheritdoc IAlloToken
    function burningCurrentLimitOf(address bridge) external view returns (uint256) {
        return _limits[bridge].burning.availableNow(LIMIT_WINDOW);
    }

    /// @inheritdoc IAlloToken
    function isBridge(address account) external view returns (bool) {
        return _bridges.contains(account);
    }

    /// @inheritdoc IAlloToken
    function bridges() external view returns (address[] memory) {
        return _bridges.values();
    }

    /// @notice ERC-165: ERC-7802, IAlloToken, AccessControl (+ default admin rules) and ERC-165 itself.
    /// @param interfaceId The interface id.
    /// @return supported Whether this contract implements it.
    function supportsInterface(
        bytes4 interfaceId
    )
        public
        view
        override(ERC20Bridgeable, AccessControlDefaultAdminRules, IERC165)
        returns (bool supported)
    {
        return interfaceId == type(IAlloToken).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev The checks `crosschainMint` / `crosschainBurn` make before spending: the pause (flag on the
    /// bucket), then registration. A zero capacity is either a bridge whose flow is off or no bridge at all:
    /// those callers also get Pausable's own check (rare path), so an unregistered caller sees exactly what it
    /// saw before the flag existed (`EnforcedPause` while paused, else `NotBridge`) and never gets through,
    /// not even with a zero amount.
    function _checkBucket(RateLimit.FlaggedBucket storage bucket) private view {
        if (bucket.flag) revert EnforcedPause();
        if (bucket.capacity == 0) {
            _requireNotPaused();
            _checkTokenBridge(msg.sender);
        }
    }

    /// @dev Sets the "bridging paused" flag on every registered bridge's two buckets.
    function _setAllBridgesPaused(bool isPaused) private {
        uint256 count = _bridges.length();
        for (uint256 i = 0; i < count; ++i) {
            _setBridgePaused(_limits[_bridges.at(i)], isPaused);
        }
    }

    /// @dev Sets the "bridging paused" flag on one bridge's two buckets.
    function _setBridgePaused(BridgeLimits storage limits, bool isPaused) private {
        limits.minting.flag = isPaused;
        limits.burning.flag = isPaused;
    }

    /// @dev Registered means at least one limit above zero (see `setBridgeLimits`).
    function _checkTokenBridge(address caller) internal view override {
        if (!_bridges.contains(caller)) revert NotBridge(caller);
    }
}
