// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title RateLimit
 * @notice A bucket that holds up to `capacity` units and refills linearly to full over `window` seconds
 * (the xERC20 / ERC-7281 and Wormhole NTT model). Spending takes units out; time puts them back.
 * @dev One storage slot per bucket. Amounts are capped at uint112 (5.2e33 base units: 5.2e15 tokens of 18
 * decimals), far above any real supply; larger capacities are rejected. Refill rounds down, so a bucket
 * never holds more than the exact linear refill would give.
 */
library RateLimit {
    /// @notice A bucket's state.
    /// @param capacity The most the bucket holds (the limit). Zero disables the flow it guards.
    /// @param available What the bucket held at `updatedAt`.
    /// @param updatedAt When `available` was last written.
    struct Bucket {
        uint112 capacity;
        uint112 available;
        uint32 updatedAt;
    }

    /// @notice A capacity above the uint112 range.
    error CapacityTooLarge(uint256 capacity);

    /// @notice What the bucket holds now (never more than its capacity).
    function availableNow(Bucket memory bucket, uint256 window) internal view returns (uint256) {
        uint256 elapsed;
        // `updatedAt` keeps the low 32 bits of the timestamp. Subtracting modulo 2^32 keeps `elapsed` right
        // after February 2106 (for gaps under 136 years); a plain subtraction would then read as "a full
        // window has passed" on every call, and the limit would stop limiting.
        unchecked {
            elapsed = uint32(uint32(block.timestamp) - bucket.updatedAt);
        }
        uint256 capacity = bucket.capacity;
        if (window == 0 || elapsed >= window) return capacity;
        uint256 refilled = bucket.available + (capacity * elapsed) / window;
        return refilled > capacity ? capacity : refilled;
    }

    /**
     * @notice Takes `amount` out of the bucket if it holds that much now.
     * @return ok False (and nothing written) when the bucket holds less than `amount`.
     */
    function tryConsume(Bucket storage bucket, uint256 amount, uint256 window) internal returns (bool ok) {
        uint256 available = availableNow(bucket, window);
        if (amount > available) return false;
        bucket.available = uint112(available - amount);
        bucket.updatedAt = uint32(block.timestamp);
        return true;
    }

    /**
     * @notice Sets a new capacity. What is available now moves by the change in capacity (never below
     * zero), so raising a limit frees the difference at once and lowering it takes the difference away.
     */
    function setCapacity(Bucket storage bucket, uint256 newCapacity, uint256 window) internal {
        if (newCapacity > type(uint112).max) revert CapacityTooLarge(newCapacity);
        uint256 oldCapacity = bucket.capacity;
        uint256 available = availableNow(bucket, window);
        if (newCapacity >= oldCapacity) {
            available += newCapacity - oldCapacity;
        } else {
            uint256 cut = oldCapacity - newCapacity;
            available = available > cut ? available - cut : 0;
        }
        // No cap needed: `available` was at most the old capacity and moved by the same change (or hit zero),
        // so it is at most `newCapacity`.
        bucket.capacity = uint112(newCapacity);
        bucket.available = uint112(available);
        bucket.updatedAt = uint32(block.timestamp);
    }
}
