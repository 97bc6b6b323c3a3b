/**
 * Quarantine for jobs whose stored data cannot be read. Redis is untrusted: a job hash whose `data` (or
 * `opts`) is not JSON makes every BullMQ read of a list holding it throw (Queue.getJobs, getActive, the
 * worker's fetch), so one such job stalled the attest poll on every tick and, through the orphan
 * recovery, crashed every instance (issue 19 finding 4). Such a job is copied into a dead-letter list
 * (`<prefix>:deadletter:<queue>`, newest first, at most DEAD_LETTER_MAX entries, its data cut to
 * DEAD_LETTER_DATA_CHARS) and removed from the queue. The raw hash is read directly, never through
 * BullMQ's parser.
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";

export const DEAD_LETTER_MAX = 1_000;
export const DEAD_LETTER_DATA_CHARS = 4_096;

/** The lists BullMQ takes jobs from (lists and sorted sets of job ids). */
const LISTS = ["active", "wait", "paused"] as const;
const SORTED = ["prioritized", "delayed", "waiting-children"] as const;

export interface QuarantinedJob {
  jobId: string;
  reason: string;
}

export const deadLetterKey = (prefix: string, queueName: string) => `${prefix}:deadletter:${queueName}`;

/** Why a stored job cannot be used, or undefined when its data and opts parse as a post job. */
export function corruptReason(hash: Record<string, string>): string | undefined {
  if (hash.data === undefined) return "job hash has no data field";
  let data: unknown;
  try {
    data = JSON.parse(hash.data);
  } catch {
    return "data is not JSON";
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) return "data is not a JSON object";
  if (!Array.isArray((data as { reports?: unknown }).reports)) return "data has no reports array";
  if (hash.opts !== undefined) {
    try {
      JSON.parse(hash.opts);
    } catch {
      return "opts is not JSON";
    }
  }
  return undefined;
}

/**
 * Moves every unreadable job of `queue` into the dead-letter list; returns what was moved. A job that
 * cannot be read cannot be processed by any worker either, so its lock (if a worker's fetch took it
 * before failing to parse it) is dropped too.
 */
export async function quarantineCorruptJobs(queue: Queue, redis: Redis, prefix: string): Promise<QuarantinedJob[]> {
  const base = `${prefix}:${queue.name}`;
  const ids = new Set<string>();
  for (const l of LISTS) for (const id of await redis.lrange(`${base}:${l}`, 0, -1)) ids.add(id);
  for (const s of SORTED) for (const id of await redis.zrange(`${base}:${s}`, "0", "-1")) ids.add(id);
  const moved: QuarantinedJob[] = [];
  for (const jobId of ids) {
    const hash = await redis.hgetall(`${base}:${jobId}`);
    // An id in a list without a hash is BullMQ's own business (a job being removed); skip it.
    if (Object.keys(hash).length === 0) continue;
    const reason = corruptReason(hash);
    if (reason === undefined) continue;
    const entry = JSON.stringify({ jobId, reason, at: new Date().toISOString(), data: String(hash.data ?? "").slice(0, DEAD_LETTER_DATA_CHARS) });
    await redis.multi().lpush(deadLetterKey(prefix, queue.name), entry).ltrim(deadLetterKey(prefix, queue.name), 0, DEAD_LETTER_MAX - 1).del(`${base}:${jobId}:lock`).exec();
    if ((await queue.remove(jobId)) === 1) moved.push({ jobId, reason });
  }
  return moved;
}
