// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAlloraOracle} from "./IAlloraOracle.sol";

/**
 * @title IAlloraOracleAdmin
 * @notice The operator side of the Allora oracle: pausing, the fee treasury and configuration reads.
 * Consumers only need {IAlloraOracle}.
 */
interface IAlloraOracleAdmin {
    /// @notice The admin moved `amount` of accrued request fees to `to`.
    event FeesWithdrawn(address indexed to, uint256 amount, address indexed by);

    /// @notice The strict read's L2 sequencer guard, set at deployment (`feed` zero: off).
    event SequencerUptimeFeedSet(address indexed feed, uint32 gracePeriod);

    /// @notice A required address is zero.
    error ZeroAddress(string what);
    /// @notice `account` has no contract code, so it cannot be a sequencer uptime feed.
    error NotAContract(address account);
    /// @notice A grace period was given without a sequencer uptime feed to apply it to.
    error GracePeriodWithoutFeed(uint32 gracePeriod);

    /// @notice Stops `submit`, `verifyAndStore` and requests. Reads keep working. Guardian role only.
    function pause() external;

    /// @notice Resumes after {pause}. Admin role only.
    function unpause() external;

    /// @notice Sends `amount` of the accrued ALLO request fees to `to`. Admin role only; works while paused.
    function withdrawFees(address to, uint256 amount) external;

    /**
     * @notice The strict read's L2 sequencer guard, fixed at deployment: Chainlink's L2 Sequencer Uptime Feed
     * of this chain (zero: off, as on chains without a sequencer) and the grace period (seconds after the
     * sequencer comes back during which strict reads still revert).
     */
    function sequencerUptimeFeed() external view returns (address feed, uint32 gracePeriod);

    /// @notice The ERC-20 (with ERC-2612 permit) that requests pay in: ALLO.
    function paymentToken() external view returns (address);

    /// @notice How many requests were made; the next request gets this number as its id.
    function requestCount() external view returns (uint256);

    /**
     * @notice The EIP-712 digest attesters sign for the packed `reports` under set `attesterSetId` on this
     * oracle (see {IAlloraOracle-submit} for the packing).
     * @dev For off-chain tooling and tests; `submit` computes the same digest with the current set id.
     */
    function hashReportBatch(uint64 attesterSetId, bytes calldata reports) external view returns (bytes32);

    /**
     * @notice `report`'s 40-byte packed form for {IAlloraOracle-submit}, after the oracle's checks on it
     * (value in int160, nonce in 1..2^48-1, timestamp not too far ahead); concatenate them into a batch.
     */
    function packReport(IAlloraOracle.Report calldata report) external view returns (bytes memory);
}
