/**
 * Batching, as pure functions: the due topics of a chain, paid topics first (highest payment first), then by
 * topic id; `buildBatch` caps one transaction at `maxBatchSize` reports (the rest deferred), `splitBatches`
 * cuts them all into transactions of at most `perTx` reports (1,000 topics: ten transactions an epoch), and
 * `reportsPerTx` sizes those transactions so that each fits the gas a transaction may use.
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

/**
 * The due reports (newest nonce per topic), ordered as in `buildBatch`, cut into consecutive batches of at most
 * `perTx`: nothing is deferred. The cut is deterministic (same reports, same batches), so two instances that
 * schedule the same hub block build the same jobs and the claim table lets each (topic, nonce) into one.
 */
export function splitBatches<T extends DueReport>(reports: readonly T[], perTx: number): T[][] {
  const { included } = buildBatch(reports, Number.MAX_SAFE_INTEGER);
  if (!Number.isInteger(perTx) || perTx < 1) throw new Error(`reports per transaction must be a positive integer, got ${perTx}`);
  const out: T[][] = [];
  for (let i = 0; i < included.length; i += perTx) out.push(included.slice(i, i + perTx));
  return out;
}

/**
 * How many reports one transaction may carry: `maxBatchSize`, or fewer when `gasCap` (the chain's per-transaction
 * cap, itself at most the block gas limit) cannot hold that many reports at `gasPerReport` (a first write, the
 * costliest) on top of `gasPerTx`. A transaction above the block gas limit would never be mined; one above the
 * cap would be refused before signing. At least 1 (a cap too small for even one report is refused by the sender).
 */
export function reportsPerTx(maxBatchSize: number, gasCap: number, gasPerReport: number, gasPerTx: number): number {
  const fit = Math.floor((gasCap - gasPerTx) / gasPerReport);
  return Math.max(1, Math.min(maxBatchSize, fit));
}
