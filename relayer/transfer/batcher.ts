/**
 * Several deliveries to one chain in one transaction: `AlloraBridge.multicall([deliver, deliver, …])`.
 *
 * Each delivery job still runs its own attestation and signature collection; once its calldata is ready it
 * hands it here and waits. The batcher groups what is ready (in arrival order, up to a cap) into one
 * multicall and sends it with the chain's one submitter (its key, nonce sequence and turn order, shared with
 * inference batches), at most `maxInFlight` batches at a time, so a burst fills the next batch while the
 * previous one is mined. Every member's journal records the batch transaction before it is broadcast, so a
 * job restarted after a crash resumes from it (deliverIntent accepts a multicall that contains its delivery).
 *
 * Exactly once does not rest on the batcher: the bridge turns a second delivery of a transfer into a no-op,
 * and each job reads its own transfer's event in the receipt (no event in a successful batch = it was already
 * delivered). A batch that does not simulate (one bad delivery reverts the whole multicall) is not retried as
 * a batch: its members go singly, which isolates the bad one and lets the others land.
 */
import type { TransactionReceipt } from "ethers";
import type { Logger } from "pino";
import type { Journal, SentTx } from "../submit/sender";
import { contractIntent, type TxIntent } from "../submit/intent";
import { bridgeInterface } from "./deliver";

/** A batch is sent singly instead: the batch did not simulate, or the batcher is closed. */
export const SEND_SINGLY = Symbol("send singly");

export interface BatchSender {
  /**
   * One transaction through the chain's submitter (turn, nonce, journal, fee bumps); resolves with its receipt
   * once it has its confirmations. `onMined` hears of it as soon as it is in a block.
   */
  send(intent: TxIntent, journal: Journal, onMined?: () => void): Promise<TransactionReceipt>;
  /** whether an error means the batch's calldata reverts (simulation), so it should be split */
  isRevert(e: unknown): boolean;
}

interface Member {
  calldata: string;
  journal: Journal;
  resolve(r: TransactionReceipt | typeof SEND_SINGLY): void;
  reject(e: unknown): void;
}

/** The multicall of several `deliver` calldatas. */
export function multicallData(calldatas: readonly string[]): string {
  return bridgeInterface.encodeFunctionData("multicall", [calldatas]);
}

/**
 * A journal over every member's journal: each transaction of the batch is recorded in all of them (before
 * the broadcast, as the sender requires); entries are the batch's own, so an earlier attempt of one member
 * (which goes singly anyway) is never mixed in.
 */
export function batchJournal(members: readonly Journal[]): Journal {
  const own: SentTx[] = [];
  return {
    entries: () => own,
    record: async (tx) => {
      await Promise.all(members.map((j) => j.record(tx)));
      own.push(tx);
    },
  };
}

export class DeliveryBatcher {
  private readonly pending: Member[] = [];
  private inFlight = 0;
  private closed = false;

  constructor(
    private readonly opts: {
      chain: string;
      bridge: string;
      /** most deliveries in one transaction */
      cap: number;
      /** most batch transactions waiting to be mined at once */
      maxInFlight: number;
      sender: BatchSender;
      log: Logger;
      /** a batch is sent this long after its first member arrived, unless it fills up first */
      lingerMs?: number;
      /** called per batch sent (size, outcome) for metrics */
      onBatch?(size: number, outcome: "sent" | "split" | "failed"): void;
    },
  ) {}

  /**
   * Waits for the transaction that carries `calldata` (a `deliver` of this bridge). Resolves with its receipt,
   * or SEND_SINGLY when the caller should send this delivery on its own; rejects when the batch transaction
   * failed for another reason (the job is retried and resumes from its journal).
   */
  submit(calldata: string, journal: Journal): Promise<TransactionReceipt | typeof SEND_SINGLY> {
    if (this.closed) return Promise.resolve(SEND_SINGLY);
    return new Promise((resolve, reject) => {
      this.pending.push({ calldata, journal, resolve, reject });
      this.schedule();
    });
  }

  /** Hands everything still waiting back to its job (sent singly), and takes no more. */
  close(): void {
    this.closed = true;
    for (const m of this.pending.splice(0)) m.resolve(SEND_SINGLY);
  }

  private timer?: NodeJS.Timeout;

  private schedule(): void {
    if (this.inFlight >= this.opts.maxInFlight || this.pending.length === 0) return;
    if (this.pending.length >= this.opts.cap || !this.opts.lingerMs) {
      this.flush();
      return;
    }
    // A short linger lets deliveries that became ready together share a transaction.
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.opts.lingerMs);
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.inFlight < this.opts.maxInFlight && this.pending.length > 0) {
      const batch = this.pending.splice(0, this.opts.cap);
      this.inFlight++;
      // The slot is free once the batch is in a block (maxInFlight bounds transactions waiting to be mined):
      // holding it through the confirmations kept the next batch waiting a block for nothing.
      let freed = false;
      const free = () => {
        if (freed) return;
        freed = true;
        this.inFlight--;
        this.schedule();
      };
      void this.sendBatch(batch, free).finally(free);
    }
  }

  private async sendBatch(batch: Member[], onMined: () => void): Promise<void> {
    const { sender, log, chain } = this.opts;
    const data = multicallData(batch.map((m) => m.calldata));
    try {
      const receipt = await sender.send(contractIntent(this.opts.bridge, data), batchJournal(batch.map((m) => m.journal)), onMined);
      log.debug({ chain, size: batch.length, txHash: receipt.hash, gasUsed: receipt.gasUsed.toString() }, "delivery batch mined");
      this.opts.onBatch?.(batch.length, "sent");
      for (const m of batch) m.resolve(receipt);
    } catch (e) {
      if (sender.isRevert(e) && batch.length > 1) {
        // One delivery (or more) reverts the whole multicall: each goes on its own, the bad one alone fails.
        log.warn({ chain, size: batch.length, err: (e as Error).message }, "delivery batch does not simulate; sending its deliveries singly");
        this.opts.onBatch?.(batch.length, "split");
        for (const m of batch) m.resolve(SEND_SINGLY);
        return;
      }
      this.opts.onBatch?.(batch.length, "failed");
      for (const m of batch) m.reject(e);
    }
  }
}
