/**
 * Supply reconciliation from the truth: every transfer ever sent (hub deposits since the bridge start height,
 * each chain's TransferSent since its bridge's start block) checked against its destination (the bridge's
 * replay state and queue, the escrow's ledger), the EVM supplies and the escrow's balance and fees. Nothing
 * comes from Redis. Used by `relayer reconcile`, the tests and the benchmark; one log scan per chain and two
 * hub scans, incremental when the caller keeps a ReconcileMemory.
 */
import { Contract, type Provider } from "ethers";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import { StargateClient } from "@cosmjs/stargate";
import { hubBridgeId, transferId } from "../../lib/eip712/bridge";
import { assignSequences, type DepositRules } from "./deposits";
import { bridgeInterface } from "./deliver";
import { ReconcileMemory } from "./history";
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
  /** history already read at a final depth, kept by the caller in its own memory (history.ts) */
  memory?: ReconcileMemory;
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

async function readOnce(input: ReconcileInput, query: StargateClient, escrowBalance: bigint): Promise<ReconcileReport> {
  const memory = input.memory ?? new ReconcileMemory();
  const head = BigInt((await input.comet.status()).syncInfo.latestBlockHeight);
  const byId = new Map(input.chains.map((c) => [c.chainId, c]));
  const bridgeAt = (c: ReconcileChain) => new Contract(c.bridge, bridgeInterface, c.provider);
  const { deposits, sends } = await memory.hub(input.comet, input.escrow, input.denom, input.startHeight, head);
  const ledger = escrowLedger(sends, input.hubChain);
  const inFlight: InFlight[] = [];
  const jobs: InFlightJob[] = [];
  const chainName = (id: bigint) => byId.get(id)?.name;
  const addJob = (stage: string, job: DeliverJobData | EscrowJobData | undefined) => {
    if (input.withJobs && job) jobs.push({ stage, job });
  };
  const isSettled = (id: string) => input.settled?.has(id.toLowerCase()) ?? false;

  // Each chain read at one block: its supply, what it sent and what it delivered up to there (so a mint is in
  // the supply exactly when its delivery is seen), all chains at once.
  const views = new Map(
    await Promise.all(
      input.chains.map(async (c) => {
        const at = await c.provider.getBlockNumber();
        const depth = c.confirmations ?? 1;
        const tokenAddress = await memory.token(c.name, c.startBlock, async () => (await bridgeAt(c).token()) as string);
        const [totalSupply, sent, deliveries] = await Promise.all([
          new Contract(tokenAddress, TOKEN_ABI, c.provider).totalSupply({ blockTag: at }) as Promise<bigint>,
          memory.sent(c.name, c.provider, { chainId: c.chainId, bridge: c.bridge, hubChain: input.hubChain, hubPrefix: input.hubPrefix }, c.startBlock, at, depth),
          memory.deliveries(c.name, c.provider, c.bridge, c.startBlock, at, depth),
        ]);
        return [c.chainId, { at, totalSupply, sent, deliveries }] as const;
      }),
    ),
  );
  // Undefined when minted at the destination; else why it is still in flight. A transfer the bridge queued is
  // read again (released or cancelled since?) at the same block: few are.
  const stageOf = async (dest: ReconcileChain, id: string): Promise<string | undefined> => {
    const v = views.get(dest.chainId)!;
    const key = id.toLowerCase();
    if (!v.deliveries.delivered.has(key)) return NOT_DELIVERED;
    if (!v.deliveries.queued.has(key)) return undefined;
    const q = (await bridgeAt(dest).queuedTransfer(id, { blockTag: v.at })) as { amount: bigint };
    return q.amount > 0n ? "queued at the destination" : undefined;
  };

  // Hub deposits.
  const { decided } = assignSequences(deposits, input.rules);
  const hubId = hubBridgeId(input.escrow);
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
    const stage = await stageOf(dest, id);
    if (!stage) input.settled?.add(id.toLowerCase());
    else {
      inFlight.push({ transferId: `${d.deposit.txHash}:${d.deposit.msgIndex}`, route: `hub->${dest.name}`, amount: d.amount, stage });
      if (stage === NOT_DELIVERED) addJob(stage, depositJob(d, { chainId: input.hubChain, escrow: input.escrow }, chainName, () => id, 0));
    }
  }

  // EVM sends.
  const supplies: { chain: string; totalSupply: bigint }[] = [];
  for (const c of input.chains) {
    const { at: to, totalSupply, sent } = views.get(c.chainId)!;
    supplies.push({ chain: c.name, totalSupply });
    // A job only at the source's depth: one for a transfer a reorg may still drop would be refused (and alerted).
    const deep = (t: { blockNumber: number }) => t.blockNumber <= to - Math.max(c.confirmations ?? 1, 1) + 1;
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
      const stage = await stageOf(dest, t.transferId);
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
