// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorInterface} from "../interfaces/AggregatorInterface.sol";
import {AggregatorV2V3Interface} from "../interfaces/AggregatorV2V3Interface.sol";
import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {IAlloraOracle} from "../interfaces/IAlloraOracle.sol";

/**
 * @title AlloraFeedAdapter
 * @notice One Allora topic behind Chainlink's AggregatorV2V3Interface, so a protocol that reads Chainlink
 * feeds (V3 `latestRoundData`, or V2 `latestAnswer`) can read Allora by pointing at this address.
 *
 * Decimals: chosen at deployment, 8 (as Chainlink's USD feeds) or 18 (the oracle's own). With 8, the
 * oracle's 18-decimal value is truncated toward zero: 1234.567890123456789012 reads as 123456789012 and
 * -0.000000009 reads as 0. Topics whose value may be negative (log-returns, for example) serve negative
 * answers; their description says so, and a consumer that treats answers as prices must check `answer > 0`.
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
 * Missing data, as Chainlink feeds answer it: only the latest round is stored. V3: {getRoundData} returns it
 * when asked for its round id and reverts with {RoundNotAvailable} for every other id (older, never existing,
 * or zero), and {latestRoundData} reverts with {IAlloraOracle-NoInference} while the topic has no value (a
 * consumer that walks back through rounds must not use this adapter). V2 never reverts: {latestAnswer},
 * {latestTimestamp} and {latestRound} read 0 while the topic has no value, and {getAnswer}/{getTimestamp}
 * read 0 for any round but the latest, so a V2 consumer must treat a zero timestamp as "no data".
 *
 * The adapter stores nothing and changes nothing: the oracle's {IAlloraOracle-InferenceUpdated} is the event
 * of a new round; {AggregatorInterface-AnswerUpdated} and {AggregatorInterface-NewRound} are never emitted.
 *
 * Consumers must still check `updatedAt` against their own staleness limit, exactly as with Chainlink.
 */
contract AlloraFeedAdapter is AggregatorV2V3Interface {
    /// @notice The round is not the stored (latest) one.
    error RoundNotAvailable(uint80 roundId);
    /// @notice The oracle address is zero.
    error ZeroOracle();
    /// @notice Decimals other than 8 or 18 were asked for at deployment.
    error UnsupportedDecimals(uint8 decimals);

    /// @dev The oracle's values have 18 decimals.
    uint8 private constant _ORACLE_DECIMALS = 18;
    /// @dev Version of this adapter (2: the V2 reads and the choice of decimals).
    uint256 private constant _VERSION = 2;

    /// @notice The oracle read by this adapter.
    IAlloraOracle public immutable oracle;
    /// @notice The Allora topic served by this adapter.
    uint64 public immutable topicId;

    /// @dev The answer's decimals (8 or 18).
    uint8 private immutable _decimals;
    /// @dev 10 ** (18 - decimals): the divisor from the oracle's value to the answer.
    int256 private immutable _divisor;

    string private _description;

    /**
     * @param oracle_ The Allora oracle.
     * @param topicId_ The Allora topic.
     * @param decimals_ The answer's decimals: 8 or 18.
     * @param description_ e.g. "ETH / USD 5min (Allora topic 14)"; say "(may be negative)" for such topics.
     */
    constructor(IAlloraOracle oracle_, uint64 topicId_, uint8 decimals_, string memory description_) {
        if (address(oracle_) == address(0)) revert ZeroOracle();
        if (decimals_ != 8 && decimals_ != _ORACLE_DECIMALS) revert UnsupportedDecimals(decimals_);
        oracle = oracle_;
        topicId = topicId_;
        _decimals = decimals_;
        _divisor = int256(10 ** (_ORACLE_DECIMALS - decimals_));
        _description = description_;
    }

    /// @inheritdoc AggregatorV3Interface
    function decimals() external view returns (uint8) {
        return _decimals;
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
        return (nonce, _scaled(value), at, at, nonce);
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
        return (nonce, _scaled(value), at, at, nonce);
    }

    /// @inheritdoc AggregatorInterface
    function latestAnswer() external view returns (int256) {
        (int256 value, uint64 nonce, ) = oracle.latestInference(topicId);
        return nonce == 0 ? int256(0) : _scaled(value);
    }

    /// @inheritdoc AggregatorInterface
    function latestTimestamp() external view returns (uint256) {
        (, uint64 nonce, uint64 timestamp) = oracle.latestInference(topicId);
        return nonce == 0 ? 0 : _notAhead(timestamp);
    }

    /// @inheritdoc AggregatorInterface
    function latestRound() external view returns (uint256) {
        (, uint64 nonce, ) = oracle.latestInference(topicId);
        return nonce;
    }

    /// @inheritdoc AggregatorInterface
    function getAnswer(uint256 roundId) external view returns (int256) {
        (int256 value, uint64 nonce, ) = oracle.latestInference(topicId);
        return nonce == 0 || roundId != nonce ? int256(0) : _scaled(value);
    }

    /// @inheritdoc AggregatorInterface
    function getTimestamp(uint256 roundId) external view returns (uint256) {
        (, uint64 nonce, uint64 timestamp) = oracle.latestInference(topicId);
        return nonce == 0 || roundId != nonce ? 0 : _notAhead(timestamp);
    }

    /// @dev The oracle's 18-decimal `value` in this feed's decimals, truncated toward zero.
    function _scaled(int256 value) private view returns (int256) {
        return value / _divisor;
    }

    /// @dev `timestamp`, or this block's timestamp when it is ahead of it (see the contract's notes on time).
    function _notAhead(uint64 timestamp) private view returns (uint256) {
        return timestamp > block.timestamp ? block.timestamp : timestamp;
    }
}
