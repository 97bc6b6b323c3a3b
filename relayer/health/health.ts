/**
 * Health, as a pure function: unhealthy when any (chain, topic) value is older than its heartbeat plus
 * the grace period. A topic that has no value yet counts from the relayer's start.
 */
export interface HealthInput {
  chain: string;
  topicId: number;
  /** hub timestamp of the stored value, Unix seconds; undefined when none */
  timestamp: number | undefined;
  heartbeatSeconds: number;
}

export interface HealthReport {
  ok: boolean;
  stale: Array<{ chain: string; topicId: number; ageSeconds: number | null; limitSeconds: number }>;
}

export function evaluateHealth(items: readonly HealthInput[], nowSeconds: number, startedAtSeconds: number, graceSeconds: number): HealthReport {
  const stale: HealthReport["stale"] = [];
  for (const it of items) {
    const limit = it.heartbeatSeconds + graceSeconds;
    if (it.timestamp === undefined) {
      if (nowSeconds - startedAtSeconds > limit) stale.push({ chain: it.chain, topicId: it.topicId, ageSeconds: null, limitSeconds: limit });
      continue;
    }
    const age = nowSeconds - it.timestamp;
    if (age > limit) stale.push({ chain: it.chain, topicId: it.topicId, ageSeconds: age, limitSeconds: limit });
  }
  return { ok: stale.length === 0, stale };
}

/**
 * Whether the hub follower keeps up: it is stalled while the hub head is above the last processed block
 * and nothing was processed (nor was it caught up) for a while. On-chain ages alone catch a stall only
 * after a heartbeat; this catches a follower that stopped (e.g. resuming from a checkpoint the hub has
 * not reached) within the grace period.
 */
export class HubProgress {
  private okAt: number;

  constructor(
    private last: number,
    nowMs: number,
  ) {
    this.okAt = nowMs;
  }

  /** A block was processed. */
  processed(height: number, nowMs: number): void {
    if (height > this.last) this.last = height;
    this.okAt = nowMs;
  }

  /** Called regularly with the hub head: being caught up counts as progress. */
  sample(head: number, nowMs: number): void {
    if (head <= this.last) this.okAt = nowMs;
  }

  /** How long the follower has been behind without progress (0 when keeping up). */
  stalledMs(head: number, nowMs: number): number {
    return head > this.last ? Math.max(0, nowMs - this.okAt) : 0;
  }
}

/** The hub follower counts as stalled after graceSeconds (at least 30 s, or 10 polls) without progress. */
export function hubStallLimitMs(pollIntervalMs: number, graceSeconds: number): number {
  return Math.max(graceSeconds * 1000, 30_000, pollIntervalMs * 10);
}

/** Adds the hub follower's state to a health report: stalled beyond the limit makes it unhealthy. */
export function withHubProgress(report: HealthReport, stalledMs: number, limitMs: number): HealthReport & { hub: { stalledSeconds: number; limitSeconds: number } } {
  const hub = { stalledSeconds: Math.floor(stalledMs / 1000), limitSeconds: Math.floor(limitMs / 1000) };
  return { ...report, ok: report.ok && stalledMs <= limitMs, hub };
}
