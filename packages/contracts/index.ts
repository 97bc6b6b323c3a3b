/**
 * The package's JavaScript entry: ABIs by name, deployment records by network, and the TypeChain ethers v6
 * factories (re-exported from ./types, generated at build time by scripts/build-package.ts), and the client of
 * the relayer's signed-report service.
 */
import { abis } from "./abis";
import { deployments } from "./deployments";

export { abis, deployments };
export type { DeploymentRecord } from "./deployments";
export * from "./types";
export { AlloraReportClient, AlloraReportError } from "./client";
export type { AttestedReport, AlloraReportClientOptions } from "./client";
