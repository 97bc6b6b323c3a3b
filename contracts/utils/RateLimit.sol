// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title RateLimit
 * @notice A bucket that holds up to `capacity` units and refills linearly to full over `window` seconds
 * (the xERC20 / ERC-7281 and Wormhole NTT model). Spending takes units out; time puts them back.
 * @dev One storage slot per bucket (`FlaggedBucket`): amounts capped at uint104 (2.0e31 base units: 2.0e13
 * tokens of 18 decimals) to leave room for one flag its owner may read and write (the library never does), so
 * a check the owner needs on every spend (the token's pause) rides on the slot the spend loads anyway.
 * Callers that pack a bucket their own way use the shared math ({refilled}, {resized}) directly (the bridge).
 * Larger capacities are rejected. Refill rounds down, so a bucket never holds more than the exact linear
 * refill would give.
 */
library RateLimit {
    /// @notice A bucket's state, with one flag for its owner.
    /// @param capacity The most the bucket holds (the limit). Zero disables the flow it guards.
    /// @param available What the bucket held at `updatedAt`.
    /// @param updatedAt When `available` was last written.
    /// @param flag Owned by the caller; no function of this library reads or changes it.
    struct FlaggedBucket {
        uint104 capacity;
        uint104 available;
        uint32 updatedAt;
        bool flag;
    }

    /// @notice A capacity above the bucket's range (uint104).
    error CapacityTooLarge(uint256 capacity);

    // ---------------------------------------------------------------- FlaggedBucket

    /// @notice What the bucket holds now (never more than its capacity).
    function availableNow(FlaggedBucket memory bucket, uint256 window) internal view returns (uint256) {
        return refilled(bucket.capacity, bucket.available, bucket.updatedAt, window);
    }

    /**
     * @notice Takes `amount` out of the bucket if it holds that much now. Leaves `flag` as it is.
     * @return ok False (and nothing written) when the bucket holds less than `amount`.
     */
    function tryConsume(
        FlaggedBucket storage bucket,
        uint256 amount,
        uint256 window
    ) internal returns (bool ok) {
        uint256 available = availableNow(bucket, window);
        if (amount > available) return false;
        bucket.available = uint104(available - amount);
        bucket.updatedAt = uint32(block.timestamp);
        return true;
    }

    /**
     * @notice Sets a new capacity. What is available now moves by the change in capacity (never below
     * zero), so raising a limit frees the difference at once and lowering it takes the difference away.
     * Leaves `flag` as it is.
     */
    function setCapacity(FlaggedBucket storage bucket, uint256 newCapacity, uint256 window) internal {
        if (newCapacity > type(uint104).max) revert CapacityTooLarge(newCapacity);
        uint256 available = resized(bucket.capacity, availableNow(bucket, window), newCapacity);
        bucket.capacity = uint104(newCapacity);
        bucket.available = uint104(available);
        bucket.updatedAt = uint32(block.timestamp);
    }

    // ---------------------------------------------------------------- shared math

    /**
     * @notice The refill arithmetic on raw fields, for callers that pack a bucket their own way (the bridge
     * keeps the capacity in its chain configuration): what a bucket of `capacity` holding `available` at
     * `updatedAt` holds now.
     */
    function refilled(
        uint256 capacity,
        uint256 available,
        uint32 updatedAt,
        uint256 window
    ) internal view returns (uint256) {
        uint256 elapsed;
        // `updatedAt` keeps the low 32 bits of the timestamp. Subtracting modulo 2^32 keeps `elapsed` right
        // after February 2106 (for gaps under 136 years); a plain subtraction would then read as "a full
        // window has passed" on every call, and the limit would stop limiting.
        unchecked {
            elapsed = uint32(uint32(block.timestamp) - updatedAt);
        }
        if (window == 0 || elapsed >= window) return capacity;
        uint256 total = available + (capacity * elapsed) / window;
        return total > capacity ? capacity : total;
    }

    /// @notice What is available after a capacity change: moved by the change, floored at zero. No cap needed:
    /// `availableNow` was at most the old capacity and moved by the same change (or hit zero), so the result
    /// is at most `newCapacity`.
    function resized(
        uint256 oldCapacity,
        uint256 availableNow_,
        uint256 newCapacity
    ) internal pure returns (uint256) {
        if (newCapacity >= oldCapacity) return availableNow_ + (newCapacity - oldCapacity);
        uint256 cut = oldCapacity - newCapacity;
        return availableNow_ > cut ? availableNow_ - cut : 0;
    }
}
