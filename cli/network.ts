/**
 * Which network the CLI talks to, as one shape for every command:
 * - the local network (default): its manifest (`--state-dir`, env DEVNET_STATE_DIR, else .devnet) and the
 *   relayer config `npm start` wrote beside it; the signers are the devnet's PUBLIC test accounts (Hardhat
 *   account #5 on the chains, `alice` on the hub) unless the key variables below are set;
 * - a named network (`--network sepolia`): cli/networks.json (or ALLO_NETWORKS_FILE), `${VAR}` from the
 *   environment, addresses from deployments files. Keys only from the environment or a keystore, never flags:
 *   ALLO_EVM_PRIVATE_KEY or ALLO_EVM_KEYSTORE + ALLO_KEYSTORE_PASSWORD, and ALLO_HUB_MNEMONIC.
 */
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { ethers } from "ethers";
import { cosmosBridgeChainId } from "../lib/chains";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../scripts/lib/dev-keys";
import { defaultStateDir, manifestPath, type Manifest } from "../scripts/lib/manifest";
import { CliError, EXIT } from "./errors";

export interface NetChain {
  name: string;
  chainId: number;
  rpc: string;
  bridge: string;
  token: string;
  oracle?: string;
  axelarAdapter?: string;
  /** topic id -> its Chainlink-style AlloraFeedAdapter, where one is deployed */
  feeds: Record<number, string>;
  /** blocks the attesters wait before they sign a transfer from here */
  confirmations: number;
  blockSeconds: number;
  /** where log scans for this chain's bridge start */
  startBlock: number;
  nativeSymbol: string;
}

export interface NetHub {
  rpc: string;
  chainId: string;
  bridgeChainId: bigint;
  prefix: string;
  escrow: string;
  denom: string;
  startHeight: number;
  blockSeconds: number;
  gasPrice: string;
  indexLagBlocks: number;
}

export interface Network {
  /** "local" or the named network */
  name: string;
  live: boolean;
  hub: NetHub;
  chains: NetChain[];
  topics: number[];
  /** the local network's state directory (for messages that tell how to rerun) */
  stateDir?: string;
  /** "mainnet" | "testnet" for Axelar's APIs; undefined locally (the stand-in) */
  axelarEnvironment?: "mainnet" | "testnet";
  /** the flags that select this network again, for "resume with" lines */
  selector: string;
  /** the relayer's Redis and key prefix, for the optional "attested k/n" stage (untrusted; counts are verified) */
  relayerRedis?: { url: string; prefix: string };
}

export interface NetworkOptions {
  network?: string;
  stateDir?: string;
}

/** The repo root (where package.json is), from this file in cli/ or dist/cli/. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "contracts"))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

/**
 * Feed adapters by topic: the manifest's `contracts.feeds` (topic -> address), and contract names
 * `AlloraFeedAdapter_topic<N>` as deployment records name them (any case of the first letter).
 */
export function feedsOf(manifestContracts: object): Record<number, string> {
  const contracts = manifestContracts as Record<string, unknown>;
  const out: Record<number, string> = {};
  const feeds = contracts.feeds;
  if (feeds && typeof feeds === "object") {
    for (const [topic, address] of Object.entries(feeds as Record<string, unknown>)) {
      if (/^\d+$/.test(topic) && typeof address === "string" && address) out[Number(topic)] = address;
    }
  }
  for (const [name, address] of Object.entries(contracts)) {
    const m = /^[Aa]lloraFeedAdapter_topic(\d+)$/.exec(name);
    if (m && typeof address === "string" && address) out[Number(m[1])] = address;
  }
  return out;
}

export function loadNetwork(opts: NetworkOptions, env: NodeJS.ProcessEnv = process.env): Network {
  if (!opts.network || opts.network === "local") return localNetwork(opts.stateDir ?? defaultStateDir(env));
  return namedNetwork(opts.network, env);
}

interface RelayerYaml {
  chains?: { name: string; confirmations?: number }[];
  transfers?: { startHeight?: number; indexLagBlocks?: number; bridges?: Record<string, { startBlock?: number }> };
}

export function localNetwork(stateDir: string): Network {
  const file = manifestPath(stateDir);
  if (!fs.existsSync(file)) {
    throw new CliError(
      `no local network in ${stateDir}: ${file} does not exist`,
      `start it with \`npm start\` in another terminal${stateDir === ".devnet" ? "" : ` (DEVNET_STATE_DIR=${stateDir})`}, or pick a named network with --network sepolia`,
      EXIT.unreachable,
    );
  }
  const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
  const relayerFile = path.join(stateDir, "relayer.yaml");
  const relayer = fs.existsSync(relayerFile) ? (YAML.parse(fs.readFileSync(relayerFile, "utf8")) as RelayerYaml) : {};
  if (!manifest.hub.escrow) {
    throw new CliError(`the local network in ${stateDir} has no bridge escrow in its manifest`, "restart it with a current `npm start` (transfers are on by default)");
  }
  const chains = manifest.chains
    .filter((c) => c.contracts.bridge && c.contracts.token)
    .map((c) => ({
      name: c.name,
      chainId: c.chainId,
      rpc: c.rpc,
      bridge: c.contracts.bridge,
      token: c.contracts.token,
      oracle: c.contracts.oracle,
      axelarAdapter: c.contracts.axelarAdapter,
      feeds: feedsOf(c.contracts),
      confirmations: relayer.chains?.find((r) => r.name === c.name)?.confirmations ?? 0,
      blockSeconds: Math.max(c.blockTimeMs, 250) / 1000,
      startBlock: relayer.transfers?.bridges?.[c.name]?.startBlock ?? 0,
      nativeSymbol: "ETH",
    }));
  return {
    name: "local",
    live: false,
    stateDir,
    selector: stateDir === ".devnet" ? "" : ` --state-dir ${stateDir}`,
    relayerRedis: { url: manifest.redis, prefix: manifest.namespace },
    topics: manifest.hub.topics,
    hub: {
      rpc: manifest.hub.rpc,
      chainId: manifest.hub.chainId,
      bridgeChainId: cosmosBridgeChainId(manifest.hub.chainId),
      prefix: manifest.hub.escrow.slice(0, manifest.hub.escrow.lastIndexOf("1")),
      escrow: manifest.hub.escrow,
      denom: manifest.hub.denom ?? "uallo",
      startHeight: relayer.transfers?.startHeight ?? 1,
      blockSeconds: manifest.hub.blockTimeMs / 1000,
      gasPrice: "10uallo",
      indexLagBlocks: relayer.transfers?.indexLagBlocks ?? 2,
    },
    chains,
  };
}

/** `${VAR}` -> the variable's value; an unset one is an error that names it. */
export function expandEnv(value: string, where: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const v = env[name];
    if (!v) throw new CliError(`${where} needs the environment variable ${name}, which is not set`, `export ${name}=… (see docs/holders.md)`);
    return v;
  });
}

interface NamedChainConfig {
  name: string;
  rpc: string;
  chainId: number;
  deployments?: string;
  contracts?: { bridge?: string; token?: string; oracle?: string; axelarAdapter?: string };
  confirmations: number;
  blockSeconds: number;
  nativeSymbol: string;
}

interface NamedNetworkConfig {
  hub: Omit<NetHub, "bridgeChainId" | "prefix">;
  chains: NamedChainConfig[];
  axelar?: "mainnet" | "testnet";
  topics?: number[];
}

export function networksFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.ALLO_NETWORKS_FILE ?? path.join(repoRoot(), "cli", "networks.json");
}

function namedNetwork(name: string, env: NodeJS.ProcessEnv): Network {
  const file = networksFile(env);
  const all = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, NamedNetworkConfig | string>;
  const cfg = all[name];
  const known = Object.keys(all).filter((k) => !k.startsWith("_"));
  if (!cfg || typeof cfg === "string") {
    throw new CliError(`unknown network "${name}"`, `use --network local (the default) or one of ${known.join(", ")} (${file})`);
  }
  const root = repoRoot();
  const chains = cfg.chains.map((c): NetChain => {
    let contracts: Record<string, string | undefined> = { ...c.contracts };
    if (c.deployments) {
      const record = path.resolve(root, c.deployments);
      if (!fs.existsSync(record) && !(c.contracts?.bridge && c.contracts.token)) {
        throw new CliError(`${name}/${c.name}: no deployments file ${c.deployments}`, `deploy there first (npm run deploy), or give the addresses under "contracts" in ${file}`);
      }
      if (fs.existsSync(record)) {
        const r = JSON.parse(fs.readFileSync(record, "utf8")) as { contracts: Record<string, { address: string }> };
        contracts = {
          ...Object.fromEntries(Object.entries(r.contracts).map(([k, v]) => [k, v.address])),
          bridge: r.contracts.AlloraBridge?.address,
          token: r.contracts.AlloToken?.address,
          oracle: r.contracts.AlloraOracle?.address,
          axelarAdapter: r.contracts.AlloraAxelarAdapter?.address,
          ...contracts,
        };
      }
    }
    if (!contracts.bridge || !contracts.token) {
      throw new CliError(`${name}/${c.name}: no AlloraBridge or AlloToken address`, `give them under "contracts" in ${file} or in its deployments file`);
    }
    return {
      name: c.name,
      chainId: c.chainId,
      rpc: expandEnv(c.rpc, `${name}/${c.name}`, env),
      bridge: contracts.bridge,
      token: contracts.token,
      oracle: contracts.oracle,
      axelarAdapter: contracts.axelarAdapter,
      feeds: feedsOf(contracts),
      confirmations: c.confirmations,
      blockSeconds: c.blockSeconds,
      startBlock: 0,
      nativeSymbol: c.nativeSymbol,
    };
  });
  const escrow = expandEnv(cfg.hub.escrow, `${name}/hub escrow`, env);
  return {
    name,
    live: true,
    selector: ` --network ${name}`,
    relayerRedis: env.ALLO_RELAYER_REDIS_URL ? { url: env.ALLO_RELAYER_REDIS_URL, prefix: env.ALLO_RELAYER_REDIS_PREFIX ?? "allora" } : undefined,
    topics: cfg.topics ?? [],
    axelarEnvironment: cfg.axelar,
    hub: {
      ...cfg.hub,
      rpc: expandEnv(cfg.hub.rpc, `${name}/hub`, env),
      escrow,
      bridgeChainId: cosmosBridgeChainId(cfg.hub.chainId),
      prefix: escrow.slice(0, escrow.lastIndexOf("1")),
    },
    chains,
  };
}

/** The endpoint named by --from / --to: the hub or one of the network's chains. */
export type Endpoint = { kind: "hub" } | { kind: "evm"; chain: NetChain };

export function endpoint(net: Network, name: string, flag: string): Endpoint {
  if (name === "hub") return { kind: "hub" };
  const chain = net.chains.find((c) => c.name === name);
  if (!chain) {
    throw new CliError(
      `unknown chain "${name}" in ${flag} on the ${net.name} network`,
      `use hub or one of ${net.chains.map((c) => c.name).join(", ")}${net.live ? "" : " (or --network <name> for another network)"}`,
    );
  }
  return { kind: "evm", chain };
}

/** The EVM signer: env key, keystore, else (local only) the devnet's public test account #5. */
export async function evmSigner(net: Network, provider: ethers.Provider | null, env: NodeJS.ProcessEnv = process.env): Promise<ethers.Wallet | ethers.HDNodeWallet> {
  if (env.ALLO_EVM_PRIVATE_KEY) {
    try {
      return new ethers.Wallet(env.ALLO_EVM_PRIVATE_KEY, provider);
    } catch {
      throw new CliError("ALLO_EVM_PRIVATE_KEY is not a private key", "set it to 0x + 64 hex digits, or use ALLO_EVM_KEYSTORE");
    }
  }
  if (env.ALLO_EVM_KEYSTORE) {
    if (!env.ALLO_KEYSTORE_PASSWORD) throw new CliError("ALLO_EVM_KEYSTORE is set without ALLO_KEYSTORE_PASSWORD", "export ALLO_KEYSTORE_PASSWORD (the keystore's password)");
    const json = fs.readFileSync(env.ALLO_EVM_KEYSTORE, "utf8");
    return (await ethers.Wallet.fromEncryptedJson(json, env.ALLO_KEYSTORE_PASSWORD)).connect(provider);
  }
  if (net.live) throw new CliError(`no EVM key for the ${net.name} network`, "export ALLO_EVM_PRIVATE_KEY, or ALLO_EVM_KEYSTORE and ALLO_KEYSTORE_PASSWORD (keys are never taken from flags)");
  return hardhatAccount(DEV_ACCOUNT_INDEX.user).connect(provider);
}

/** The hub signer's mnemonic: env, else (local only) the devnet's public test account `alice`. */
export function hubMnemonic(net: Network, env: NodeJS.ProcessEnv = process.env): string {
  if (env.ALLO_HUB_MNEMONIC) return env.ALLO_HUB_MNEMONIC;
  if (net.live) throw new CliError(`no hub key for the ${net.name} network`, "export ALLO_HUB_MNEMONIC (the hub account's BIP-39 mnemonic; keys are never taken from flags)");
  const cfg = JSON.parse(fs.readFileSync(path.join(repoRoot(), "devnet", "hub.config.json"), "utf8")) as { accounts: { name: string; mnemonic?: string }[] };
  const alice = cfg.accounts.find((a) => a.name === "alice")?.mnemonic;
  if (!alice) throw new CliError("devnet/hub.config.json has no `alice` account", "set ALLO_HUB_MNEMONIC to a funded devnet account's mnemonic");
  return alice;
}
