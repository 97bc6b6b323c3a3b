/**
 * Starts the whole local network and returns a handle to stop it: Redis check, three Hardhat chains,
 * the hub devnet, the contracts, the relayer, and .devnet/manifest.json. Used by `npm start`, the e2e
 * test and the relay benchmark, so all three run exactly the same network.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { jsonRpc, waitFor } from "../lib/json-rpc";
import { Manifest, ManifestChain, noContracts, writeManifest } from "../lib/manifest";
import { devnetFeeds } from "./feeds";
import { assertPortsFree, ephemeralPortWarnings } from "../lib/ports";
import { deleteRedisNamespace, pingRedis, redisHelp, removeDeadDevnetNamespaces } from "../lib/redis";
import { ensureRelayerBuild } from "../lib/relayer-build";
import { ChildSpec, hardhatCli, hardhatRegister, rotateLogs, SupervisedChild, Supervisor } from "../lib/supervisor";
import { HubDevnet } from "../../devnet/hub/node";
import {
  deployAllChains,
  DEVNET_HARDHAT_CONFIG,
  devnetHardhatEnv,
  setBlockTime,
} from "./deploy";
import { type FaucetDeposit, sendFaucetDeposits, waitForDeliveries } from "./faucet";
import { startHub } from "./hub";
import {
  attesterKeysFromLocalParameters,
  localAttesterKeys,
  RelayerHandle,
  startRelayerProcess,
} from "./relayer";
import { DASHBOARD_PATH, writeRelayerConfig, writeRelayerEnv } from "./relayer-config";
import { devnetEscrow, devnetTransfersConfig } from "./transfers";
import { NetworkOptions, networkPorts } from "./options";

import type { AxelarStandin } from "../../devnet/axelar/standin";

export { networkPorts };

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** A failure the user can fix; `npm start` prints only its message and exits non-zero. */
export class UserFacingError extends Error {}

export interface PhaseTiming {
  phase: string;
  ms: number;
}

export interface LocalNetwork {
  manifest: Manifest;
  manifestFile: string;
  supervisor: Supervisor;
  hub: HubDevnet;
  stateDir: string;
  timings: PhaseTiming[];
  /** DEVNET ONLY: the attester keys of the deployed oracles (public Hardhat test keys). */
  attesterKeys: string[];
  attesterThreshold: number;
  /** The generated relayer config (.devnet/relayer.yaml). */
  relayerConfigFile: string;
  /** Starts relayer instance `instance` (1-based) as a child process. */
  startRelayer(instance: number, override?: { configFile?: string; httpPort?: number }): RelayerHandle;
  /** With --axelar: the Axelar stand-in carrying GMP messages between the chains (devnet/axelar/). */
  axelar?: AxelarStandin;
  /** Stops every child and the in-process hub; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartHooks {
  /** Progress lines ("chains ready in 3.1 s"). */
  log?: (line: string) => void;
  /** Receives the stop function as soon as anything is started (so Ctrl-C during start-up stops it all). */
  onStopAvailable?: (stop: () => Promise<void>) => void;
  /** Called when a child exits unexpectedly after start (the caller decides to stop everything). */
  onChildDeath?: (child: SupervisedChild, reason: string) => void;
}

/** Starts the network described by `opts`. On failure, stops what was started and rethrows. */
export async function startLocalNetwork(opts: NetworkOptions, hooks: StartHooks = {}): Promise<LocalNetwork> {
  const log = hooks.log ?? (() => {});
  const stateDir = path.resolve(REPO_ROOT, opts.stateDir);
  const timings: PhaseTiming[] = [];
  const t0 = Date.now();
  const phase = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    const result = await run();
    const ms = Date.now() - start;
    timings.push({ phase: name, ms });
    log(`${name}: ${(ms / 1000).toFixed(1)} s`);
    return result;
  };

  let started = false;
  // Each run starts fresh logs; the previous run's stay as <name>.log.1.
  rotateLogs(path.join(stateDir, "logs"));
  const supervisor = new Supervisor(path.join(stateDir, "logs"), (child, reason) => {
    if (started) hooks.onChildDeath?.(child, reason);
  });
  const stopFns: (() => Promise<void>)[] = [];
  let stopped = false;
  let redisReachable = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await supervisor.stopAll();
    for (const fn of stopFns.reverse()) await fn().catch(() => {});
    // The run's relayer state goes with the run (the relayer has stopped: nothing writes it any more).
    if (redisReachable) {
      await deleteRedisNamespace(opts.redisUrl, opts.namespace).catch((err: Error) =>
        log(`could not delete the Redis keys under ${opts.namespace}: ${err.message}`),
      );
    }
  };
  hooks.onStopAvailable?.(stop);

  try {
    await phase("redis check", async () => {
      try {
        await pingRedis(opts.redisUrl);
      } catch (err) {
        throw new UserFacingError(redisHelp(opts.redisUrl, (err as Error).message));
      }
      redisReachable = true;
    });
    // Every port this run will listen on, before anything starts: a busy one is a one-line message here
    // instead of a child dying with EADDRINUSE after the whole start-up.
    await assertPortsFree(networkPorts(opts)).catch((err: Error) => {
      throw new UserFacingError(err.message);
    });
    for (const warning of ephemeralPortWarnings(networkPorts(opts))) log(`warning: ${warning}`);
    // A crashed or killed run could not delete its Redis keys: its namespace goes now (only devnet
    // namespaces whose process is gone; anything else in Redis is left alone).
    const leftovers = await removeDeadDevnetNamespaces(opts.redisUrl);
    if (leftovers.namespaces.length) {
      log(`removed ${leftovers.keys} Redis keys of ${leftovers.namespaces.length} earlier run(s) that did not stop cleanly: ${leftovers.namespaces.join(", ")}`);
    }

    // The chains (child processes), the deployer (a child that loads Hardhat, compiles if needed, then
    // waits for the chains) and the hub (in this process) all start at the same time.
    const deploymentsDir = path.join(stateDir, "deployments");
    // One Chainlink-compatible feed adapter per relayed topic on every chain (or the first feedTopics).
    const feeds = devnetFeeds(opts.hub.topics, opts.hub.topicShape).slice(0, opts.feedTopics ?? opts.hub.topics);
    fs.rmSync(deploymentsDir, { recursive: true, force: true });
    // One deploy process for every chain, also with separate chain processes: it reaches each chain over its
    // RPC URL, loads Hardhat once (not once per chain) and runs the second pass that registers the peers'
    // bridges (per-chain `hardhat run`s in parallel compiled three times and left the bridges unwired).
    const deploying = deployAllChains({ supervisor, repoRoot: REPO_ROOT, chains: opts.chains, deploymentsDir, axelar: opts.axelar, feeds });
    deploying.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
    const relayerConfigPath = path.join(stateDir, "relayer.yaml");
    fs.rmSync(relayerConfigPath, { force: true });
    // The relayer runs as compiled JavaScript (dist/); (re)built now if its sources changed.
    const relayerBuilt = phase("relayer built", () => ensureRelayerBuild(REPO_ROOT));
    relayerBuilt.catch(() => undefined); // awaited below
    const [chains, hub] = await Promise.all([
      phase("chains ready", () => startChains(opts, supervisor)),
      phase("hub ready", () =>
        startHub(opts.hub.port, opts.hub.topics, opts.hub.blockTimeMs, opts.hub.topicShape),
      ),
    ]);
    stopFns.push(() => hub.stop());
    const escrow = await devnetEscrow();
    // The devnet faucet: the user's ALLO on each chain is bridged from the hub faucet account (never minted with
    // an admin key), so the supply check holds from genesis. The deposits go in now, while the contracts
    // deploy; the first relayer to be ready delivers them (see `delivered` below).
    const faucetOn = opts.relayerConfig?.transfers !== false;
    const faucetDeposits: Promise<FaucetDeposit[]> = faucetOn
      ? phase("faucet deposits made on the hub", () =>
          sendFaucetDeposits({ rpc: hub.rpcUrl, chainId: hub.chainId, escrow: escrow.address, denom: escrow.denom }, opts.chains.map((c) => ({ chainId: c.chainId }))),
        )
      : Promise.resolve([]);
    faucetDeposits.catch(() => undefined); // awaited below
    await relayerBuilt;
    // npm start's relayer loads its code during the deploy and runs once its config exists (written after).
    const earlyKeys = opts.relayer ? attesterKeysFromLocalParameters(REPO_ROOT) : [];
    const earlyRelayer = opts.relayer
      ? startRelayerProcess({
          supervisor,
          repoRoot: REPO_ROOT,
          configFile: relayerConfigPath,
          instance: 1,
          attesterKeys: earlyKeys,
          hubMnemonics: escrow.mnemonics,
          httpPort: opts.metricsPort,
          early: true,
        })
      : undefined;

    await phase("contracts deployed", async () => {
      const contracts = await deploying;
      chains.forEach((c, i) => (c.contracts = contracts[i]));
      const missing = chains.filter((c) => !c.contracts.oracle).map((c) => c.name);
      if (missing.length)
        throw new Error(`no AlloraOracle deployed on ${missing.join(", ")}: see ${stateDir}/logs/deploy.log`);
    });
    // Deployed with automine; from now on each chain makes blocks at its own pace.
    await Promise.all(chains.map((c) => setBlockTime(c, c.blockTimeMs)));

    const manifest: Manifest = {
      hub: {
        rpc: hub.rpcUrl,
        chainId: hub.chainId,
        blockTimeMs: opts.hub.blockTimeMs,
        topics: hub.config.topics.map((t) => t.id),
        escrow: escrow.address,
        denom: escrow.denom,
      },
      chains,
      redis: opts.redisUrl,
      metrics: `http://127.0.0.1:${opts.metricsPort}/metrics`,
      dashboard:
        opts.relayerConfig?.dashboard === false ? undefined : `http://127.0.0.1:${opts.metricsPort}${DASHBOARD_PATH}`,
      explorer: `http://127.0.0.1:${opts.metricsPort}/explorer/`,
      namespace: opts.namespace,
      startedAt: new Date(t0).toISOString(),
    };
    const manifestFile = writeManifest(stateDir, manifest);

    const deployed = manifest.chains.every((c) => c.contracts.oracle);
    // With --axelar, nothing else carries GMP messages locally; loaded only then (it reads Axelar's artifacts).
    let axelar: AxelarStandin | undefined;
    let axelarStatusUrl: string | undefined;
    if (opts.axelar && deployed) {
      const { startAxelarStandin, standinLogFile } = await import("../../devnet/axelar/standin");
      const { standinChainsFromManifest } = await import("../../devnet/axelar/chains");
      const logFile = standinLogFile(stateDir);
      const { serveGmp } = await import("../../devnet/axelar/http");
      axelar = await phase("axelar stand-in started", () =>
        startAxelarStandin(standinChainsFromManifest(manifest), { log: (l) => fs.appendFileSync(logFile, `${l}\n`) }),
      );
      stopFns.push(() => axelar!.stop());
      // Its status endpoint: the relayer asks it what it asks Axelar's APIs on live networks.
      const endpoint = await serveGmp(axelar.gmp);
      axelarStatusUrl = endpoint.url;
      stopFns.push(() => endpoint.close());
      log(`axelar stand-in: carrying GMP messages between the chains, status at ${endpoint.url}, log ${logFile}`);
    }
    let attesters: { keys: string[]; threshold: number } = { keys: [], threshold: 0 };
    let relayerConfigFile = "";
    if (deployed) {
      attesters = await localAttesterKeys(manifest);
      // Transfers ride along whenever every chain has a bridge (opt out: relayerConfig.transfers = false).
      const bridged = manifest.chains.every((c) => c.contracts.bridge);
      const transfers = bridged && opts.relayerConfig?.transfers !== false ? devnetTransfersConfig(manifest, escrow, attesters.keys.length, axelarStatusUrl) : undefined;
      relayerConfigFile = writeRelayerConfig(stateDir, manifest, attesters.keys.length, { ...opts.relayerConfig, transfers });
      writeRelayerEnv(stateDir, attesters.keys, opts.metricsPort + 1, 2, escrow.mnemonics);
    }
    const metricsPort = opts.metricsPort;
    // The faucet's deliveries, awaited once (by the first relayer handle whose ready() is awaited).
    let delivered: Promise<void> | undefined;
    const faucetDelivered = (): Promise<void> =>
      (delivered ??= faucetDeposits.then((deposits) =>
        deposits.length ? waitForDeliveries(manifest, deposits, { progress: (l) => log(`faucet: ${l}`), stateDir }) : undefined,
      ));
    const startRelayer = (instance: number, override: { configFile?: string; httpPort?: number } = {}) => {
      if (!deployed) throw new Error("no oracle deployed: cannot start a relayer");
      const handle = startRelayerProcess({
        supervisor,
        repoRoot: REPO_ROOT,
        configFile: override.configFile ?? relayerConfigFile,
        instance,
        attesterKeys: attesters.keys,
        hubMnemonics: escrow.mnemonics,
        httpPort: override.httpPort ?? metricsPort + instance - 1,
      });
      // Ready means ready to use: the user holds the faucet's ALLO (this relayer delivers it if nobody has yet).
      const ready = handle.ready.bind(handle);
      return { ...handle, ready: async (timeoutMs?: number) => {
        const line = await ready(timeoutMs);
        await faucetDelivered();
        return line;
      } };
    };
    if (earlyRelayer) {
      const onChain = new Set(attesters.keys);
      if (earlyKeys.length !== onChain.size || earlyKeys.some((k) => !onChain.has(k))) {
        throw new Error("the deployed oracle's attester set differs from deploy/parameters/local.json");
      }
      await phase("relayer ready", () => earlyRelayer.ready());
      await phase("user funded with ALLO (bridged from the hub)", faucetDelivered);
    } else if (!deployed || !relayerConfigFile) {
      await faucetDeposits; // made, not delivered: no relayer can run
    }
    timings.push({ phase: "total", ms: Date.now() - t0 });
    started = true;
    return {
      manifest,
      manifestFile,
      supervisor,
      hub,
      stateDir,
      timings,
      attesterKeys: attesters.keys,
      attesterThreshold: attesters.threshold,
      relayerConfigFile,
      startRelayer,
      axelar,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The `hardhat node` child of one chain (with `separateChainProcesses`), automining. The chaos suite starts it
 * again after killing it: the same chain id on the same port, but empty (a chain that was reset).
 */
export function chainNodeSpec(chains: NetworkOptions["chains"], c: NetworkOptions["chains"][number]): ChildSpec {
  return {
    name: `chain-${c.name}`,
    command: process.execPath,
    args: [hardhatCli(), "--config", DEVNET_HARDHAT_CONFIG, "node", "--port", String(c.port), "--hostname", "127.0.0.1"],
    cwd: REPO_ROOT,
    // Automine while the contracts are deployed; the block time is set afterwards.
    env: { ...devnetHardhatEnv(chains), HARDHAT_BLOCK_TIME_MS: "0", HARDHAT_CHAIN_ID: String(c.chainId) },
  };
}

/**
 * Starts the chains and waits until each answers eth_chainId with its chain id: by default all of them in
 * one Hardhat process (chains-host.ts), or with `separateProcesses` one `hardhat node` per chain.
 */
async function startChains(opts: NetworkOptions, supervisor: Supervisor): Promise<ManifestChain[]> {
  const env = {
    ...devnetHardhatEnv(opts.chains),
    // Automine while the contracts are deployed; the block time is set afterwards.
    HARDHAT_BLOCK_TIME_MS: "0",
  };
  const children = opts.separateChainProcesses
    ? opts.chains.map((c) => supervisor.start(chainNodeSpec(opts.chains, c)))
    : [
        supervisor.start({
          name: "chains",
          command: process.execPath,
          // `hardhat run` would start a second Node process for the script; registering Hardhat in this
          // one loads it once.
          args: ["-r", hardhatRegister(), "scripts/devnet/chains-host.ts"],
          cwd: REPO_ROOT,
          env: {
            ...env,
            HARDHAT_CONFIG: DEVNET_HARDHAT_CONFIG,
            DEVNET_CHAINS_JSON: JSON.stringify(
              opts.chains.map(({ name, port, chainId }) => ({ name, port, chainId })),
            ),
          },
        }),
      ];
  return Promise.all(
    opts.chains.map(async (c, i) => {
      const child = children[opts.separateChainProcesses ? i : 0];
      const rpc = `http://127.0.0.1:${c.port}`;
      const chainIdHex = await waitFor(
        `${c.name} chain (${rpc})`,
        () => jsonRpc<string>(rpc, "eth_chainId", [], 1000),
        {
          timeoutMs: 120_000,
          intervalMs: 100,
          isAlive: () => {
            const r = child.exitReason();
            return r && `${child.name} ${r}; log ${child.logFile}:\n${child.tail(15)}`;
          },
        },
      );
      if (Number(chainIdHex) !== c.chainId) {
        throw new Error(`${c.name} chain answers chain id ${Number(chainIdHex)}, expected ${c.chainId}`);
      }
      return { name: c.name, rpc, chainId: c.chainId, blockTimeMs: c.blockTimeMs, contracts: noContracts() };
    }),
  );
}

/** An ethers provider for a local chain that polls fast (local chains make blocks every second). */
export function localProvider(rpc: string, chainId: number): ethers.JsonRpcProvider {
  const provider = new ethers.JsonRpcProvider(rpc, chainId, { staticNetwork: true, batchMaxCount: 1 });
  provider.pollingInterval = 250;
  return provider;
}
