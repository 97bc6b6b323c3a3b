/**
 * What happened on a chain's oracle over a block range: every transaction sent to it (sender, nonce,
 * gas) and every report it stored or skipped. The e2e test checks delivery invariants on this; the
 * benchmark computes transactions per epoch and gas per topic update from it.
 */
import { ethers } from "ethers";

const EVENTS = new ethers.Interface([
  "event InferenceUpdated(uint64 indexed topicId, int256 value, uint64 nonce, uint64 timestamp)",
  "event ReportSkipped(uint64 indexed topicId, uint64 nonce, uint64 storedNonce)",
]);
const UPDATED = EVENTS.getEvent("InferenceUpdated")!.topicHash;
const SKIPPED = EVENTS.getEvent("ReportSkipped")!.topicHash;

export interface OracleReportEvent {
  kind: "updated" | "skipped";
  topicId: number;
  /** hub nonce of the report */
  nonce: bigint;
  value?: bigint;
  storedNonce?: bigint;
  blockNumber: number;
  txHash: string;
}

export interface OracleTx {
  hash: string;
  from: string;
  /** the sender's account nonce */
  nonce: number;
  blockNumber: number;
  gasUsed: bigint;
  status: number;
  /** reports in this transaction that were stored */
  updated: number;
  skipped: number;
}

export interface OracleActivity {
  events: OracleReportEvent[];
  txs: OracleTx[];
}

/**
 * Every oracle transaction and report event in blocks [fromBlock, toBlock]. With `onlyBlocksWithEvents`,
 * transactions are read only from blocks with a report event it accepts (much faster over long ranges;
 * an oracle transaction without such an event is then not seen).
 */
export async function oracleActivity(
  provider: ethers.JsonRpcProvider,
  oracle: string,
  fromBlock: number,
  toBlock: number,
  opts: { onlyBlocksWithEvents?: (e: OracleReportEvent) => boolean } = {},
): Promise<OracleActivity> {
  const logs = await provider.getLogs({ address: oracle, fromBlock, toBlock, topics: [[UPDATED, SKIPPED]] });
  const events: OracleReportEvent[] = logs.map((log) => {
    const parsed = EVENTS.parseLog(log)!;
    const base = {
      topicId: Number(parsed.args.topicId),
      nonce: parsed.args.nonce as bigint,
      blockNumber: log.blockNumber,
      txHash: log.transactionHash,
    };
    return log.topics[0] === UPDATED
      ? { kind: "updated" as const, value: parsed.args.value as bigint, ...base }
      : { kind: "skipped" as const, storedNonce: parsed.args.storedNonce as bigint, ...base };
  });
  const txs: OracleTx[] = [];
  const oracleLower = oracle.toLowerCase();
  const blocks: number[] = [];
  const wanted = opts.onlyBlocksWithEvents;
  if (wanted) blocks.push(...new Set(events.filter(wanted).map((e) => e.blockNumber)));
  else for (let n = fromBlock; n <= toBlock; n++) blocks.push(n);
  for (const n of blocks) {
    const block = await provider.getBlock(n, true);
    if (!block) continue;
    for (const tx of block.prefetchedTransactions) {
      if (tx.to?.toLowerCase() !== oracleLower) continue;
      const receipt = await provider.getTransactionReceipt(tx.hash);
      if (!receipt) continue;
      const mine = events.filter((e) => e.txHash === tx.hash);
      txs.push({
        hash: tx.hash,
        from: tx.from,
        nonce: tx.nonce,
        blockNumber: n,
        gasUsed: receipt.gasUsed,
        status: receipt.status ?? 0,
        updated: mine.filter((e) => e.kind === "updated").length,
        skipped: mine.filter((e) => e.kind === "skipped").length,
      });
    }
  }
  return { events, txs };
}

/** (topic, nonce) pairs that appear in more than one report event: a report delivered twice. */
export function duplicateReports(events: OracleReportEvent[]): string[] {
  const count = new Map<string, number>();
  for (const e of events) {
    const key = `topic ${e.topicId} nonce ${e.nonce}`;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  return [...count.entries()].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);
}
