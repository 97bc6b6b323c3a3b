/**
 * When each block appeared, on one clock: this process's. A chain's own block timestamps cannot be compared
 * across chains here: a Hardhat chain that mined faster than one block a second (the deploy, the faucet) keeps
 * timestamps ahead of the wall clock for the rest of its life (each block is its parent + 1 s at least), by a
 * different amount on every chain, and EVM timestamps are whole seconds. Measured on the bridge bench: source
 * blocks 6-11 s "in the future" of the relayer's log clock. So the benchmarks poll every chain's head and
 * remember when each new height was first seen; latency is the difference of two first sightings.
 */

/** A source of block heights: an EVM provider's getBlockNumber, a hub's latest height. */
export type HeadReader = () => Promise<number>;

export class BlockClock {
  private readonly seen = new Map<string, Map<number, number>>();
  private readonly heads = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private polling = false;

  /** @param pollMs how often each head is read: the sightings are late by up to this plus one RPC round trip */
  constructor(
    private readonly readers: Record<string, HeadReader>,
    readonly pollMs = 100,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    void this.poll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.polling) return; // a slow RPC must not stack polls (their sightings would be late anyway)
    this.polling = true;
    try {
      const now = Date.now();
      await Promise.all(
        Object.entries(this.readers).map(async ([chain, read]) => {
          const head = await read().catch(() => undefined);
          if (head === undefined) return;
          const m = this.seen.get(chain) ?? new Map<number, number>();
          this.seen.set(chain, m);
          // Heights passed over between two polls get this sighting too: they were in the chain by now.
          const from = Math.max((this.heads.get(chain) ?? head - 1) + 1, head - 64);
          for (let h = from; h <= head; h++) if (!m.has(h)) m.set(h, now);
          this.heads.set(chain, Math.max(head, this.heads.get(chain) ?? head));
        }),
      );
    } finally {
      this.polling = false;
    }
  }

  /** When `height` of `chain` was first seen (ms, this process's clock), or undefined if it never was. */
  at(chain: string, height: number): number | undefined {
    return this.seen.get(chain)?.get(height);
  }

  /** How many heights of `chain` have a sighting. */
  count(chain: string): number {
    return this.seen.get(chain)?.size ?? 0;
  }
}
