import type { HardhatRuntimeEnvironment } from "hardhat/types";

/**
 * One gas suite: deploys what it needs on the in-process Hardhat network and returns, per case name,
 * the gasUsed of one transaction measured in steady state (slots already written once), or of one
 * consumer call for read cases. Each suite runs from a fresh snapshot of the chain.
 */
export type GasSuite = (hre: HardhatRuntimeEnvironment) => Promise<Record<string, bigint>>;
