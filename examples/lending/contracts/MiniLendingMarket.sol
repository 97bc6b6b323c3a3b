// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAlloraOracle} from "../../../contracts/interfaces/IAlloraOracle.sol";

/**
 * @title MiniLendingMarket
 * @notice EXAMPLE, not audited, not for production: the smallest lending market that prices its collateral
 * with an Allora topic, read both ways.
 *
 * - Push: {borrow} and {withdraw} read the value the relayers keep on chain with the oracle's strict read,
 *   `latestInferenceNoOlderThan(topic, maxPriceAge)`: it reverts when the topic has no value or an older one.
 * - Pull: {borrowWithReport} takes a report signed by the attester set, brought by the user in the same
 *   transaction (fetched from the relayer's report service). `verifyAndStore` checks the signatures against
 *   the oracle's current set on this chain (a report signed for another chain or oracle recovers unknown
 *   signers and reverts), stores it when it is newer, and returns the newest of the report and the stored
 *   value, so a user cannot pick an older favourable report. The market still bounds the age itself.
 *
 * The topic's value is the price of one collateral token in debt tokens, 18-decimal fixed point; a value
 * that is zero or negative is refused (some Allora topics are signed quantities: never assume a sign).
 */
contract MiniLendingMarket {
    using SafeERC20 for IERC20;

    /// @notice Loan-to-value: debt may reach 75% of the collateral's value.
    uint256 public constant LTV_BPS = 7_500;
    uint256 private constant _BPS = 10_000;
    uint256 private constant _ONE = 1e18;

    /// @notice The Allora oracle on this chain.
    IAlloraOracle public immutable oracle;
    /// @notice The topic whose value is the collateral's price in debt tokens (18 decimals).
    uint64 public immutable priceTopic;
    /// @notice The oldest price (seconds) the market acts on.
    uint256 public immutable maxPriceAge;
    /// @notice The token deposited as collateral.
    IERC20 public immutable collateral;
    /// @notice The token lent out.
    IERC20 public immutable debtToken;

    /// @notice Collateral deposited per account.
    mapping(address account => uint256) public collateralOf;
    /// @notice Debt owed per account.
    mapping(address account => uint256) public debtOf;

    /// @notice `account` deposited `amount` collateral.
    event Deposited(address indexed account, uint256 amount);
    /// @notice `account` withdrew `amount` collateral.
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice `account` borrowed `amount` at `price` (the topic's value at `nonce`).
    event Borrowed(address indexed account, uint256 amount, int256 price, uint64 nonce);
    /// @notice `account` repaid `amount`.
    event Repaid(address indexed account, uint256 amount);

    /// @notice An amount of zero.
    error ZeroAmount();
    /// @notice The price is zero or negative: not a price.
    error NotAPrice(int256 value);
    /// @notice The (pulled) price is older than {maxPriceAge}.
    error StalePrice(uint64 timestamp, uint256 maxPriceAge);
    /// @notice The account's debt would exceed {LTV_BPS} of its collateral's value.
    error Undercollateralized(uint256 debt, uint256 maxDebt);
    /// @notice A pulled report is for another topic than the market's price topic.
    error WrongTopic(uint64 topicId, uint64 priceTopic);
    /// @notice More than the account's debt was repaid, or more than its collateral withdrawn.
    error MoreThanOwned(uint256 amount, uint256 owned);

    constructor(
        IAlloraOracle oracle_,
        uint64 priceTopic_,
        uint256 maxPriceAge_,
        IERC20 collateral_,
        IERC20 debtToken_
    ) {
        oracle = oracle_;
        priceTopic = priceTopic_;
        maxPriceAge = maxPriceAge_;
        collateral = collateral_;
        debtToken = debtToken_;
    }

    /// @notice Deposits `amount` collateral (approve it first).
    function deposit(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        collateralOf[msg.sender] += amount;
        collateral.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(msg.sender, amount);
    }

    /// @notice Withdraws `amount` collateral, if the remaining debt stays covered at the pushed price.
    function withdraw(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 owned = collateralOf[msg.sender];
        if (amount > owned) revert MoreThanOwned(amount, owned);
        collateralOf[msg.sender] = owned - amount;
        if (debtOf[msg.sender] > 0) {
            (int256 price, ) = _pushedPrice();
            _checkCovered(msg.sender, price);
        }
        collateral.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    /// @notice Borrows `amount` at the price the relayers pushed (push mode: the oracle's strict read).
    function borrow(uint256 amount) external {
        (int256 price, uint64 nonce) = _pushedPrice();
        _borrow(amount, price, nonce);
    }

    /**
     * @notice Borrows `amount` at the newest of the stored price and `report` (pull mode: a report signed by
     * the attester set, brought in this transaction); the report is stored when newer.
     */
    function borrowWithReport(
        uint256 amount,
        IAlloraOracle.Report calldata report,
        bytes calldata signatures
    ) external {
        (int256 price, uint64 nonce) = _pulledPrice(report, signatures);
        _borrow(amount, price, nonce);
    }

    /// @notice Repays `amount` of the caller's debt (approve it first).
    function repay(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 owed = debtOf[msg.sender];
        if (amount > owed) revert MoreThanOwned(amount, owed);
        debtOf[msg.sender] = owed - amount;
        debtToken.safeTransferFrom(msg.sender, address(this), amount);
        emit Repaid(msg.sender, amount);
    }

    /// @notice The most `account` may owe at `price` (debt tokens per collateral token, 18 decimals).
    function maxDebtAt(address account, int256 price) public view returns (uint256) {
        if (price <= 0) revert NotAPrice(price);
        return (((collateralOf[account] * uint256(price)) / _ONE) * LTV_BPS) / _BPS;
    }

    function _borrow(uint256 amount, int256 price, uint64 nonce) private {
        if (amount == 0) revert ZeroAmount();
        debtOf[msg.sender] += amount;
        _checkCovered(msg.sender, price);
        debtToken.safeTransfer(msg.sender, amount);
        emit Borrowed(msg.sender, amount, price, nonce);
    }

    function _checkCovered(address account, int256 price) private view {
        uint256 maxDebt = maxDebtAt(account, price);
        if (debtOf[account] > maxDebt) revert Undercollateralized(debtOf[account], maxDebt);
    }

    /// @dev Push: the stored value, no older than {maxPriceAge} (the oracle reverts otherwise).
    function _pushedPrice() private view returns (int256 price, uint64 nonce) {
        (price, nonce, ) = oracle.latestInferenceNoOlderThan(priceTopic, maxPriceAge);
        if (price <= 0) revert NotAPrice(price);
    }

    /// @dev Pull: the newest of the report and the stored value, no older than {maxPriceAge}.
    function _pulledPrice(
        IAlloraOracle.Report calldata report,
        bytes calldata signatures
    ) private returns (int256, uint64) {
        // A report for another topic would store fine and say nothing about our price: check the topic first.
        if (report.topicId != priceTopic) revert WrongTopic(report.topicId, priceTopic);
        IAlloraOracle.Inference memory latest = oracle.verifyAndStore(report, signatures);
        // A timestamp slightly ahead of this chain's clock (the oracle allows 10 minutes of drift) is age zero.
        if (block.timestamp > latest.timestamp && block.timestamp - latest.timestamp > maxPriceAge) {
            revert StalePrice(latest.timestamp, maxPriceAge);
        }
        if (latest.value <= 0) revert NotAPrice(latest.value);
        return (latest.value, latest.nonce);
    }
}
