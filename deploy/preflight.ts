/**
 * Checks `scripts/deploy.ts` makes before it sends anything, each failing with what is missing and how to
 * fix it: the public network's RPC URL variable, the deployer key, and CreateX (the CREATE2 factory every
 * contract of the stack is deployed through) on the chain. Then the network's defaults that let one
 * parameters file serve every public chain (deploy/parameters/example.json): Axelar's published addresses
 * for `"published"`, and the hub network of the chain when `bridge.hub` is left out.
 */
import { ethers } from "ethers";
import { EVM_CHAINS, type EvmChain, type EvmChainName } from "../lib/chains";
import { AXELAR_PUBLISHED, hubOf } from "./axelar";
import { CREATEX_ADDRESS, CREATEX_CODE_HASH } from "./createx";
import { type DeployParameters, isLocalNetwork } from "./parameters";

/** The public chain behind a Hardhat network name, or undefined for local and unknown networks. */
export function publicChain(network: string): EvmChain | undefined {
  const chain = (EVM_CHAINS as Record<string, EvmChain | undefined>)[network];
  return chain?.rpcUrlEnv ? chain : undefined;
}

/** What is missing from the environment to deploy on `network` (empty: nothing). */
export function environmentProblems(network: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const chain = publicChain(network);
  if (!chain) return [];
  const problems: string[] = [];
  if (!env[chain.rpcUrlEnv!]) {
    problems.push(
      `${chain.rpcUrlEnv} is not set: export ${chain.rpcUrlEnv}=https://… (an RPC URL of ${network}, chain id ${chain.chainId})`,
    );
  }
  if (!env.DEPLOYER_PRIVATE_KEY) {
    problems.push(`DEPLOYER_PRIVATE_KEY is not set: export the deploying account's private key (0x + 64 hex digits)`);
  }
  return problems;
}

/** The shell command that shows whether CreateX is on the chain at `rpcUrlVar`. */
export function createXCheckCommand(rpcUrlVar: string): string {
  return (
    `curl -s -X POST -H 'content-type: application/json' --data ` +
    `'{"jsonrpc":"2.0","id":1,"method":"eth_getCode","params":["${CREATEX_ADDRESS}","latest"]}' "$${rpcUrlVar}"`
  );
}

/**
 * Throws unless CreateX is deployed at its canonical address with its known code. Local networks are skipped:
 * the stack installs CreateX there itself.
 */
export async function checkCreateX(provider: ethers.Provider, network: string): Promise<void> {
  if (isLocalNetwork(network)) return;
  const code = await provider.getCode(CREATEX_ADDRESS);
  const chain = publicChain(network);
  const how = chain
    ? ` Check with: ${createXCheckCommand(chain.rpcUrlEnv!)} (CreateX is there when the result is a long 0x… string, absent when it is "0x").`
    : "";
  if (code === "0x") {
    const { chainId } = await provider.getNetwork();
    throw new Error(
      `CreateX is not deployed on ${network} (chain id ${chainId}) at ${CREATEX_ADDRESS}: every contract of the ` +
        `stack is deployed through it (CREATE2, one address on every chain). Nothing was sent. Deploy CreateX ` +
        `first with its pre-signed transaction (github.com/pcaversaccio/createx#new-deployments) or pick a chain ` +
        `that has it.${how}`,
    );
  }
  if (ethers.keccak256(code) !== CREATEX_CODE_HASH) {
    throw new Error(
      `the code at ${CREATEX_ADDRESS} on ${network} is not CreateX v0.1.0 (code hash ${ethers.keccak256(code)}): ` +
        `nothing was sent.${how}`,
    );
  }
}

/**
 * The parameters with the network's defaults filled in: `axelar.gateway` / `axelar.gasService` "published"
 * become Axelar's addresses on this chain (AXELAR_PUBLISHED), and a missing `bridge.hub` becomes the hub
 * network this chain belongs to (allora-mainnet for ethereum, bnb, base; allora-testnet for their testnets).
 */
export function withNetworkDefaults(params: DeployParameters, network: string): DeployParameters {
  const chain = (EVM_CHAINS as Record<string, EvmChain | undefined>)[network];
  const out: DeployParameters = { ...params };
  if (params.axelar && (params.axelar.gateway === "published" || params.axelar.gasService === "published")) {
    const published = chain ? AXELAR_PUBLISHED[chain.name as EvmChainName] : undefined;
    if (!published) {
      throw new Error(
        `axelar: "published" takes Axelar's addresses of a public chain (${Object.keys(AXELAR_PUBLISHED).join(", ")}); ` +
          `on ${network} write the addresses` + (isLocalNetwork(network) ? ` or "local"` : ""),
      );
    }
    out.axelar = {
      ...params.axelar,
      gateway: params.axelar.gateway === "published" ? published.gateway : params.axelar.gateway,
      gasService: params.axelar.gasService === "published" ? published.gasService : params.axelar.gasService,
    };
  }
  if (params.bridge && params.bridge.hub === undefined && chain && !isLocalNetwork(network)) {
    out.bridge = { ...params.bridge, hub: hubOf(chain.name) };
  }
  return out;
}
