// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";

/**
 * @title ChainlinkStyleConsumer
 * @notice Test-only: a lending market's price read written the usual Chainlink way, with the checks such
 * consumers make (a positive answer, a completed round, a heartbeat on `block.timestamp - updatedAt`, with
 * checked arithmetic). The feed adapter must pass it whenever the oracle holds a fresh value.
 */
contract ChainlinkStyleConsumer {
    /// @notice The feed answered zero or a negative price.
    error InvalidPrice(int256 answer);
    /// @notice The round is incomplete (`updatedAt` is zero) or answered in an earlier round.
    error IncompleteRound(uint80 roundId);
    /// @notice The price is older than the heartbeat.
    error StalePrice(uint256 updatedAt, uint256 heartbeat);

    AggregatorV3Interface public immutable feed;
    /// @notice The largest age (seconds) of a price the market accepts.
    uint256 public immutable heartbeat;

    constructor(AggregatorV3Interface feed_, uint256 heartbeat_) {
        feed = feed_;
        heartbeat = heartbeat_;
    }

    /// @notice The price, checked as a Chainlink consumer checks it.
    function price() external view returns (int256) {
        (uint80 roundId, int256 answer, , uint256 updatedAt, uint80 answeredInRound) = feed.latestRoundData();
        if (answer <= 0) revert InvalidPrice(answer);
        if (updatedAt == 0 || answeredInRound < roundId) revert IncompleteRound(roundId);
        if (block.timestamp - updatedAt > heartbeat) revert StalePrice(updatedAt, heartbeat);
        return answer;
    }
}
