/**
 * The attester's memos (digests, signed and refused batches, hub values, own signatures, synthesis verdicts)
 * live as long as the process: each is capped, the oldest entries forgotten first (Map and Set keep insertion
 * order). Forgetting costs only a recomputation or a hub query later, never a different answer.
 */
export function trimOldest(memo: Map<unknown, unknown> | Set<unknown>, max: number): void {
  while (memo.size > max) memo.delete(memo.keys().next().value);
}

/**
 * A capped memo of a pure function's results: `get` computes a key's value once while it is kept (a compute
 * that throws leaves nothing behind), the oldest entries forgotten first.
 */
export class BoundedMemo<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly max: number) {}

  get(key: K, compute: () => V): V {
    if (this.entries.has(key)) return this.entries.get(key) as V;
    const value = compute();
    this.set(key, value);
    return value;
  }

  /** Remembers a value known without computing it (e.g. the fields of a transaction this process signed). */
  set(key: K, value: V): void {
    this.entries.set(key, value);
    trimOldest(this.entries, this.max);
  }
}
