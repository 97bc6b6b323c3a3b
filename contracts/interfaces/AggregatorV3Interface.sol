// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title AggregatorV3Interface
 * @notice The read interface of Chainlink price feeds, so protocols written against Chainlink can read
 * other feeds (here: Allora topics) without code changes.
 */
// solhint-disable-next-line interface-starts-with-i
interface AggregatorV3Interface {
    /// @notice Number of decimals of `answer`.
    function decimals() external view returns (uint8);

    /// @notice Human-readable description of the feed.
    function description() external view returns (string memory);

    /// @notice Version of the feed implementation.
    function version() external view returns (uint256);

    /**
     * @notice The data of round `_roundId`.
     * @return roundId The round id.
     * @return answer The value.
     * @return startedAt When the round started (Unix seconds).
     * @return updatedAt When the answer was computed (Unix seconds).
     * @return answeredInRound The round in which the answer was computed.
     */
    function getRoundData(
        uint80 _roundId
    )
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);

    /// @notice The data of the latest round; same fields as {getRoundData}.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
