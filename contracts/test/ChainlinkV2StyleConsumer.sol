// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorInterface} from "../interfaces/AggregatorInterface.sol";

/**
 * @title ChainlinkV2StyleConsumer
 * @notice Test-only: a price read written against Chainlink's V2 interface, as older lending protocols
 * still do: `latestAnswer()` with a positive-price check and `latestTimestamp()` against a heartbeat.
 */
contract ChainlinkV2StyleConsumer {
    /// @notice The feed answered zero (no data) or a negative price.
    error InvalidPrice(int256 answer);
    /// @notice The price is older than the heartbeat.
    error StalePrice(uint256 updatedAt, uint256 heartbeat);

    AggregatorInterface public immutable feed;
    /// @notice The largest age (seconds) of a price the protocol accepts.
    uint256 public immutable heartbeat;

    constructor(AggregatorInterface feed_, uint256 heartbeat_) {
        feed = feed_;
        heartbeat = heartbeat_;
    }

    /// @notice The price, checked as a V2 consumer checks it.
    function price() external view returns (int256) {
        int256 answer = feed.latestAnswer();
        if (answer <= 0) revert InvalidPrice(answer);
        uint256 updatedAt = feed.latestTimestamp();
        if (block.timestamp - updatedAt > heartbeat) revert StalePrice(updatedAt, heartbeat);
        return answer;
    }
}
