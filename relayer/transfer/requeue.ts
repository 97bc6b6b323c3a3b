/**
 * Re-adding the jobs of transfers that are in flight on the chains and the hub, whatever Redis says.
 *
 * Redis is an untrusted cache of work: a checkpoint forged below the head makes a source skip transfers, a
 * flush drops jobs, a forged "completed" job makes `add` with the same id a no-op, a forged job carries other
 * data under a real id. The reconciliation reads every transfer in flight from the truth (inflight.ts); for
 * each, {@link requeueDecision} compares the job Redis holds under the transfer's deterministic id with the
 * job built from the truth, and {@link ensureJob} adds or replaces it. Replacing is always safe: a delivery
 * re-checks the destination bridge's replay state first and the escrow its complete ledger, so a transfer is
 * never paid twice, only re-checked.
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import { deliverJobId, refundJobId, releaseJobId, type DeliverJobData, type EscrowJobData } from "./jobs";
import type { InFlightJob } from "./inflight";
import type { ReleaseQueuedJobData } from "./queued-tracker";

export type TruthJob = DeliverJobData | EscrowJobData | ReleaseQueuedJobData;

/** What Redis holds under a job id, as read (all of it untrusted). */
export interface StoredJob {
  /** BullMQ's state: waiting, prioritized, delayed, active, waiting-children, completed, failed, unknown */
  state: string;
  data: unknown;
  /** ms; when it completed or failed */
  finishedOn?: number;
  /** ms; when a delayed job becomes due */
  delayUntil?: number;
}

export type RequeueAction =
  | { action: "keep"; why: string; alert?: "forged_job" }
  | { action: "add"; why: string }
  | { action: "replace"; why: string; alert?: "forged_job" | "stale_job" };

export interface RequeueContext {
  /** ms, now */
  now: number;
  /** ms, when the truth read began: a job that finished after it may have finished the transfer since */
  truthReadAt: number;
  /** ms, the longest delay a legitimate retry takes (the queue's backoff at its last attempt, plus slack) */
  maxDelayMs: number;
}

const LIVE = new Set(["waiting", "prioritized", "active", "waiting-children", "delayed"]);

/**
 * What to do with the job Redis holds for a transfer the truth says is in flight. Pure.
 *
 * - none: add it (a skipped source, a flush);
 * - unreadable, or data that is not the transfer's: replace it with the truth and alert (forged), unless it is
 *   being processed (a locked job cannot be removed; the attesters' checks refuse it, the next pass replaces it);
 * - completed while the transfer is still in flight: stale, replace (unless it finished after the truth was read:
 *   then the truth may be the older one; the next pass decides);
 * - failed: replace (a fresh job with the queue's full attempts);
 * - delayed beyond any retry backoff: replace (a forged delay would park it for ever);
 * - waiting, active, delayed within the backoff: keep.
 */
export function requeueDecision(truth: TruthJob, stored: StoredJob | "unreadable" | undefined, ctx: RequeueContext): RequeueAction {
  if (stored === undefined) return { action: "add", why: "no job for a transfer in flight" };
  if (stored === "unreadable") return { action: "replace", why: "the job in Redis is unreadable", alert: "forged_job" };
  const differs = jobDataDiffers(truth, stored.data);
  if (differs) {
    if (stored.state === "active") return { action: "keep", why: `being processed, with data that is not the transfer's (${differs}): it is refused and replaced later`, alert: "forged_job" };
    return { action: "replace", why: `the job's data is not the transfer's (${differs})`, alert: "forged_job" };
  }
  switch (stored.state) {
    case "completed": {
      const finished = stored.finishedOn ?? 0;
      if (finished >= ctx.truthReadAt && finished <= ctx.now) return { action: "keep", why: "completed after the chains were read" };
      return { action: "replace", why: "completed in Redis, yet in flight on chain", alert: "stale_job" };
    }
    case "failed":
      return { action: "replace", why: "failed, and the transfer is still in flight" };
    case "delayed":
      if (stored.delayUntil !== undefined && stored.delayUntil > ctx.now + ctx.maxDelayMs) {
        return { action: "replace", why: `delayed until ${new Date(stored.delayUntil).toISOString()}, beyond any retry backoff`, alert: "stale_job" };
      }
      return { action: "keep", why: "delayed within the retry backoff" };
    default:
      if (LIVE.has(stored.state)) return { action: "keep", why: stored.state };
      return { action: "replace", why: `in state ${stored.state}` };
  }
}

const low = (v: unknown) => (typeof v === "string" ? v.toLowerCase() : v);

/** The first field in which `data` is not the transfer `truth` describes, or undefined when it is. */
export function jobDataDiffers(truth: TruthJob, data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return "not an object";
  const d = data as Record<string, unknown>;
  const fields: [string, unknown, unknown][] = [["kind", truth.kind, d.kind]];
  if (truth.kind === "releaseQueued") {
    fields.push(["chain", truth.chain, d.chain], ["transferId", truth.transferId.toLowerCase(), low(d.transferId)]);
    for (const [field, want, got] of fields) if (want !== got) return `${field}: ${String(got)}, not ${String(want)}`;
    return undefined;
  }
  if (truth.kind === "deliver") {
    for (const k of ["chain", "sourceChain", "destinationChain", "sequence", "amount"] as const) fields.push([k, truth[k], d[k]]);
    for (const k of ["sourceBridge", "recipient", "transferId"] as const) fields.push([k, truth[k].toLowerCase(), low(d[k])]);
  } else {
    for (const k of ["key", "to", "reason"] as const) fields.push([k, truth[k], d[k]]);
    fields.push(["coins", JSON.stringify(truth.coins), JSON.stringify(d.coins)]);
    fields.push(["transfer", JSON.stringify(truth.transfer), JSON.stringify(d.transfer)]);
  }
  fields.push(["origin", JSON.stringify(truth.origin), JSON.stringify(d.origin)]);
  for (const [field, want, got] of fields) if (want !== got) return `${field}: ${String(got)}, not ${String(want)}`;
  return undefined;
}

export interface EnsureDeps {
  redis: Redis;
  prefix: string;
  log: Logger;
}

/** BullMQ's delayed set scores a job by (due ms) * 4096 + a counter. */
const DELAYED_SCORE_SHIFT = 4096;

/** Reads what Redis holds under `id` in `queue` (undefined: nothing; "unreadable": not a job we can parse). */
export async function readStoredJob(queue: Queue, id: string, deps: EnsureDeps): Promise<StoredJob | "unreadable" | undefined> {
  try {
    const job = await queue.getJob(id);
    if (!job) return undefined;
    const state = await job.getState();
    // getJob and getState are two reads: a job that finished between them reads "completed" with the
    // finishedOn of its active snapshot (none), which would look like a stale completion. Read it again.
    let finishedOn = job.finishedOn;
    if ((state === "completed" || state === "failed") && finishedOn === undefined) finishedOn = (await queue.getJob(id))?.finishedOn;
    let delayUntil: number | undefined;
    if (state === "delayed") {
      const score = await deps.redis.zscore(`${deps.prefix}:${queue.name}:delayed`, id);
      if (score !== null) delayUntil = Math.floor(Number(score) / DELAYED_SCORE_SHIFT);
    }
    return { state, data: job.data, finishedOn, delayUntil };
  } catch {
    return "unreadable";
  }
}

/**
 * Makes sure `queue` holds the truth's job under `id`: adds it, or replaces what is there, as
 * {@link requeueDecision} says. Returns the action taken ("keep" also when a replacement found the job locked).
 */
export async function ensureJob(
  queue: Queue,
  name: string,
  id: string,
  truth: TruthJob,
  ctx: RequeueContext,
  deps: EnsureDeps,
  /** adding is the caller's ordinary path (a queued release falling due), not a repair: not warned about */
  opts: { routineAdd?: boolean } = {},
): Promise<RequeueAction> {
  const stored = await readStoredJob(queue, id, deps);
  const decision = requeueDecision(truth, stored, ctx);
  const what = { queue: queue.name, jobId: id, id: "key" in truth ? truth.key : truth.transferId, why: decision.why };
  if (decision.action === "keep") {
    if (decision.alert) deps.log.error({ alert: decision.alert, ...what }, "a job in Redis does not match its transfer");
    return decision;
  }
  if (decision.action === "replace") {
    // The replacement starts without the old job's broadcast journal: that journal may hold a reverted
    // transaction the new job would follow again and again. A transaction of the old job still pending
    // is harmless: whichever lands second finds the transfer delivered (the bridge's replay state).
    const removed = await queue.remove(id).catch(() => 0);
    if (removed !== 1 && (await queue.getJob(id).catch(() => "unreadable")) !== undefined) {
      deps.log.warn(what, "could not replace a transfer's job (locked); the next pass retries");
      return { action: "keep", why: "locked" };
    }
  }
  await queue.add(name, truth, { jobId: id });
  if (decision.action === "replace" && decision.alert === "forged_job") deps.log.error({ alert: "forged_job", ...what }, "replaced a forged job with the transfer read from the chains");
  else if (decision.action === "replace") deps.log.warn({ ...(decision.alert ? { alert: decision.alert } : {}), ...what }, "replaced a transfer's job from the chains");
  else if (opts.routineAdd) deps.log.debug(what, "transfer job added");
  else deps.log.warn(what, "re-added the job of a transfer in flight");
  return decision;
}

/** The deterministic job id of a transfer's job (the id its source adds it under). */
export function jobIdOf(job: DeliverJobData | EscrowJobData): string {
  if (job.kind === "deliver") return deliverJobId(job.chain, job.transferId);
  if (job.kind === "release") return releaseJobId(job.key);
  const [txHash, msg] = job.key.split(":");
  return refundJobId(txHash, Number(msg));
}

export class RequeueMetrics {
  readonly actions: Counter;
  constructor(registry: Registry) {
    this.actions = new Counter({
      name: "relayer_transfers_requeued_total",
      help: "Jobs of in-flight transfers re-added (add) or replaced (replace: stale, failed or forged) from the chains and the hub",
      labelNames: ["action", "alert"],
      registers: [registry],
    });
  }
}

export interface RequeueDeps extends EnsureDeps {
  /** the transfer queue of a destination chain (deliveries), undefined when not served here */
  deliverQueue(chain: string): Queue | undefined;
  escrowQueue: Queue;
  metrics?: RequeueMetrics;
}

/** One pass over the transfers in flight: each one's job added or replaced as needed. Returns the counts. */
export async function requeueInFlight(jobs: readonly InFlightJob[], ctx: RequeueContext, deps: RequeueDeps): Promise<{ added: number; replaced: number }> {
  let added = 0;
  let replaced = 0;
  for (const { job } of jobs) {
    const queue = job.kind === "deliver" ? deps.deliverQueue(job.chain) : deps.escrowQueue;
    if (!queue) continue;
    const done = await ensureJob(queue, job.kind, jobIdOf(job), job, ctx, deps);
    if (done.action === "add") added++;
    if (done.action === "replace") replaced++;
    if (done.action !== "keep") deps.metrics?.actions.inc({ action: done.action, alert: (done.action === "replace" && done.alert) || "" });
  }
  return { added, replaced };
}
