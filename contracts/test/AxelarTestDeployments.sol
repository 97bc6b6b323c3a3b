// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title AxelarTestDeployments
 * @notice Test-only: makes Hardhat compile Axelar's own contracts from their npm packages, so that the
 * adapter tests deploy the real gateway and gas service on the local chain:
 * - AxelarAmplifierGateway + AxelarAmplifierGatewayProxy (@axelar-network/axelar-gmp-sdk-solidity 6.2),
 *   approved by a test-only weighted signer set standing in for Axelar's verifiers;
 * - AxelarGasService (@axelar-network/axelar-cgp-solidity) behind the SDK's generic upgradable Proxy
 *   (the package's own AxelarGasServiceProxy pins solc 0.8.9, which this project does not compile with).
 */
import {AxelarAmplifierGateway} from "@axelar-network/axelar-gmp-sdk-solidity/contracts/gateway/AxelarAmplifierGateway.sol";
import {AxelarAmplifierGatewayProxy} from "@axelar-network/axelar-gmp-sdk-solidity/contracts/gateway/AxelarAmplifierGatewayProxy.sol";
import {Proxy} from "@axelar-network/axelar-gmp-sdk-solidity/contracts/upgradable/Proxy.sol";
import {AxelarGasService} from "@axelar-network/axelar-cgp-solidity/contracts/gas-service/AxelarGasService.sol";

// solhint-disable-next-line no-empty-blocks
abstract contract AxelarTestDeployments {}
