// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// solhint-disable-next-line max-line-length
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {AttesterSets} from "../attestation/AttesterSets.sol";
import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {IAlloraOracle} from "../interfaces/IAlloraOracle.sol";
import {IAlloraOracleAdmin} from "../interfaces/IAlloraOracleAdmin.sol";

/**
 * @title AlloraOracle
 * @notice The latest Allora network inference per topic, attested off-chain by an m-of-n attester set and
 * pushed here by permissionless relayers ({submit}) or pulled in by consumers ({verifyAndStore}).
 * See {IAlloraOracle} for how to read it safely.
 *
 * @dev Storage layout (besides OpenZeppelin's AccessControl roles and default-admin rules, and AttesterSets,
 * whose current-set slot also holds the pause flag; Pausable's own `_paused` slot is never used):
 * - topic `t` at slot `_INFERENCES_BASE + t` (an ERC-7201 namespace), one slot per topic:
 *   `value` (int160, low bits) ‖ `nonce` (uint48) ‖ `timestamp` (uint48, high bits).
 *   A packed report carries exactly this word after its topic id, so a steady-state update is one cold
 *   read and one rewrite of that slot with the report's own bytes.
 * - `_requestCount`: the number of {requestInference} calls so far (the next request id).
 *
 * Roles: `DEFAULT_ADMIN_ROLE` (the admin: grants roles, unpauses, withdraws fees; handed over in two steps
 * with a delay and never renounced by a single call, AccessControlDefaultAdminRules) and `GUARDIAN_ROLE`
 * (pauses instantly). Attester-set rotation is not an admin power: only the current set's threshold can
 * rotate the set ({AttesterSets}).
 *
 * Report checks: a zero nonce, a zero timestamp or a timestamp more than {MAX_FUTURE_DRIFT} ahead of this
 * chain's clock (and, for the struct reports of pull mode, a value outside int160 or a nonce above uint48)
 * reverts the whole call: those reports are malformed and the relayer must drop them. A well-formed report
 * that is not newer than the stored inference is skipped with {ReportSkipped}, so one stale topic never blocks
 * the others.
 */
contract AlloraOracle is
    AttesterSets,
    AccessControlDefaultAdminRules,
    Pausable,
    IAlloraOracle,
    IAlloraOracleAdmin
{
    using SafeERC20 for IERC20;

    /// @notice The role that may pause the oracle.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /**
     * @notice How far (seconds) a report's timestamp may be ahead of this chain's block time. Hub and EVM
     * clocks drift and EVM block timestamps lag by up to a block; ten minutes absorbs that while keeping a
     * report from claiming freshness far into the future (which would defeat consumers' max-age checks).
     */
    uint256 public constant MAX_FUTURE_DRIFT = 10 minutes;

    /// @notice The delay before the first admin can hand the role to another account (two steps), as the token's.
    uint48 public constant INITIAL_ADMIN_TRANSFER_DELAY = 2 days;

    /**
     * @dev EIP-712 type of the signed message. `reports` is the packed batch (see {IAlloraOracle-submit}):
     * EIP-712 hashes a `bytes` member as the keccak256 of its content, so the whole batch is hashed once,
     * straight from calldata, instead of once per report.
     */
    bytes32 private constant _REPORT_BATCH_TYPEHASH = keccak256(
        "ReportBatch(uint64 attesterSetId,bytes reports)"
    );

    /// @dev Bytes of one packed report: topicId (8) ‖ timestamp (6) ‖ nonce (6) ‖ value (20).
    uint256 private constant _REPORT_SIZE = 40;
    /// @dev Offset of the stored word (timestamp ‖ nonce ‖ value) inside a packed report.
    uint256 private constant _WORD_OFFSET = 8;
    /// @dev Shift that brings a packed report's leading topic id down from the top of a calldata word.
    uint256 private constant _TOPIC_SHIFT = 192;

    /**
     * @dev Topic `t`'s {StoredInference} lives at slot `_INFERENCES_BASE + t`: an ERC-7201 namespace,
     * `keccak256(abi.encode(uint256(keccak256("allora.oracle.inferences")) - 1)) & ~bytes32(uint256(0xff))`.
     * Topic ids are uint64, so the 2^64 slots from the base cannot meet the contract's sequential slots, and
     * meet a hashed slot (mappings) with negligible probability. Unlike a mapping, finding the slot costs an
     * addition instead of a hash on every topic of every batch.
     */
    uint256 private constant _INFERENCES_BASE =
        0x85bd95ce42e0c50922913477c711c2c333aca722f0615d05c3621bda527c4d00;

    /// @dev Packing of {StoredInference} in its slot, for the assembly hot path.
    uint256 private constant _UINT160_MASK = 0x00ffffffffffffffffffffffffffffffffffffffff;
    uint256 private constant _UINT48_MAX = 0xffffffffffff;
    uint256 private constant _NONCE_SHIFT = 160;
    uint256 private constant _TIMESTAMP_SHIFT = 208;

    /// @dev One topic's inference, packed in one slot.
    struct StoredInference {
        int160 value;
        uint48 nonce;
        uint48 timestamp;
    }

    /// @notice The ERC-20 (ALLO) in which requests pay.
    IERC20 private immutable _paymentToken;

    uint256 private _requestCount;

    /// @dev The strict read's L2 sequencer guard: Chainlink's uptime feed (zero: off) and its grace period.
    /// Immutable: the chain's uptime feed does not move, and an unguarded strict read then costs no storage read.
    AggregatorV3Interface private immutable _sequencerFeed;
    uint32 private immutable _sequencerGracePeriod;

    /**
     * @param admin Holder of `DEFAULT_ADMIN_ROLE` (handed over with {beginDefaultAdminTransfer}).
     * @param guardian Holder of `GUARDIAN_ROLE`.
     * @param paymentToken_ The ALLO token (ERC-20 with ERC-2612 permit).
     * @param attesterSetId_ The initial attester set id (at least 1).
     * @param signers The initial attesters, strictly ascending.
     * @param threshold The initial threshold (more than half of the signers).
     * @param sequencerUptimeFeed_ The L2 sequencer uptime feed the strict read checks (Chainlink's), or zero
     * where the chain has none (Ethereum, BNB Smart Chain).
     * @param sequencerGracePeriod_ Seconds after the sequencer comes back during which strict reads still
     * revert (Chainlink suggests 3600); zero without a feed.
     */
    constructor(
        address admin,
        address guardian,
        IERC20 paymentToken_,
        uint64 attesterSetId_,
        address[] memory signers,
        uint8 threshold,
        address sequencerUptimeFeed_,
        uint32 sequencerGracePeriod_
    )
        EIP712("AlloraOracle", "1")
        AttesterSets(attesterSetId_, signers, threshold)
        AccessControlDefaultAdminRules(INITIAL_ADMIN_TRANSFER_DELAY, admin)
    {
        // (A zero admin is refused by AccessControlDefaultAdminRules before this runs.)
        if (guardian == address(0)) revert ZeroAddress("guardian");
        if (address(paymentToken_) == address(0)) revert ZeroAddress("paymentToken");
        if (sequencerUptimeFeed_ == address(0) && sequencerGracePeriod_ != 0) {
            revert GracePeriodWithoutFeed(sequencerGracePeriod_);
        }
        if (sequencerUptimeFeed_ != address(0) && sequencerUptimeFeed_.code.length == 0) {
            revert NotAContract(sequencerUptimeFeed_);
        }
        _paymentToken = paymentToken_;
        _sequencerFeed = AggregatorV3Interface(sequencerUptimeFeed_);
        _sequencerGracePeriod = sequencerGracePeriod_;
        _grantRole(GUARDIAN_ROLE, guardian);
        emit SequencerUptimeFeedSet(sequencerUptimeFeed_, sequencerGracePeriod_);
    }

    // ---------------------------------------------------------------- reports

    /// @inheritdoc IAlloraOracle
    function submit(bytes calldata reports, bytes calldata signatures) external {
        CurrentSet memory current = _currentSetWhenNotPaused();
        _checkBatchLength(reports.length);
        _verifyAttestation(current, _hashReportBatch(current.id, reports), signatures);
        _storeBatch(reports);
    }

    /// @inheritdoc IAlloraOracle
    function verifyReport(
        Report calldata report,
        bytes calldata signatures
    ) external view returns (Inference memory) {
        CurrentSet memory current = _currentSet();
        bytes32 word = _checkAndPackReport(report);
        _verifyAttestation(current, _hashSingleReport(current.id, report.topicId, word), signatures);
        return Inference({value: report.value, nonce: report.nonce, timestamp: report.timestamp});
    }

    /// @inheritdoc IAlloraOracle
    function verifyReportNoOlderThanStored(
        Report calldata report,
        bytes calldata signatures
    ) external view returns (Inference memory) {
        CurrentSet memory current = _currentSet();
        bytes32 word = _checkAndPackReport(report);
        _verifyAttestation(current, _hashSingleReport(current.id, report.topicId, word), signatures);
        uint64 storedNonce = _readInference(report.topicId).nonce;
        if (report.nonce < storedNonce)
            revert ReportOlderThanStored(report.topicId, report.nonce, storedNonce);
        return Inference({value: report.value, nonce: report.nonce, timestamp: report.timestamp});
    }

    /// @inheritdoc IAlloraOracle
    function verifyAndStore(
        Report calldata report,
        bytes calldata signatures
    ) external returns (Inference memory) {
        CurrentSet memory current = _currentSetWhenNotPaused();
        uint64 topicId = report.topicId;
        bytes32 word = _checkAndPackReport(report);
        _verifyAttestation(current, _hashSingleReport(current.id, topicId, word), signatures);
        StoredInference storage stored = _inference(topicId);
        uint48 storedNonce = stored.nonce;
        if (report.nonce > storedNonce) {
            assembly ("memory-safe") {
                sstore(stored.slot, word)
            }
            emit InferenceUpdated(topicId, report.value, report.nonce, report.timestamp);
        } else {
            emit ReportSkipped(topicId, report.nonce, storedNonce);
        }
        StoredInference memory latest = stored;
        return Inference({value: latest.value, nonce: latest.nonce, timestamp: latest.timestamp});
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IAlloraOracle
    function latestInference(
        uint64 topicId
    ) external view returns (int256 value, uint64 nonce, uint64 timestamp) {
        StoredInference memory stored = _readInference(topicId);
        return (stored.value, stored.nonce, stored.timestamp);
    }

    /// @inheritdoc IAlloraOracle
    function latestInferenceNoOlderThan(
        uint64 topicId,
        uint256 maxAge
    ) external view returns (int256 value, uint64 nonce, uint64 timestamp) {
        _checkSequencerUp();
        StoredInference memory stored = _readInference(topicId);
        if (stored.nonce == 0) revert NoInference(topicId);
        // A timestamp slightly ahead of this chain's clock (within MAX_FUTURE_DRIFT) counts as age zero.
        if (block.timestamp > stored.timestamp && block.timestamp - stored.timestamp > maxAge) {
            revert StaleInference(topicId, stored.timestamp, maxAge);
        }
        return (stored.value, stored.nonce, stored.timestamp);
    }

    /// @inheritdoc IAlloraOracleAdmin
    function sequencerUptimeFeed() external view returns (address feed, uint32 gracePeriod) {
        return (address(_sequencerFeed), _sequencerGracePeriod);
    }

    /// @inheritdoc IAlloraOracleAdmin
    function hashReportBatch(uint64 attesterSetId_, bytes calldata reports) external view returns (bytes32) {
        _checkBatchLength(reports.length);
        return _hashReportBatch(attesterSetId_, reports);
    }

    /// @inheritdoc IAlloraOracleAdmin
    function packReport(Report calldata report) external view returns (bytes memory) {
        return abi.encodePacked(report.topicId, _checkAndPackReport(report));
    }

    // ---------------------------------------------------------------- requests and fees

    /// @inheritdoc IAlloraOracle
    function requestInference(uint64 topicId, uint256 amount) external whenNotPaused returns (uint256) {
        return _request(topicId, amount);
    }

    /// @inheritdoc IAlloraOracle
    function requestInferenceWithPermit(
        uint64 topicId,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external whenNotPaused returns (uint256) {
        // A permit seen in the mempool can be front-run (submitted by someone else first), which would make
        // this call revert although the allowance is in place. Ignore a failed permit; the transfer below
        // still fails cleanly if the allowance is missing.
        try
            IERC20Permit(address(_paymentToken)).permit(msg.sender, address(this), amount, deadline, v, r, s)
        {
            // Allowance set.
        } catch {
            // Fall through to the allowance check in transferFrom.
        }
        return _request(topicId, amount);
    }

    /// @inheritdoc IAlloraOracleAdmin
    function withdrawFees(address to, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (to == address(0)) revert ZeroAddress("to");
        _paymentToken.safeTransfer(to, amount);
        emit FeesWithdrawn(to, amount, msg.sender);
    }

    /// @inheritdoc IAlloraOracleAdmin
    function paymentToken() external view returns (address) {
        return address(_paymentToken);
    }

    /// @inheritdoc IAlloraOracleAdmin
    function requestCount() external view returns (uint256) {
        return _requestCount;
    }

    // ---------------------------------------------------------------- pausing

    /// @inheritdoc IAlloraOracleAdmin
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @inheritdoc IAlloraOracleAdmin
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /**
     * @notice Whether the oracle is paused.
     * @dev The flag lives in the attester-set slot that every submit reads anyway ({AttesterSets-_isHalted}),
     * not in Pausable's own slot, which saves a cold read per batch. Pausable's modifiers, events and
     * errors are used unchanged.
     */
    function paused() public view override returns (bool) {
        return _isHalted();
    }

    /// @dev Pausable's {_pause} on the packed flag.
    function _pause() internal override whenNotPaused {
        _setHalted(true);
        emit Paused(_msgSender());
    }

    /// @dev Pausable's {_unpause} on the packed flag.
    function _unpause() internal override whenPaused {
        _setHalted(false);
        emit Unpaused(_msgSender());
    }

    // ---------------------------------------------------------------- internals

    /**
     * @dev Pausable's `whenNotPaused` and the attester set in one storage read: the report paths need the
     * pause flag, the set id (for the digest) and the set itself (for verification), all in one slot.
     */
    function _currentSetWhenNotPaused() private view returns (CurrentSet memory current) {
        current = _currentSet();
        if (current.halted) revert EnforcedPause();
    }

    /// @dev Reverts unless `length` is a positive multiple of {_REPORT_SIZE}.
    /**
     * @dev Chainlink's L2 sequencer uptime pattern: answer 0 = up, 1 = down; `startedAt` = when the status
     * last changed. Off (no storage read: the feed is immutable) when no feed is configured.
     */
    function _checkSequencerUp() private view {
        if (address(_sequencerFeed) == address(0)) return;
        (, int256 status, uint256 startedAt, , ) = _sequencerFeed.latestRoundData();
        if (status != 0) revert SequencerDown();
        if (startedAt == 0) revert SequencerStatusUnknown();
        // A change stamped ahead of this block counts as just now.
        if (startedAt >= block.timestamp || block.timestamp - startedAt <= _sequencerGracePeriod) {
            revert SequencerGracePeriodNotOver(startedAt, _sequencerGracePeriod);
        }
    }

    function _checkBatchLength(uint256 length) private pure {
        if (length == 0) revert EmptyBatch();
        if (length % _REPORT_SIZE != 0) revert MalformedBatch(length, _REPORT_SIZE);
    }

    /**
     * @dev The EIP-712 digest of `ReportBatch(attesterSetId, reports)`: the packed batch is hashed straight
     * from calldata, in one keccak256 however many reports it holds.
     */
    function _hashReportBatch(uint64 setId, bytes calldata reports) private view returns (bytes32) {
        bytes32 reportsHash;
        assembly ("memory-safe") {
            // Scratch beyond the free pointer: nothing else uses memory while it is hashed.
            let buffer := mload(0x40)
            calldatacopy(buffer, reports.offset, reports.length)
            reportsHash := keccak256(buffer, reports.length)
        }
        return _batchDigest(setId, reportsHash);
    }

    /// @dev The digest of a batch of one report, given its topic and its packed word (pull mode).
    function _hashSingleReport(uint64 setId, uint64 topicId, bytes32 word) private view returns (bytes32) {
        return _batchDigest(setId, keccak256(abi.encodePacked(topicId, word)));
    }

    /// @dev The EIP-712 digest of a `ReportBatch` given the hash of its packed reports.
    function _batchDigest(uint64 setId, bytes32 reportsHash) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_REPORT_BATCH_TYPEHASH, setId, reportsHash)));
    }

    /// @dev Topic `topicId`'s storage (see `_INFERENCES_BASE`).
    function _inference(uint64 topicId) private pure returns (StoredInference storage stored) {
        assembly ("memory-safe") {
            stored.slot := add(_INFERENCES_BASE, topicId)
        }
    }

    /**
     * @dev Topic `topicId`'s stored inference, read with an explicit SLOAD. Copying it through the storage
     * pointer of {_inference} (a `pure` function, whose slot is set in assembly) reads the same word, but solc's
     * mutability check does not count that copy as a read and warned that {latestInference} could be `pure`.
     */
    function _readInference(uint64 topicId) private view returns (StoredInference memory stored) {
        uint256 word;
        assembly ("memory-safe") {
            word := sload(add(_INFERENCES_BASE, topicId))
        }
        stored.value = int160(uint160(word));
        stored.nonce = uint48(word >> _NONCE_SHIFT);
        stored.timestamp = uint48(word >> _TIMESTAMP_SHIFT);
    }

    /**
     * @dev Checks a struct report against the oracle's rules and returns its packed word (timestamp ‖ nonce ‖
     * value, the {StoredInference} layout), which is also the last 32 bytes of its packed form.
     */
    function _checkAndPackReport(Report calldata report) private view returns (bytes32) {
        uint64 topicId = report.topicId;
        int256 value = report.value;
        if (value > type(int160).max || value < type(int160).min) revert ValueOutOfRange(topicId, value);
        uint64 nonce = report.nonce;
        if (nonce == 0 || nonce > type(uint48).max) revert InvalidNonce(topicId);
        if (report.timestamp == 0) revert ZeroTimestamp(topicId);
        // MAX_FUTURE_DRIFT past any real block time is far below 2^48, so this also bounds the timestamp.
        if (report.timestamp > block.timestamp + MAX_FUTURE_DRIFT) {
            revert FutureTimestamp(topicId, report.timestamp, block.timestamp);
        }
        return
            bytes32(
                (uint256(report.timestamp) << _TIMESTAMP_SHIFT) |
                    (uint256(nonce) << _NONCE_SHIFT) |
                    (uint256(value) & _UINT160_MASK)
            );
    }

    /**
     * @dev Stores every report of an attested, length-checked batch that is newer than its topic's stored
     * inference and skips the others. This is the per-topic hot path of a batch, so it runs in assembly: per
     * report two calldata loads, one SLOAD, one SSTORE of the report's own packed word (already in the
     * {StoredInference} layout) and one log. A malformed report (nonce or timestamp zero, timestamp too far ahead; the
     * value cannot be out of range in 20 bytes) reverts the whole call with its own error: the attesters
     * should never have signed it, and the relayer drops it before signing.
     */
    function _storeBatch(bytes calldata reports) private {
        bytes32 updatedEvent = InferenceUpdated.selector;
        bytes32 skippedEvent = ReportSkipped.selector;
        uint256 latestAllowedTimestamp = block.timestamp + MAX_FUTURE_DRIFT;
        bool isMalformed;
        uint256 malformed; // the first malformed report's packed word and topic
        uint256 malformedTopic;
        assembly ("memory-safe") {
            // Event data (value, nonce, timestamp) in scratch beyond the free pointer.
            let eventData := mload(0x40)
            let end := add(reports.offset, reports.length)
            for {
                let p := reports.offset
            } lt(p, end) {
                p := add(p, _REPORT_SIZE)
            } {
                let topicId := shr(_TOPIC_SHIFT, calldataload(p))
                let word := calldataload(add(p, _WORD_OFFSET))
                let nonce := and(shr(_NONCE_SHIFT, word), _UINT48_MAX)
                let timestamp_ := shr(_TIMESTAMP_SHIFT, word)
                if or(or(iszero(nonce), iszero(timestamp_)), gt(timestamp_, latestAllowedTimestamp)) {
                    isMalformed := 1
                    malformed := word
                    malformedTopic := topicId
                    break
                }
                let slot := add(_INFERENCES_BASE, topicId)
                let storedNonce := and(shr(_NONCE_SHIFT, sload(slot)), _UINT48_MAX)
                if iszero(gt(nonce, storedNonce)) {
                    mstore(eventData, nonce)
                    mstore(add(eventData, 0x20), storedNonce)
                    log2(eventData, 0x40, skippedEvent, topicId)
                    continue
                }
                sstore(slot, word)
                mstore(eventData, signextend(19, word))
                mstore(add(eventData, 0x20), nonce)
                mstore(add(eventData, 0x40), timestamp_)
                log2(eventData, 0x60, updatedEvent, topicId)
            }
        }
        if (isMalformed) _revertMalformed(uint64(malformedTopic), malformed);
    }

    /// @dev The error for a malformed packed report found by {_storeBatch}.
    function _revertMalformed(uint64 topicId, uint256 word) private view {
        if ((word >> _NONCE_SHIFT) & _UINT48_MAX == 0) revert InvalidNonce(topicId);
        uint64 timestamp_ = uint64(word >> _TIMESTAMP_SHIFT);
        if (timestamp_ == 0) revert ZeroTimestamp(topicId);
        revert FutureTimestamp(topicId, timestamp_, block.timestamp);
    }

    /// @dev Takes the payment and announces the request.
    function _request(uint64 topicId, uint256 amount) private returns (uint256 requestId) {
        if (amount == 0) revert ZeroPayment();
        requestId = _requestCount++;
        emit InferenceRequested(requestId, topicId, msg.sender, amount);
        _paymentToken.safeTransferFrom(msg.sender, address(this), amount);
    }
}
