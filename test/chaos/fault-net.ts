/**
 * The local network of the hub, RPC and reorg chaos scenarios: hub devnet, three Hardhat chains each in its
 * own process, the contracts and the transfer bridges, and one relayer child whose config is the generated
 * one with edits (RPC URLs through test/chaos/rpc-proxy.ts, a small maxBackfillBlocks, confirmations).
 * Plus the readings every scenario asserts on: each chain at the hub's height, and over a block range the
 * delivery invariants (nothing stored twice, values never going backwards, no account nonce skipped).
 */
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { LocalNetwork, startLocalNetwork } from "../../scripts/devnet/network";
import { NetworkOptions, resolveOptions } from "../../scripts/devnet/options";
import { RelayerHandle } from "../../scripts/devnet/relayer";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { duplicateReports, oracleActivity, OracleActivity, OracleReportEvent } from "../../scripts/lib/oracle-events";
import { deleteRedisNamespace } from "../../scripts/lib/redis";
import { hubNoncesBetween } from "../e2e/helpers";
import { accountNonceGaps, ChainView, until } from "../e2e/helpers";
import { E2E_ENV } from "../e2e/transfer-helpers";

export const log = (line: string): void => console.log(`      ${line}`);

/** The relayer config as YAML gives it (only the fields the scenarios edit are typed). */
export interface EditableConfig {
  hub: { rpcUrls: string[]; maxBackfillBlocks: number; [k: string]: unknown };
  chains: { name: string; rpcUrls: string[]; confirmations: number; [k: string]: unknown }[];
  [k: string]: unknown;
}

export interface Invariants {
  act: OracleActivity;
  /** (topic, nonce) stored twice */
  duplicates: string[];
  /** (topic, nonce) in more than one report event (stored, or sent again and skipped by the contract) */
  sentTwice: string[];
  /** (topic) nonces stored in an order that goes back: the oracle must never accept an older value */
  backwards: string[];
  nonceGaps: string[];
  /** hub epochs between two stored ones that the chain never stored, per topic */
  skipped: { topic: number; nonces: bigint[] }[];
  reverted: string[];
}

export class FaultNet {
  views: ChainView[] = [];
  relayer?: RelayerHandle;
  readonly submitter = hardhatAccount(DEV_ACCOUNT_INDEX.submitterBase).address;
  private stopNetwork?: () => Promise<void>;

  private constructor(
    readonly net: LocalNetwork,
    readonly opts: NetworkOptions,
    readonly topics: number[],
  ) {}

  static async start(ports: { chains: string; hub: number; metrics: number }, stateDir: string, topics: number[]): Promise<FaultNet> {
    for (const [k, v] of Object.entries(E2E_ENV)) process.env[k] = v;
    const opts = resolveOptions({
      chainPorts: ports.chains,
      hubPort: String(ports.hub),
      metricsPort: String(ports.metrics),
      stateDir,
      topics: String(topics.length),
      blockTime: "1000",
      hubBlockTime: "1000",
      relayer: false,
      separateChainProcesses: true,
    });
    let stop: (() => Promise<void>) | undefined;
    const t0 = Date.now();
    try {
      const net = await startLocalNetwork(opts, { log, onStopAvailable: (s) => (stop = s) });
      log(`network up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${net.manifestFile}`);
      const f = new FaultNet(net, opts, topics);
      f.stopNetwork = stop;
      f.views = net.manifest.chains.map((c) => new ChainView(c));
      return f;
    } catch (e) {
      await stop?.();
      throw e;
    }
  }

  view(name: string): ChainView {
    return this.views.find((v) => v.chain.name === name)!;
  }

  hubHeight(): bigint {
    return BigInt(this.net.hub.height());
  }

  /** Writes the generated relayer config with `edit` applied next to it, as `<name>.yaml`; returns the file. */
  writeConfig(name: string, edit: (c: EditableConfig) => void): string {
    const cfg = YAML.parse(fs.readFileSync(this.net.relayerConfigFile, "utf8")) as EditableConfig;
    edit(cfg);
    const file = path.join(path.dirname(this.net.relayerConfigFile), `${name}.yaml`);
    fs.writeFileSync(file, YAML.stringify(cfg));
    return file;
  }

  async startRelayer(configFile: string): Promise<RelayerHandle> {
    this.relayer = this.net.startRelayer(1, { configFile });
    await this.relayer.ready(90_000);
    return this.relayer;
  }

  /** Stops the relayer gracefully (SIGTERM) and waits for it to exit. */
  async stopRelayer(): Promise<void> {
    const r = this.relayer;
    if (!r) return;
    r.child.signal("SIGTERM");
    await r.child.exited;
    r.log.close();
    this.relayer = undefined;
  }

  /** Resolves once each of `chains` stores a nonce >= `height` for every topic. */
  reach(chains: ChainView[], height: bigint, timeoutMs: number): Promise<true> {
    return until(
      `${chains.map((c) => c.chain.name).join(", ")} to store nonce >= ${height} for topics ${this.topics.join(", ")}`,
      async () => {
        for (const v of chains) for (const t of this.topics) if ((await v.read(t)).nonce < height) return undefined;
        return true;
      },
      timeoutMs,
    );
  }

  /** The first-block marker of each chain: blockNumber + 1. */
  async marks(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const v of this.views) out[v.chain.name] = (await v.blockNumber()) + 1;
    return out;
  }

  /** The delivery invariants over `from`..head of `v`. */
  async invariants(v: ChainView, from: number): Promise<Invariants> {
    await v.allMined(this.submitter, 60_000); // a skipped account nonce would leave the later ones stuck
    const act = await oracleActivity(v.provider, v.chain.contracts.oracle, from, await v.blockNumber());
    const skipped: Invariants["skipped"] = [];
    for (const topic of this.topics) {
      const stored = storedNonces(act.events, topic);
      const nonces: bigint[] = [];
      for (let i = 1; i < stored.length; i++) if (stored[i] > stored[i - 1]) nonces.push(...(await hubNoncesBetween(this.net.manifest.hub.rpc, topic, stored[i - 1], stored[i])));
      skipped.push({ topic, nonces });
    }
    return {
      act,
      duplicates: duplicateReports(act.events.filter((e) => e.kind === "updated")),
      sentTwice: duplicateReports(act.events),
      backwards: this.topics.flatMap((t) => goesBack(storedNonces(act.events, t)).map((s) => `topic ${t}: ${s}`)),
      nonceGaps: accountNonceGaps(await this.sentBy(v, this.submitter, from), this.submitter),
      skipped,
      reverted: act.txs.filter((t) => t.status !== 1).map((t) => t.hash),
    };
  }

  /** Every transaction `address` sent in blocks `fromBlock`..head of `v` (any destination). */
  async sentBy(v: ChainView, address: string, fromBlock: number): Promise<{ from: string; nonce: number }[]> {
    const head = await v.blockNumber();
    const txs: { from: string; nonce: number }[] = [];
    for (let n = fromBlock; n <= head; n++) {
      const block = await v.provider.getBlock(n, true);
      for (const tx of block?.prefetchedTransactions ?? []) if (tx.from.toLowerCase() === address.toLowerCase()) txs.push({ from: tx.from, nonce: tx.nonce });
    }
    return txs;
  }

  async stop(): Promise<void> {
    this.relayer?.log.close();
    for (const v of this.views) v.destroy();
    await this.stopNetwork?.();
    await deleteRedisNamespace(this.net.manifest.redis, this.net.manifest.namespace);
  }
}

/** A topic's stored nonces in chain order (updates only). */
function storedNonces(events: OracleReportEvent[], topic: number): bigint[] {
  return events.filter((e) => e.kind === "updated" && e.topicId === topic).map((e) => e.nonce);
}

/** Each place where a stored nonce is not above the one stored before it. */
function goesBack(nonces: bigint[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < nonces.length; i++) if (nonces[i] <= nonces[i - 1]) out.push(`nonce ${nonces[i]} stored after ${nonces[i - 1]}`);
  return out;
}
