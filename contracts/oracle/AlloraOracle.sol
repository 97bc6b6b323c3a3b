// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {AttesterSets} from "../attestation/AttesterSets.sol";
import {IAlloraOracle} from "../interfaces/IAlloraOracle.sol";
import {IAlloraOracleAdmin} from "../interfaces/IAlloraOracleAdmin.sol";

/**
 * @title AlloraOracle
 * @notice The latest Allora network inference per topic, attested off-chain by an m-of-n attester set and
 * pushed here by permissionless relayers ({submit}) or pulled in by consumers ({verifyAndStore}).
 * See {IAlloraOracle} for how to read it safely.
 *
 * @dev Storage layout (besides OpenZeppelin's AccessControl roles and AttesterSets, whose current-set slot
 * also holds the pause flag; Pausable's own `_paused` slot is never used):
 * - topic `t` at slot `_INFERENCES_BASE + t` (an ERC-7201 namespace), one slot per topic:
 *   `value` (int160, low bits) ‖ `nonce` (uint48) ‖ `timestamp` (uint48, high bits).
 *   A steady-state update is one cold read and one rewrite of that slot.
 * - `_requestCount`: the number of {requestInference} calls so far (the next request id).
 *
 * Roles: `DEFAULT_ADMIN_ROLE` (the admin: grants roles, unpauses, withdraws fees) and `GUARDIAN_ROLE`
 * (pauses instantly). Attester-set rotation is not an admin power: only the current set's threshold can
 * rotate the set ({AttesterSets}).
 *
 * Report checks: a value outside int160, a zero nonce or one above uint48, or a timestamp more than
 * {MAX_FUTURE_DRIFT} ahead of this chain's clock reverts the whole call: those reports are malformed and
 * the relayer must drop them. A well-formed report that is not newer than the stored inference is
 * skipped with {ReportSkipped}, so one stale topic never blocks the others in a batch.
 */
contract AlloraOracle is AttesterSets, AccessControl, Pausable, IAlloraOracle, IAlloraOracleAdmin {
    using SafeERC20 for IERC20;

    /// @notice The role that may pause the oracle.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /**
     * @notice How far (seconds) a report's timestamp may be ahead of this chain's block time. Hub and EVM
     * clocks drift and EVM block timestamps lag by up to a block; ten minutes absorbs that while keeping a
     * report from claiming freshness far into the future (which would defeat consumers' max-age checks).
     */
    uint256 public constant MAX_FUTURE_DRIFT = 10 minutes;

    /// @dev EIP-712 type of one report.
    bytes32 private constant _REPORT_TYPEHASH = keccak256(
        "Report(uint64 topicId,int256 value,uint64 nonce,uint64 timestamp)"
    );

    /// @dev EIP-712 type of the signed message; the referenced struct type is appended per EIP-712.
    bytes32 private constant _REPORT_BATCH_TYPEHASH = keccak256(
        "ReportBatch(uint64 attesterSetId,Report[] reports)"
        "Report(uint64 topicId,int256 value,uint64 nonce,uint64 timestamp)"
    );

    /// @dev ABI size of one `Report` in calldata (four static words).
    uint256 private constant _REPORT_SIZE = 128;

    /**
     * @dev Topic `t`'s {StoredInference} lives at slot `_INFERENCES_BASE + t`: an ERC-7201 namespace,
     * `keccak256(abi.encode(uint256(keccak256("allora.oracle.inferences")) - 1)) & ~bytes32(uint256(0xff))`.
     * Topic ids are uint64, so the 2^64 slots from the base cannot meet the contract's sequential slots, and
     * meet a hashed slot (mappings) with negligible probability. Unlike a mapping, finding the slot costs an
     * addition instead of a hash on every topic of every batch.
     */
    uint256 private constant _INFERENCES_BASE =
        0x85bd95ce42e0c50922913477c711c2c333aca722f0615d05c3621bda527c4d00;
    uint256 private constant _UINT64_MASK = 0xffffffffffffffff;

    /// @dev Packing of {StoredInference} in its slot, for the assembly hot path.
    uint256 private constant _UINT160_MASK = 0x00ffffffffffffffffffffffffffffffffffffffff;
    uint256 private constant _UINT48_MAX = 0xffffffffffff;
    uint256 private constant _UINT48_MAX_MINUS_ONE = 0xfffffffffffe;
    uint256 private constant _NONCE_SHIFT = 160;
    uint256 private constant _TIMESTAMP_SHIFT = 208;

    /// @dev {_storeAndHashBatch}'s index when every report is well-formed.
    uint256 private constant _NO_MALFORMED_REPORT = type(uint256).max;

    /// @dev One topic's inference, packed in one slot.
    struct StoredInference {
        int160 value;
        uint48 nonce;
        uint48 timestamp;
    }

    /// @notice The ERC-20 (ALLO) in which requests pay.
    IERC20 private immutable _paymentToken;

    uint256 private _requestCount;

    /**
     * @param admin Holder of `DEFAULT_ADMIN_ROLE`.
     * @param guardian Holder of `GUARDIAN_ROLE`.
     * @param paymentToken_ The ALLO token (ERC-20 with ERC-2612 permit).
     * @param attesterSetId_ The initial attester set id (at least 1).
     * @param signers The initial attesters, strictly ascending.
     * @param threshold The initial threshold (more than half of the signers).
     */
    constructor(
        address admin,
        address guardian,
        IERC20 paymentToken_,
        uint64 attesterSetId_,
        address[] memory signers,
        uint8 threshold
    ) EIP712("AlloraOracle", "1") AttesterSets(attesterSetId_, signers, threshold) {
        if (admin == address(0)) revert ZeroAddress("admin");
        if (guardian == address(0)) revert ZeroAddress("guardian");
        if (address(paymentToken_) == address(0)) revert ZeroAddress("paymentToken");
        _paymentToken = paymentToken_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, guardian);
    }

    // ---------------------------------------------------------------- reports

    /// @inheritdoc IAlloraOracle
    function submit(Report[] calldata reports, bytes calldata signatures) external {
        CurrentSet memory current = _currentSetWhenNotPaused();
        if (reports.length == 0) revert EmptyBatch();
        _storeAttested(current, reports, signatures);
    }

    /// @inheritdoc IAlloraOracle
    function verifyReport(
        Report calldata report,
        bytes calldata signatures
    ) external view returns (Inference memory) {
        CurrentSet memory current = _currentSet();
        _verifyAttestation(current, _hashReportBatch(current.id, _asBatch(report)), signatures);
        _checkReport(report);
        return Inference({value: report.value, nonce: report.nonce, timestamp: report.timestamp});
    }

    /// @inheritdoc IAlloraOracle
    function verifyAndStore(
        Report calldata report,
        bytes calldata signatures
    ) external returns (Inference memory) {
        CurrentSet memory current = _currentSetWhenNotPaused();
        _storeAttested(current, _asBatch(report), signatures);
        StoredInference memory stored = _inference(report.topicId);
        return Inference({value: stored.value, nonce: stored.nonce, timestamp: stored.timestamp});
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IAlloraOracle
    function latestInference(
        uint64 topicId
    ) external view returns (int256 value, uint64 nonce, uint64 timestamp) {
        StoredInference memory stored = _inference(topicId);
        return (stored.value, stored.nonce, stored.timestamp);
    }

    /// @inheritdoc IAlloraOracle
    function latestInferenceNoOlderThan(
        uint64 topicId,
        uint256 maxAge
    ) external view returns (int256 value, uint64 nonce, uint64 timestamp) {
        StoredInference memory stored = _inference(topicId);
        if (stored.nonce == 0) revert NoInference(topicId);
        // A timestamp slightly ahead of this chain's clock (within MAX_FUTURE_DRIFT) counts as age zero.
        if (block.timestamp > stored.timestamp && block.timestamp - stored.timestamp > maxAge) {
            revert StaleInference(topicId, stored.timestamp, maxAge);
        }
        return (stored.value, stored.nonce, stored.timestamp);
    }

    /// @inheritdoc IAlloraOracleAdmin
    function hashReportBatch(
        uint64 attesterSetId_,
        Report[] calldata reports
    ) external view returns (bytes32) {
        return _hashReportBatch(attesterSetId_, reports);
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

    /// @dev `report` as a batch of one: a calldata struct is laid out like the only element of an array.
    function _asBatch(Report calldata report) private pure returns (Report[] calldata batch) {
        assembly ("memory-safe") {
            batch.offset := report
            batch.length := 1
        }
    }

    /**
     * @dev The EIP-712 digest of `ReportBatch(attesterSetId, reports)`. Each report is hashed straight from
     * calldata: its four words are exactly the EIP-712 encoding of `Report` when the fields are in range.
     * Out-of-range words (dirty high bits) hash differently from what the attesters signed, so they fail
     * verification. {_storeAndHashBatch} hashes the same way while it stores.
     */
    function _hashReportBatch(uint64 setId, Report[] calldata reports) private view returns (bytes32) {
        bytes32 reportTypehash = _REPORT_TYPEHASH;
        bytes32 reportsHash;
        assembly ("memory-safe") {
            // Scratch beyond the free pointer: [typehash ‖ report] then the array of report hashes.
            let buffer := mload(0x40)
            let fields := add(buffer, 0x20)
            let hashes := add(buffer, 0xa0)
            mstore(buffer, reportTypehash)
            let out := hashes
            let end := add(reports.offset, mul(reports.length, _REPORT_SIZE))
            for {
                let p := reports.offset
            } lt(p, end) {
                p := add(p, _REPORT_SIZE)
            } {
                calldatacopy(fields, p, _REPORT_SIZE)
                mstore(out, keccak256(buffer, 0xa0))
                out := add(out, 0x20)
            }
            reportsHash := keccak256(hashes, sub(out, hashes))
        }
        return _batchDigest(setId, reportsHash);
    }

    /// @dev The EIP-712 digest of a `ReportBatch` given the hash of its encoded `Report[]`.
    function _batchDigest(uint64 setId, bytes32 reportsHash) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_REPORT_BATCH_TYPEHASH, setId, reportsHash)));
    }

    /// @dev Topic `topicId`'s storage (see `_INFERENCES_BASE`).
    function _inference(uint64 topicId) private pure returns (StoredInference storage stored) {
        assembly ("memory-safe") {
            stored.slot := add(_INFERENCES_BASE, topicId)
        }
    }

    /// @dev Reverts on a malformed report (see the contract notes).
    function _checkReport(Report calldata report) private view {
        int256 value = report.value;
        if (value > type(int160).max || value < type(int160).min)
            revert ValueOutOfRange(report.topicId, value);
        uint64 nonce = report.nonce;
        if (nonce == 0 || nonce > type(uint48).max) revert InvalidNonce(report.topicId);
        if (report.timestamp > block.timestamp + MAX_FUTURE_DRIFT) {
            revert FutureTimestamp(report.topicId, report.timestamp, block.timestamp);
        }
    }

    /**
     * @dev Stores `reports` (see {_storeAndHashBatch}), then verifies the current set's signatures over them.
     * Storing first is safe: a failed verification reverts the whole call, writes and events included, and
     * nothing in between calls out (ecrecover is a precompile, the signer list is read as code). It lets one
     * pass over the batch both hash and store each report. The errors are those of verify-then-store:
     * signatures are judged first, then a malformed report reverts with its own error.
     */
    function _storeAttested(
        CurrentSet memory current,
        Report[] calldata reports,
        bytes calldata signatures
    ) private {
        (bytes32 reportsHash, uint256 malformedIndex) = _storeAndHashBatch(reports);
        _verifyAttestation(current, _batchDigest(current.id, reportsHash), signatures);
        if (malformedIndex != _NO_MALFORMED_REPORT) _checkReport(reports[malformedIndex]);
    }

    /**
     * @dev Hashes every report (for the batch digest, as {_hashReportBatch}) and stores each one that is
     * newer than its topic's stored inference, skipping the others. This is the per-topic hot path of a
     * batch (the relayer's target is a few thousand gas per topic above the unavoidable slot read, slot
     * write and event), so it runs in assembly in one pass: one calldata copy per report, which is both the
     * hash input and the event data, one SLOAD, one SSTORE of the packed word, one log. The caller verifies
     * the signatures afterwards; the range checks below are the oracle's own rules. At the first malformed
     * report storing stops (its index is returned for {_checkReport}) and the rest is only hashed.
     */
    function _storeAndHashBatch(
        Report[] calldata reports
    ) private returns (bytes32 reportsHash, uint256 malformedIndex) {
        {
            bytes32 reportTypehash = _REPORT_TYPEHASH;
            assembly ("memory-safe") {
                // Scratch beyond the free pointer: [typehash ‖ report] then the array of report hashes.
                mstore(mload(0x40), reportTypehash)
            }
        }
        bytes32 updatedEvent = InferenceUpdated.selector;
        bytes32 skippedEvent = ReportSkipped.selector;
        uint256 latestAllowedTimestamp = block.timestamp + MAX_FUTURE_DRIFT;
        malformedIndex = _NO_MALFORMED_REPORT;
        assembly ("memory-safe") {
            // The report's words follow the typehash; the report hashes follow them.
            let buffer := mload(0x40)
            // The report's value, nonce and timestamp words: also the InferenceUpdated event data.
            let eventData := add(buffer, 0x40)
            let out := add(buffer, 0xa0)
            let p := reports.offset
            let end := add(p, mul(reports.length, _REPORT_SIZE))
            for {} lt(p, end) {
                p := add(p, _REPORT_SIZE)
            } {
                calldatacopy(add(buffer, 0x20), p, _REPORT_SIZE)
                mstore(out, keccak256(buffer, 0xa0))
                out := add(out, 0x20)
                let value := mload(eventData)
                let nonce := mload(add(eventData, 0x20))
                let timestamp_ := mload(add(eventData, 0x40))
                // value must fit int160 (sign extension from bit 159 leaves it unchanged); nonce must be in
                // 1..2^48-1 (nonce - 1, wrapping at zero, at most 2^48-2); timestamp at most the drift ahead.
                if or(
                    or(xor(signextend(19, value), value), gt(sub(nonce, 1), _UINT48_MAX_MINUS_ONE)),
                    gt(timestamp_, latestAllowedTimestamp)
                ) {
                    malformedIndex := div(sub(p, reports.offset), _REPORT_SIZE)
                    p := add(p, _REPORT_SIZE)
                    break
                }
                // The mask keeps the slot inside the namespace whatever the (not yet verified) word holds.
                let topicId := and(calldataload(p), _UINT64_MASK)
                let slot := add(_INFERENCES_BASE, topicId)
                if iszero(gt(nonce, and(shr(_NONCE_SHIFT, sload(slot)), _UINT48_MAX))) {
                    // Read again (warm) rather than keep it on the stack of every stored report.
                    mstore(0x00, nonce)
                    mstore(0x20, and(shr(_NONCE_SHIFT, sload(slot)), _UINT48_MAX))
                    log2(0x00, 0x40, skippedEvent, topicId)
                    continue
                }
                // StoredInference layout: value (low 160 bits) | nonce << 160 | timestamp << 208.
                sstore(
                    slot,
                    or(
                        and(value, _UINT160_MASK),
                        or(shl(_NONCE_SHIFT, nonce), shl(_TIMESTAMP_SHIFT, timestamp_))
                    )
                )
                log2(eventData, 0x60, updatedEvent, topicId)
            }
            // After a malformed report: hash the rest, store nothing.
            for {} lt(p, end) {
                p := add(p, _REPORT_SIZE)
            } {
                calldatacopy(add(buffer, 0x20), p, _REPORT_SIZE)
                mstore(out, keccak256(buffer, 0xa0))
                out := add(out, 0x20)
            }
            let hashes := add(buffer, 0xa0)
            reportsHash := keccak256(hashes, sub(out, hashes))
        }
    }

    /// @dev Takes the payment and announces the request.
    function _request(uint64 topicId, uint256 amount) private returns (uint256 requestId) {
        if (amount == 0) revert ZeroPayment();
        requestId = _requestCount++;
        emit InferenceRequested(requestId, topicId, msg.sender, amount);
        _paymentToken.safeTransferFrom(msg.sender, address(this), amount);
    }
}
