// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {IAlloraOracle} from "../interfaces/IAlloraOracle.sol";

/**
 * @title AlloraFeedAdapter
 * @notice One Allora topic behind Chainlink's AggregatorV3Interface, so a protocol that reads Chainlink
 * feeds can read Allora by pointing at this address.
 *
 * Rounds: the round id is the hub nonce (the hub block height of the inference), which increases with
 * every stored update, as Chainlink round ids do; they are not consecutive. `startedAt` and `updatedAt`
 * are both the hub timestamp of the inference, capped at the current block's timestamp; `answeredInRound`
 * equals `roundId`.
 *
 * Time: the oracle accepts a report stamped up to {AlloraOracle-MAX_FUTURE_DRIFT} (10 minutes) ahead of the
 * chain's clock, because hub and EVM clocks drift. Chainlink guarantees `updatedAt <= block.timestamp`, and
 * consumers write `block.timestamp - updatedAt <= heartbeat`, which would revert (underflow) on a timestamp
 * ahead of the chain. So the adapter reports such a value as updated now: `min(timestamp, block.timestamp)`,
 * the age zero the oracle's own strict read gives it. The value is the same; only its age is not negative.
 *
 * Only the latest round is stored. {getRoundData} returns it when asked for its round id and reverts with
 * {RoundNotAvailable} for every other id (older, never existing, or zero), as Chainlink feeds revert for
 * unknown rounds (a consumer that walks back through rounds must not use this adapter). {latestRoundData}
 * reverts with {IAlloraOracle-NoInference} while the topic has no value.
 *
 * Consumers must still check `updatedAt` against their own staleness limit, exactly as with Chainlink.
 */
contract AlloraFeedAdapter is AggregatorV3Interface {
    /// @notice The round is not the stored (latest) one.
    error RoundNotAvailable(uint80 roundId);
    /// @notice The oracle address is zero.
    error ZeroOracle();

    /// @dev The oracle's values have 18 decimals.
    uint8 private constant _DECIMALS = 18;
    /// @dev Version of this adapter.
    uint256 private constant _VERSION = 1;

    /// @notice The oracle read by this adapter.
    IAlloraOracle public immutable oracle;
    /// @notice The Allora topic served by this adapter.
    uint64 public immutable topicId;

    string private _description;

    /**
     * @param oracle_ The Allora oracle.
     * @param topicId_ The Allora topic.
     * @param description_ e.g. "ETH / USD 5min (Allora topic 14)".
     */
    constructor(IAlloraOracle oracle_, uint64 topicId_, string memory description_) {
        if (address(oracle_) == address(0)) revert ZeroOracle();
        oracle = oracle_;
        topicId = topicId_;
        _description = description_;
    }

    /// @inheritdoc AggregatorV3Interface
    function decimals() external pure returns (uint8) {
        return _DECIMALS;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external view returns (string memory) {
        return _description;
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure returns (uint256) {
        return _VERSION;
    }

    /// @inheritdoc AggregatorV3Interface
    function getRoundData(
        uint80 _roundId
    )
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        (int256 value, uint64 nonce, uint64 timestamp) = oracle.latestInference(topicId);
        if (nonce == 0 || _roundId != nonce) revert RoundNotAvailable(_roundId);
        uint256 at = _notAhead(timestamp);
        return (nonce, value, at, at, nonce);
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        (int256 value, uint64 nonce, uint64 timestamp) = oracle.latestInference(topicId);
        if (nonce == 0) revert IAlloraOracle.NoInference(topicId);
        uint256 at = _notAhead(timestamp);
        return (nonce, value, at, at, nonce);
    }

    /// @dev `timestamp`, or this block's timestamp when it is ahead of it (see the contract's notes on time).
    function _notAhead(uint64 timestamp) private view returns (uint256) {
        return timestamp > block.timestamp ? block.timestamp : timestamp;
    }
}
