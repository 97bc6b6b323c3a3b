/**
 * Supply reconciliation from the truth: every transfer ever sent (hub deposits since the bridge start height,
 * each chain's TransferSent since its bridge's start block) checked against its destination (the bridge's
 * replay state and queue, the escrow's ledger), the EVM supplies and the escrow's balance and fees. Nothing
 * comes from Redis. Used by `relayer reconcile`, the tests and the benchmark; O(transfers) reads.
 */
import { Contract, type Provider } from "ethers";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import { StargateClient } from "@cosmjs/stargate";
import { evmBridgeId, hubBridgeId, transferId } from "../../lib/eip712/bridge";
import { assignSequences, type DepositRules } from "./deposits";
import { bridgeInterface } from "./deliver";
import { scanTransferSent } from "./evm-source";
import { scanDeposits, scanEscrowSends } from "./hub-ledger";
import { escrowLedger, feesPaid, refundKey } from "./release";
import { reconcile, type InFlight, type Reconciliation } from "./reconcile";
import type { AxelarAdapterRef } from "./axelar/config";
import { axelarInFlight } from "./axelar/inflight";
import { depositJob, sentJob } from "./sources";
import type { DeliverJobData, EscrowJobData } from "./jobs";

export interface ReconcileChain {
  name: string;
  chainId: bigint;
  provider: Provider;
  bridge: string;
  startBlock: number;
  /** with `withJobs`: a transfer gets a job only at this depth (what the chain's source waits for), default 1 */
  confirmations?: number;
}

export interface ReconcileInput {
  comet: CometClient;
  hubChain: bigint;
  hubPrefix: string;
  escrow: string;
  denom: string;
  startHeight: bigint;
  /** uallo in the escrow backing nothing at startHeight */
  float: bigint;
  rules: DepositRules;
  chains: readonly ReconcileChain[];
  /** Per chain name, its Axelar adapter (transfers.axelar): those transfers count in flight until executed. */
  axelarAdapters?: Readonly<Record<string, AxelarAdapterRef>>;
  /** also build the job of every transfer in flight (report.jobs), for re-enqueueing (requeue.ts) */
  withJobs?: boolean;
  /**
   * Transfer ids (lower case) known minted and not queued at their destination: final, so not read again.
   * Kept by the caller in its own memory (never Redis); filled by this read.
   */
  settled?: Set<string>;
}

/** A transfer in flight and the job that carries it, built from the truth alone. */
export interface InFlightJob {
  stage: string;
  job: DeliverJobData | EscrowJobData;
}

export interface ReconcileReport extends Reconciliation {
  inFlightTransfers: InFlight[];
  feesPaid: bigint;
  hubHeight: bigint;
  /** with `withJobs`: the jobs of the transfers in flight that this relayer carries */
  jobs: InFlightJob[];
}

const TOKEN_ABI = ["function totalSupply() view returns (uint256)"];

/** One consistent reading (retried while the escrow balance moves under it). */
export async function readReconciliation(input: ReconcileInput, attempts = 5): Promise<ReconcileReport> {
  let last: ReconcileReport | undefined;
  for (let i = 0; i < attempts; i++) {
    const query = StargateClient.create(input.comet);
    const before = BigInt((await query.getBalance(input.escrow, input.denom)).amount);
    const report = await readOnce(input, query, before);
    const after = BigInt((await query.getBalance(input.escrow, input.denom)).amount);
    last = report;
    if (before === after && report.ok) return report;
    if (before === after && i >= 1) return report; // stable but not balanced: a real mismatch
  }
  return last!;
}

/** Runs at most `n` of the returned function's tasks at a time. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** Destination reads in flight at once in one pass (ethers batches concurrent calls into one HTTP request). */
const STAGE_READS_AT_ONCE = 32;

async function readOnce(input: ReconcileInput, query: StargateClient, escrowBalance: bigint): Promise<ReconcileReport> {
  const limit = limiter(STAGE_READS_AT_ONCE);
  const head = BigInt((await input.comet.status()).syncInfo.latestBlockHeight);
  const byId = new Map(input.chains.map((c) => [c.chainId, c]));
  const bridgeAt = (c: ReconcileChain) => new Contract(c.bridge, bridgeInterface, c.provider);
  const sends = await scanEscrowSends(input.comet, input.escrow, 1n, input.denom);
  const ledger = escrowLedger(sends, input.hubChain);
  const inFlight: InFlight[] = [];
  const jobs: InFlightJob[] = [];
  const chainName = (id: bigint) => byId.get(id)?.name;
  const addJob = (stage: string, job: DeliverJobData | EscrowJobData | undefined) => {
    if (input.withJobs && job) jobs.push({ stage, job });
  };
  const isSettled = (id: string) => input.settled?.has(id.toLowerCase()) ?? false;

  // Hub deposits.
  const deposits = await scanDeposits(input.comet, input.escrow, input.startHeight, head);
  const { decided } = assignSequences(deposits.deposits, input.rules);
  const hubId = hubBridgeId(input.escrow);
  // Every destination read of the pass at once (bounded), not one round trip after another: with a burst in
  // flight a pass made ~1,000 sequential reads and ran for most of its 15 s. Results are used in source order.
  const stages = new Map<string, Promise<string | undefined>>();
  const stageOf = (dest: ReconcileChain, sourceChain: bigint, sourceBridge: string, sequence: bigint, id: string) => {
    let p = stages.get(id);
    if (!p) stages.set(id, (p = limit(() => destinationStage(bridgeAt(dest), sourceChain, sourceBridge, sequence, id))));
    return p;
  };
  for (const d of decided) {
    if (d.kind === "refund" || isSettled(transferId(input.hubChain, hubId, d.destinationChain, d.sequence))) continue;
    const dest = byId.get(d.destinationChain);
    if (dest) void stageOf(dest, input.hubChain, hubId, d.sequence, transferId(input.hubChain, hubId, d.destinationChain, d.sequence)).catch(() => undefined);
  }
  for (const d of decided) {
    if (d.kind === "refund") {
      if (!ledger.refunded.has(refundKey(d.deposit.txHash, d.deposit.msgIndex))) {
        const amount = d.coins.filter((c) => c.denom === input.denom).reduce((s, c) => s + c.amount, 0n);
        inFlight.push({ transferId: refundKey(d.deposit.txHash, d.deposit.msgIndex), route: "hub-refund", amount, stage: "refund pending" });
        addJob("refund pending", depositJob(d, { chainId: input.hubChain, escrow: input.escrow }, chainName, () => "", 0));
      }
      continue;
    }
    const dest = byId.get(d.destinationChain);
    if (!dest) {
      inFlight.push({ transferId: `${d.deposit.txHash}:${d.deposit.msgIndex}`, route: `hub->${d.destinationChain}`, amount: d.amount, stage: "destination not configured here" });
      continue;
    }
    const id = transferId(input.hubChain, hubId, d.destinationChain, d.sequence);
    if (isSettled(id)) continue;
    const stage = await stageOf(dest, input.hubChain, hubId, d.sequence, id);
    if (!stage) input.settled?.add(id);
    else {
      inFlight.push({ transferId: `${d.deposit.txHash}:${d.deposit.msgIndex}`, route: `hub->${dest.name}`, amount: d.amount, stage });
      if (stage === NOT_DELIVERED) addJob(stage, depositJob(d, { chainId: input.hubChain, escrow: input.escrow }, chainName, () => id, 0));
    }
  }

  // EVM sends.
  const supplies: { chain: string; totalSupply: bigint }[] = [];
  for (const c of input.chains) {
    const bridge = bridgeAt(c);
    const token = new Contract((await bridge.token()) as string, TOKEN_ABI, c.provider);
    supplies.push({ chain: c.name, totalSupply: (await token.totalSupply()) as bigint });
    const to = await c.provider.getBlockNumber();
    const sent = await scanTransferSent(c.provider, { chainId: c.chainId, bridge: c.bridge, hubChain: input.hubChain, hubPrefix: input.hubPrefix }, c.startBlock, to);
    // A job only at the source's depth: one for a transfer a reorg may still drop would be refused (and alerted).
    const deep = (t: { blockNumber: number }) => t.blockNumber <= to - Math.max(c.confirmations ?? 1, 1) + 1;
    for (const t of sent) {
      const dest = byId.get(t.destinationChain);
      if (t.destinationChain !== input.hubChain && dest && !isSettled(t.transferId)) void stageOf(dest, c.chainId, evmBridgeId(c.bridge), t.sequence, t.transferId).catch(() => undefined);
    }
    for (const t of sent) {
      if (t.destinationChain === input.hubChain) {
        if (!ledger.released.has(t.transferId)) {
          inFlight.push({ transferId: t.transferId, route: `${c.name}->hub`, amount: t.amount, stage: "sent, not released" });
          if (deep(t)) addJob("sent, not released", sentJob(t, { name: c.name }, { chainId: input.hubChain, denom: input.denom }, chainName, 0));
        }
        continue;
      }
      const dest = byId.get(t.destinationChain);
      if (!dest) {
        inFlight.push({ transferId: t.transferId, route: `${c.name}->${t.destinationChain}`, amount: t.amount, stage: "destination not configured here" });
        continue;
      }
      if (isSettled(t.transferId)) continue;
      const stage = await stageOf(dest, c.chainId, evmBridgeId(c.bridge), t.sequence, t.transferId);
      if (!stage) input.settled?.add(t.transferId.toLowerCase());
      else {
        inFlight.push({ transferId: t.transferId, route: `${c.name}->${dest.name}`, amount: t.amount, stage });
        if (stage === NOT_DELIVERED && deep(t)) addJob(stage, sentJob(t, { name: c.name }, { chainId: input.hubChain, denom: input.denom }, chainName, 0));
      }
    }
  }
  // Over Axelar (route 4): burned by an adapter's send, not yet minted by the destination adapter.
  if (input.axelarAdapters) inFlight.push(...(await axelarInFlight(input.chains, input.axelarAdapters)).inFlight);
  const fees = feesPaid(sends);
  const r = reconcile({ escrowBalance, escrowFloat: input.float - fees, supplies, inFlight });
  return { ...r, inFlightTransfers: inFlight, feesPaid: fees, hubHeight: head, jobs };
}

const NOT_DELIVERED = "sent, not delivered";

/** Undefined when minted at the destination; else why it is still in flight. */
async function destinationStage(bridge: Contract, sourceChain: bigint, sourceBridge: string, sequence: bigint, id: string): Promise<string | undefined> {
  const delivered = (await bridge.isDelivered(sourceChain, sourceBridge, sequence)) as boolean;
  if (!delivered) return NOT_DELIVERED;
  const q = (await bridge.queuedTransfer(id)) as { amount: bigint };
  return q.amount > 0n ? "queued at the destination" : undefined;
}
