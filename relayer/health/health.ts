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
