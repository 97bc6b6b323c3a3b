/**
 * The attester's memos (digests, signed and refused batches, hub values, own signatures, synthesis verdicts)
 * live as long as the process: each is capped, the oldest entries forgotten first (Map and Set keep insertion
 * order). Forgetting costs only a recomputation or a hub query later, never a different answer.
 */
export function trimOldest(memo: Map<unknown, unknown> | Set<unknown>, max: number): void {
  while (memo.size > max) memo.delete(memo.keys().next().value);
}
