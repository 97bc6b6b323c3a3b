/**
 * What a post job read from Redis (untrusted: anyone with write access can add or edit jobs) may ask the
 * relayer to attest and pay for, decided against this instance's own config and chain view. The hub
 * check (attest/verifier.ts) says whether the values are TRUE; this says whether they are WORTH GAS:
 * - every field well-formed (integers in range, decimal strings);
 * - only topics this relayer serves, each at most once, at most `maxBatchSize` reports: a hostile job
 *   is then no bigger than a batch the scheduler itself would build;
 * - newer than the chain: reports the chain already has (or has newer) are split off as stale, so the
 *   caller drops them instead of buying ReportSkipped events.
 */
import { JobReport } from "../queue/jobs";

export interface JobRules {
  /** the topic ids this relayer serves (config hub.topics) */
  topics: readonly number[];
  maxBatchSize: number;
  /** the nonce stored on chain for a topic (undefined or 0n: none yet) */
  onchainNonce(topicId: number): bigint | undefined;
}

/** Why a job is refused as a whole (a fixed set: metric labels must not grow with hostile input). */
export type RefusalReason = "malformed" | "foreign_topic" | "duplicate_topic" | "oversize";

export type JobCheck =
  | { ok: true; fresh: JobReport[]; stale: JobReport[] }
  | { ok: false; reason: RefusalReason; problem: string };

const UINT64_MAX = (1n << 64n) - 1n;
const INT256_MIN = -(1n << 255n);
const INT256_MAX = (1n << 255n) - 1n;
const DECIMAL = /^-?\d{1,80}$/;
const UNSIGNED = /^\d{1,80}$/;

/** Undefined when the report's fields are well-formed; otherwise what is wrong. */
function malformed(r: JobReport, i: number): string | undefined {
  if (r === null || typeof r !== "object") return `report ${i} is not an object`;
  if (!Number.isSafeInteger(r.topicId) || r.topicId < 1) return `report ${i}: topicId ${String(r.topicId)} is not a positive integer`;
  if (typeof r.nonce !== "string" || !UNSIGNED.test(r.nonce) || BigInt(r.nonce) < 1n || BigInt(r.nonce) > UINT64_MAX) return `report ${i}: nonce ${String(r.nonce)} is not a uint64`;
  if (typeof r.value !== "string" || !DECIMAL.test(r.value) || BigInt(r.value) < INT256_MIN || BigInt(r.value) > INT256_MAX) return `report ${i}: value is not an int256`;
  if (!Number.isSafeInteger(r.timestamp) || r.timestamp < 1) return `report ${i}: timestamp ${String(r.timestamp)} is not a positive integer`;
  if (typeof r.paid !== "string" || !UNSIGNED.test(r.paid)) return `report ${i}: paid is not a non-negative integer`;
  return undefined;
}

export function checkJobReports(reports: unknown, rules: JobRules): JobCheck {
  if (!Array.isArray(reports) || reports.length === 0) return { ok: false, reason: "malformed", problem: "the job has no reports list" };
  if (reports.length > rules.maxBatchSize) {
    return { ok: false, reason: "oversize", problem: `${reports.length} reports, more than maxBatchSize ${rules.maxBatchSize}` };
  }
  const seen = new Set<number>();
  const fresh: JobReport[] = [];
  const stale: JobReport[] = [];
  for (const [i, r] of (reports as JobReport[]).entries()) {
    const bad = malformed(r, i);
    if (bad) return { ok: false, reason: "malformed", problem: bad };
    if (!rules.topics.includes(r.topicId)) return { ok: false, reason: "foreign_topic", problem: `topic ${r.topicId} is not served by this relayer (hub.topics)` };
    if (seen.has(r.topicId)) return { ok: false, reason: "duplicate_topic", problem: `topic ${r.topicId} appears more than once` };
    seen.add(r.topicId);
    if (BigInt(r.nonce) <= (rules.onchainNonce(r.topicId) ?? 0n)) stale.push(r);
    else fresh.push(r);
  }
  return { ok: true, fresh, stale };
}
