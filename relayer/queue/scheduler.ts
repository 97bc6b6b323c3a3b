/**
 * Turns hub inferences into per-chain post jobs: the policy picks the due topics, the batcher orders them and
 * cuts them into transactions that fit the chain's gas (`maxBatchSize` reports each at most), the claim table
 * makes each (topic, nonce, chain) belong to one job, and each job is added with a deterministic id (adding
 * an existing id is a no-op in BullMQ): the hub block's id for the first batch, `<id>.<k>` for the k-th after.
 */
import type { Queue } from "bullmq";
import type { Logger } from "pino";
import { UpdatePolicy } from "../config/schema";
import { HubInference } from "../hub/events";
import { DueReport, splitBatches } from "../policy/batch";
import { isDue, PostedValue } from "../policy/due";
import { OnChainInference } from "../evm/oracle";
import { ClaimRecord, ClaimTable } from "./claims";
import { epochJobId, JobReport, PostJobData, PRIORITY_NORMAL, PRIORITY_PAID, requestJobId, sweepJobId } from "./jobs";
import { RequestBook } from "./requests";

export interface SchedulerChain {
  name: string;
  /** reports per transaction (maxBatchSize, fewer if the gas cap cannot hold that many: reportsPerTx) */
  maxBatchSize: number;
  /** topic -> the chain's stored inference, kept fresh by the EVM watcher */
  onchain: Map<number, OnChainInference>;
  queue: Queue<PostJobData>;
}

export interface SchedulerDeps {
  chains: SchedulerChain[];
  claims: ClaimTable;
  requests: RequestBook;
  policyFor(chain: string, topic: number): UpdatePolicy;
  log: Logger;
  nowSeconds?: () => number;
  /** called after a job was added (the local attesters sign right away) */
  onScheduled?: (chain: string, jobId: string, data: PostJobData) => void;
  /** the hub head as last seen; a claim above it is corrupt (0 or absent: not known, not checked) */
  hubHead?: () => number;
  /** called after a corrupt claim was deleted (for the metric) */
  onCorruptClaim?: (chain: string, topicId: number, reason: string) => void;
}

/** A claim's hub timestamp may run ahead of our clock by this much (clock skew) before it is corrupt. */
export const CLAIM_MAX_FUTURE_SECONDS = 3_600;

/**
 * Why a stored claim cannot be real, or undefined. Claims only come from hub inferences this deployment
 * saw, so one above the hub head or stamped far in the future was written by someone else; left in
 * place it would hold its topic back for good, as the newer reference that nothing beats (issue 19
 * finding 5).
 */
export function corruptClaim(claim: ClaimRecord, hubHead: number, nowSeconds: number): string | undefined {
  if (hubHead > 0 && claim.nonce > BigInt(hubHead)) return `nonce ${claim.nonce} is above the hub head ${hubHead}`;
  if (!Number.isFinite(claim.timestamp) || claim.timestamp > nowSeconds + CLAIM_MAX_FUTURE_SECONDS) return `timestamp ${claim.timestamp} is in the future`;
  return undefined;
}

/** The newer (by nonce) of the on-chain value and the last scheduled one. */
export function reference(onchain: OnChainInference | undefined, scheduled: PostedValue | undefined): PostedValue | undefined {
  if (onchain === undefined || onchain.nonce === 0n) return scheduled;
  if (scheduled === undefined || scheduled.nonce <= onchain.nonce) return onchain;
  return scheduled;
}

/** The id of a hub block's k-th batch on a chain: the block's job id for the first, `<id>.<k>` after it. */
export function batchJobId(baseJobId: string, k: number): string {
  return k === 0 ? baseJobId : `${baseJobId}.${k}`;
}

/** Whether `jobId` is one of the batches of the hub block job `baseJobId`. */
export function isBatchOf(jobId: string, baseJobId: string): boolean {
  return jobId === baseJobId || (jobId.startsWith(`${baseJobId}.`) && /^\d+$/.test(jobId.slice(baseJobId.length + 1)));
}

function toJobReport(r: DueReport): JobReport {
  return { topicId: r.topicId, value: r.value.toString(), nonce: r.nonce.toString(), timestamp: r.timestamp, paid: r.paid.toString() };
}

export class Scheduler {
  /** the newest inference seen per topic (for paid requests that arrive between epochs) */
  private readonly latest = new Map<number, HubInference>();

  constructor(private readonly deps: SchedulerDeps) {}

  private now(): number {
    return this.deps.nowSeconds ? this.deps.nowSeconds() : Math.floor(Date.now() / 1000);
  }

  private remember(inferences: readonly HubInference[]) {
    for (const inf of inferences) {
      const prev = this.latest.get(inf.topicId);
      if (!prev || inf.nonce > prev.nonce) this.latest.set(inf.topicId, inf);
    }
  }

  /** The chain's claims without the corrupt ones, which are deleted from Redis and reported. */
  private async claimsOf(chain: string, hubHeight: number): Promise<Map<number, ClaimRecord>> {
    const claims = await this.deps.claims.all(chain);
    const head = Math.max(hubHeight, this.deps.hubHead?.() ?? 0);
    const now = this.now();
    for (const [topicId, claim] of claims) {
      const reason = corruptClaim(claim, head, now);
      if (reason === undefined) continue;
      claims.delete(topicId);
      if (await this.deps.claims.dropIf(chain, topicId, claim.raw)) {
        this.deps.log.error({ alert: "corrupt_state", chain, topicId, claim: claim.raw.slice(0, 200), reason }, "impossible claim in Redis deleted; the topic is scheduled from the chain's value again");
        this.deps.onCorruptClaim?.(chain, topicId, reason);
      }
    }
    return claims;
  }

  /** Schedules the due ones among `inferences` (one hub block, or a sweep) on every chain. */
  async schedule(inferences: readonly HubInference[], hubHeight: number, kind: "epoch" | "sweep", seenAt: number): Promise<void> {
    this.remember(inferences);
    if (inferences.length === 0) return;
    await Promise.all(
      this.deps.chains.map(async (chain) => {
        const jobId = kind === "epoch" ? epochJobId(chain.name, hubHeight) : sweepJobId(chain.name, hubHeight);
        await this.scheduleOnChain(chain, inferences, jobId, hubHeight, seenAt);
      }),
    );
  }

  private async scheduleOnChain(
    chain: SchedulerChain,
    inferences: readonly HubInference[],
    baseJobId: string,
    hubHeight: number,
    seenAt: number,
  ): Promise<void> {
    const [claims, paid] = await Promise.all([this.claimsOf(chain.name, hubHeight), this.deps.requests.totals(chain.name)]);
    const now = this.now();
    const due: DueReport[] = [];
    for (const inf of inferences) {
      const ref = reference(chain.onchain.get(inf.topicId), claims.get(inf.topicId));
      const amount = paid.get(inf.topicId) ?? 0n;
      const decision = isDue(inf, ref, this.deps.policyFor(chain.name, inf.topicId), now, amount);
      // A claim of one of this block's own jobs counts as "not newer"; let it through so a crashed add is redone.
      const claim = claims.get(inf.topicId);
      const ownClaim = claim !== undefined && claim.nonce === inf.nonce && isBatchOf(claim.jobId, baseJobId);
      if (decision.due || ownClaim) due.push({ topicId: inf.topicId, value: inf.value, nonce: inf.nonce, timestamp: inf.timestamp, paid: amount });
    }
    if (due.length === 0) return;
    const batches = splitBatches(due, chain.maxBatchSize);
    if (batches.length > 1) this.deps.log.debug({ chain: chain.name, jobId: baseJobId, reports: due.length, batches: batches.length }, "due topics split into batches");
    // In order: the queue is FIFO among normal jobs, so the batches reach the chain in this order.
    for (const [k, batch] of batches.entries()) await this.addJob(chain, batchJobId(baseJobId, k), batch, hubHeight, seenAt);
  }

  private async addJob(chain: SchedulerChain, jobId: string, included: DueReport[], hubHeight: number, seenAt: number): Promise<void> {
    const claimed = await this.deps.claims.claim(chain.name, jobId, included);
    const reports = included.filter((r) => claimed.has(r.topicId));
    if (reports.length === 0) return;
    const isPaid = reports.some((r) => r.paid > 0n);
    const data: PostJobData = { chain: chain.name, hubHeight, seenAt, reports: reports.map(toJobReport) };
    await chain.queue.add("post", data, { jobId, priority: isPaid ? PRIORITY_PAID : PRIORITY_NORMAL });
    if (isPaid) await this.deps.requests.served(chain.name, reports.filter((r) => r.paid > 0n).map((r) => r.topicId));
    this.deps.log.debug({ chain: chain.name, jobId, topics: reports.map((r) => r.topicId) }, "job scheduled");
    this.deps.onScheduled?.(chain.name, jobId, data);
  }

  /**
   * A paid request on a chain: recorded (so the topic's next inference is due there, first in its batch);
   * when the hub already has a newer inference than the chain, it is posted right away in its own job.
   */
  async onRequest(chainName: string, requestId: bigint, topicId: number, amount: bigint): Promise<void> {
    const chain = this.deps.chains.find((c) => c.name === chainName);
    if (!chain) return;
    await this.deps.requests.add(chainName, topicId, requestId, amount);
    const inf = this.latest.get(topicId);
    if (!inf) return;
    const claims = await this.claimsOf(chainName, Number(inf.nonce));
    const ref = reference(chain.onchain.get(topicId), claims.get(topicId));
    if (ref !== undefined && inf.nonce <= ref.nonce) return; // the newest is posted or on its way; the next epoch serves it
    const jobId = requestJobId(chainName, requestId);
    const total = (await this.deps.requests.totals(chainName)).get(topicId) ?? amount;
    const claimed = await this.deps.claims.claim(chainName, jobId, [inf]);
    if (!claimed.has(topicId)) return;
    const data: PostJobData = {
      chain: chainName,
      hubHeight: Number(inf.nonce),
      seenAt: Date.now(),
      reports: [toJobReport({ ...inf, paid: total })],
    };
    await chain.queue.add("post", data, { jobId, priority: PRIORITY_PAID });
    await this.deps.requests.served(chainName, [topicId]);
    this.deps.log.info({ chain: chainName, jobId, topicId, amount: amount.toString() }, "paid request scheduled");
    this.deps.onScheduled?.(chainName, jobId, data);
  }
}
