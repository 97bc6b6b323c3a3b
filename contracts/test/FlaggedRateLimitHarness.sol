// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RateLimit} from "../utils/RateLimit.sol";

/**
 * @title FlaggedRateLimitHarness
 * @notice Test-only: one RateLimit.FlaggedBucket behind external functions, so the property test can drive the
 * library transaction by transaction at chosen timestamps, compare it with a reference model, and check that
 * the library never touches the owner's flag.
 */
contract FlaggedRateLimitHarness {
    using RateLimit for RateLimit.FlaggedBucket;

    /// @notice The refill window of the bucket, in seconds.
    uint256 public immutable WINDOW;

    /// @notice The bucket under test.
    RateLimit.FlaggedBucket public bucket;

    /// @notice Emitted by `consume` with the library's answer and what the bucket held before.
    event Consumed(uint256 amount, bool ok, uint256 availableBefore);
    /// @notice Emitted by `probe` with what the bucket holds at the block's timestamp.
    event Probed(uint256 available);
    /// @notice Emitted by `setCapacity`.
    event CapacitySet(uint256 capacity);
    /// @notice Emitted by `setFlag`.
    event FlagSet(bool flag);

    /// @param window The refill window, in seconds.
    constructor(uint256 window) {
        WINDOW = window;
    }

    /// @notice Calls RateLimit.tryConsume and records the outcome.
    /// @param amount The amount to take.
    function consume(uint256 amount) external {
        uint256 before = bucket.availableNow(WINDOW);
        bool ok = bucket.tryConsume(amount, WINDOW);
        emit Consumed(amount, ok, before);
    }

    /// @notice Calls RateLimit.setCapacity.
    /// @param capacity The new capacity.
    function setCapacity(uint256 capacity) external {
        bucket.setCapacity(capacity, WINDOW);
        emit CapacitySet(capacity);
    }

    /// @notice Records RateLimit.availableNow at this transaction's block timestamp.
    function probe() external {
        emit Probed(bucket.availableNow(WINDOW));
    }

    /// @notice Writes the owner's flag (as the token does for its pause).
    /// @param flag The new flag.
    function setFlag(bool flag) external {
        bucket.flag = flag;
        emit FlagSet(flag);
    }
}
