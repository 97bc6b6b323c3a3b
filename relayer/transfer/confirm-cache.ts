/**
 * Source checks this process made, remembered for a short while: a transfer confirmed at depth on this
 * instance's own RPC is not read again for the same claim within `ttlMs`. A burst checked every EVM -> hub
 * release twice or more (the escrow payer's batch, each retry of a batch, the co-signer) and each delivery
 * once per attempt, three RPC round trips each against the chains the deliveries need.
 *
 * Only "confirmed" is remembered (pending, gone and mismatch are read again), keyed by everything the claim
 * says, so a job whose (untrusted) content differs is checked on its own. The memory is this process's, never
 * Redis. A confirmation older than ttlMs is read again, which bounds how long a reorg deeper than the
 * configured confirmations (outside what the relayer defends against anyway) could go unnoticed.
 */
import type { Confirmation, SentTransfer } from "./evm-source";

const MAX_ENTRIES = 20_000;

export class ConfirmCache {
  private readonly confirmed = new Map<string, { at: number; c: Confirmation }>();

  constructor(private readonly ttlMs = 30_000) {}

  static keyOf(chain: string, claimed: SentTransfer, confirmations: number): string {
    return JSON.stringify([chain, confirmations, claimed], (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  }

  /** `confirm`'s answer for the claim, from memory when it confirmed the same claim less than ttlMs ago. */
  async confirm(key: string, confirm: () => Promise<Confirmation>): Promise<Confirmation> {
    const hit = this.confirmed.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.c;
    const c = await confirm();
    if (c.state === "confirmed") {
      this.confirmed.delete(key);
      this.confirmed.set(key, { at: Date.now(), c });
      if (this.confirmed.size > MAX_ENTRIES) this.confirmed.delete(this.confirmed.keys().next().value as string);
    } else this.confirmed.delete(key);
    return c;
  }
}
