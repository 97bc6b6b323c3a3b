// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Chainlink's own published interface (npm @chainlink/contracts), not ours: the adapter must serve code
// written against it unchanged.
import {AggregatorV2V3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV2V3Interface.sol";

/**
 * @title ChainlinkPublishedConsumer
 * @notice Test-only: reads a feed through Chainlink's published AggregatorV2V3Interface, V3 and V2 calls alike.
 */
contract ChainlinkPublishedConsumer {
    AggregatorV2V3Interface public immutable feed;

    constructor(AggregatorV2V3Interface feed_) {
        feed = feed_;
    }

    /// @notice Everything a consumer reads, through Chainlink's interface.
    function readAll()
        external
        view
        returns (
            uint8 decimals,
            string memory description,
            uint80 roundId,
            int256 answer,
            uint256 updatedAt,
            int256 latestAnswer,
            uint256 latestTimestamp,
            uint256 latestRound
        )
    {
        decimals = feed.decimals();
        description = feed.description();
        (roundId, answer, , updatedAt, ) = feed.latestRoundData();
        latestAnswer = feed.latestAnswer();
        latestTimestamp = feed.latestTimestamp();
        latestRound = feed.latestRound();
    }
}
