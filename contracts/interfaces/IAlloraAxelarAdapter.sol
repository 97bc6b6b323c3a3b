// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IAlloraAxelarAdapter
 * @notice A second transport for ALLO between EVM chains: Axelar General Message Passing. Sending burns the
 * caller's ALLO (ERC-7802 `crosschainBurn`), pays Axelar's gas service in native currency and calls the Axelar
 * gateway; receiving runs only for a message the gateway approved, from a registered remote adapter, and mints
 * (`crosschainMint`). The token's per-bridge limits bound this adapter like any other bridge. Axelar's gateway
 * consumes each approval once, so a message cannot be executed twice.
 *
 * Payload: `abi.encode(address sender, address recipient, uint256 amount)`.
 */
interface IAlloraAxelarAdapter {
    /// @notice A remote adapter, as registered by the admin.
    /// @param axelarChain Axelar's name of the chain, spelled as Axelar does (`Ethereum`, `binance`, `base`, ...).
    /// @param adapter The adapter's address there (zero: not registered).
    struct Remote {
        string axelarChain;
        address adapter;
    }

    /// @notice ALLO left this chain over Axelar.
    event AxelarTransferSent(
        uint64 indexed destinationChain,
        address indexed sender,
        address indexed recipient,
        uint256 amount,
        uint256 gasPaid
    );
    /// @notice ALLO arrived over Axelar and was minted.
    event AxelarTransferReceived(
        bytes32 indexed commandId,
        uint64 indexed sourceChain,
        address indexed recipient,
        address sender,
        uint256 amount
    );
    /// @notice The admin registered (or, with a zero adapter, removed) a remote adapter.
    event RemoteAdapterSet(uint64 indexed chain, string axelarChain, address adapter);
    /// @notice A guardian paused the adapter, or the admin unpaused it.
    event AdapterPaused(bool paused, address indexed by);

    /// @notice The destination chain has no registered adapter.
    error UnknownDestination(uint64 chain);
    /// @notice The message came from a chain or address that is not a registered remote adapter.
    error UntrustedSource(string sourceChain, string sourceAddress);
    /// @notice The amount is zero.
    error ZeroAmount();
    /// @notice The recipient is the zero address.
    error ZeroRecipient();
    /// @notice The payload is not `abi.encode(address, address, uint256)`.
    error MalformedPayload(uint256 length);
    /// @notice No gas payment came with the transfer (Axelar would not relay it).
    error NoGasPayment();
    /// @notice The adapter is paused.
    error AdapterIsPaused();
    /// @notice The chain id is zero or this chain's, or the Axelar chain name is empty.
    error InvalidRemote(uint64 chain);
    /// @notice Another chain id already uses that Axelar chain name; remove it there first.
    error AxelarNameTaken(string axelarChain, uint64 chain);

    /**
     * @notice Burns `amount` of the caller's ALLO and sends it to `recipient` on `destinationChain` over Axelar.
     * `msg.value` pays Axelar's gas service for the execution there (estimate it with Axelar's SDK); excess is
     * refunded by Axelar to the caller.
     * @param destinationChain The destination's EIP-155 chain id (it must have a registered adapter).
     * @param recipient The recipient there.
     * @param amount Base units.
     */
    function send(uint64 destinationChain, address recipient, uint256 amount) external payable;

    /// @notice Registers the adapter of `chain` (Axelar name and address); a zero address removes it. An Axelar
    /// name belongs to one chain id at a time ({AxelarNameTaken}). Admin only.
    function setRemote(uint64 chain, string calldata axelarChain, address adapter) external;

    /// @notice Stops sending and receiving. Guardian or admin.
    function pause() external;

    /// @notice Resumes. Admin only.
    function unpause() external;

    /// @notice The registered adapter of `chain`.
    function remote(uint64 chain) external view returns (Remote memory);

    /// @notice Our chain id for an Axelar chain name (0: none registered).
    function chainOfAxelarName(string calldata axelarChain) external view returns (uint64);

    /// @notice Minted here from `chain` over Axelar minus burned here towards it (for supply monitors).
    function netBridgedIn(uint64 chain) external view returns (int256);

    /// @notice The ALLO token.
    function token() external view returns (address);

    /// @notice Axelar's gas service.
    function gasService() external view returns (address);
}
