/**
 * Deploys the contracts on the local chains through the project's deploy script and modules
 * (`hardhat run scripts/deploy.ts --network <chain>Local`), one child process per chain, all in parallel,
 * and reads back deployments/<network>.json.
 *
 * The chains run with automine during the deployment (each transaction is mined at once, so a
 * deployment of many transactions does not wait a block each) and are switched to their configured
 * block time afterwards with evm_setIntervalMining.
 */
import fs from "node:fs";
import path from "node:path";
import { jsonRpc } from "../lib/json-rpc";
import { ManifestChain, ManifestContracts, noContracts } from "../lib/manifest";
import { feedTopicOf } from "../../deploy/stack";
import type { DevnetFeed } from "./feeds";
import { hardhatCli, hardhatRegister, Supervisor } from "../lib/supervisor";
import { ChainOptions } from "./options";

/** deployments/<network>.json as scripts/deploy.ts writes it. */
interface DeploymentRecord {
  network: string;
  chainId: number;
  contracts: Record<string, { address: string; blockNumber: number }>;
}

/** Contract names in the deployment record -> keys in the manifest. */
const MANIFEST_KEYS: Record<string, string> = {
  AlloToken: "token",
  AlloraOracle: "oracle",
  AlloraBridge: "bridge",
  AlloraAxelarAdapter: "axelarAdapter",
  AxelarGateway: "axelarGateway",
  AxelarGasService: "axelarGasService",
};

/** DEPLOY_MODULES for scripts/deploy.ts: the Axelar adapter only with --axelar. */
export function devnetModules(axelar: boolean): string {
  return axelar ? "AlloraOracle,AlloraBridge,AlloraAxelarAdapter" : "AlloraOracle,AlloraBridge";
}

export function hardhatNetworkName(chain: string): string {
  return `${chain}Local`;
}

/** The environment that points hardhat.devnet.config.ts at these chains. */
export function devnetHardhatEnv(chains: ChainOptions[]): Record<string, string> {
  const env: Record<string, string> = { TS_NODE_TRANSPILE_ONLY: "true" };
  for (const c of chains) {
    env[`DEVNET_${c.name.toUpperCase()}_PORT`] = String(c.port);
    env[`DEVNET_${c.name.toUpperCase()}_CHAIN_ID`] = String(c.chainId);
  }
  return env;
}

export const DEVNET_HARDHAT_CONFIG = path.join(__dirname, "hardhat.devnet.config.ts");

export async function deployChain(opts: {
  supervisor: Supervisor;
  repoRoot: string;
  chain: ChainOptions;
  allChains: ChainOptions[];
  deploymentsDir: string;
  axelar?: boolean;
  /** One AlloraFeedAdapter per topic (DEVNET_FEEDS for the deployer). */
  feeds?: DevnetFeed[];
  /** Names the child (and its log) apart from an earlier run on the same chain. */
  pass?: number;
}): Promise<ManifestContracts> {
  const network = hardhatNetworkName(opts.chain.name);
  const child = opts.supervisor.start({
    name: `deploy-${opts.chain.name}${opts.pass && opts.pass > 1 ? `-${opts.pass}` : ""}`,
    command: process.execPath,
    args: [hardhatCli(), "--config", DEVNET_HARDHAT_CONFIG, "run", "scripts/deploy.ts", "--network", network],
    cwd: opts.repoRoot,
    env: {
      ...devnetHardhatEnv(opts.allChains),
      DEPLOYMENTS_DIR: opts.deploymentsDir,
      DEPLOY_MODULES: devnetModules(opts.axelar ?? false),
      ...(opts.feeds ? { DEVNET_FEEDS: JSON.stringify(opts.feeds) } : {}),
    },
  });
  await child.exited;
  if (child.exitReason() !== "exited with code 0") {
    throw new Error(
      `deploying on ${opts.chain.name} failed (${child.exitReason()}); log ${child.logFile}:\n${child.tail(25)}`,
    );
  }
  return readDeployment(opts.deploymentsDir, opts.chain);
}

/**
 * Deploys on every chain from one Hardhat process (deploy-all.ts runs the same deployStack as
 * scripts/deploy.ts, once per chain) and returns each chain's contracts, in the order of `chains`.
 */
export async function deployAllChains(opts: {
  supervisor: Supervisor;
  repoRoot: string;
  chains: ChainOptions[];
  deploymentsDir: string;
  axelar?: boolean;
  /** One AlloraFeedAdapter per topic (DEVNET_FEEDS for the deployer). */
  feeds?: DevnetFeed[];
}): Promise<ManifestContracts[]> {
  const child = opts.supervisor.start({
    name: "deploy",
    command: process.execPath,
    // Hardhat registered in this process (not `hardhat run`, which starts a second Node process).
    args: ["-r", hardhatRegister(), "scripts/devnet/deploy-all.ts"],
    cwd: opts.repoRoot,
    env: {
      ...devnetHardhatEnv(opts.chains),
      HARDHAT_CONFIG: DEVNET_HARDHAT_CONFIG,
      HARDHAT_NETWORK: hardhatNetworkName(opts.chains[0].name),
      DEPLOYMENTS_DIR: opts.deploymentsDir,
      DEVNET_CHAINS: opts.chains.map((c) => c.name).join(","),
      DEVNET_AXELAR: opts.axelar ? "1" : "0",
      ...(opts.feeds ? { DEVNET_FEEDS: JSON.stringify(opts.feeds) } : {}),
    },
  });
  await child.exited;
  if (child.exitReason() !== "exited with code 0") {
    throw new Error(`deploying failed (${child.exitReason()}); log ${child.logFile}:\n${child.tail(25)}`);
  }
  return opts.chains.map((chain) => readDeployment(opts.deploymentsDir, chain));
}

function readDeployment(deploymentsDir: string, chain: ChainOptions): ManifestContracts {
  const network = hardhatNetworkName(chain.name);
  const file = path.join(deploymentsDir, `${network}.json`);
  if (!fs.existsSync(file)) throw new Error(`the deployment did not write ${file}`);
  const record = JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentRecord;
  if (record.chainId !== chain.chainId) {
    throw new Error(`${file} is for chain id ${record.chainId}, expected ${chain.chainId}`);
  }
  return manifestContracts(record.contracts);
}

/** A deployment record's contracts as the manifest lists them: addresses by key, feed adapters by topic. */
export function manifestContracts(recorded: DeploymentRecord["contracts"]): ManifestContracts {
  const contracts = noContracts();
  const byName = contracts as unknown as Record<string, string>;
  for (const [name, rec] of Object.entries(recorded)) {
    const topic = feedTopicOf(name);
    if (topic !== undefined) contracts.feeds[topic] = rec.address;
    else byName[MANIFEST_KEYS[name] ?? name.charAt(0).toLowerCase() + name.slice(1)] = rec.address;
  }
  return contracts;
}

/** Switches a chain from automine to a block every `blockTimeMs` (0 keeps automine). */
export async function setBlockTime(chain: ManifestChain, blockTimeMs: number): Promise<void> {
  if (blockTimeMs <= 0) return;
  await jsonRpc(chain.rpc, "evm_setAutomine", [false]);
  await jsonRpc(chain.rpc, "evm_setIntervalMining", [blockTimeMs]);
}
