/**
 * Recent oracle values per (chain, topic), as this relayer saw them on chain since it started: one point per
 * new nonce, the newest `max` kept. Feeds the explorer's small charts; the current value itself is always
 * the chain's (the watcher's on-chain cache), never this history.
 */
export interface ValuePoint {
  nonce: string;
  /** decimal */
  value: string;
  /** hub time of the value, Unix seconds */
  timestamp: number;
}

export class ValueHistory {
  private readonly series = new Map<string, ValuePoint[]>();

  constructor(private readonly max = 60) {}

  /** Adds a point when its nonce is newer than the last one kept for the pair. */
  record(chain: string, topicId: number, point: ValuePoint): void {
    const key = `${chain}/${topicId}`;
    const list = this.series.get(key) ?? [];
    const last = list[list.length - 1];
    if (last && BigInt(last.nonce) >= BigInt(point.nonce)) return;
    list.push(point);
    if (list.length > this.max) list.splice(0, list.length - this.max);
    this.series.set(key, list);
  }

  of(chain: string, topicId: number): readonly ValuePoint[] {
    return this.series.get(`${chain}/${topicId}`) ?? [];
  }
}
