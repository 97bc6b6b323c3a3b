/**
 * .devnet/manifest.json: where everything of the running local network is. Written by `npm start`
 * (and by the e2e test and the benchmark into their own state directories); read by the user scripts.
 */
import fs from "node:fs";
import path from "node:path";

export interface ManifestChain {
  name: string;
  rpc: string;
  chainId: number;
  blockTimeMs: number;
  contracts: ManifestContracts;
}

/**
 * A chain's contracts: addresses by lower-camel-case name, and the feed adapters by topic. Before the deployment
 * (and for a contract that was not deployed) an address is "".
 */
export interface ManifestContracts {
  token: string;
  oracle: string;
  bridge: string;
  /** With --axelar: the Axelar adapter and the local Axelar gateway and gas service. */
  axelarAdapter?: string;
  axelarGateway?: string;
  axelarGasService?: string;
  /** Topic id (as a string) to its AlloraFeedAdapter (Chainlink AggregatorV2V3Interface) address. */
  feeds: Record<string, string>;
}

export interface Manifest {
  /** escrow: the hub bridge escrow (bech32) that hub -> EVM deposits go to; denom: the bridged denom (uallo) */
  hub: { rpc: string; chainId: string; blockTimeMs: number; topics: number[]; escrow?: string; denom?: string };
  chains: ManifestChain[];
  redis: string;
  /** The relayer's Prometheus endpoint, e.g. http://127.0.0.1:9464/metrics. */
  metrics: string;
  /** The relayer's queue dashboard (bull-board, read-only), e.g. http://127.0.0.1:9464/queues; absent when off. */
  dashboard?: string;
  /** The relayer's explorer page (topics x chains, transfers, supply check, health), e.g. http://127.0.0.1:9464/explorer/. */
  explorer?: string;
  /** Key prefix / queue namespace of this run in Redis. */
  namespace: string;
  startedAt: string;
}

/** The contracts of a chain nothing is deployed on yet. */
export function noContracts(): ManifestContracts {
  return { token: "", oracle: "", bridge: "", feeds: {} };
}

export const DEFAULT_STATE_DIR = ".devnet";

/** The state directory when no flag names one: DEVNET_STATE_DIR (as for `npm start`), else .devnet. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DEVNET_STATE_DIR || DEFAULT_STATE_DIR;
}

/** True when `err` (or its cause) says nothing answers at the address: the network is not running there. */
export function isUnreachable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    const text = `${String(e.code ?? "")} ${String(e.message ?? "")}`;
    if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|socket hang up/.test(text)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** What to say when the network a manifest describes does not answer. */
export function notRunningMessage(stateDir: string, manifest: Manifest): string {
  return (
    `the local network in ${manifestPath(stateDir)} (started ${manifest.startedAt}) is not answering: ` +
    `it has stopped. Start it with \`npm start\`` +
    (stateDir === DEFAULT_STATE_DIR ? "" : ` (with DEVNET_STATE_DIR=${stateDir} or --state-dir ${stateDir})`)
  );
}

export function manifestPath(stateDir: string): string {
  return path.join(stateDir, "manifest.json");
}

export function writeManifest(stateDir: string, manifest: Manifest): string {
  fs.mkdirSync(stateDir, { recursive: true });
  const file = manifestPath(stateDir);
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + "\n");
  return file;
}

/** Reads the manifest, with an error that says how to get one when it is missing. */
export function readManifest(stateDir = defaultStateDir()): Manifest {
  const file = manifestPath(stateDir);
  if (!fs.existsSync(file)) {
    throw new Error(
      `${file} not found: start the local network first with \`npm start\` (in another terminal)`,
    );
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
}

/** The chain named `name`, with an error listing the known names. */
export function chainByName(manifest: Manifest, name: string): ManifestChain {
  const chain = manifest.chains.find((c) => c.name === name);
  if (!chain) {
    throw new Error(
      `unknown chain "${name}": the manifest has ${manifest.chains.map((c) => c.name).join(", ")}`,
    );
  }
  return chain;
}
