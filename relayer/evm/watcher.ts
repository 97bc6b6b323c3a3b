/**
 * Watches one chain's oracle: keeps the per-topic on-chain inference cache fresh (InferenceUpdated logs
 * plus an initial read of every topic) and reports paid requests (InferenceRequested) once confirmed.
 * The scanned block is checkpointed in Redis so requests made while the relayer was down are found.
 *
 * RPC answers are bounded before they are believed: an inference whose nonce is above the hub height this
 * instance has seen, or whose timestamp is further ahead of the clock than MAX_DRIFT_SECONDS, is refused
 * (one bogus huge nonce would otherwise make every later report look stale); logs must come from the
 * oracle. `refresh` re-reads topics from the chain and replaces the cached values, so a cache that went
 * wrong is corrected from the chain rather than only ever rising.
 */
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { toQuantity } from "ethers";
import { FailoverRpc } from "./rpc";
import { OnChainInference, OracleReader, decodeInferenceUpdated, oracleInterface } from "./oracle";

const UPDATED = oracleInterface.getEvent("InferenceUpdated")!.topicHash;
const REQUESTED = oracleInterface.getEvent("InferenceRequested")!.topicHash;
/** how far back a first start looks for requests */
const FIRST_START_LOOKBACK = 1_000;
const MAX_RANGE = 2_000;
/** scanned block ends remembered (height and hash) to find where a reorg forked */
const MARKS_KEPT = 32;
/** how far an on-chain timestamp may be ahead of this machine's clock (the oracle refuses future values too) */
export const MAX_DRIFT_SECONDS = 300;

export interface EvmWatcherOptions {
  chain: string;
  topics: readonly number[];
  confirmations: number;
  pollIntervalMs: number;
  redisPrefix: string;
  /** the highest hub height seen (0: not known yet); no real hub nonce is above it */
  hubHeight?: () => number;
  /** an RPC answer refused as impossible (wired to a metric) */
  onBogus?: (what: "log_address" | "log_shape" | "nonce" | "timestamp" | "checkpoint") => void;
}

export class EvmWatcher {
  readonly onchain = new Map<number, OnChainInference>();
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private scanned = 0;
  /** the hash of the block each recent poll scanned up to, oldest first: a reorg changes the newest */
  private marks: { height: number; hash: string }[] = [];

  constructor(
    private readonly opts: EvmWatcherOptions,
    private readonly rpc: FailoverRpc,
    private readonly oracle: OracleReader,
    private readonly redis: Redis,
    private readonly log: Logger,
    private readonly onRequest: (requestId: bigint, topicId: number, amount: bigint, requester: string) => Promise<void>,
  ) {}

  private get key() {
    return `${this.opts.redisPrefix}:evm:${this.opts.chain}:scanned`;
  }

  /** Undefined when a value read from the RPC is possible; otherwise why not. */
  private impossible(topicId: number, v: OnChainInference): "nonce" | "timestamp" | undefined {
    const hub = this.opts.hubHeight?.() ?? 0;
    if (hub > 0 && v.nonce > BigInt(hub)) return "nonce";
    if (v.timestamp > Math.floor(Date.now() / 1000) + MAX_DRIFT_SECONDS) return "timestamp";
    return undefined;
  }

  private believable(topicId: number, v: OnChainInference): boolean {
    const bad = this.impossible(topicId, v);
    if (!bad) return true;
    this.opts.onBogus?.(bad);
    this.log.error(
      { alert: "rpc_bogus_value", chain: this.opts.chain, topicId, nonce: v.nonce.toString(), timestamp: v.timestamp, hubHeight: this.opts.hubHeight?.(), what: bad },
      "the EVM RPC reported an impossible inference; ignored",
    );
    return false;
  }

  /** Records a value seen on chain (our receipts, logs), if newer than the cached one and possible; false when refused. */
  noteOnChain(topicId: number, v: OnChainInference): boolean {
    if (!this.opts.topics.includes(topicId) || !this.believable(topicId, v)) return false;
    const cur = this.onchain.get(topicId);
    if (!cur || v.nonce > cur.nonce) this.onchain.set(topicId, v);
    return true;
  }

  /** Re-reads topics from the chain and REPLACES their cached values (the chain is the truth). */
  async refresh(topics: readonly number[]): Promise<void> {
    await Promise.all(
      topics.map(async (t) => {
        const v = await this.oracle.latestInference(t);
        if (this.believable(t, v)) this.onchain.set(t, v);
      }),
    );
  }

  /** Reads every topic's stored inference. */
  async refreshAll(): Promise<void> {
    await this.refresh(this.opts.topics);
  }

  async start(): Promise<void> {
    await this.refreshAll();
    const head = await this.rpc.use((p) => p.getBlockNumber());
    const saved = await this.redis.get(this.key);
    const fallback = Math.max(0, head - FIRST_START_LOOKBACK);
    if (saved === null) this.scanned = fallback;
    else if (/^\d{1,15}$/.test(saved) && Number(saved) <= head) this.scanned = Number(saved);
    else {
      // Redis is untrusted: a checkpoint that is not a block number, or beyond the chain's head, would make
      // the watcher skip every log (paid requests, other instances' updates) until the chain caught up.
      this.opts.onBogus?.("checkpoint");
      this.log.error(
        { alert: "corrupt_state", chain: this.opts.chain, key: this.key, scanned: saved.slice(0, 40), head, resetTo: fallback },
        "impossible EVM scan checkpoint in Redis (not a block number at or below the chain head); scanning from the first-start lookback instead",
      );
      this.scanned = fallback;
    }
    const tick = async () => {
      if (this.stopped) return;
      this.running = this.poll().catch((e) => this.log.warn({ chain: this.opts.chain, err: (e as Error).message }, "EVM log poll failed"));
      await this.running;
      // Logs only feed the cache and paid requests; no need to ask as often as for receipts.
      if (!this.stopped) this.timer = setTimeout(() => void tick(), Math.max(this.opts.pollIntervalMs * 5, 500));
    };
    this.timer = setTimeout(() => void tick(), 0); // tick cannot reject: poll() failures are caught above
  }

  /**
   * True while the oracle has no code on the chain: the chain was reset (a devnet or testnet restarted empty)
   * or the RPC serves another deployment. Nothing may be sent to it then: a transaction to an address without
   * code "succeeds" and stores nothing, and the nonces it would use belong to an account history that is gone.
   */
  get oracleMissing(): boolean {
    return this.missing;
  }
  private missing = false;

  /**
   * The chain's head is below the block already scanned: a reorg deeper than the confirmations, or a reset
   * chain. The oracle's code tells which; a reorg rescans from the new head (the dropped blocks' logs are gone).
   */
  private async headWentBack(head: number): Promise<void> {
    const code = await this.rpc.use((p) => p.getCode(this.oracle.address));
    if (code === "0x") {
      if (!this.missing) {
        this.log.error(
          { alert: "chain_reset", chain: this.opts.chain, oracle: this.oracle.address, head, scanned: this.scanned },
          "the chain's head went back and the oracle has no code there any more: the chain was reset or the RPC serves another network; nothing is sent to this chain until the contract is back (redeploy and update the config, or fix the RPC URL)",
        );
      }
      this.missing = true;
      return;
    }
    if (this.missing) this.log.warn({ chain: this.opts.chain, oracle: this.oracle.address, head }, "the oracle has code again; sending to this chain resumes");
    else this.log.warn({ chain: this.opts.chain, head, scanned: this.scanned }, "the chain's head went back below the scanned block (a reorg); rescanning from the new head");
    this.missing = false;
    await this.rescanFrom(Math.min(await this.forkPoint(), head));
  }

  /**
   * The highest remembered scan end still in the chain (blocks above it may have been replaced); the block
   * before the oldest remembered one when none is, and the current scan end when nothing is remembered.
   */
  private async forkPoint(): Promise<number> {
    for (let i = this.marks.length - 1; i >= 0; i--) {
      const m = this.marks[i];
      const b = await this.rpc.use((p) => p.getBlock(m.height));
      if (b?.hash === m.hash) return m.height;
    }
    return this.marks.length ? Math.max(0, this.marks[0].height - 1) : this.scanned;
  }

  /** Scans again from `height` + 1 (logs of replaced blocks are gone, the new branch's are read) and re-reads every topic. */
  private async rescanFrom(height: number): Promise<void> {
    this.scanned = height;
    this.marks = this.marks.filter((m) => m.height <= height);
    await this.redis.set(this.key, String(this.scanned));
    await this.refreshAll();
  }

  /**
   * A reorg that did not take the head below the scanned block (the new branch is as long or longer): the
   * block the last poll scanned up to has another hash now. Undefined when it has not (one getBlock).
   */
  private async reorgedAt(): Promise<number | undefined> {
    const newest = this.marks[this.marks.length - 1];
    if (!newest) return undefined;
    const b = await this.rpc.use((p) => p.getBlock(newest.height));
    if (b?.hash === newest.hash) return undefined;
    return this.forkPoint();
  }

  private async poll(): Promise<void> {
    const head = await this.rpc.use((p) => p.getBlockNumber());
    if (head < this.scanned || this.missing) {
      await this.headWentBack(head);
      if (this.missing) return;
    } else {
      const fork = await this.reorgedAt();
      if (fork !== undefined) {
        this.log.warn({ chain: this.opts.chain, head, scanned: this.scanned, rescanFrom: fork }, "the chain reorganised below the scanned block; rescanning from where it forked and re-reading every topic");
        await this.rescanFrom(fork);
      }
    }
    const to = Math.min(head - this.opts.confirmations, this.scanned + MAX_RANGE);
    if (to <= this.scanned) return;
    const from = this.scanned + 1;
    // Read raw (eth_getLogs, not provider.getLogs): ethers formats every log into an object with a checksummed
    // address (a keccak each), and at 1,000 topics that is a thousand logs per block per chain (6 % of the
    // relayer's CPU in the bench:relay profile). What handle() reads is checked here instead.
    const answer: unknown = await this.rpc.use((p) => p.send("eth_getLogs", [{ address: this.oracle.address, fromBlock: toQuantity(from), toBlock: toQuantity(to), topics: [[UPDATED, REQUESTED]] }]));
    if (!Array.isArray(answer)) throw new Error(`${this.opts.chain}: eth_getLogs answered ${typeof answer}, not a list of logs`);
    const oracle = this.oracle.address.toLowerCase(); // rawLog lower-cases a log's address
    for (const entry of answer as unknown[]) {
      const log = rawLog(entry);
      if (!log) {
        this.opts.onBogus?.("log_shape");
        this.log.error({ alert: "rpc_bogus_value", chain: this.opts.chain, what: "log_shape" }, "the EVM RPC returned a log without an address, topics or data; ignored");
        continue;
      }
      if (log.address !== oracle) {
        this.opts.onBogus?.("log_address");
        this.log.error({ alert: "rpc_bogus_value", chain: this.opts.chain, address: log.address, what: "log_address" }, "the EVM RPC returned a log of another contract; ignored");
        continue;
      }
      await this.handle(log);
    }
    this.scanned = to;
    await this.redis.set(this.key, String(to));
    const end = await this.rpc.use((p) => p.getBlock(to));
    if (end) {
      this.marks.push({ height: to, hash: end.hash! });
      if (this.marks.length > MARKS_KEPT) this.marks.shift();
    }
  }

  private async handle(log: RawLog): Promise<void> {
    const updated = decodeInferenceUpdated(log);
    if (updated) {
      this.noteOnChain(updated.topicId, updated);
      return;
    }
    const parsed = oracleInterface.parseLog(log);
    if (!parsed) return;
    if (parsed.name === "InferenceUpdated") {
      const topicId = Number(parsed.args.topicId);
      this.noteOnChain(topicId, { value: BigInt(parsed.args.value), nonce: BigInt(parsed.args.nonce), timestamp: Number(parsed.args.timestamp) });
    } else if (parsed.name === "InferenceRequested") {
      const topicId = Number(parsed.args.topicId);
      if (!this.opts.topics.includes(topicId)) {
        this.log.warn({ chain: this.opts.chain, topicId, requestId: String(parsed.args.requestId) }, "paid request for a topic this relayer does not serve");
        return;
      }
      this.log.info(
        { chain: this.opts.chain, topicId, requestId: String(parsed.args.requestId), amount: String(parsed.args.amount), requester: parsed.args.requester },
        "paid request seen",
      );
      await this.onRequest(BigInt(parsed.args.requestId), topicId, BigInt(parsed.args.amount), String(parsed.args.requester));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

/** What the watcher reads of a log, lower-cased (RPCs differ in the case of hex). */
interface RawLog {
  address: string;
  topics: string[];
  data: string;
}

/** A log of an eth_getLogs answer, or undefined when it lacks an address, topics or data of the right types. */
function rawLog(entry: unknown): RawLog | undefined {
  const e = entry as { address?: unknown; topics?: unknown; data?: unknown } | null;
  if (!e || typeof e.address !== "string" || typeof e.data !== "string" || !Array.isArray(e.topics) || !e.topics.every((t) => typeof t === "string")) return undefined;
  return { address: e.address.toLowerCase(), topics: (e.topics as string[]).map((t) => t.toLowerCase()), data: e.data.toLowerCase() };
}
