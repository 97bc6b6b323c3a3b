/**
 * Block store: the blocks the devnet produced, their results and a transaction index, with a
 * bounded retention (older heights answer like a pruned CometBFT node).
 */
import { sha256 } from "@cosmjs/crypto";
import { toHex, toUtf8 } from "@cosmjs/encoding";
import { AbciEvent } from "./events";

export interface TxResult {
  code: number;
  codespace: string;
  log: string;
  data: Uint8Array;
  gasWanted: bigint;
  gasUsed: bigint;
  events: AbciEvent[];
}

export interface BlockRecord {
  height: number;
  time: Date;
  /** upper-case hex */
  hash: string;
  lastBlockHash: string;
  appHash: string;
  dataHash: string;
  lastCommitHash: string;
  lastResultsHash: string;
  txs: Uint8Array[];
  txHashes: string[];
  txResults: TxResult[];
  finalizeEvents: AbciEvent[];
  /** approximate size in bytes */
  size: number;
}

export interface TxLocation {
  height: number;
  index: number;
}

export function txHash(tx: Uint8Array): string {
  return toHex(sha256(tx)).toUpperCase();
}

export function hashHex(...parts: string[]): string {
  return toHex(sha256(toUtf8(parts.join("|")))).toUpperCase();
}

export class BlockStore {
  private blocks = new Map<number, BlockRecord>();
  private txIndex = new Map<string, TxLocation>();
  latestHeight = 0;
  earliestHeight = 0;

  constructor(private readonly retention: number) {}

  add(b: BlockRecord): void {
    this.blocks.set(b.height, b);
    b.txHashes.forEach((h, index) => this.txIndex.set(h, { height: b.height, index }));
    this.latestHeight = b.height;
    if (this.earliestHeight === 0) this.earliestHeight = b.height;
    while (this.latestHeight - this.earliestHeight + 1 > this.retention) {
      const old = this.blocks.get(this.earliestHeight);
      if (old) for (const h of old.txHashes) this.txIndex.delete(h);
      this.blocks.delete(this.earliestHeight);
      this.earliestHeight += 1;
    }
  }

  get(height: number): BlockRecord | undefined {
    return this.blocks.get(height);
  }

  latest(): BlockRecord | undefined {
    return this.blocks.get(this.latestHeight);
  }

  findTx(hash: string): TxLocation | undefined {
    return this.txIndex.get(hash.toUpperCase());
  }

  /** all indexed transactions in height/index order, optionally only those in heights [from, to] */
  *allTxs(from = this.earliestHeight, to = this.latestHeight): Generator<{ block: BlockRecord; index: number }> {
    for (let h = Math.max(from, this.earliestHeight); h <= Math.min(to, this.latestHeight); h++) {
      const b = this.blocks.get(h);
      if (!b) continue;
      for (let i = 0; i < b.txs.length; i++) yield { block: b, index: i };
    }
  }
}
