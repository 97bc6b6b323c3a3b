/**
 * Prometheus metrics (prom-client), one registry per relayer instance (so several can run in one process).
 */
import type { Redis } from "ioredis";
import { scanAll } from "../redis/connect";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export type UpdateOutcome =
  | "updated"
  | "skipped"
  | "reverted"
  | "simulation_failed"
  | "insufficient_funds"
  | "no_signatures"
  | "refused"
  | "gas_cap"
  | "spend_budget"
  | "error";

export class RelayerMetrics {
  readonly registry = new Registry();
  readonly lastPostedNonce: Gauge<"topic" | "chain">;
  readonly onchainAge: Gauge<"topic" | "chain">;
  readonly updateAttempts: Counter<"chain" | "outcome">;
  readonly gasUsed: Counter<"chain">;
  readonly feesPaid: Counter<"chain">;
  readonly submitterBalance: Gauge<"chain" | "address">;
  readonly queueDepth: Gauge<"chain" | "state">;
  readonly hubHeight: Gauge;
  readonly hubCheckpoint: Gauge;
  readonly malformed: Counter<"topic">;
  readonly latency: Histogram<"chain">;
  readonly batchSize: Histogram<"chain">;
  readonly jobsRefused: Counter<"chain" | "reason">;
  readonly journalRejected: Counter<"chain" | "reason">;
  readonly limitHits: Counter<"chain" | "limit">;
  readonly spendLastHour: Gauge<"chain">;
  readonly rpcBogus: Counter<"chain" | "what">;
  readonly quarantinedJobs: Counter<"chain">;
  readonly corruptState: Counter<"kind">;
  readonly hubStalled: Gauge;
  readonly synthesisMismatch: Counter<"topic">;
  readonly synthesisHeld: Gauge<"chain" | "topic">;
  readonly synthesisCheckCpu: Histogram;
  readonly redisKeys: Gauge;
  private countRedisKeys?: () => Promise<number>;
  private redisKeysCache?: { at: number; value: number };

  constructor(instance: string, ageOf: (chain: string, topic: number) => number | undefined, pairs: () => Array<[string, number]>) {
    this.registry.setDefaultLabels({ instance });
    collectDefaultMetrics({ register: this.registry, prefix: "relayer_process_" });
    const r = [this.registry];
    this.lastPostedNonce = new Gauge({ name: "relayer_last_posted_nonce", help: "Hub nonce of the value stored on chain, per topic and chain", labelNames: ["topic", "chain"], registers: r });
    this.onchainAge = new Gauge({
      name: "relayer_onchain_value_age_seconds",
      help: "Seconds since the hub time of the value stored on chain (-1: none yet)",
      labelNames: ["topic", "chain"],
      registers: r,
      collect() {
        for (const [chain, topic] of pairs()) this.set({ chain, topic: String(topic) }, ageOf(chain, topic) ?? -1);
      },
    });
    this.updateAttempts = new Counter({ name: "relayer_update_attempts_total", help: "Batch submissions by outcome", labelNames: ["chain", "outcome"], registers: r });
    this.gasUsed = new Counter({ name: "relayer_gas_used_total", help: "Gas used by included transactions", labelNames: ["chain"], registers: r });
    this.feesPaid = new Counter({ name: "relayer_fees_paid_wei_total", help: "Fees paid by included transactions (wei, as a float)", labelNames: ["chain"], registers: r });
    this.submitterBalance = new Gauge({ name: "relayer_submitter_balance_ether", help: "Submitter balance in ether units", labelNames: ["chain", "address"], registers: r });
    this.queueDepth = new Gauge({ name: "relayer_queue_depth", help: "Jobs per queue state", labelNames: ["chain", "state"], registers: r });
    this.hubHeight = new Gauge({ name: "relayer_hub_height", help: "Latest hub height seen", registers: r });
    this.hubCheckpoint = new Gauge({ name: "relayer_hub_checkpoint", help: "Highest hub height fully queued", registers: r });
    this.malformed = new Counter({ name: "relayer_malformed_inferences_total", help: "Hub inferences skipped as malformed", labelNames: ["topic"], registers: r });
    this.latency = new Histogram({
      name: "relayer_hub_to_inclusion_seconds",
      help: "From seeing the hub block to seeing the receipt",
      labelNames: ["chain"],
      buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60],
      registers: r,
    });
    const keyCount = (): Promise<number | undefined> => this.redisKeyCount();
    this.redisKeys = new Gauge({
      name: "relayer_redis_keys",
      help: "Keys under this relayer's Redis prefix (jobs, claims, signatures, checkpoints); bounded by the queue retention, see relayer/README.md",
      registers: r,
      async collect() {
        const value = await keyCount();
        if (value !== undefined) this.set(value);
      },
    });
    this.batchSize = new Histogram({ name: "relayer_batch_reports", help: "Reports per transaction", labelNames: ["chain"], buckets: [1, 2, 5, 10, 25, 50, 100, 200], registers: r });
    // Alerts on hostile input. Every label value comes from a fixed set, never from job data.
    this.jobsRefused = new Counter({
      name: "relayer_jobs_refused_total",
      help: "Jobs (or attestations) refused because their data is not a batch this relayer would build (reason: malformed, foreign_topic, duplicate_topic, oversize, stale)",
      labelNames: ["chain", "reason"],
      registers: r,
    });
    this.journalRejected = new Counter({
      name: "relayer_journal_entries_rejected_total",
      help: "Journaled transactions (Redis) that failed a check and were ignored (reason: undecodable, hash, chain_id, target, work, value, gas_cap, nonce)",
      labelNames: ["chain", "reason"],
      registers: r,
    });
    this.limitHits = new Counter({ name: "relayer_submit_limit_hits_total", help: "Transactions not signed because of a limit (limit: gas_cap, spend_budget)", labelNames: ["chain", "limit"], registers: r });
    this.spendLastHour = new Gauge({ name: "relayer_spend_last_hour_wei", help: "Fees paid by this instance in the last hour (wei, as a float), against chains[].maxSpendPerHour", labelNames: ["chain"], registers: r });
    this.rpcBogus = new Counter({ name: "relayer_rpc_bogus_values_total", help: "Values from an EVM RPC (or the EVM scan checkpoint in Redis) refused as impossible (what: log_address, log_shape, nonce, timestamp, receipt, checkpoint)", labelNames: ["chain", "what"], registers: r });
    this.quarantinedJobs = new Counter({ name: "relayer_quarantined_jobs_total", help: "Jobs whose data in Redis could not be read, moved to the dead-letter list", labelNames: ["chain"], registers: r });
    this.corruptState = new Counter({
      name: "relayer_corrupt_state_total",
      help: "Redis entries found impossible and reset (kind: claim, checkpoint, lease)",
      labelNames: ["kind"],
      registers: r,
    });
    this.synthesisMismatch = new Counter({ name: "relayer_synthesis_mismatch_total", help: "Hub bundles whose combined or naive value does not follow from their parts and the hub's regrets (verify)", labelNames: ["topic"], registers: r });
    this.synthesisHeld = new Gauge({ name: "relayer_synthesis_held", help: "1 while a topic is held on a chain after a synthesis mismatch (verify: strict), until the hub and the attester agree again", labelNames: ["chain", "topic"], registers: r });
    this.synthesisCheckCpu = new Histogram({ name: "relayer_synthesis_check_cpu_seconds", help: "CPU time of one re-derivation of a bundle (per topic and epoch; the hub queries are not counted)", buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1], registers: r });
    this.hubStalled = new Gauge({ name: "relayer_hub_stalled_seconds", help: "Seconds the hub head has been ahead of the last processed block without progress (0: keeping up)", registers: r });
  }

  /** Counts the keys under the relayer's prefix for `relayer_redis_keys` (a SCAN, at most every 10 s). */
  trackRedisKeys(count: () => Promise<number>): void {
    this.countRedisKeys = count;
  }

  private async redisKeyCount(): Promise<number | undefined> {
    if (!this.countRedisKeys) return undefined;
    const now = Date.now();
    if (this.redisKeysCache && now - this.redisKeysCache.at < REDIS_KEYS_EVERY_MS) return this.redisKeysCache.value;
    try {
      this.redisKeysCache = { at: now, value: await this.countRedisKeys() };
    } catch {
      // Redis unreachable: keep the last count; the relayer's own errors report Redis.
    }
    return this.redisKeysCache?.value;
  }
}

/** How often `relayer_redis_keys` rescans: a SCAN walks the whole database, so not on every scrape. */
const REDIS_KEYS_EVERY_MS = 10_000;

/** The number of keys under `prefix:` (SCAN, so Redis is never blocked; every master of a cluster). */
export async function countKeys(redis: Redis, prefix: string): Promise<number> {
  let n = 0;
  await scanAll(redis, `${prefix}:*`, (keys) => {
    n += keys.length;
  });
  return n;
}
