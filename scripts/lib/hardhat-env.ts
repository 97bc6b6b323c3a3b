/**
 * Another Hardhat runtime environment in the same process, built from the already loaded Hardhat context:
 * one per network, for code that works on several chains at once (the devnet's deployer, the multi-chain
 * deploy tests) without loading Hardhat again.
 */
import type hreType from "hardhat";
import { HardhatContext } from "hardhat/internal/context";
import { Environment } from "hardhat/internal/core/runtime-environment";
import type { HardhatConfig, HardhatRuntimeEnvironment } from "hardhat/types";

export function runtimeEnvironmentFor(
  hre: typeof hreType,
  network: string,
  config: HardhatConfig = hre.config,
): HardhatRuntimeEnvironment {
  const ctx = HardhatContext.getHardhatContext();
  return new Environment(
    config,
    { ...hre.hardhatArguments, network },
    ctx.tasksDSL.getTaskDefinitions(),
    ctx.tasksDSL.getScopesDefinitions(),
    ctx.environmentExtenders,
    hre.userConfig,
    ctx.providerExtenders,
  ) as unknown as HardhatRuntimeEnvironment;
}
