/**
 * Local nonce tracking for one submitter key on one chain. The next nonce is kept in memory so
 * back-to-back batches need no round trip; after ANY send error (or a replacement we did not make) the
 * manager forgets it and re-reads the chain's pending count on the next use.
 */
export interface NonceSource {
  /** the account's transaction count including pending transactions */
  pendingNonce(): Promise<number>;
}

export class NonceManager {
  private next: number | undefined;

  constructor(private readonly source: NonceSource) {}

  /** The nonce for a new transaction; it stays reserved until `confirm` or `resync`. */
  async take(): Promise<number> {
    if (this.next === undefined) this.next = await this.source.pendingNonce();
    return this.next;
  }

  /** The transaction with `nonce` was accepted by the node; the next new one uses nonce + 1. */
  confirm(nonce: number): void {
    this.next = Math.max(this.next ?? 0, nonce + 1);
  }

  /** Forget the local count; the next `take` re-reads it from the chain. */
  resync(): void {
    this.next = undefined;
  }

  /** The locally known next nonce (undefined after a resync), for metrics and tests. */
  peek(): number | undefined {
    return this.next;
  }
}
