// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// solhint-disable-next-line max-line-length
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IERC7802} from "@openzeppelin/contracts/interfaces/draft-IERC7802.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {AttesterSets} from "../attestation/AttesterSets.sol";
import {RateLimit} from "../utils/RateLimit.sol";
import {IAlloraBridge} from "../interfaces/IAlloraBridge.sol";
import {HubAddress} from "./HubAddress.sol";

/**
 * @title AlloraBridge
 * @notice The attested ALLO bridge of one EVM chain: burns outbound transfers (to the hub or another EVM
 * chain) and mints inbound ones that the attester set signed. See {IAlloraBridge}.
 *
 * Safety choices, each from a public bridge failure:
 * - Authority is m-of-n signatures of the current attester set ({AttesterSets}), bound by EIP-712 to this
 *   chain, this contract and the set id; rotation needs the current set's threshold (Ronin, Harmony).
 * - Replay state is explicit: one bit per (source chain, source bridge, sequence), set before minting; a zero
 *   word means "not delivered", never "valid" (Nomad). The source bridge is part of the key and of the signed
 *   message, so a redeployed bridge (whose sequences start again at 1) is a new replay domain, and only the
 *   source bridge the admin registered for a chain can mint here.
 * - Every input is checked: source enabled, source bridge registered, recipient and amount non-zero,
 *   sequence at least 1 (Wormhole).
 * - Per-chain limits in both directions; an inbound transfer over the limit waits in a queue (Wormhole NTT);
 *   the token's per-bridge limits stay the outer fence. A queued transfer waits at least one limit window,
 *   during which a guardian can hold it; the admin can cancel it. Guardians pause instantly; only the admin
 *   unpauses. The admin role moves in two steps with a delay and cannot be lost to a single call
 *   (AccessControlDefaultAdminRules).
 *
 * @dev Gas: each remote chain keeps four slots, two per direction. A direction's configuration (capacity,
 * flags, and inbound the registered source bridge) is read by every transfer that way and written only by the
 * admin and by pauses; a direction's flow (rate-limit level, refill time, running total, and outbound the last
 * sequence) is one slot. A delivery therefore reads its inbound configuration (which also answers "is this
 * source bridge registered?") and writes only its inbound flow and one bitmap word; a send reads its outbound
 * configuration and writes only its outbound flow. The net bridged in
 * is the difference of the two running totals, so neither direction writes the other's slot. Pausing writes
 * the flag into every remote chain's configuration (a short, bounded list) so that the hot paths read no
 * extra slot for it.
 *
 * Batching: {Multicall} lets a relayer deliver several transfers (or release several queued ones) in one
 * transaction, which spreads the transaction's base cost over them. Each inner call keeps its own checks
 * and the caller's identity (delegatecall to this contract), and any inner revert reverts the whole batch,
 * so a batch is exactly its calls one after another. `multicall` is not payable: no inner call sees a
 * `msg.value` it did not pay (the fee-taking sends cannot be batched with a reused value).
 */
contract AlloraBridge is IAlloraBridge, AttesterSets, AccessControlDefaultAdminRules, Multicall {
    /// @notice May pause either direction (the admin may too).
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice The EIP-712 type of an inbound transfer.
    bytes32 public constant TRANSFER_TYPEHASH = keccak256(
        "Transfer(uint64 setId,uint64 sourceChain,bytes32 sourceBridge,uint64 sequence,"
        "address recipient,uint256 amount)"
    );

    /// @notice The most remote chains the bridge keeps (pause walks them all).
    uint256 public constant MAX_REMOTE_CHAINS = 32;

    /// @notice The delay before the first admin can hand the role to another account (two steps, see
    /// AccessControlDefaultAdminRules), the same as the token's.
    uint48 public constant INITIAL_ADMIN_TRANSFER_DELAY = 2 days;

    /// @dev log2 of the sequences per bitmap word.
    uint256 private constant _WORD_SHIFT = 8;
    /// @dev Mask of a sequence's bit index within its word.
    uint256 private constant _BIT_MASK = 0xff;

    /// @dev Flag bits of {OutboundConfig-flags} (enabled, paused, registered) and {InboundConfig-flags}
    /// (enabled, paused).
    uint8 private constant _OUTBOUND_ENABLED = 1;
    uint8 private constant _INBOUND_ENABLED = 2;
    uint8 private constant _OUTBOUND_PAUSED = 4;
    uint8 private constant _INBOUND_PAUSED = 8;
    uint8 private constant _REGISTERED = 16;

    /// @dev Bits of a source bridge id that may be set: ids are 20-byte values (an EVM address, or a hub
    /// account's 20 address bytes) left-padded to 32 bytes, which lets the id share its configuration's slot.
    uint256 private constant _BRIDGE_ID_MASK = type(uint160).max;

    /// @dev Transfers to a remote chain: one slot (96 bits), written only by the admin and by pauses.
    /// The capacity fits 88 bits (see {Flow}).
    struct OutboundConfig {
        uint88 capacity;
        uint8 flags;
    }

    /// @dev Transfers from a remote chain: one slot (256 bits), written only by the admin and by pauses. The
    /// registered source bridge sits beside the capacity and flags, so a delivery checks it for free.
    struct InboundConfig {
        uint88 capacity;
        uint8 flags;
        uint160 sourceBridge;
    }

    /**
     * @dev One direction's flow with a remote chain, one slot (256 bits): the only slot of the chain's that a
     * transfer writes (a delivery also sets one replay-bitmap word), read and written as one word:
     * - `available`: what the rate limit holds at `updatedAt`, at most the capacity, so capacities are capped
     *   at 2^88 - 1 base units (309 million ALLO per window);
     * - `updatedAt`: the low 32 bits of the timestamp of that write ({RateLimit-refilled} subtracts modulo 2^32);
     * - `sequence`: outbound, the last sequence sent to the chain. 2^40 - 1 sends per destination (1.1e12);
     *   the next one reverts rather than reuse a sequence. Inbound, the last sequence of the registered source
     *   bridge that an earlier bridge on this chain settled (zero unless the admin set a first sequence,
     *   {setRemoteFirstSequence}); deliveries at or below it are refused. Transfers never change it;
     * - `total`: the running total moved that way, modulo 2^96. Only differences of totals are read
     *   ({_netBridgedIn}), and a difference taken modulo 2^96 and read as an int96 is exact while the true
     *   net of a chain stays within +-(2^95 - 1) base units (39.6 billion ALLO, 40 times ALLO's supply). A
     *   chain's net is not bounded by the supply (a route hub -> here -> another EVM chain -> hub, repeated,
     *   moves the nets of the hub and of that chain in opposite directions), but moving it by 2^95 takes 128
     *   full windows at the largest capacity in the same direction, and the sum of all nets stays exact
     *   modulo 2^96 whatever the volume.
     */
    struct Flow {
        uint88 available;
        uint32 updatedAt;
        uint40 sequence;
        uint96 total;
    }

    IERC7802 private immutable _token;
    uint64 private immutable _localChain;
    uint64 private immutable _hubChain;
    uint256 private immutable _limitWindow;

    mapping(uint64 chain => OutboundConfig) private _outboundConfig;
    mapping(uint64 chain => InboundConfig) private _inboundConfig;
    mapping(uint64 chain => Flow) private _outbound;
    mapping(uint64 chain => Flow) private _inbound;
    /// @dev Keyed by {_replayKey}: the source chain and source bridge in one word, no hashing.
    mapping(uint256 source => mapping(uint256 word => uint256 bits)) private _delivered;
    mapping(bytes32 transferId => QueuedTransfer) private _queued;
    uint64[] private _remoteChainList;
    /// @dev The pause state that a newly registered chain starts with.
    bool private _outboundPaused;
    bool private _inboundPaused;

    /**
     * @param token_ The ALLO token (ERC-7802); this bridge must hold its bridge role and limits there.
     * @param hubChain_ The hub's chain id (see lib/chains.ts).
     * @param limitWindow_ Seconds over which an emptied limit refills (e.g. 1 day); above zero. Also the least
     * time a queued inbound transfer waits before it can be released.
     * @param admin Holds DEFAULT_ADMIN_ROLE: configures chains, source bridges and limits, unpauses, cancels
     * queued transfers, withdraws fees. Handed over in two steps ({beginDefaultAdminTransfer}).
     * @param guardian Holds GUARDIAN_ROLE: pauses.
     * @param setId The first attester set's id (at least 1).
     * @param signers The first attester set, ascending.
     * @param threshold Signatures needed (more than half the signers).
     */
    constructor(
        address token_,
        uint64 hubChain_,
        uint256 limitWindow_,
        address admin,
        address guardian,
        uint64 setId,
        address[] memory signers,
        uint8 threshold
    )
        EIP712("AlloraBridge", "1")
        AttesterSets(setId, signers, threshold)
        AccessControlDefaultAdminRules(INITIAL_ADMIN_TRANSFER_DELAY, admin)
    {
        if (token_ == address(0)) revert ZeroRecipient();
        uint64 local = _initialLocalChain();
        if (hubChain_ == 0 || hubChain_ == local) revert InvalidRemoteChain(hubChain_);
        // A zero window would make every limit refill instantly: it would cap a transfer's size, not volume.
        if (limitWindow_ == 0) revert InvalidLimitWindow();
        _token = IERC7802(token_);
        _localChain = local;
        _hubChain = hubChain_;
        _limitWindow = limitWindow_;
        if (guardian != address(0)) _grantRole(GUARDIAN_ROLE, guardian);
    }

    // ---------------------------------------------------------------- outbound

    /// @inheritdoc IAlloraBridge
    function sendToHub(
        string calldata recipient,
        uint256 amount
    ) external payable returns (bytes32 transferId_, uint64 sequence) {
        return _sendToHub(recipient, amount);
    }

    /// @inheritdoc IAlloraBridge
    function sendToHubWithPermit(
        string calldata recipient,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external payable returns (bytes32 transferId_, uint64 sequence) {
        _permit(amount, deadline, v, r, s);
        return _sendToHub(recipient, amount);
    }

    /// @inheritdoc IAlloraBridge
    function sendToChain(
        uint64 destinationChain,
        address recipient,
        uint256 amount
    ) external payable returns (bytes32 transferId_, uint64 sequence) {
        return _sendToChain(destinationChain, recipient, amount);
    }

    /// @inheritdoc IAlloraBridge
    function sendToChainWithPermit(
        uint64 destinationChain,
        address recipient,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external payable returns (bytes32 transferId_, uint64 sequence) {
        _permit(amount, deadline, v, r, s);
        return _sendToChain(destinationChain, recipient, amount);
    }

    // ---------------------------------------------------------------- inbound

    /// @inheritdoc IAlloraBridge
    function deliver(
        uint64 sourceChain,
        bytes32 sourceBridge,
        uint64 sequence,
        address recipient,
        uint256 amount,
        bytes calldata signatures
    ) external returns (DeliveryStatus status) {
        if (sequence == 0) revert ZeroSequence();
        if (recipient == address(0)) revert ZeroRecipient();
        _checkAmount(amount);
        InboundConfig memory config = _inboundConfig[sourceChain];
        if (config.flags & _INBOUND_ENABLED == 0) revert SourceNotEnabled(sourceChain);
        if (config.flags & _INBOUND_PAUSED != 0) revert DirectionIsPaused(Direction.Inbound, sourceChain);
        // Also refuses every id with bits above 160 set, and any bridge while none is registered (zero).
        if (uint256(sourceBridge) != config.sourceBridge || config.sourceBridge == 0) {
            revert UnknownSourceBridge(sourceChain, sourceBridge);
        }

        // At-least-once relaying: a second delivery changes nothing and costs little.
        if (!_markDelivered(sourceChain, sourceBridge, sequence, recipient, amount, signatures)) {
            return DeliveryStatus.AlreadyDelivered;
        }
        // A replacement destination bridge starts with an empty bitmap: what its predecessor settled is refused
        // by sequence (the revert also clears the bit just set). Checked after the bitmap so that a replay stays
        // cheap; this cold read of the inbound flow makes the limit's read of the same slot warm.
        uint64 settled = _inbound[sourceChain].sequence;
        if (sequence <= settled) revert SequenceBeforeFirst(sourceChain, sequence, settled + 1);
        return _settleInbound(sourceChain, sourceBridge, sequence, recipient, amount, config.capacity);
    }

    /// @inheritdoc IAlloraBridge
    function releaseQueued(bytes32 id) external {
        QueuedTransfer memory queued = _queued[id];
        if (queued.amount == 0) revert NotQueued(id);
        if (queued.held) revert QueuedTransferIsHeld(id);
        uint256 releasableAt = uint256(queued.queuedAt) + _limitWindow;
        if (block.timestamp < releasableAt) revert QueuedTransferNotReady(id, releasableAt);
        uint64 sourceChain = queued.sourceChain;
        InboundConfig memory config = _inboundConfig[sourceChain];
        // The admin switched the source off (for example after a compromise there): nothing more from it mints,
        // queued or not, until it is enabled again.
        if (config.flags & _INBOUND_ENABLED == 0) revert SourceNotEnabled(sourceChain);
        if (config.flags & _INBOUND_PAUSED != 0) revert DirectionIsPaused(Direction.Inbound, sourceChain);
        Flow storage flow = _inbound[sourceChain];
        (bool ok, ) = _tryConsume(flow, config.capacity, queued.amount, 0);
        if (!ok) {
            revert InboundLimitExceeded(sourceChain, queued.amount, _availableNow(flow, config.capacity));
        }
        delete _queued[id];
        _token.crosschainMint(queued.recipient, queued.amount);
        emit QueuedTransferReleased(id, queued.recipient, queued.amount);
    }

    /// @inheritdoc IAlloraBridge
    function setQueuedTransferHeld(bytes32 id, bool held) external {
        // Holding is a guardian's brake, like a pause; lifting it is the admin's decision.
        if (held) _checkGuardianOrAdmin();
        else _checkRole(DEFAULT_ADMIN_ROLE);
        QueuedTransfer storage queued = _queued[id];
        if (queued.amount == 0) revert NotQueued(id);
        queued.held = held;
        emit QueuedTransferHeld(id, held, msg.sender);
    }

    /// @inheritdoc IAlloraBridge
    function cancelQueued(bytes32 id) external onlyRole(DEFAULT_ADMIN_ROLE) {
        QueuedTransfer memory queued = _queued[id];
        if (queued.amount == 0) revert NotQueued(id);
        // Its replay bit stays set: a cancelled transfer can never be delivered again.
        delete _queued[id];
        emit QueuedTransferCancelled(id, queued.recipient, queued.amount, msg.sender);
    }

    // ---------------------------------------------------------------- guardian and admin

    /// @inheritdoc IAlloraBridge
    function pause(Direction direction) external {
        _checkGuardianOrAdmin();
        _setPaused(direction, true);
    }

    /// @inheritdoc IAlloraBridge
    function unpause(Direction direction) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setPaused(direction, false);
    }

    /// @inheritdoc IAlloraBridge
    function setRemoteChainEnabled(
        uint64 chain,
        bool outboundEnabled,
        bool inboundEnabled
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        OutboundConfig storage outbound = _register(chain);
        InboundConfig storage inbound = _inboundConfig[chain];
        outbound.flags =
            outboundEnabled ? outbound.flags | _OUTBOUND_ENABLED : outbound.flags & ~_OUTBOUND_ENABLED;
        inbound.flags = inboundEnabled ? inbound.flags | _INBOUND_ENABLED : inbound.flags & ~_INBOUND_ENABLED;
        emit RemoteChainEnabled(chain, outboundEnabled, inboundEnabled);
    }

    /// @inheritdoc IAlloraBridge
    function setRemoteSourceBridge(
        uint64 chain,
        bytes32 sourceBridge_
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (uint256(sourceBridge_) > _BRIDGE_ID_MASK) revert InvalidSourceBridge(sourceBridge_);
        _register(chain);
        InboundConfig storage inbound = _inboundConfig[chain];
        bytes32 previous = bytes32(uint256(inbound.sourceBridge));
        inbound.sourceBridge = uint160(uint256(sourceBridge_));
        // Another source bridge numbers its own sends from 1.
        _inbound[chain].sequence = 0;
        emit RemoteSourceBridgeSet(chain, previous, sourceBridge_);
    }

    /// @inheritdoc IAlloraBridge
    function setRemoteFirstSequence(
        uint64 chain,
        uint64 firstSequence
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (firstSequence == 0 || firstSequence > uint64(type(uint40).max) + 1) {
            revert InvalidFirstSequence(firstSequence);
        }
        bytes32 sourceBridge_ = bytes32(uint256(_inboundConfig[chain].sourceBridge));
        if (sourceBridge_ == 0) revert UnknownSourceBridge(chain, sourceBridge_);
        _inbound[chain].sequence = uint40(firstSequence - 1);
        emit RemoteFirstSequenceSet(chain, sourceBridge_, firstSequence);
    }

    /// @inheritdoc IAlloraBridge
    function setRemoteChainLimits(
        uint64 chain,
        uint256 outboundCapacity,
        uint256 inboundCapacity
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        OutboundConfig storage outbound = _register(chain);
        InboundConfig storage inbound = _inboundConfig[chain];
        outbound.capacity = _setCapacity(_outbound[chain], outbound.capacity, outboundCapacity);
        inbound.capacity = _setCapacity(_inbound[chain], inbound.capacity, inboundCapacity);
        emit RemoteChainLimitsSet(chain, outboundCapacity, inboundCapacity);
    }

    /// @inheritdoc IAlloraBridge
    function withdrawFees(address payable to) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (to == address(0)) revert ZeroRecipient();
        uint256 amount = address(this).balance;
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) revert FeeTransferFailed(to, amount);
        emit FeesWithdrawn(to, amount);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IAlloraBridge
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IAlloraBridge
    function localChain() external view returns (uint64) {
        return _localChain;
    }

    /// @inheritdoc IAlloraBridge
    function hubChain() external view returns (uint64) {
        return _hubChain;
    }

    /// @inheritdoc IAlloraBridge
    function limitWindow() external view returns (uint256) {
        return _limitWindow;
    }

    /// @inheritdoc IAlloraBridge
    function remoteChain(uint64 chain) external view returns (RemoteChainView memory) {
        OutboundConfig memory outbound = _outboundConfig[chain];
        InboundConfig memory inbound = _inboundConfig[chain];
        return
            RemoteChainView({
                outboundEnabled: outbound.flags & _OUTBOUND_ENABLED != 0,
                inboundEnabled: inbound.flags & _INBOUND_ENABLED != 0,
                outboundPaused: outbound.flags & _OUTBOUND_PAUSED != 0,
                inboundPaused: inbound.flags & _INBOUND_PAUSED != 0,
                lastOutboundSequence: _outbound[chain].sequence,
                netBridgedIn: _netBridgedIn(chain),
                sourceBridge: bytes32(uint256(inbound.sourceBridge)),
                firstInboundSequence: uint64(_inbound[chain].sequence) + 1
            });
    }

    /// @inheritdoc IAlloraBridge
    function bridgeId() public view returns (bytes32) {
        return bytes32(uint256(uint160(address(this))));
    }

    /// @inheritdoc IAlloraBridge
    function remoteChains() external view returns (uint64[] memory) {
        return _remoteChainList;
    }

    /// @inheritdoc IAlloraBridge
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
        )
    {
        uint256 outboundCapacity_ = _outboundConfig[chain].capacity;
        uint256 inboundCapacity_ = _inboundConfig[chain].capacity;
        return (
            outboundCapacity_,
            _availableNow(_outbound[chain], outboundCapacity_),
            inboundCapacity_,
            _availableNow(_inbound[chain], inboundCapacity_)
        );
    }

    /// @inheritdoc IAlloraBridge
    function netBridgedIn(uint64 chain) external view returns (int256) {
        return _netBridgedIn(chain);
    }

    /// @inheritdoc IAlloraBridge
    function isDelivered(
        uint64 sourceChain,
        bytes32 sourceBridge,
        uint64 sequence
    ) external view returns (bool) {
        // An id wider than 160 bits can never be registered, so nothing from it was ever delivered.
        if (uint256(sourceBridge) > _BRIDGE_ID_MASK) return false;
        uint256 bit = 1 << (uint256(sequence) & _BIT_MASK);
        return _delivered[_replayKey(sourceChain, sourceBridge)][uint256(sequence) >> _WORD_SHIFT] & bit != 0;
    }

    /// @inheritdoc IAlloraBridge
    function queuedTransfer(bytes32 id) external view returns (QueuedTransfer memory) {
        return _queued[id];
    }

    /// @inheritdoc IAlloraBridge
    function transferId(
        uint64 sourceChain,
        bytes32 sourceBridge,
        uint64 destinationChain,
        uint64 sequence
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(sourceChain, sourceBridge, destinationChain, sequence));
    }

    /// @inheritdoc IAlloraBridge
    function transferDigest(
        uint64 setId,
        uint64 sourceChain,
        bytes32 sourceBridge,
        uint64 sequence,
        address recipient,
        uint256 amount
    ) external view returns (bytes32) {
        return _transferDigest(setId, sourceChain, sourceBridge, sequence, recipient, amount);
    }

    // ---------------------------------------------------------------- internals

    /**
     * @dev Verifies the attestation and sets the transfer's bit; false (and nothing checked or written) when
     * the bit was already set. The bit is set before anything else happens, so no path delivers twice.
     */
    function _markDelivered(
        uint64 sourceChain,
        bytes32 sourceBridge,
        uint64 sequence,
        address recipient,
        uint256 amount,
        bytes calldata signatures
    ) private returns (bool) {
        mapping(uint256 => uint256) storage delivered = _delivered[_replayKey(sourceChain, sourceBridge)];
        uint256 word = uint256(sequence) >> _WORD_SHIFT;
        uint256 bit = 1 << (uint256(sequence) & _BIT_MASK);
        uint256 bits = delivered[word];
        if (bits & bit != 0) return false;
        _verifyAttestation(
            _transferDigest(attesterSetId(), sourceChain, sourceBridge, sequence, recipient, amount),
            signatures
        );
        delivered[word] = bits | bit;
        return true;
    }

    /// @dev The replay domain of a source: its chain above its bridge id. Injective because a registered id
    /// (the only kind that reaches here, or that {isDelivered} looks up) fits 160 bits.
    function _replayKey(uint64 sourceChain, bytes32 sourceBridge) private pure returns (uint256) {
        return (uint256(sourceChain) << 160) | uint256(sourceBridge);
    }

    /// @dev Reverts unless the caller is a guardian or the admin.
    function _checkGuardianOrAdmin() private view {
        if (!hasRole(GUARDIAN_ROLE, msg.sender) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, GUARDIAN_ROLE);
        }
    }

    /// @dev Mints an attested transfer within the source's inbound limit, or queues it.
    function _settleInbound(
        uint64 sourceChain,
        bytes32 sourceBridge,
        uint64 sequence,
        address recipient,
        uint256 amount,
        uint256 inboundCapacity
    ) private returns (DeliveryStatus) {
        bytes32 id = transferId(sourceChain, sourceBridge, _localChain, sequence);
        (bool ok, ) = _tryConsume(_inbound[sourceChain], inboundCapacity, amount, 0);
        if (!ok) {
            _queued[id] = QueuedTransfer({
                recipient: recipient,
                amount: uint96(amount),
                sourceChain: sourceChain,
                sequence: sequence,
                queuedAt: uint32(block.timestamp),
                held: false
            });
            emit TransferQueued(id, sourceChain, sequence, recipient, amount);
            return DeliveryStatus.Queued;
        }
        _token.crosschainMint(recipient, amount);
        emit TransferDelivered(id, sourceChain, sequence, recipient, amount);
        return DeliveryStatus.Minted;
    }

    /**
     * @dev This chain's bridge id: its EIP-155 chain id. Only a test harness overrides it, to run several
     * simulated chains on one node; signatures stay bound to the real chain id by the EIP-712 domain.
     */
    function _initialLocalChain() internal view virtual returns (uint64) {
        return uint64(block.chainid);
    }

    /// @dev Checks the hub account, burns, and announces the transfer with the recipient as sent (calldata).
    function _sendToHub(
        string calldata recipient,
        uint256 amount
    ) private returns (bytes32 id, uint64 sequence) {
        HubAddress.validate(recipient);
        (id, sequence) = _send(_hubChain, amount);
        emit TransferSent(id, _hubChain, sequence, msg.sender, bytes(recipient), amount, msg.value);
    }

    /// @dev Checks the EVM destination, burns, and announces the transfer with the 20-byte recipient.
    function _sendToChain(
        uint64 destination,
        address recipient,
        uint256 amount
    ) private returns (bytes32 id, uint64 sequence) {
        _checkEvmDestination(destination, recipient);
        (id, sequence) = _send(destination, amount);
        emit TransferSent(
            id,
            destination,
            sequence,
            msg.sender,
            abi.encodePacked(recipient),
            amount,
            msg.value
        );
    }

    /**
     * @dev Burns the caller's `amount` towards `destination` under its outbound limit and gives the transfer
     * the destination's next sequence. The configuration is only read: the sequence lives in the outbound
     * flow, which the limit rewrites anyway.
     */
    function _send(uint64 destination, uint256 amount) private returns (bytes32 id, uint64 sequence) {
        _checkAmount(amount);
        OutboundConfig memory config = _outboundConfig[destination];
        if (config.flags & _OUTBOUND_ENABLED == 0) revert DestinationNotEnabled(destination);
        if (config.flags & _OUTBOUND_PAUSED != 0) revert DirectionIsPaused(Direction.Outbound, destination);
        Flow storage flow = _outbound[destination];
        bool ok;
        (ok, sequence) = _tryConsume(flow, config.capacity, amount, 1);
        if (!ok) revert OutboundLimitExceeded(destination, amount, _availableNow(flow, config.capacity));
        _token.crosschainBurn(msg.sender, amount);
        id = transferId(_localChain, bridgeId(), destination, sequence);
    }

    /// @dev An EVM destination: not the hub, not this chain, and a non-zero recipient.
    function _checkEvmDestination(uint64 destination, address recipient) private view {
        if (destination == _hubChain || destination == _localChain) revert InvalidDestination(destination);
        if (recipient == address(0)) revert ZeroRecipient();
    }

    /// @dev Amounts are accounted in 88 bits, like capacities (309 million ALLO): any amount accepted fits a
    /// capacity the admin can set, so a queued transfer can always be released.
    function _checkAmount(uint256 amount) private pure {
        if (amount == 0) revert ZeroAmount();
        if (amount > type(uint88).max) revert AmountTooLarge(amount);
    }

    /// @dev Applies an ERC-2612 permit; a failed one (already used by a front-runner) is ignored.
    function _permit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) private {
        // solhint-disable-next-line no-empty-blocks
        try
            IERC20Permit(address(_token)).permit(msg.sender, address(this), amount, deadline, v, r, s)
        {} catch {}
    }

    function _transferDigest(
        uint64 setId,
        uint64 sourceChain,
        bytes32 sourceBridge,
        uint64 sequence,
        address recipient,
        uint256 amount
    ) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        TRANSFER_TYPEHASH,
                        setId,
                        sourceChain,
                        sourceBridge,
                        sequence,
                        recipient,
                        amount
                    )
                )
            );
    }

    /// @dev Registers `chain` on first use, with the current pause state (the registered mark lives in the
    /// outbound configuration); returns its outbound configuration.
    function _register(uint64 chain) private returns (OutboundConfig storage config) {
        if (chain == 0 || chain == _localChain) revert InvalidRemoteChain(chain);
        config = _outboundConfig[chain];
        if (config.flags & _REGISTERED == 0) {
            if (_remoteChainList.length >= MAX_REMOTE_CHAINS) revert TooManyRemoteChains(MAX_REMOTE_CHAINS);
            _remoteChainList.push(chain);
            config.flags = config.flags | _REGISTERED | (_outboundPaused ? _OUTBOUND_PAUSED : 0);
            if (_inboundPaused) _inboundConfig[chain].flags |= _INBOUND_PAUSED;
        }
    }

    /// @dev Minted here from `chain` minus burned here towards it: the difference of the two totals modulo 2^96,
    /// read as an int96 (exact while the net stays within +-(2^95 - 1), see {Flow}).
    function _netBridgedIn(uint64 chain) private view returns (int256) {
        unchecked {
            return int96(_inbound[chain].total - _outbound[chain].total);
        }
    }

    /// @dev What `flow`'s rate limit holds now, refilled linearly to `capacity` over {limitWindow}
    /// ({RateLimit-refilled}, on a bucket whose capacity lives in the configuration).
    function _availableNow(Flow memory flow, uint256 capacity) private view returns (uint256) {
        return RateLimit.refilled(capacity, flow.available, flow.updatedAt, _limitWindow);
    }

    /**
     * @dev Takes `amount` out of `flow`'s rate limit, adds it to the flow's total and advances its sequence by
     * `sequenceStep` (1 outbound, 0 inbound), in one slot read and one slot write; false (and nothing written)
     * when the limit holds less than `amount` now. Returns the flow's sequence after the step.
     */
    function _tryConsume(
        Flow storage flow,
        uint256 capacity,
        uint256 amount,
        uint40 sequenceStep
    ) private returns (bool, uint64) {
        // The slot as one word, in {Flow}'s layout: `available` in the low 88 bits, then `updatedAt` (32),
        // `sequence` (40) and `total` (96).
        uint256 word;
        assembly ("memory-safe") {
            word := sload(flow.slot)
        }
        uint256 available = RateLimit.refilled(capacity, uint88(word), uint32(word >> 88), _limitWindow);
        if (amount > available) return (false, 0);
        // Checked: past 2^40 - 1 sends to one chain this reverts instead of reusing a sequence.
        uint40 sequence = uint40(word >> 120) + sequenceStep;
        unchecked {
            // `total + amount` modulo 2^96 on purpose (the shift drops what carries past bit 255): only
            // differences of totals are read (see {Flow}). `available - amount` is at most the capacity (88 bits).
            word =
                (((word >> 160) + amount) << 160) |
                (uint256(sequence) << 120) |
                (uint256(uint32(block.timestamp)) << 88) |
                (available - amount);
        }
        assembly ("memory-safe") {
            sstore(flow.slot, word)
        }
        return (true, sequence);
    }

    /**
     * @dev Moves `flow`'s available amount by the change in capacity (never below zero, as
     * {RateLimit-setCapacity} does) and returns the new capacity for the configuration.
     */
    function _setCapacity(
        Flow storage flow,
        uint88 oldCapacity,
        uint256 newCapacity
    ) private returns (uint88) {
        if (newCapacity > type(uint88).max) revert RateLimit.CapacityTooLarge(newCapacity);
        uint256 available = RateLimit.resized(oldCapacity, _availableNow(flow, oldCapacity), newCapacity);
        flow.available = uint88(available);
        flow.updatedAt = uint32(block.timestamp);
        return uint88(newCapacity);
    }

    /// @dev Writes the pause flag for `direction` globally and into every remote chain's slot.
    function _setPaused(Direction direction, bool paused) private {
        bool outbound = direction == Direction.Outbound;
        if (outbound) _outboundPaused = paused;
        else _inboundPaused = paused;
        uint256 count = _remoteChainList.length;
        for (uint256 i = 0; i < count; ++i) {
            uint64 chain = _remoteChainList[i];
            if (outbound) {
                OutboundConfig storage config = _outboundConfig[chain];
                config.flags = paused ? config.flags | _OUTBOUND_PAUSED : config.flags & ~_OUTBOUND_PAUSED;
            } else {
                InboundConfig storage config = _inboundConfig[chain];
                config.flags = paused ? config.flags | _INBOUND_PAUSED : config.flags & ~_INBOUND_PAUSED;
            }
        }
        emit DirectionPaused(direction, paused, msg.sender);
    }
}
