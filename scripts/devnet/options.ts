/**
 * Options of the local network: which chains on which ports with which block times, the hub, Redis,
 * the relayer. Defaults match hardhat.config.ts (ethereumLocal/bnbLocal/baseLocal); every value can be
 * changed by a flag of `npm start` or an environment variable (flags win).
 */
import type { TopicShape } from "./hub";
import type { RelayerConfigOptions } from "./relayer-config";

export interface ChainOptions {
  name: string;
  port: number;
  chainId: number;
  /** 0 = a block per transaction (automine). */
  blockTimeMs: number;
}

export interface NetworkOptions {
  chains: ChainOptions[];
  hub: { port: number; blockTimeMs: number; topics: number; topicShape?: TopicShape };
  redisUrl: string;
  metricsPort: number;
  /** Directory for the manifest, generated configs and logs (relative to the repo root or absolute). */
  stateDir: string;
  /** Redis key prefix / queue namespace of this run, so runs never share relayer state. */
  namespace: string;
  /** Whether to start the relayer (the e2e test starts its own). */
  relayer: boolean;
  /** One `hardhat node` process (and one deploy process) per chain instead of one for all chains. */
  separateChainProcesses?: boolean;
  /**
   * Also deploy Axelar's gateway and gas service (from npm, with a DEVNET signer set) and the Axelar adapter
   * on every chain, wired to each other. Off by default: it adds deployment time to `npm start`.
   */
  axelar?: boolean;
  /** Overrides of the generated relayer config (policy, log level). */
  relayerConfig?: RelayerConfigOptions;
  /**
   * Deploy feed adapters for the first N topics only (default: every topic). The deployer sends one
   * transaction per chain block: 1,000 adapters took 22 minutes to deploy; bench:relay needs none.
   */
  feedTopics?: number;
}

/** The three local chains: names, default ports and chain ids (see hardhat.config.ts). */
export const LOCAL_CHAINS: readonly Omit<ChainOptions, "blockTimeMs">[] = [
  { name: "ethereum", port: 8545, chainId: 31337 },
  { name: "bnb", port: 8546, chainId: 31338 },
  { name: "base", port: 8547, chainId: 31339 },
];

export const DEFAULT_BLOCK_TIME_MS = 1000;
export const DEFAULT_HUB_BLOCK_TIME_MS = 1000;
export const DEFAULT_HUB_PORT = 26657;
export const DEFAULT_METRICS_PORT = 9464;
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/**
 * The update policy of `npm start`'s relayer: post a topic when its value moves 1 % from the one on the chain,
 * or when the one on the chain is 5 minutes old. Topic 1 (a price near 3,000 that moves ~0.14 % a block)
 * then waits minutes between updates, which is what a paid request (`npm run request`) skips; topic 2 (a
 * return near zero: any change is a large relative change) updates nearly every block. The e2e test and the
 * benchmark keep the relayer config's own default (every new inference).
 */
export const START_POLICY = { deviationBps: 100, heartbeatSeconds: 300 } as const;

/** The policy of `npm start` from its flags, then DEVNET_DEVIATION_BPS / DEVNET_HEARTBEAT_SECONDS, then START_POLICY. */
export function startPolicy(flags: { deviationBps?: string; heartbeat?: string } = {}): {
  deviationBps: number;
  heartbeatSeconds: number;
} {
  const heartbeatSeconds =
    flagInt("heartbeat", flags.heartbeat) ?? envInt("DEVNET_HEARTBEAT_SECONDS") ?? START_POLICY.heartbeatSeconds;
  if (heartbeatSeconds < 1) throw new Error(`--heartbeat must be at least 1 second`);
  return {
    deviationBps:
      flagInt("deviation-bps", flags.deviationBps) ?? envInt("DEVNET_DEVIATION_BPS") ?? START_POLICY.deviationBps,
    heartbeatSeconds,
  };
}

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${raw} is not a non-negative integer`);
  return n;
}

/** Parses "1000" (all chains) or "ethereum=2000,bnb=1000" (per chain) into per-chain block times. */
export function parseBlockTimes(spec: string, names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  const bad = (why: string): Error =>
    new Error(`--block-time "${spec}": ${why} (use e.g. 1000, 0 for automine, or ethereum=2000,bnb=1000)`);
  if (/^\d+$/.test(spec.trim())) {
    for (const n of names) out[n] = Number(spec);
    return out;
  }
  for (const part of spec.split(",")) {
    const [name, value] = part.split("=").map((s) => s.trim());
    if (!names.includes(name)) throw bad(`unknown chain "${name}", known: ${names.join(", ")}`);
    if (!/^\d+$/.test(value ?? "")) throw bad(`"${value}" is not a number of milliseconds`);
    out[name] = Number(value);
  }
  return out;
}

/** Parses "8545,8546,8547" into one port per local chain. */
export function parsePorts(spec: string, count: number): number[] {
  const ports = spec.split(",").map((s) => Number(s.trim()));
  if (ports.length !== count || ports.some((p) => !Number.isInteger(p) || p <= 0 || p > 65535)) {
    throw new Error(`--chain-ports "${spec}": give ${count} ports separated by commas, e.g. 8545,8546,8547`);
  }
  return ports;
}

export interface CliFlags {
  chainPorts?: string;
  blockTime?: string;
  hubPort?: string;
  hubBlockTime?: string;
  topics?: string;
  redis?: string;
  metricsPort?: string;
  stateDir?: string;
  relayer?: boolean;
  separateChainProcesses?: boolean;
  axelar?: boolean;
}

function flagInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} "${raw}" is not a non-negative integer`);
  return n;
}

/** Options from flags, then environment, then defaults. */
export function resolveOptions(flags: CliFlags = {}): NetworkOptions {
  const names = LOCAL_CHAINS.map((c) => c.name);
  const envPorts = LOCAL_CHAINS.map((c) => envInt(`DEVNET_${c.name.toUpperCase()}_PORT`) ?? c.port);
  const chainIds = LOCAL_CHAINS.map((c) => envInt(`DEVNET_${c.name.toUpperCase()}_CHAIN_ID`) ?? c.chainId);
  const ports = flags.chainPorts ? parsePorts(flags.chainPorts, LOCAL_CHAINS.length) : envPorts;
  const allBlockTime = envInt("DEVNET_BLOCK_TIME_MS") ?? DEFAULT_BLOCK_TIME_MS;
  const blockTimes: Record<string, number> = {};
  for (const c of LOCAL_CHAINS) {
    blockTimes[c.name] = envInt(`DEVNET_${c.name.toUpperCase()}_BLOCK_TIME_MS`) ?? allBlockTime;
  }
  if (flags.blockTime) Object.assign(blockTimes, parseBlockTimes(flags.blockTime, names));
  const topics = flagInt("topics", flags.topics) ?? envInt("DEVNET_TOPICS") ?? 2;
  if (topics < 1) throw new Error(`--topics must be at least 1`);
  return {
    chains: LOCAL_CHAINS.map((c, i) => ({
      ...c,
      port: ports[i],
      chainId: chainIds[i],
      blockTimeMs: blockTimes[c.name],
    })),
    hub: {
      port: flagInt("hub-port", flags.hubPort) ?? envInt("DEVNET_HUB_PORT") ?? DEFAULT_HUB_PORT,
      blockTimeMs:
        flagInt("hub-block-time", flags.hubBlockTime) ??
        envInt("DEVNET_HUB_BLOCK_TIME_MS") ??
        DEFAULT_HUB_BLOCK_TIME_MS,
      topics,
    },
    redisUrl: flags.redis ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL,
    metricsPort:
      flagInt("metrics-port", flags.metricsPort) ?? envInt("DEVNET_METRICS_PORT") ?? DEFAULT_METRICS_PORT,
    stateDir: flags.stateDir ?? process.env.DEVNET_STATE_DIR ?? ".devnet",
    namespace: `devnet-${process.pid}-${Date.now().toString(36)}`,
    relayer: flags.relayer ?? true,
    separateChainProcesses:
      flags.separateChainProcesses ?? process.env.DEVNET_SEPARATE_CHAIN_PROCESSES === "1",
    axelar: flags.axelar ?? process.env.DEVNET_AXELAR === "1",
  };
}

/** The ports a run listens on, with the flag that moves each: the chains, the hub, the relayer's HTTP server. */
export function networkPorts(opts: NetworkOptions): { port: number; what: string; flag: string }[] {
  return [
    ...opts.chains.map((c) => ({ port: c.port, what: `${c.name} chain`, flag: "--chain-ports" })),
    { port: opts.hub.port, what: "hub devnet", flag: "--hub-port" },
    ...(opts.relayer
      ? [{ port: opts.metricsPort, what: "relayer metrics and dashboard", flag: "--metrics-port" }]
      : []),
  ];
}
