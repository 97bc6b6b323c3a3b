// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IAlloraBridge
 * @notice Moves ALLO between this EVM chain, the Allora hub and the other EVM chains by burning here and
 * minting there (ERC-7802 `crosschainBurn` / `crosschainMint` on the token).
 *
 * Chain ids: an EVM chain is named by its EIP-155 chain id; a Cosmos chain (the hub) by
 * `2**63 | uint64(bytes8(keccak256(cosmosChainId)))` (see lib/chains.ts), which cannot collide with an EVM id
 * in use. Each (source bridge, destination) pair has its own sequence, starting at 1, so the destination's
 * replay bitmap stays dense.
 *
 * Source bridges: a transfer is named by its source chain AND the bridge that sent it, a `bytes32` id: an EVM
 * bridge's address left-padded to 32 bytes ({bridgeId}), or the hub escrow account's 20 address bytes
 * (bech32-decoded) left-padded. Each chain's destination bridge accepts, per remote chain, only the source
 * bridge its admin registered ({setRemoteSourceBridge}); a redeployed source bridge is a new replay domain
 * (its sequences start at 1 again) and must be registered before its transfers mint.
 *
 * Inbound transfers carry the authority of the attester set: at least its threshold of distinct members sign
 * the EIP-712 message
 * `Transfer(uint64 setId,uint64 sourceChain,bytes32 sourceBridge,uint64 sequence,address recipient,uint256 amount)`
 * in the domain `{name: "AlloraBridge", version: "1", chainId, verifyingContract}`. Whoever submits it pays the
 * gas. A transfer's id is `keccak256(abi.encode(uint64 sourceChain, bytes32 sourceBridge, uint64
 * destinationChain, uint64 sequence))` ({transferId}).
 */
interface IAlloraBridge {
    /// @notice A direction of transfer, for pausing.
    enum Direction {
        Outbound,
        Inbound
    }

    /// @notice What a delivery did.
    enum DeliveryStatus {
        Minted,
        Queued,
        AlreadyDelivered
    }

    /// @notice A remote chain's settings and counters, as returned by {remoteChain}.
    /// @param outboundEnabled Transfers to the chain are allowed.
    /// @param inboundEnabled Transfers from the chain are accepted.
    /// @param outboundPaused The guardian paused transfers to the chain (set for every chain by {pause}).
    /// @param inboundPaused The guardian paused transfers from the chain.
    /// @param lastOutboundSequence The sequence of the last transfer sent to the chain (0: none yet).
    /// @param netBridgedIn Minted here from the chain minus burned here towards it (see {netBridgedIn}).
    /// @param sourceBridge The only bridge of the chain whose transfers mint here (zero: none registered).
    /// @param firstInboundSequence The lowest sequence of that bridge accepted here (1 unless the admin set it).
    struct RemoteChainView {
        bool outboundEnabled;
        bool inboundEnabled;
        bool outboundPaused;
        bool inboundPaused;
        uint64 lastOutboundSequence;
        int256 netBridgedIn;
        bytes32 sourceBridge;
        uint64 firstInboundSequence;
    }

    /// @notice An inbound transfer that waits for inbound capacity, and at least one {limitWindow} after
    /// `queuedAt`; `held`: a guardian stopped it until the admin lifts the hold or cancels it.
    struct QueuedTransfer {
        address recipient;
        uint96 amount;
        uint64 sourceChain;
        uint64 sequence;
        uint32 queuedAt;
        bool held;
    }

    /// @notice A transfer left this chain ({localChain}): `amount` was burned from `sender`.
    /// @param recipient For the hub, the bech32 address as ASCII bytes; for an EVM chain, the 20-byte address.
    /// @param fee Native currency paid with the transfer, for the relayers.
    event TransferSent(
        bytes32 indexed transferId,
        uint64 indexed destinationChain,
        uint64 indexed sequence,
        address sender,
        bytes recipient,
        uint256 amount,
        uint256 fee
    );

    /// @notice An attested inbound transfer was minted to its recipient.
    event TransferDelivered(
        bytes32 indexed transferId,
        uint64 indexed sourceChain,
        uint64 indexed sequence,
        address recipient,
        uint256 amount
    );

    /// @notice An attested inbound transfer exceeded the available inbound limit and waits in the queue.
    event TransferQueued(
        bytes32 indexed transferId,
        uint64 indexed sourceChain,
        uint64 indexed sequence,
        address recipient,
        uint256 amount
    );

    /// @notice A queued transfer was minted.
    event QueuedTransferReleased(bytes32 indexed transferId, address indexed recipient, uint256 amount);

    /// @notice A guardian (or the admin) held a queued transfer, or the admin lifted the hold.
    event QueuedTransferHeld(bytes32 indexed transferId, bool held, address indexed by);

    /// @notice The admin cancelled a queued transfer: it is never minted here (its replay bit stays set).
    event QueuedTransferCancelled(
        bytes32 indexed transferId,
        address indexed recipient,
        uint256 amount,
        address indexed by
    );

    /// @notice The admin registered the source bridge whose transfers from `chain` mint here (zero: none).
    /// Its first accepted sequence is 1 again.
    event RemoteSourceBridgeSet(uint64 indexed chain, bytes32 previousSourceBridge, bytes32 sourceBridge);

    /// @notice The admin set the lowest sequence of `chain`'s source bridge that mints here.
    event RemoteFirstSequenceSet(uint64 indexed chain, bytes32 sourceBridge, uint64 firstSequence);

    /// @notice The admin enabled or disabled a remote chain's directions.
    event RemoteChainEnabled(uint64 indexed chain, bool outboundEnabled, bool inboundEnabled);

    /// @notice The admin set a remote chain's limits (capacity refilled over {limitWindow}).
    event RemoteChainLimitsSet(uint64 indexed chain, uint256 outboundCapacity, uint256 inboundCapacity);

    /// @notice A direction was paused (by a guardian) or unpaused (by the admin).
    event DirectionPaused(Direction indexed direction, bool paused, address indexed by);

    /// @notice Accumulated relayer fees were withdrawn.
    event FeesWithdrawn(address indexed to, uint256 amount);

    /// @notice The amount is zero.
    error ZeroAmount();
    /// @notice The amount exceeds the 88-bit range the bridge accounts in (the largest capacity, 2^88 - 1).
    error AmountTooLarge(uint256 amount);
    /// @notice The EVM recipient is the zero address.
    error ZeroRecipient();
    /// @notice The destination is this chain, or not an EVM chain id (use {sendToHub} for the hub).
    error InvalidDestination(uint64 chain);
    /// @notice Transfers to the chain are not enabled.
    error DestinationNotEnabled(uint64 chain);
    /// @notice Transfers from the chain are not enabled.
    error SourceNotEnabled(uint64 chain);
    /// @notice The direction is paused for that chain.
    error DirectionIsPaused(Direction direction, uint64 chain);
    /// @notice The outbound transfer exceeds what the destination's outbound limit has available now.
    error OutboundLimitExceeded(uint64 chain, uint256 amount, uint256 available);
    /// @notice The sequence is zero (sequences start at 1).
    error ZeroSequence();
    /// @notice No transfer with that id is queued.
    error NotQueued(bytes32 transferId);
    /// @notice The queued transfer still exceeds the available inbound limit.
    error InboundLimitExceeded(uint64 chain, uint256 amount, uint256 available);
    /// @notice The chain is not a valid remote chain (zero, or this chain).
    error InvalidRemoteChain(uint64 chain);
    /// @notice The registry of remote chains is full.
    error TooManyRemoteChains(uint256 max);
    /// @notice A native transfer failed.
    error FeeTransferFailed(address to, uint256 amount);
    /// @notice The transfer names a source bridge that is not the one registered for its chain.
    error UnknownSourceBridge(uint64 chain, bytes32 sourceBridge);
    /// @notice A source bridge id must be a 20-byte value left-padded to 32 bytes.
    error InvalidSourceBridge(bytes32 sourceBridge);
    /// @notice The sequence is below the first one this bridge accepts from the chain's source bridge (an
    /// earlier bridge on this chain settled it).
    error SequenceBeforeFirst(uint64 chain, uint64 sequence, uint64 firstSequence);
    /// @notice A first sequence must be in 1..2^40.
    error InvalidFirstSequence(uint64 firstSequence);
    /// @notice The limit window is zero (every limit would refill at once, capping size but not volume).
    error InvalidLimitWindow();
    /// @notice The queued transfer is held by a guardian.
    error QueuedTransferIsHeld(bytes32 transferId);
    /// @notice The queued transfer cannot be released before `releasableAt` (one limit window after queuing).
    error QueuedTransferNotReady(bytes32 transferId, uint256 releasableAt);

    /**
     * @notice Burns `amount` of the caller's ALLO and sends it to the hub.
     * @param recipient A hub account in bech32 form (`allo1…`, lower case, valid checksum).
     * @param amount Base units to send.
     * @return transferId The transfer's id (also in {TransferSent}).
     * @return sequence The transfer's sequence for the hub.
     */
    function sendToHub(
        string calldata recipient,
        uint256 amount
    ) external payable returns (bytes32 transferId, uint64 sequence);

    /**
     * @notice Like {sendToHub}, after an ERC-2612 permit of the caller's ALLO to this bridge, in one
     * transaction. A permit that fails (for example one already used by a front-runner) is ignored; the
     * transfer then needs the allowance to be in place.
     */
    function sendToHubWithPermit(
        string calldata recipient,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external payable returns (bytes32 transferId, uint64 sequence);

    /**
     * @notice Burns `amount` of the caller's ALLO and sends it to `recipient` on the EVM chain `destinationChain`.
     * @param destinationChain The destination's EIP-155 chain id; must be enabled.
     * @param recipient The recipient there (non-zero).
     * @param amount Base units to send.
     */
    function sendToChain(
        uint64 destinationChain,
        address recipient,
        uint256 amount
    ) external payable returns (bytes32 transferId, uint64 sequence);

    /// @notice Like {sendToChain}, after an ERC-2612 permit (see {sendToHubWithPermit}).
    function sendToChainWithPermit(
        uint64 destinationChain,
        address recipient,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external payable returns (bytes32 transferId, uint64 sequence);

    /**
     * @notice Delivers an attested inbound transfer: mints it, or queues it when the source's inbound limit
     * has too little available. Anyone may submit; the signatures carry the authority. A transfer already
     * delivered (or queued) is a no-op that returns {DeliveryStatus.AlreadyDelivered}. Reverts with
     * {UnknownSourceBridge} unless `sourceBridge` is the one registered for `sourceChain`, and with
     * {SequenceBeforeFirst} for a sequence a previous bridge on this chain settled ({setRemoteFirstSequence}).
     * @param sourceChain The chain the transfer was sent from.
     * @param sourceBridge The bridge that sent it (see the source bridges above).
     * @param sequence Its sequence for (source bridge, this chain); at least 1.
     * @param recipient The recipient here.
     * @param amount Base units.
     * @param signatures The current attester set's signatures, 65 bytes each, ascending by signer.
     */
    function deliver(
        uint64 sourceChain,
        bytes32 sourceBridge,
        uint64 sequence,
        address recipient,
        uint256 amount,
        bytes calldata signatures
    ) external returns (DeliveryStatus status);

    /**
     * @notice Mints a queued transfer. Anyone may call, once at least one {limitWindow} has passed since it was
     * queued (the time a guardian has to look at it), while it is not held, its source chain is enabled and
     * not paused inbound, and the source's inbound limit has room.
     */
    function releaseQueued(bytes32 transferId) external;

    /// @notice Holds a queued transfer (guardian or admin) or lifts the hold (admin only).
    function setQueuedTransferHeld(bytes32 transferId, bool held) external;

    /// @notice Cancels a queued transfer for good (for example one found fraudulent). Admin only.
    function cancelQueued(bytes32 transferId) external;

    /// @notice Pauses a direction on every remote chain at once. Guardian or admin.
    function pause(Direction direction) external;

    /// @notice Lifts a pause. Admin only.
    function unpause(Direction direction) external;

    /// @notice Enables or disables the directions of a remote chain (registering it on first use). Admin only.
    function setRemoteChainEnabled(uint64 chain, bool outboundEnabled, bool inboundEnabled) external;

    /**
     * @notice Registers the bridge of `chain` whose transfers mint here, replacing the previous one (zero: none,
     * nothing from the chain mints). Part of enabling a remote chain inbound. Admin only.
     * @param sourceBridge A 20-byte id left-padded to 32 bytes: an EVM bridge's address, or the hub escrow
     * account's address bytes ({InvalidSourceBridge} otherwise).
     */
    function setRemoteSourceBridge(uint64 chain, bytes32 sourceBridge) external;

    /**
     * @notice For a replacement destination bridge: refuses the registered source bridge's sequences below
     * `firstSequence`, which the previous bridge on this chain settled (its replay bitmap is not here). Register
     * the source bridge first ({UnknownSourceBridge} otherwise); registering another one resets this to 1.
     * Admin only.
     */
    function setRemoteFirstSequence(uint64 chain, uint64 firstSequence) external;

    /// @notice Sets a remote chain's outbound and inbound capacities (refilled over {limitWindow}). Admin only.
    function setRemoteChainLimits(uint64 chain, uint256 outboundCapacity, uint256 inboundCapacity) external;

    /// @notice Sends the accumulated relayer fees to `to`. Admin only.
    function withdrawFees(address payable to) external;

    /// @notice The ALLO token this bridge burns and mints.
    function token() external view returns (address);

    /// @notice This chain's id (its EIP-155 chain id).
    function localChain() external view returns (uint64);

    /// @notice The hub's chain id.
    function hubChain() external view returns (uint64);

    /// @notice The window over which an emptied limit refills completely, in seconds; also the least time a
    /// queued transfer waits.
    function limitWindow() external view returns (uint256);

    /// @notice This bridge's id as a source bridge: its address left-padded to 32 bytes.
    function bridgeId() external view returns (bytes32);

    /// @notice A remote chain's settings and counters.
    function remoteChain(uint64 chain) external view returns (RemoteChainView memory);

    /// @notice Every remote chain ever configured.
    function remoteChains() external view returns (uint64[] memory);

    /// @notice A remote chain's limits: capacities and what is available now.
    function limits(
        uint64 chain
    )
        external
        view
        returns (
            uint256 outboundCapacity,
            uint256 outboundAvailable,
            uint256 inboundCapacity,
            uint256 inboundAvailable
        );

    /// @notice Minted here from `chain` minus burned here towards it (the supply monitor's view). Exact while it
    /// stays within +-(2^95 - 1) base units (39.6 billion ALLO): the bridge keeps each total modulo 2^96.
    function netBridgedIn(uint64 chain) external view returns (int256);

    /// @notice Whether the transfer (`sourceChain`, `sourceBridge`, `sequence`) to this chain was delivered or
    /// queued (a cancelled one counts as delivered: it can never be delivered again).
    function isDelivered(
        uint64 sourceChain,
        bytes32 sourceBridge,
        uint64 sequence
    ) external view returns (bool);

    /// @notice A queued transfer (amount 0 when none is queued under that id).
    function queuedTransfer(bytes32 transferId) external view returns (QueuedTransfer memory);

    /// @notice The id of the transfer (`sourceChain`, `sourceBridge`, `destinationChain`, `sequence`).
    function transferId(
        uint64 sourceChain,
        bytes32 sourceBridge,
        uint64 destinationChain,
        uint64 sequence
    ) external pure returns (bytes32);

    /// @notice The EIP-712 digest the attesters sign for an inbound transfer under set `setId`.
    function transferDigest(
        uint64 setId,
        uint64 sourceChain,
        bytes32 sourceBridge,
        uint64 sequence,
        address recipient,
        uint256 amount
    ) external view returns (bytes32);
}
