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
 * DEVNET_AXELAR=1 (`npm start -- --axelar`): also the local Axelar contracts and the Axelar adapter. The chains
 * deploy side by side; a second pass on the chains that finished before their peers registers what those peers
 * deployed later: their bridges as source bridges (deploy/bridge-sources.ts) and, with --axelar, their adapters.
 */
import hre from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { loadParameters } from "../../deploy/parameters";
import { runtimeEnvironmentFor } from "../lib/hardhat-env";
import { deployStack, type StackResult } from "../../deploy/stack";
import { withDevnetFeeds } from "./feeds";

function environmentFor(network: string): HardhatRuntimeEnvironment {
  return network === hre.network.name ? hre : runtimeEnvironmentFor(hre, network);
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
    const { file, params: raw } = loadParameters(network);
    const params = withDevnetFeeds(raw);
    const log = (line: string): void => console.log(`[${chain}] ${line}`);
    log(pass === 1 ? `deploying with ${file}` : `second pass: registering the bridges (and adapters) deployed after this chain`);
    if (pass === 1 && !axelar) log("AlloraAxelarAdapter: not deployed locally unless asked (npm start -- --axelar)");
    // The devnet's chains start from genesis every time: no Ignition journal to keep.
    const result = await deployStack(env, params, { network, deploymentsDir, log, modules, ephemeralChain: true });
    log(`wrote ${result.file}`);
    return result;
  };
  /** The peers among this run's chains whose bridges or adapters `result` could not register. */
  const unknownPeers = (result: StackResult): string[] =>
    [...new Set([...result.missingBridgeSources, ...result.missingRemotes])].filter((peer) =>
      chains.some((c) => `${c}Local` === peer),
    );
  // Every chain at once: each has its own runtime environment, Ignition journal and record file, and most of
  // a deployment is waiting for the chain (the three chains answer from one process, so running them side by
  // side takes about half the time of one after the other).
  const firstPass = await Promise.all(chains.map((chain) => deployOn(chain, 1)));
  // A chain whose peers had no record yet when it wired its bridge (and adapter) registers them now.
  const waiting = chains.filter((_, i) => unknownPeers(firstPass[i]).length > 0);
  // Side by side again: every record exists now, and each pass writes only its own chain's record.
  await Promise.all(
    waiting.map(async (chain) => {
      const unknown = unknownPeers(await deployOn(chain, 2));
      if (unknown.length) {
        throw new Error(`[${chain}] bridges or Axelar adapters still unknown after the second pass: ${unknown.join(", ")}`);
      }
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
