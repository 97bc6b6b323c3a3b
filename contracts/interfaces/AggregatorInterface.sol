// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title AggregatorInterface
 * @notice The older (V2) read interface of Chainlink price feeds. Large lending protocols still call
 * `latestAnswer()`; a feed that serves both this and {AggregatorV3Interface} reads unchanged in either.
 *
 * Chainlink's V2 reads never revert for missing data: an unknown round, or a feed with no data yet, reads
 * as answer 0 and timestamp 0, so consumers must treat a zero timestamp (and, for prices, a zero answer) as
 * "no data".
 */
// solhint-disable-next-line interface-starts-with-i
interface AggregatorInterface {
    /// @notice Emitted by Chainlink aggregators when a round's answer is set.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    /// @notice Emitted by Chainlink aggregators when a round starts.
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);

    /// @notice The latest answer, or 0 when there is none.
    function latestAnswer() external view returns (int256);

    /// @notice When the latest answer was computed (Unix seconds), or 0 when there is none.
    function latestTimestamp() external view returns (uint256);

    /// @notice The latest round id, or 0 when there is none.
    function latestRound() external view returns (uint256);

    /// @notice The answer of round `roundId`, or 0 when that round is not available.
    function getAnswer(uint256 roundId) external view returns (int256);

    /// @notice When round `roundId` was computed (Unix seconds), or 0 when that round is not available.
    function getTimestamp(uint256 roundId) external view returns (uint256);
}
