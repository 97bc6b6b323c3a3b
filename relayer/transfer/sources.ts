/**
 * The transfer pipeline's sources: they find transfers (hub deposits, EVM TransferSent logs) and turn each
 * into a job with a deterministic id. A checkpoint per source only rises and is written after the jobs are
 * durable, so a crash between the two re-adds jobs (a no-op: same ids), never skips one. A checkpoint that
 * Redis reports above what the source can have is corrupt: it is reported and ignored.
 */
import type { Logger } from "pino";
import type { Provider } from "ethers";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import { evmBridgeId, hubBridgeId } from "../../lib/eip712/bridge";
import type { SequencedDeposit } from "./deposits";
import type { HubDepositsLedger } from "./hub-deposits-ledger";
import { scanTransferSent, type SentTransfer, type SourceChain } from "./evm-source";
import type { DeliverJobData, EscrowJobData } from "./jobs";
import type { ReorgWatch, WatchedTransfer } from "./reorg-watch";

/** Where jobs go (the BullMQ queues in the daemon; a list in tests). Must be idempotent by job id. */
export interface TransferSink {
  deliver(job: DeliverJobData): Promise<void>;
  escrow(job: EscrowJobData): Promise<void>;
}

/** A number kept across restarts (Redis in the daemon): untrusted, so callers bound what they read. */
export interface CheckpointStore {
  get(): Promise<bigint | undefined>;
  set(value: bigint): Promise<void>;
}

/**
 * Hands a pass's jobs to the sink all at once (a burst of a few hundred was one Redis round trip after another,
 * seconds behind the chain). Every add is awaited before the caller raises its checkpoint, as before: the order
 * of the adds does not matter, each job's id is its own.
 */
async function addAll(sink: TransferSink, jobs: readonly (DeliverJobData | EscrowJobData)[]): Promise<void> {
  await Promise.all(jobs.map((job) => (job.kind === "deliver" ? sink.deliver(job) : sink.escrow(job))));
}

/** Hub deposit -> job: a delivery to its EVM destination, or a refund to its sender. */
export function depositJob(d: SequencedDeposit, hub: { chainId: bigint; escrow: string }, chainName: (id: bigint) => string | undefined, transferIdOf: (dest: bigint, seq: bigint) => string, sourceTime: number): DeliverJobData | EscrowJobData | undefined {
  const origin = { kind: "hub" as const, txHash: d.deposit.txHash, msgIndex: d.deposit.msgIndex, height: String(d.deposit.height) };
  if (d.kind === "refund") {
    return {
      kind: "refund",
      key: `${d.deposit.txHash}:${d.deposit.msgIndex}`,
      to: d.deposit.sender,
      coins: d.coins.map((c) => ({ denom: c.denom, amount: String(c.amount) })),
      reason: d.reason,
      origin,
      seenAt: Date.now(),
      sourceTime,
    };
  }
  const chain = chainName(d.destinationChain);
  if (!chain) return undefined;
  return {
    kind: "deliver",
    chain,
    sourceChain: String(hub.chainId),
    sourceBridge: hubBridgeId(hub.escrow),
    destinationChain: String(d.destinationChain),
    sequence: String(d.sequence),
    recipient: d.recipient,
    amount: String(d.amount),
    transferId: transferIdOf(d.destinationChain, d.sequence),
    origin,
    seenAt: Date.now(),
    sourceTime,
  };
}

/** EVM TransferSent -> job: a delivery on the destination chain, or a release from the hub escrow. */
export function sentJob(t: SentTransfer, src: { name: string }, hub: { chainId: bigint; denom: string }, chainName: (id: bigint) => string | undefined, sourceTime: number): DeliverJobData | EscrowJobData | undefined {
  const origin = { kind: "evm" as const, chain: src.name, txHash: t.txHash, blockNumber: t.blockNumber, logIndex: t.logIndex };
  if (t.destinationChain === hub.chainId) {
    if (t.recipient.kind !== "hub") return undefined;
    return {
      kind: "release",
      key: t.transferId,
      to: t.recipient.address,
      coins: [{ denom: hub.denom, amount: String(t.amount) }],
      transfer: { sourceChain: String(t.sourceChain), sourceBridge: evmBridgeId(t.bridge), sequence: String(t.sequence) },
      origin,
      seenAt: Date.now(),
      sourceTime,
    };
  }
  const chain = chainName(t.destinationChain);
  if (!chain || t.recipient.kind !== "evm") return undefined;
  return {
    kind: "deliver",
    chain,
    sourceChain: String(t.sourceChain),
    sourceBridge: evmBridgeId(t.bridge),
    destinationChain: String(t.destinationChain),
    sequence: String(t.sequence),
    recipient: t.recipient.address,
    amount: String(t.amount),
    transferId: t.transferId,
    origin,
    seenAt: Date.now(),
    sourceTime,
  };
}

export interface HubSourceDeps {
  ledger: HubDepositsLedger;
  hub: { chainId: bigint; escrow: string };
  comet: () => CometClient;
  chainName: (id: bigint) => string | undefined;
  transferIdOf: (dest: bigint, seq: bigint) => string;
  checkpoint: CheckpointStore;
  sink: TransferSink;
  log: Logger;
}

/** One pass of the hub source: scan to the head, add jobs for deposits above the checkpoint, raise it. */
export async function pollHubSource(deps: HubSourceDeps): Promise<number> {
  const comet = deps.comet();
  const head = BigInt((await comet.status()).syncInfo.latestBlockHeight);
  let from = await deps.checkpoint.get();
  if (from !== undefined && from > head) {
    deps.log.error({ alert: "corrupt_checkpoint", source: "hub", checkpoint: String(from), head: String(head) }, "transfer checkpoint above the hub head; ignoring it");
    from = undefined;
  }
  const fresh = (await deps.ledger.sync(comet, head)).filter((d) => from === undefined || d.deposit.height > from);
  // Block times (the latency metric's start) once per height, all at once.
  const heights = [...new Set(fresh.map((d) => d.deposit.height))];
  const times = new Map(
    await Promise.all(
      heights.map(async (h) => {
        const meta = (await comet.blockchain(Number(h), Number(h))).blockMetas[0];
        return [h, meta ? Math.floor(meta.header.time.getTime() / 1000) : 0] as const;
      }),
    ),
  );
  const jobs: (DeliverJobData | EscrowJobData)[] = [];
  for (const d of fresh) {
    const job = depositJob(d, deps.hub, deps.chainName, deps.transferIdOf, times.get(d.deposit.height) ?? 0);
    if (!job) {
      deps.log.error({ alert: "unroutable_transfer", deposit: `${d.deposit.txHash}:${d.deposit.msgIndex}` }, "deposit to a destination this relayer does not serve");
      continue;
    }
    jobs.push(job);
  }
  await addAll(deps.sink, jobs);
  for (const job of jobs) deps.log.info({ stage: "seen", route: job.kind === "deliver" ? `hub->${job.chain}` : "hub-refund", id: job.kind === "deliver" ? job.transferId : job.key }, "transfer seen");
  const added = jobs.length;
  if (from === undefined || deps.ledger.scannedHeight > from) await deps.checkpoint.set(deps.ledger.scannedHeight);
  return added;
}

export interface EvmSourceDeps {
  name: string;
  src: SourceChain;
  provider: Provider;
  confirmations: number;
  /** where a first start (no checkpoint) begins: the bridge's deployment block */
  startBlock: number;
  hub: { chainId: bigint; denom: string };
  chainName: (id: bigint) => string | undefined;
  checkpoint: CheckpointStore;
  sink: TransferSink;
  log: Logger;
  maxRange?: number;
  /** the transfers handed on recently, re-checked every pass (a burn gone after its confirmations is alerted) */
  reorgWatch?: ReorgWatch;
  /** told of each such burn after it is logged (a metric) */
  onSourceReorged?: (w: WatchedTransfer) => void;
}

/** One pass of an EVM source: TransferSent logs up to head - confirmations + 1, jobs, then the checkpoint. */
export async function pollEvmSource(deps: EvmSourceDeps): Promise<number> {
  const head = await deps.provider.getBlockNumber();
  for (const w of (await deps.reorgWatch?.check(deps.provider, head)) ?? []) {
    deps.log.error(
      { alert: "transfer_source_reorged", source: deps.name, transferId: w.transferId, txHash: w.txHash, blockNumber: w.blockNumber, confirmations: deps.confirmations },
      `transfer ${w.transferId}: its burn on ${deps.name} (tx ${w.txHash}, block ${w.blockNumber}) is no longer in the chain after it reached its ${deps.confirmations} confirmations (a reorg deeper than them); its delivery may be paid without the burn: check the supply (relayer reconcile) and raise chains[].confirmations`,
    );
    deps.onSourceReorged?.(w);
  }
  let scanned = await deps.checkpoint.get();
  if (scanned !== undefined && scanned > BigInt(head)) {
    deps.log.error({ alert: "corrupt_checkpoint", source: deps.name, checkpoint: String(scanned), head }, "transfer checkpoint above the chain head (a reorg deeper than the confirmations, a reset chain, or a corrupt checkpoint); rescanning from the bridge's start block");
    scanned = undefined;
  }
  const from = scanned === undefined ? deps.startBlock : Number(scanned) + 1;
  const to = head - Math.max(deps.confirmations, 1) + 1;
  if (to < from) return 0;
  const sent = await scanTransferSent(deps.provider, deps.src, from, to, deps.maxRange, (e) =>
    deps.log.error({ alert: "malformed_transfer_log", source: deps.name, err: e.message }, "TransferSent log refused"),
  );
  // Block times (the latency metric's start) once per block, all at once (one batched round trip).
  const blocks = [...new Set(sent.map((t) => t.blockNumber))];
  const times = new Map(await Promise.all(blocks.map(async (b) => [b, (await deps.provider.getBlock(b))?.timestamp ?? 0] as const)));
  const jobs: { t: SentTransfer; job: DeliverJobData | EscrowJobData }[] = [];
  for (const t of sent) {
    const job = sentJob(t, { name: deps.name }, deps.hub, deps.chainName, times.get(t.blockNumber) ?? 0);
    if (!job) {
      deps.log.error({ alert: "unroutable_transfer", source: deps.name, transferId: t.transferId, destination: String(t.destinationChain) }, "transfer to a destination this relayer does not serve");
      continue;
    }
    jobs.push({ t, job });
  }
  await addAll(deps.sink, jobs.map((j) => j.job));
  deps.reorgWatch?.add(jobs.map((j) => j.t));
  for (const { t, job } of jobs) deps.log.info({ stage: "seen", route: `${deps.name}->${job.kind === "deliver" ? job.chain : "hub"}`, id: t.transferId, txHash: t.txHash }, "transfer seen");
  await deps.checkpoint.set(BigInt(to));
  return jobs.length;
}
