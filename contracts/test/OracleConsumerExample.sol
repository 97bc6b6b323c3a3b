// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAlloraOracle} from "../interfaces/IAlloraOracle.sol";

/**
 * @title OracleConsumerExample
 * @notice An example DeFi consumer of the Allora oracle (tests and the `oracle.latest.read` gas case):
 * a strict read with a maximum age and bounds, and pull mode with a report carried in the call.
 */
contract OracleConsumerExample {
    /// @notice The value read is outside the bounds this consumer accepts.
    error ValueOutsideBounds(int256 value);

    /// @notice The consumer acted on a value.
    event ValueUsed(uint64 indexed topicId, int256 value, uint64 nonce);

    IAlloraOracle public immutable oracle;
    /// @notice The largest age (seconds) of a value this consumer accepts.
    uint256 public immutable maxAge;
    int256 public immutable minValue;
    int256 public immutable maxValue;

    constructor(IAlloraOracle oracle_, uint256 maxAge_, int256 minValue_, int256 maxValue_) {
        oracle = oracle_;
        maxAge = maxAge_;
        minValue = minValue_;
        maxValue = maxValue_;
    }

    /// @notice Reads a topic safely: reverts when missing, stale or out of bounds.
    function read(uint64 topicId) public view returns (int256 value, uint64 nonce) {
        (value, nonce, ) = oracle.latestInferenceNoOlderThan(topicId, maxAge);
        if (value < minValue || value > maxValue) revert ValueOutsideBounds(value);
    }

    /// @notice Pull mode: stores a fresher signed report (if newer) and reads the topic, in one call.
    function readWithReport(
        IAlloraOracle.Report calldata report,
        bytes calldata signatures
    ) external returns (int256 value, uint64 nonce) {
        oracle.verifyAndStore(report, signatures);
        (value, nonce) = read(report.topicId);
        emit ValueUsed(report.topicId, value, nonce);
    }

    /**
     * @notice Pull mode without storing: verifies the report and uses it directly if fresh and in bounds.
     * `verifyReportNoOlderThanStored`, not `verifyReport`: the caller chooses the report, and must not be able to
     * pick an older, more favourable one while a newer value is stored.
     */
    function useVerifiedReport(
        IAlloraOracle.Report calldata report,
        bytes calldata signatures
    ) external view returns (int256 value, uint64 nonce) {
        IAlloraOracle.Inference memory inference = oracle.verifyReportNoOlderThanStored(report, signatures);
        if (block.timestamp > inference.timestamp && block.timestamp - inference.timestamp > maxAge) {
            revert IAlloraOracle.StaleInference(report.topicId, inference.timestamp, maxAge);
        }
        if (inference.value < minValue || inference.value > maxValue)
            revert ValueOutsideBounds(inference.value);
        return (inference.value, inference.nonce);
    }
}
