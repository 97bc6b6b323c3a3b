/**
 * Follows one bridge's queued deliveries (TransferQueued logs) and says which are due for `releaseQueued`:
 * still queued and not held on chain, past the bridge's minimum wait, and fitting the refilled inbound limit of
 * their source, oldest first (queued.ts). The chain is read each pass; the memory here is only the list of ids
 * to look at, rebuilt from the logs after a restart.
 */
import { Contract, type Provider } from "ethers";
import type { Logger } from "pino";
import { bridgeInterface } from "./deliver";
import { dueReleases, type QueuedTransfer } from "./queued";

export interface ReleaseQueuedJobData {
  kind: "releaseQueued";
  chain: string;
  transferId: string;
}

export const releaseQueuedJobId = (chain: string, transferId: string) => `${chain}.releaseq.${transferId.toLowerCase()}`;

const QUEUED_TOPIC = bridgeInterface.getEvent("TransferQueued")!.topicHash;
const MAX_RANGE = 2_000;

export class QueuedTracker {
  private scanned: number;
  /** transferId -> source chain, for transfers seen queued and not yet seen released */
  private readonly open = new Map<string, bigint>();

  constructor(
    private readonly chain: string,
    private readonly bridge: string,
    startBlock: number,
    private readonly log: Logger,
  ) {
    this.scanned = startBlock - 1;
  }

  get openCount(): number {
    return this.open.size;
  }

  async due(provider: Provider): Promise<ReleaseQueuedJobData[]> {
    const head = await provider.getBlockNumber();
    while (this.scanned < head) {
      const to = Math.min(head, this.scanned + MAX_RANGE);
      const logs = await provider.getLogs({ address: this.bridge, fromBlock: this.scanned + 1, toBlock: to, topics: [QUEUED_TOPIC] });
      for (const l of logs) {
        const p = bridgeInterface.parseLog(l);
        if (p) this.open.set((p.args.transferId as string).toLowerCase(), p.args.sourceChain as bigint);
      }
      this.scanned = to;
    }
    if (this.open.size === 0) return [];
    const bridge = new Contract(this.bridge, bridgeInterface, provider);
    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    const window = (await bridge.limitWindow()) as bigint;
    const bySource = new Map<bigint, QueuedTransfer[]>();
    for (const [id, source] of [...this.open]) {
      const q = (await bridge.queuedTransfer(id)) as { amount: bigint; queuedAt: bigint; held: boolean };
      if (q.amount === 0n) {
        this.open.delete(id); // released or cancelled
        continue;
      }
      if (q.held) continue;
      bySource.set(source, [...(bySource.get(source) ?? []), { transferId: id, amount: q.amount, queuedAt: BigInt(q.queuedAt) }]);
    }
    const out: ReleaseQueuedJobData[] = [];
    for (const [source, queued] of bySource) {
      const [, , inboundCapacity, inboundAvailable] = (await bridge.limits(source)) as [bigint, bigint, bigint, bigint];
      const plan = dueReleases(queued, { capacity: inboundCapacity, available: inboundAvailable, at: now, window }, now, window);
      if (plan.blocked) this.log.warn({ alert: "queued_above_capacity", chain: this.chain, transferId: plan.blocked.transferId, amount: plan.blocked.amount.toString(), capacity: inboundCapacity.toString() }, "a queued transfer is above the inbound capacity: raise the limit");
      for (const q of plan.release) out.push({ kind: "releaseQueued", chain: this.chain, transferId: q.transferId });
    }
    return out;
  }
}
