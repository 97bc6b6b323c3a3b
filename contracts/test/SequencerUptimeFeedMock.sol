// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";

/**
 * @title SequencerUptimeFeedMock
 * @notice Test-only: an L2 sequencer uptime feed answering as Chainlink's does: `answer` 0 when the
 * sequencer is up, 1 when it is down; `startedAt` when that status began.
 */
contract SequencerUptimeFeedMock is AggregatorV3Interface {
    int256 private _status;
    uint256 private _startedAt;
    uint80 private _round;

    /// @notice Sets the status (0 up, 1 down) and when it began.
    function setStatus(int256 status, uint256 startedAt) external {
        _status = status;
        _startedAt = startedAt;
        _round += 1;
    }

    /// @inheritdoc AggregatorV3Interface
    function decimals() external pure returns (uint8) {
        return 0;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external pure returns (string memory) {
        return "L2 Sequencer Uptime Status Feed (mock)";
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure returns (uint256) {
        return 1;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(uint80) external view returns (uint80, int256, uint256, uint256, uint80) {
        return (_round, _status, _startedAt, _startedAt, _round);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (_round, _status, _startedAt, _startedAt, _round);
    }
}
