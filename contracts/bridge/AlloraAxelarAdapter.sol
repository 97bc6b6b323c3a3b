// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// solhint-disable-next-line max-line-length
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IERC7802} from "@openzeppelin/contracts/interfaces/draft-IERC7802.sol";
import {AxelarExecutable} from "@axelar-network/axelar-gmp-sdk-solidity/contracts/executable/AxelarExecutable.sol";
import {IAxelarGasService} from "@axelar-network/axelar-gmp-sdk-solidity/contracts/interfaces/IAxelarGasService.sol";
import {
    StringToAddress,
    AddressToString
} from "@axelar-network/axelar-gmp-sdk-solidity/contracts/libs/AddressString.sol";
import {IAlloraAxelarAdapter} from "../interfaces/IAlloraAxelarAdapter.sol";

/**
 * @title AlloraAxelarAdapter
 * @notice ALLO transfers between EVM chains as Axelar GMP calls. See {IAlloraAxelarAdapter}.
 * @dev Trust: Axelar's gateway vouches that a message was sent by `sourceAddress` on `sourceChain`; this
 * adapter additionally requires that pair to be the registered adapter of that chain, so no other contract
 * on any chain can mint. Replay: `AxelarExecutable.execute` has the gateway validate (and consume) the
 * approval before `_execute` runs. Admin: two-step handover with a delay, never renounced by a single call
 * (AccessControlDefaultAdminRules).
 */
contract AlloraAxelarAdapter is
    IAlloraAxelarAdapter,
    AxelarExecutable,
    AccessControlDefaultAdminRules,
    Pausable
{
    using StringToAddress for string;
    using AddressToString for address;

    /// @notice May pause (the admin may too).
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice The delay before the first admin can hand the role to another account (two steps), as the token's.
    uint48 public constant INITIAL_ADMIN_TRANSFER_DELAY = 2 days;

    /// @dev Length of `abi.encode(address, address, uint256)`.
    uint256 private constant _PAYLOAD_LENGTH = 96;

    IERC7802 private immutable _token;
    IAxelarGasService private immutable _gasService;

    mapping(uint64 chain => Remote) private _remotes;
    mapping(bytes32 axelarChainHash => uint64 chain) private _chainOfAxelarName;
    mapping(uint64 chain => int256 amount) private _netBridgedIn;

    /**
     * @param gateway_ Axelar's gateway on this chain.
     * @param gasService_ Axelar's gas service on this chain.
     * @param token_ The ALLO token; this adapter needs its bridge role and limits there.
     * @param admin Registers remotes and unpauses (handed over with {beginDefaultAdminTransfer}).
     * @param guardian Pauses (may be zero).
     */
    constructor(
        address gateway_,
        address gasService_,
        address token_,
        address admin,
        address guardian
    ) AxelarExecutable(gateway_) AccessControlDefaultAdminRules(INITIAL_ADMIN_TRANSFER_DELAY, admin) {
        if (gasService_ == address(0) || token_ == address(0)) revert ZeroRecipient();
        _gasService = IAxelarGasService(gasService_);
        _token = IERC7802(token_);
        if (guardian != address(0)) _grantRole(GUARDIAN_ROLE, guardian);
    }

    /// @inheritdoc IAlloraAxelarAdapter
    function send(uint64 destinationChain, address recipient, uint256 amount) external payable whenNotPaused {
        if (amount == 0) revert ZeroAmount();
        if (recipient == address(0)) revert ZeroRecipient();
        if (msg.value == 0) revert NoGasPayment();
        Remote storage target = _remotes[destinationChain];
        address adapter = target.adapter;
        if (adapter == address(0)) revert UnknownDestination(destinationChain);
        string memory axelarChain = target.axelarChain;
        string memory destinationAddress = adapter.toString();

        _netBridgedIn[destinationChain] -= int256(amount);
        _token.crosschainBurn(msg.sender, amount);
        bytes memory payload = abi.encode(msg.sender, recipient, amount);
        _gasService.payNativeGasForContractCall{value: msg.value}(
            address(this),
            axelarChain,
            destinationAddress,
            payload,
            msg.sender
        );
        gateway().callContract(axelarChain, destinationAddress, payload);
        emit AxelarTransferSent(destinationChain, msg.sender, recipient, amount, msg.value);
    }

    /// @dev Runs after the gateway validated (and consumed) the approval of this message.
    function _execute(
        bytes32 commandId,
        string calldata sourceChain,
        string calldata sourceAddress,
        bytes calldata payload
    ) internal override whenNotPaused {
        uint64 chain = _chainOfAxelarName[keccak256(bytes(sourceChain))];
        // The registered adapter of that chain, compared as an address so that letter case does not matter.
        if (
            chain == 0 ||
            bytes(sourceAddress).length != 42 ||
            sourceAddress.toAddress() != _remotes[chain].adapter
        ) {
            revert UntrustedSource(sourceChain, sourceAddress);
        }
        if (payload.length != _PAYLOAD_LENGTH) revert MalformedPayload(payload.length);
        (address sender, address recipient, uint256 amount) = abi.decode(
            payload,
            (address, address, uint256)
        );
        if (amount == 0) revert ZeroAmount();
        if (recipient == address(0)) revert ZeroRecipient();
        _netBridgedIn[chain] += int256(amount);
        _token.crosschainMint(recipient, amount);
        emit AxelarTransferReceived(commandId, chain, recipient, sender, amount);
    }

    /// @inheritdoc IAlloraAxelarAdapter
    function setRemote(
        uint64 chain,
        string calldata axelarChain,
        address adapter
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (chain == 0 || chain == block.chainid || bytes(axelarChain).length == 0)
            revert InvalidRemote(chain);
        // One name, one chain: otherwise the later registration would silently take the name's messages, and
        // re-pointing either chain would delete the name for both.
        uint64 owner = _chainOfAxelarName[keccak256(bytes(axelarChain))];
        if (adapter != address(0) && owner != 0 && owner != chain) revert AxelarNameTaken(axelarChain, owner);
        Remote storage previous = _remotes[chain];
        if (bytes(previous.axelarChain).length != 0)
            delete _chainOfAxelarName[keccak256(bytes(previous.axelarChain))];
        if (adapter == address(0)) {
            delete _remotes[chain];
        } else {
            _remotes[chain] = Remote({axelarChain: axelarChain, adapter: adapter});
            _chainOfAxelarName[keccak256(bytes(axelarChain))] = chain;
        }
        emit RemoteAdapterSet(chain, axelarChain, adapter);
    }

    /// @inheritdoc IAlloraAxelarAdapter
    function pause() external {
        if (!hasRole(GUARDIAN_ROLE, msg.sender) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, GUARDIAN_ROLE);
        }
        _pause();
        emit AdapterPaused(true, msg.sender);
    }

    /// @inheritdoc IAlloraAxelarAdapter
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
        emit AdapterPaused(false, msg.sender);
    }

    /// @inheritdoc IAlloraAxelarAdapter
    function remote(uint64 chain) external view returns (Remote memory) {
        return _remotes[chain];
    }

    /// @inheritdoc IAlloraAxelarAdapter
    function chainOfAxelarName(string calldata axelarChain) external view returns (uint64) {
        return _chainOfAxelarName[keccak256(bytes(axelarChain))];
    }

    /// @inheritdoc IAlloraAxelarAdapter
    function netBridgedIn(uint64 chain) external view returns (int256) {
        return _netBridgedIn[chain];
    }

    /// @inheritdoc IAlloraAxelarAdapter
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IAlloraAxelarAdapter
    function gasService() external view returns (address) {
        return address(_gasService);
    }
}
