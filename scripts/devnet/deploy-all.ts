/**
 * Deploys the stack on every local chain from ONE Hardhat process:
 * `HARDHAT_CONFIG=scripts/devnet/hardhat.devnet.config.ts HARDHAT_NETWORK=ethereumLocal node -r hardhat/register scripts/devnet/deploy-all.ts`
 *
 * Loading Hardhat (config, plugins, Ignition) costs seconds of CPU per process; `hardhat run
 * scripts/deploy.ts` once per chain pays it three times. This script pays it once: it runs the project's
 * deployStack (deploy/stack.ts, the same code scripts/deploy.ts runs) on each chain through one runtime
 * environment per network, all built from the already loaded Hardhat context.
 *
 * It may start before the chains answer: it loads (and compiles if needed) while they start, then waits.
 * DEVNET_CHAINS: comma list of chain names (ethereum,bnb,base); DEPLOYMENTS_DIR: where the records go;
 * DEVNET_AXELAR=1 (`npm start -- --axelar`): also the local Axelar contracts and the Axelar adapter, then a
 * second pass on the chains deployed before their peers, to register the adapters deployed after them.
 */
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { HardhatContext } from "hardhat/internal/context";
import { Environment } from "hardhat/internal/core/runtime-environment";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { type DeployParameters, loadParameters } from "../../deploy/parameters";
import { deployStack, type StackResult } from "../../deploy/stack";

function environmentFor(network: string): HardhatRuntimeEnvironment {
  if (network === hre.network.name) return hre;
  const ctx = HardhatContext.getHardhatContext();
  return new Environment(
    hre.config,
    { ...hre.hardhatArguments, network },
    ctx.tasksDSL.getTaskDefinitions(),
    ctx.tasksDSL.getScopesDefinitions(),
    ctx.environmentExtenders,
    hre.userConfig,
    ctx.providerExtenders,
  ) as unknown as HardhatRuntimeEnvironment;
}

/** The bridge module's limit parameters (base units per window); see deploy/modules/AlloraBridge.ts. */
const BRIDGE_LIMIT_PARAMETERS = [
  "hubLimitOut",
  "hubLimitIn",
  "evmLimitOut",
  "evmLimitIn",
  "tokenMintLimit",
  "tokenBurnLimit",
] as const;
const DEVNET_BRIDGE_LIMIT = (1_000_000n * 10n ** 18n).toString(); // 1,000,000 ALLO

/**
 * WORKAROUND: deploy/parameters/local.json has a `bridge` section without the bridge module's limit
 * parameters, so Ignition refuses the AlloraBridge module (IGN725). Until the file has them, the devnet
 * fills the missing ones with 1,000,000 ALLO per window and says so in the deploy log.
 */
function withDevnetBridgeLimits(params: DeployParameters, log: (line: string) => void): void {
  if (!params.bridge) return;
  const bridge = params.bridge as Record<string, unknown>;
  const missing = BRIDGE_LIMIT_PARAMETERS.filter((k) => bridge[k] === undefined);
  if (missing.length === 0) return;
  log(
    `bridge parameters ${missing.join(", ")} missing from the parameters file: devnet default 1,000,000 ALLO`,
  );
  for (const k of missing) bridge[k] = DEVNET_BRIDGE_LIMIT;
}

/** Waits until the network's node answers (the devnet starts this process while the chains start). */
async function waitForNode(env: HardhatRuntimeEnvironment, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await env.network.provider.request({ method: "eth_chainId" });
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`${env.network.name} did not answer: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const BRIDGE_MODULE_FILE = path.resolve(__dirname, "..", "..", "deploy", "modules", "AlloraBridge.ts");

/**
 * WORKAROUND: deploy/modules/AlloraBridge.ts exports one module, built for ethereumLocal; on bnbLocal and
 * baseLocal it enables the chain itself as a remote and reverts (InvalidRemoteChain). The file also exports
 * buildAlloraBridgeModule(chain, hub): the devnet points the module that deployStack loads at the chain
 * being deployed (through Node's module cache), so each chain gets its own bridge wiring.
 */
function useBridgeModuleFor(network: string): void {
  if (!fs.existsSync(BRIDGE_MODULE_FILE)) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(BRIDGE_MODULE_FILE) as {
    default: unknown;
    buildAlloraBridgeModule?: (chain: string, hub: string) => unknown;
  };
  if (!mod.buildAlloraBridgeModule) return;
  const cached = require.cache[require.resolve(BRIDGE_MODULE_FILE)];
  if (cached) cached.exports = { ...mod, default: mod.buildAlloraBridgeModule(network, "allora-devnet") };
}

async function main(): Promise<void> {
  // Compile first (a no-op when the artifacts are current): a fresh clone has none.
  await hre.run("compile", { quiet: true });
  const chains = (process.env.DEVNET_CHAINS ?? "ethereum,bnb,base").split(",").map((s) => s.trim());
  const deploymentsDir = process.env.DEPLOYMENTS_DIR || undefined;
  const axelar = process.env.DEVNET_AXELAR === "1";
  // The Axelar adapter (and the local Axelar contracts it needs) costs deployment time: only on request.
  const modules = axelar ? undefined : ["AlloraOracle", "AlloraBridge"];
  const deployOn = async (chain: string, pass: number): Promise<StackResult> => {
    const network = `${chain}Local`;
    const env = environmentFor(network);
    await waitForNode(env);
    const { file, params } = loadParameters(network);
    const log = (line: string): void => console.log(`[${chain}] ${line}`);
    log(pass === 1 ? `deploying with ${file}` : `second pass: registering the Axelar adapters deployed after this chain`);
    if (pass === 1 && !axelar) log("AlloraAxelarAdapter: not deployed locally unless asked (npm start -- --axelar)");
    withDevnetBridgeLimits(params, log);
    useBridgeModuleFor(network);
    const result = await deployStack(env, params, { network, deploymentsDir, log, modules });
    log(`wrote ${result.file}`);
    return result;
  };
  /** The peers among this run's chains whose adapters `result` could not register. */
  const unknownPeers = (result: StackResult): string[] =>
    result.missingRemotes.filter((peer) => chains.some((c) => `${c}Local` === peer));
  // One chain after the other: the bridge module workaround swaps a cached module per chain.
  const waiting: string[] = [];
  for (const chain of chains) {
    if (unknownPeers(await deployOn(chain, 1)).length > 0) waiting.push(chain);
  }
  // A chain deployed before its peers could not register their adapters yet; now their records exist.
  for (const chain of waiting) {
    const unknown = unknownPeers(await deployOn(chain, 2));
    if (unknown.length) throw new Error(`[${chain}] Axelar adapters still unknown after the second pass: ${unknown.join(", ")}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
