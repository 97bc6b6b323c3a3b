// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IAlloraOracle
 * @notice Allora network inferences for EVM consumers. Each Allora topic (a prediction task on the Allora
 * hub, e.g. "ETH/USD price in 5 minutes") has one latest network inference here: the value the hub
 * synthesized from its workers' inferences and forecasts, attested by an m-of-n attester set.
 *
 * How to read safely:
 * - Use {latestInferenceNoOlderThan} with the largest age your protocol tolerates. It reverts when the
 *   topic has no value or the value is older, so a stalled relayer can never feed you stale data silently.
 * - {latestInference} never reverts; check `nonce != 0` (a value exists) and `timestamp` yourself.
 * - Values are fixed point with 18 decimals (1e18 = 1.0) and may be negative. Bound them to the range
 *   your protocol expects; the oracle only guarantees that the attesters signed them.
 * - `nonce` is the hub block height at which the inference was made. It only increases per topic.
 * - To pay for fresher data on a topic, call {requestInference}; relayers serve the highest payments
 *   first. To use a fresh signed report in your own transaction, pass it to {verifyAndStore}.
 * - Pull mode without storing: every report the current attester set ever signed stays valid for
 *   {verifyReport}, however old, and whoever calls your contract picks the report. Within your maximum age
 *   they can pick the most favourable one, even when a newer value is stored. Prefer {verifyAndStore} (which
 *   returns the newest of the two) or {verifyReportNoOlderThanStored}, and always bound the age yourself.
 */
interface IAlloraOracle {
    /// @notice One attested network inference for one topic, as signed by the attesters.
    /// @param topicId The Allora topic id.
    /// @param value The network inference, 18-decimal fixed point; must fit in int160.
    /// @param nonce The hub block height of the inference (the topic's epoch nonce); above zero.
    /// @param timestamp The hub block time of the inference, in Unix seconds.
    struct Report {
        uint64 topicId;
        int256 value;
        uint64 nonce;
        uint64 timestamp;
    }

    /// @notice A topic's stored inference. `nonce == 0` means the topic has none yet.
    struct Inference {
        int256 value;
        uint64 nonce;
        uint64 timestamp;
    }

    /// @notice A topic's stored inference changed.
    event InferenceUpdated(uint64 indexed topicId, int256 value, uint64 nonce, uint64 timestamp);
    /// @notice A report was not stored because the stored inference is as new or newer.
    event ReportSkipped(uint64 indexed topicId, uint64 nonce, uint64 storedNonce);
    /// @notice A consumer paid `amount` ALLO for a fresh inference on a topic.
    event InferenceRequested(
        uint256 indexed requestId,
        uint64 indexed topicId,
        address indexed requester,
        uint256 amount
    );

    /// @notice The topic has no inference yet.
    error NoInference(uint64 topicId);
    /// @notice The topic's inference is older than the caller allows.
    error StaleInference(uint64 topicId, uint64 timestamp, uint256 maxAge);
    /// @notice A report's value does not fit in the stored range (int160).
    error ValueOutOfRange(uint64 topicId, int256 value);
    /// @notice A report's nonce is zero.
    error InvalidNonce(uint64 topicId);
    /// @notice A report's timestamp is ahead of this chain's clock by more than the allowed drift.
    error FutureTimestamp(uint64 topicId, uint64 timestamp, uint256 blockTimestamp);
    /// @notice A batch is empty.
    error EmptyBatch();
    /// @notice A packed batch's length is not a positive multiple of the packed report size.
    error MalformedBatch(uint256 length, uint256 reportSize);
    /// @notice A request pays nothing.
    error ZeroPayment();
    /// @notice A report's timestamp is zero.
    error ZeroTimestamp(uint64 topicId);
    /// @notice A pulled report is older (lower nonce) than the inference stored for its topic.
    error ReportOlderThanStored(uint64 topicId, uint64 nonce, uint64 storedNonce);
    /// @notice The L2 sequencer is down (its uptime feed says so): values may be stale while it is.
    error SequencerDown();
    /// @notice The L2 sequencer came back at `upSince`; strict reads resume after `gracePeriod` seconds.
    error SequencerGracePeriodNotOver(uint256 upSince, uint256 gracePeriod);
    /// @notice The L2 sequencer uptime feed has no status yet (its `startedAt` is 0).
    error SequencerStatusUnknown();

    /**
     * @notice Stores every report in the batch that is newer than the stored inference of its topic and
     * skips the others (event {ReportSkipped}). Anyone may call it: the signatures carry the authority.
     * @dev `reports` is packed, 40 bytes per report, any topics in any order, big-endian:
     * `topicId` (uint64, 8 bytes) ‖ `timestamp` (uint48, 6) ‖ `nonce` (uint48, 6) ‖ `value` (int160, 20,
     * two's complement). The last 32 bytes of a report are the word the oracle stores for its topic, and the
     * format carries no padding: calldata is most of a relayer's cost per topic. `IAlloraOracleAdmin.packReport`
     * and the project's TypeScript (lib/eip712/oracle.ts `packReports`) produce it.
     * @param reports The packed reports; the length must be a positive multiple of 40 ({MalformedBatch}).
     * @param signatures The current attester set's signatures over the EIP-712 message
     * `ReportBatch(uint64 attesterSetId,bytes reports)` (the packed bytes above) in the domain
     * `{name: "AlloraOracle", version: "1", chainId, verifyingContract}`; 65-byte signatures concatenated in
     * ascending signer order.
     */
    function submit(bytes calldata reports, bytes calldata signatures) external;

    /**
     * @notice Verifies a single signed report (a batch of one: the attesters signed its 40-byte packed form,
     * see {submit}) and returns it, without storing it.
     * @dev Reverts if the signatures are not valid for the current attester set. Beware: any report the current
     * set signed passes, however old, even when a newer one is stored; the caller chooses which. Check its
     * timestamp against your maximum age, or use {verifyReportNoOlderThanStored}.
     */
    function verifyReport(
        Report calldata report,
        bytes calldata signatures
    ) external view returns (Inference memory);

    /**
     * @notice Like {verifyReport}, but reverts with {ReportOlderThanStored} when the topic's stored inference
     * has a higher nonce than the report (an equal nonce passes: it is the stored report). Still check the
     * returned timestamp against your maximum age: the stored value itself may be old.
     */
    function verifyReportNoOlderThanStored(
        Report calldata report,
        bytes calldata signatures
    ) external view returns (Inference memory);

    /**
     * @notice Verifies a single signed report and stores it if it is newer; returns the topic's latest
     * inference after the call (the stored one if the report was older).
     */
    function verifyAndStore(
        Report calldata report,
        bytes calldata signatures
    ) external returns (Inference memory);

    /// @notice The topic's latest inference; all zero when there is none. Never reverts.
    function latestInference(
        uint64 topicId
    ) external view returns (int256 value, uint64 nonce, uint64 timestamp);

    /**
     * @notice The topic's latest inference, reverting with {NoInference} when there is none and with
     * {StaleInference} when it is older than `maxAge` seconds. On an L2 whose deployment configured a
     * sequencer uptime feed (Chainlink's L2 Sequencer Uptime Feed), it also reverts with {SequencerDown}
     * while the sequencer is down and with {SequencerGracePeriodNotOver} for the grace period after it comes
     * back: while the sequencer is down nobody can post newer values, and right after it returns the first
     * transactions may act on values that are old in the world but look fresh to a max-age check.
     */
    function latestInferenceNoOlderThan(
        uint64 topicId,
        uint256 maxAge
    ) external view returns (int256 value, uint64 nonce, uint64 timestamp);

    /**
     * @notice Pays `amount` ALLO (any amount above zero; approve it first) for a fresh inference on
     * `topicId`. Relayers watching {InferenceRequested} post that topic ahead of the others, highest
     * payment first. The payment is not refundable.
     * @return requestId A sequence number unique on this oracle.
     */
    function requestInference(uint64 topicId, uint256 amount) external returns (uint256 requestId);

    /// @notice {requestInference} with an ERC-2612 permit for the payment, in one transaction.
    function requestInferenceWithPermit(
        uint64 topicId,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 requestId);
}
