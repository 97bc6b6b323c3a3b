/**
 * Batching, as pure functions: every due topic of a chain goes into one transaction; paid topics first
 * (highest payment first), then by topic id; at most `maxBatchSize` reports, the rest deferred.
 */
export interface DueReport {
  topicId: number;
  value: bigint;
  nonce: bigint;
  timestamp: number;
  /** unserved payment for this topic on this chain (0n when none) */
  paid: bigint;
}

export interface Batch<T extends DueReport> {
  included: T[];
  deferred: T[];
}

/** Orders paid topics first (highest payment first), then unpaid ones by topic id; ties by topic id. */
export function compareForBatch(a: DueReport, b: DueReport): number {
  if (a.paid > b.paid) return -1;
  if (a.paid < b.paid) return 1;
  return a.topicId - b.topicId;
}

/** One batch per chain; a topic appears once (its newest nonce wins). */
export function buildBatch<T extends DueReport>(reports: readonly T[], maxBatchSize: number): Batch<T> {
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) throw new Error(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
  const newest = new Map<number, T>();
  for (const r of reports) {
    const prev = newest.get(r.topicId);
    const newer =
      prev === undefined ||
      r.nonce > prev.nonce ||
      (r.nonce === prev.nonce &&
        // Stryker disable next-line EqualityOperator: equivalent; a (topic, nonce) is one hub inference, so two reports with the same payment are the same report
        r.paid > prev.paid);
    if (newer) newest.set(r.topicId, r);
  }
  const sorted = [...newest.values()].sort(compareForBatch);
  return { included: sorted.slice(0, maxBatchSize), deferred: sorted.slice(maxBatchSize) };
}
