// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AlloraBridge} from "../bridge/AlloraBridge.sol";

/**
 * @title BridgeSimulatedChain
 * @notice Test-only: AlloraBridges that believe they run on Ethereum (1), BNB Smart Chain (56) or Base (8453),
 * so that the property test runs three "chains" (three tokens and bridges) on one Hardhat node. Signatures stay
 * bound to each bridge's address by the EIP-712 domain.
 */
abstract contract BridgeSimulatedChain is AlloraBridge {
    constructor(
        address token_,
        uint64 hubChain_,
        uint256 limitWindow_,
        address admin,
        address[] memory signers,
        uint8 threshold
    ) AlloraBridge(token_, hubChain_, limitWindow_, admin, admin, 1, signers, threshold) {}
}

/// @title BridgeSimulatedEthereum
/// @notice Test-only bridge on simulated chain 1.
contract BridgeSimulatedEthereum is BridgeSimulatedChain {
    constructor(
        address token_,
        uint64 hubChain_,
        uint256 limitWindow_,
        address admin,
        address[] memory signers,
        uint8 threshold
    ) BridgeSimulatedChain(token_, hubChain_, limitWindow_, admin, signers, threshold) {}

    function _initialLocalChain() internal pure override returns (uint64) {
        return 1;
    }
}

/// @title BridgeSimulatedBnb
/// @notice Test-only bridge on simulated chain 56.
contract BridgeSimulatedBnb is BridgeSimulatedChain {
    constructor(
        address token_,
        uint64 hubChain_,
        uint256 limitWindow_,
        address admin,
        address[] memory signers,
        uint8 threshold
    ) BridgeSimulatedChain(token_, hubChain_, limitWindow_, admin, signers, threshold) {}

    function _initialLocalChain() internal pure override returns (uint64) {
        return 56;
    }
}

/// @title BridgeSimulatedBase
/// @notice Test-only bridge on simulated chain 8453.
contract BridgeSimulatedBase is BridgeSimulatedChain {
    constructor(
        address token_,
        uint64 hubChain_,
        uint256 limitWindow_,
        address admin,
        address[] memory signers,
        uint8 threshold
    ) BridgeSimulatedChain(token_, hubChain_, limitWindow_, admin, signers, threshold) {}

    function _initialLocalChain() internal pure override returns (uint64) {
        return 8453;
    }
}
