/**
 * A per-chain spend budget over a sliding hour: what this process paid in fees (from its own receipts)
 * plus the most the next transaction could cost (gas limit x max fee) must stay within the budget, or the
 * transaction is not signed. It bounds what any hostile input (jobs, journal entries, RPC answers) can
 * burn per hour. Kept in memory on purpose: Redis is untrusted, and an attacker who could reset a Redis
 * counter could lift the limit. A restarted process starts a fresh window (see relayer/README.md).
 */
const HOUR_MS = 3_600_000;

export class SpendBudget {
  private readonly spent: Array<{ at: number; wei: bigint; hash: string }> = [];
  private readonly counted = new Set<string>();

  constructor(
    /** the budget per hour, in wei */
    readonly perHourWei: bigint,
    private readonly now: () => number = Date.now,
  ) {}

  /** Fees paid in the last hour (wei). */
  spentLastHour(): bigint {
    const cutoff = this.now() - HOUR_MS;
    while (this.spent.length && this.spent[0].at <= cutoff) this.counted.delete(this.spent.shift()!.hash);
    return this.spent.reduce((s, e) => s + e.wei, 0n);
  }

  /** Whether a transaction that may cost up to `worstCaseWei` fits in what is left of the hour. */
  allows(worstCaseWei: bigint): boolean {
    return this.spentLastHour() + worstCaseWei <= this.perHourWei;
  }

  /** Counts a mined transaction's fee once (the same receipt may be seen by several attempts). */
  record(hash: string, wei: bigint): void {
    if (this.counted.has(hash)) return;
    this.counted.add(hash);
    this.spent.push({ at: this.now(), wei, hash });
  }
}
