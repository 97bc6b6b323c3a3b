/**
 * Burns that vanish after their confirmations. An EVM source hands a transfer on once it is `confirmations`
 * deep; a reorg deeper than that can still remove the burn, and by then the delivery (or the hub release) may
 * be paid: tokens out without tokens in. Nothing can undo that; it must be seen at once. This keeps the
 * transfers a source handed on during the last `windowBlocks` blocks and, on every pass, re-reads the block
 * of the newest one: a reorg replaces a suffix of the chain, so while that block is unchanged every older one
 * is too (one `getBlock` per pass). When it changed, each watched transfer is looked up again: still mined
 * (possibly in another block) it stays watched; gone, it is returned for the caller to report.
 */
import type { Provider } from "ethers";
import type { SentTransfer } from "./evm-source";

export interface WatchedTransfer {
  transferId: string;
  txHash: string;
  blockNumber: number;
  blockHash: string;
}

export class ReorgWatch {
  /** oldest first */
  private watched: WatchedTransfer[] = [];

  constructor(private readonly windowBlocks = 128) {}

  get size(): number {
    return this.watched.length;
  }

  add(transfers: readonly SentTransfer[]): void {
    for (const t of transfers) this.watched.push({ transferId: t.transferId, txHash: t.txHash, blockNumber: t.blockNumber, blockHash: t.blockHash });
    this.watched.sort((a, b) => a.blockNumber - b.blockNumber);
  }

  /** The watched transfers no longer in the chain (removed from the watch); forgets those older than the window. */
  async check(provider: Provider, head: number): Promise<WatchedTransfer[]> {
    this.watched = this.watched.filter((w) => w.blockNumber > head - this.windowBlocks);
    const newest = this.watched[this.watched.length - 1];
    if (!newest || (await canonical(provider, newest.blockNumber, newest.blockHash))) return [];
    const gone: WatchedTransfer[] = [];
    const kept: WatchedTransfer[] = [];
    for (const w of this.watched) {
      if (await canonical(provider, w.blockNumber, w.blockHash)) {
        kept.push(w);
        continue;
      }
      const r = await provider.getTransactionReceipt(w.txHash);
      if (r && r.status === 1 && (await canonical(provider, r.blockNumber, r.blockHash))) kept.push({ ...w, blockNumber: r.blockNumber, blockHash: r.blockHash });
      else gone.push(w);
    }
    this.watched = kept.sort((a, b) => a.blockNumber - b.blockNumber);
    return gone;
  }
}

async function canonical(provider: Provider, blockNumber: number, blockHash: string): Promise<boolean> {
  const b = await provider.getBlock(blockNumber);
  return b?.hash === blockHash;
}
