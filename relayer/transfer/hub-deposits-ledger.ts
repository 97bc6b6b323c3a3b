/**
 * The hub deposits as one attester knows them: every deposit into the escrow since the bridge start height,
 * decided (transfer with its sequence, or refund with its reason), built only from this attester's own hub
 * node. The watcher turns new decisions into jobs; the attester checks a job against this table before it
 * signs. Nothing here comes from Redis.
 *
 * CometBFT indexes a block's txs asynchronously after the commit, so a scan stops `indexLagBlocks` below the
 * head: a deposit that was not indexed yet would otherwise be skipped for good and every later sequence to
 * its destination would be off by one.
 */
import type { CometClient } from "@cosmjs/tendermint-rpc";
import {
  assignSequences,
  EMPTY_SEQUENCE_STATE,
  type DepositRules,
  type SequencedDeposit,
  type SequenceState,
} from "./deposits";
import { scanDeposits } from "./hub-ledger";

export interface HubDepositsOptions {
  escrow: string;
  rules: DepositRules;
  /** the first hub height whose deposits the bridge carries */
  startHeight: bigint;
  /** blocks below the head a scan stops at (tx indexing lag); default 2 */
  indexLagBlocks?: number;
  /** most heights per tx_search; default 5,000 */
  maxRange?: number;
}

export const depositKey = (txHash: string, msgIndex: number) => `${txHash.toUpperCase()}:${msgIndex}`;

export class HubDepositsLedger {
  private state: SequenceState = EMPTY_SEQUENCE_STATE;
  private scanned: bigint;
  private readonly byKey = new Map<string, SequencedDeposit>();
  private readonly unreadable: { txHash: string; height: bigint; why: string }[] = [];

  constructor(private readonly opts: HubDepositsOptions) {
    this.scanned = opts.startHeight - 1n;
  }

  get scannedHeight(): bigint {
    return this.scanned;
  }

  get sequenceState(): SequenceState {
    return this.state;
  }

  /** Txs that paid the escrow without a readable deposit (funds nobody can attribute: alert). */
  get unattributed(): readonly { txHash: string; height: bigint; why: string }[] {
    return this.unreadable;
  }

  /** This attester's decision for a deposit, if it has scanned that far. */
  lookup(txHash: string, msgIndex: number): SequencedDeposit | undefined {
    return this.byKey.get(depositKey(txHash, msgIndex));
  }

  private syncing: Promise<unknown> = Promise.resolve();

  /**
   * Scans from the last scanned height to `head - indexLagBlocks` and returns the new decisions in hub
   * order. Calls are serialised (the source loop and the attester's check both sync): each continues from
   * where the previous one ended.
   */
  sync(comet: CometClient, head: bigint): Promise<SequencedDeposit[]> {
    const run = this.syncing.then(() => this.syncNow(comet, head));
    this.syncing = run.catch(() => undefined);
    return run;
  }

  private async syncNow(comet: CometClient, head: bigint): Promise<SequencedDeposit[]> {
    const lag = BigInt(this.opts.indexLagBlocks ?? 2);
    const maxRange = BigInt(this.opts.maxRange ?? 5_000);
    const target = head - lag;
    const fresh: SequencedDeposit[] = [];
    while (this.scanned < target) {
      const from = this.scanned + 1n;
      const to = from + maxRange - 1n < target ? from + maxRange - 1n : target;
      const scan = await scanDeposits(comet, this.opts.escrow, from, to);
      const { decided, state } = assignSequences(scan.deposits, this.opts.rules, this.state);
      // Commit the range only once all of it is read: a failed page leaves the state where it was.
      this.state = state;
      for (const d of decided) this.byKey.set(depositKey(d.deposit.txHash, d.deposit.msgIndex), d);
      this.unreadable.push(...scan.unreadable);
      this.scanned = to;
      fresh.push(...decided);
    }
    return fresh;
  }
}
