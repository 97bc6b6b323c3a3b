/**
 * Payments out of the hub escrow (releases of EVM -> hub transfers, refunds of refused deposits), from a
 * job to a committed hub transaction, exactly once:
 *
 *   snapshot (account number + sequence, and the ledger of every tx the escrow signed, complete)
 *   -> already paid? done (a retry after a crash lands here)
 *   -> each local member key: check the job against its own sources, sign the plan for THAT sequence
 *   -> signatures meet in Redis (untrusted: each verified against the member's key and our own plan)
 *   -> k valid -> assemble -> broadcast -> committed: paid; sequence moved on: re-plan at the next one.
 *
 * Several releases of one source bridge ride one tx (a MsgSend each, one batch memo: memo.ts): the payer
 * composes the batch from the queue (composeBatch, queue order), leaves out what the ledger already pays, and
 * proposes it in Redis under the escrow sequence it is for; other instances sign exactly that proposal after
 * checking every member against their own sources and their own ledger (all members or nothing), so all
 * signatures are over one plan. The hub is the record; Redis only carries proposals and signatures.
 */
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { fromBase64, toBase64, toHex } from "@cosmjs/encoding";
import { sha256 } from "@cosmjs/crypto";
import type { MultisigThresholdPubkey, OfflineAminoSigner, StdFee } from "@cosmjs/amino";
import type { StargateClient } from "@cosmjs/stargate";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import {
  assembleEscrowTx,
  escrowSignBytes,
  NotEnoughEscrowSignaturesError,
  signEscrowSend,
  type EscrowSendPlan,
  type MemberSignature,
} from "./escrow-tx";
import { scanEscrowSends } from "./hub-ledger";
import { cosmosBridgeChainId } from "../../lib/chains";
import { evmBridgeId, transferId as deriveTransferId } from "../../lib/eip712/bridge";
import { fitsReleaseBatchMemo, releaseBatchMemo, releaseMemo, refundMemo, type RefundReason, type ReleaseSource } from "./memo";
import { escrowLedger, releaseVerdict, type EscrowLedger, type EscrowSend } from "./release";
import type { EscrowJobData } from "./jobs";
import type { Verdict } from "./verify";

export interface EscrowConfig {
  chainId: string;
  prefix: string;
  address: string;
  multisig: MultisigThresholdPubkey;
  fee: StdFee;
}

export interface EscrowSnapshot {
  accountNumber: number;
  sequence: number;
  sends: EscrowSend[];
  ledger: EscrowLedger;
}

/** Reads the escrow's account and its complete ledger; incremental over calls (the hub never forgets). */
export class EscrowReader {
  private sends = new Map<string, EscrowSend>();
  private scannedTo = 0n;

  constructor(
    private readonly cfg: EscrowConfig,
    private readonly comet: () => CometClient,
    private readonly query: () => StargateClient | Promise<StargateClient>,
  ) {}

  /** The escrow's account number and committed sequence alone (one query, no ledger scan). */
  async account(): Promise<{ accountNumber: number; sequence: number }> {
    const account = await (await this.query()).getAccount(this.cfg.address);
    return { accountNumber: account?.accountNumber ?? 0, sequence: account?.sequence ?? 0 };
  }

  async snapshot(): Promise<EscrowSnapshot> {
    const { accountNumber, sequence } = await this.account();
    // Re-read from a few blocks below the last scan: txs indexed late are picked up, duplicates merge by hash.
    const from = this.scannedTo > 10n ? this.scannedTo - 10n : 1n;
    const head = BigInt((await this.comet().status()).syncInfo.latestBlockHeight);
    for (const s of await scanEscrowSends(this.comet(), this.cfg.address, from)) this.sends.set(s.txHash, s);
    this.scannedTo = head;
    const sends = [...this.sends.values()];
    return { accountNumber, sequence, sends, ledger: escrowLedger(sends, cosmosBridgeChainId(this.cfg.chainId)) };
  }
}

/**
 * The source bridge a release can be batched under: its transfer must be exactly the one the batch memo
 * will name (the id derived from chain, bridge address and sequence is the job's key). Undefined for refunds
 * and for anything that does not derive (such a job is paid alone, under its own memo).
 */
export function batchSourceOf(job: EscrowJobData, hubChain: bigint): ReleaseSource | undefined {
  if (job.kind !== "release" || !job.transfer) return undefined;
  try {
    const chain = BigInt(job.transfer.sourceChain);
    const id = job.transfer.sourceBridge.toLowerCase();
    if (!/^0x0{24}[0-9a-f]{40}$/.test(id)) return undefined;
    const bridge = `0x${id.slice(26)}`;
    if (evmBridgeId(bridge) !== id) return undefined;
    if (deriveTransferId(chain, id, hubChain, BigInt(job.transfer.sequence)).toLowerCase() !== job.key.toLowerCase()) return undefined;
    return { chain, bridge };
  } catch {
    return undefined;
  }
}

const sameSource = (a: ReleaseSource, b: ReleaseSource) => a.chain === b.chain && a.bridge.toLowerCase() === b.bridge.toLowerCase();

/**
 * The batch the job at the head of the queue is paid in: the head, then (for a batchable release) the other
 * queued releases of the same source bridge in queue order, no key twice, while the memo fits and up to `cap`.
 * Pure: the same queue gives the same batch.
 */
export function composeBatch(head: EscrowJobData, queued: readonly EscrowJobData[], hubChain: bigint, cap: number): EscrowJobData[] {
  const source = batchSourceOf(head, hubChain);
  if (!source) return [head];
  const batch = [head];
  const keys = new Set([head.key.toLowerCase()]);
  for (const j of queued) {
    if (batch.length >= cap) break;
    const s = batchSourceOf(j, hubChain);
    if (!s || !sameSource(s, source) || keys.has(j.key.toLowerCase())) continue;
    const next = [...batch, j];
    if (!fitsReleaseBatchMemo(source, next.map((x) => BigInt(x.transfer!.sequence)))) break;
    batch.push(j);
    keys.add(j.key.toLowerCase());
  }
  return batch;
}

/**
 * The plan every attester derives from the batch and the snapshot; the same inputs give the same bytes. One
 * job: its own memo (release or refund). Several: releases of one source under the batch memo, a MsgSend
 * each in batch order; the configured fee is per payment, so a batch of n pays n times it.
 */
export function planFor(jobs: EscrowJobData | readonly EscrowJobData[], snap: Pick<EscrowSnapshot, "accountNumber" | "sequence">, cfg: EscrowConfig): EscrowSendPlan {
  const list = Array.isArray(jobs) ? (jobs as readonly EscrowJobData[]) : [jobs as EscrowJobData];
  if (list.length === 0) throw new Error("an escrow plan needs at least one job");
  let memo: string;
  if (list.length === 1) {
    const job = list[0];
    memo = job.kind === "release" ? releaseMemo(job.key) : refundMemo(job.key.split(":")[0], Number(job.key.split(":")[1]), (job.reason ?? "malformed_memo") as RefundReason);
  } else {
    const hubChain = cosmosBridgeChainId(cfg.chainId);
    const sources = list.map((j) => batchSourceOf(j, hubChain));
    const first = sources[0];
    if (!first || sources.some((x) => !x || !sameSource(x, first))) throw new Error("a batch pays releases of one source bridge only");
    if (new Set(list.map((j) => j.key.toLowerCase())).size !== list.length) throw new Error("a batch names a transfer twice");
    memo = releaseBatchMemo(first, list.map((j) => BigInt(j.transfer!.sequence)));
  }
  const n = BigInt(list.length);
  return {
    chainId: cfg.chainId,
    escrow: cfg.address,
    accountNumber: snap.accountNumber,
    sequence: snap.sequence,
    payments: list.map((j) => ({ to: j.to, coins: j.coins })),
    memo,
    fee: { amount: cfg.fee.amount.map((c) => ({ denom: c.denom, amount: (BigInt(c.amount) * n).toString() })), gas: (BigInt(cfg.fee.gas) * n).toString() },
  };
}

export const planHash = (plan: EscrowSendPlan) => toHex(sha256(escrowSignBytes(plan)));

/** Member signatures per plan in Redis: `<prefix>:escrow-sigs:<plan hash>` -> {member: base64 signature}. */
export class EscrowSignaturePool {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = 3 * 24 * 3600,
  ) {}

  private key(hash: string) {
    return `${this.prefix}:escrow-sigs:${hash}`;
  }

  async put(hash: string, sig: MemberSignature): Promise<void> {
    await this.redis.multi().hset(this.key(hash), sig.signer, toBase64(sig.signature)).expire(this.key(hash), this.ttlSeconds).exec();
  }

  private proposalKey(escrow: string, sequence: number) {
    return `${this.prefix}:escrow-batch:${escrow}:${sequence}`;
  }

  /** The payer's batch for the escrow's `sequence`, for the other instances to check and sign. */
  async propose(escrow: string, sequence: number, jobs: readonly EscrowJobData[]): Promise<void> {
    await this.redis.set(this.proposalKey(escrow, sequence), JSON.stringify(jobs), "EX", 3600);
  }

  /** The proposed batch for `sequence`, if any: an untrusted claim (each member is checked before signing). */
  async proposal(escrow: string, sequence: number): Promise<EscrowJobData[] | undefined> {
    const raw = await this.redis.get(this.proposalKey(escrow, sequence));
    if (!raw) return undefined;
    try {
      const jobs = JSON.parse(raw) as unknown;
      return Array.isArray(jobs) && jobs.length > 0 && jobs.every((j) => typeof j === "object" && j !== null && typeof (j as EscrowJobData).key === "string") ? (jobs as EscrowJobData[]) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whatever Redis holds: claims only; assembleEscrowTx verifies every one. Unparsable entries are dropped. */
  async all(hash: string): Promise<MemberSignature[]> {
    const raw = await this.redis.hgetall(this.key(hash));
    const out: MemberSignature[] = [];
    for (const [signer, b64] of Object.entries(raw)) {
      try {
        out.push({ signer, signature: fromBase64(b64) });
      } catch {
        /* not base64: a forged entry; ignored */
      }
    }
    return out;
  }
}

export type EscrowOutcome =
  | { state: "paid"; txHash: string; already: boolean }
  | { state: "waiting"; why: string };

/** A batch's outcome: which members this tx paid, and which the ledger showed paid before (never paid again). */
export type EscrowBatchOutcome =
  | { state: "paid"; txHash: string; paid: EscrowJobData[]; already: { job: EscrowJobData; txHash: string }[]; ms?: { sign: number; assemble: number; broadcast: number } }
  | { state: "already"; already: { job: EscrowJobData; txHash: string }[] }
  | { state: "waiting"; why: string; already: { job: EscrowJobData; txHash: string }[] };

export interface EscrowPayerDeps {
  cfg: EscrowConfig;
  reader: EscrowReader;
  pool: EscrowSignaturePool;
  /** this instance's member keys (may be none: then it only assembles and broadcasts) */
  members: OfflineAminoSigner[];
  /** the job's own check against this attester's sources (deposit table / source chain at depth) */
  verify(job: EscrowJobData): Promise<Verdict>;
  query: () => StargateClient | Promise<StargateClient>;
  log: Logger;
}

export type EscrowSignOutcome =
  | { state: "signed"; plan: EscrowSendPlan; hash: string; jobs: EscrowJobData[]; already: { job: EscrowJobData; txHash: string }[] }
  | { state: "paid"; already: { job: EscrowJobData; txHash: string }[] }
  | { state: "waiting"; why: string; already: { job: EscrowJobData; txHash: string }[] };

type SignDeps = Omit<EscrowPayerDeps, "query" | "log">;

/**
 * The members' part of a payment of `jobs` (one tx), at the escrow's committed sequence with its complete
 * ledger: members the ledger already pays are left out (reported as `already`: never paid again), then every
 * remaining member is checked against this instance's own sources and this instance's member signatures go
 * over the plan. `leaveOut` decides what a member that fails its check does: the payer leaves it out of the
 * batch (it is paid later under its own job), a co-signer of a proposal signs nothing (all or nothing: it
 * must sign the exact batch). The first job is the head (the job being processed): its refusal throws
 * EscrowJobRefused, its retry makes the whole batch wait.
 */
export async function signEscrowBatch(jobs: readonly EscrowJobData[], deps: SignDeps, opts: { leaveOut: boolean; snap?: EscrowSnapshot; skipIfSigned?: boolean }): Promise<EscrowSignOutcome> {
  const snap = opts.snap ?? (await deps.reader.snapshot());
  const already: { job: EscrowJobData; txHash: string }[] = [];
  let todo: EscrowJobData[] = [];
  for (const job of jobs) {
    const verdict = releaseVerdict({ kind: job.kind, key: job.key, ledger: snap.ledger, escrowTxs: snap.sends.length, committedSequence: BigInt(snap.sequence), requestedSequence: BigInt(snap.sequence) });
    if (verdict.sign) todo.push(job);
    else if (verdict.why === "already_paid") already.push({ job, txHash: verdict.txHash });
    else return { state: "waiting", why: verdict.why, already };
  }
  if (todo.length === 0) return { state: "paid", already };
  if (opts.skipIfSigned && deps.members.length > 0) {
    // A co-signer polls the proposal: once its keys signed this exact plan there is nothing to check again.
    const plan = planFor(todo, snap, deps.cfg);
    const hash = planHash(plan);
    const have = new Set((await deps.pool.all(hash)).map((x) => x.signer));
    const mine = await Promise.all(deps.members.map(async (m) => (await m.getAccounts())[0].address));
    if (mine.every((a) => have.has(a))) return { state: "signed", plan, hash, jobs: todo, already };
  }
  if (deps.members.length > 0) {
    const checked: EscrowJobData[] = [];
    // Every member's check at once: each reads its source chain, and the batch waits for the slowest only.
    const checks = await Promise.all(todo.map((job) => deps.verify(job)));
    for (const [i, job] of todo.entries()) {
      const check = checks[i];
      if (check.ok) {
        checked.push(job);
        continue;
      }
      const isHead = i === 0 && job === jobs[0];
      if (isHead && !check.retry) throw new EscrowJobRefused(job, check.problem);
      if (isHead) return { state: "waiting", why: check.problem, already };
      if (!opts.leaveOut) return { state: "waiting", why: `${job.key}: ${check.problem}`, already };
    }
    todo = checked;
  }
  const plan = planFor(todo, snap, deps.cfg);
  const hash = planHash(plan);
  for (const m of deps.members) await deps.pool.put(hash, await signEscrowSend(m, plan));
  return { state: "signed", plan, hash, jobs: todo, already };
}

/**
 * The members' part of one job's payment (the job alone), which the escrow-pay tests and single payments use.
 * Throws EscrowJobRefused on a job the check refuses.
 */
export async function signEscrowPayment(job: EscrowJobData, deps: SignDeps): Promise<{ state: "signed"; plan: EscrowSendPlan; hash: string } | { state: "paid"; txHash: string; already: true } | { state: "waiting"; why: string }> {
  const out = await signEscrowBatch([job], deps, { leaveOut: false });
  if (out.state === "paid") return { state: "paid", txHash: out.already[0].txHash, already: true };
  if (out.state === "waiting") return { state: "waiting", why: out.why };
  return { state: "signed", plan: out.plan, hash: out.hash };
}

/**
 * A co-signer's part: the batch the payer proposed for the escrow's committed sequence, if any, signed with
 * this instance's member keys when every member passes this instance's own checks and ledger.
 */
export async function signProposedBatch(deps: SignDeps): Promise<EscrowSignOutcome | undefined> {
  if (deps.members.length === 0) return undefined;
  // Cheap first (this runs every 500 ms): the committed sequence names the current proposal; when there is none,
  // or this instance's keys signed exactly that plan already, there is nothing to check or sign, and the
  // ledger scan (the hub's tx index) is not read. Nothing is signed on this path.
  const account = await deps.reader.account();
  const proposed = await deps.pool.proposal(deps.cfg.address, account.sequence);
  if (!proposed) return undefined;
  try {
    const plan = planFor(proposed, account, deps.cfg);
    const hash = planHash(plan);
    const have = new Set((await deps.pool.all(hash)).map((x) => x.signer));
    const mine = await Promise.all(deps.members.map(async (m) => (await m.getAccounts())[0].address));
    if (mine.every((a) => have.has(a))) return { state: "signed", plan, hash, jobs: proposed, already: [] };
  } catch {
    /* not a plan this instance can form: the full path below decides */
  }
  const snap = await deps.reader.snapshot();
  const jobs = await deps.pool.proposal(deps.cfg.address, snap.sequence);
  if (!jobs) return undefined;
  try {
    return await signEscrowBatch(jobs, deps, { leaveOut: false, snap, skipIfSigned: true });
  } catch (e) {
    if (e instanceof EscrowJobRefused) return { state: "waiting", why: e.message, already: [] };
    throw e;
  }
}

/**
 * One attempt at paying a batch (`jobs[0]` is the head; composeBatch). Proposes the batch for co-signers,
 * collects k signatures, broadcasts. "waiting": not enough signatures yet, or the ledger is not complete;
 * throws on a refused head job (the caller alerts and fails it for good).
 */
export async function payBatch(jobs: readonly EscrowJobData[], deps: EscrowPayerDeps): Promise<EscrowBatchOutcome> {
  const t0 = Date.now();
  const signed = await signEscrowBatch(jobs, deps, { leaveOut: true });
  const t1 = Date.now();
  if (signed.state !== "signed") return signed.state === "paid" ? { state: "already", already: signed.already } : signed;
  const { plan, hash, already } = signed;
  await deps.pool.propose(deps.cfg.address, plan.sequence, signed.jobs);
  let assembled;
  try {
    assembled = await assembleEscrowTx(deps.cfg.multisig, deps.cfg.prefix, plan, await deps.pool.all(hash));
  } catch (e) {
    if (e instanceof NotEnoughEscrowSignaturesError) return { state: "waiting", why: e.message, already };
    throw e;
  }
  if (assembled.dropped.length) deps.log.warn({ keys: signed.jobs.map((j) => j.key), dropped: assembled.dropped }, "escrow signatures dropped");
  const t2 = Date.now();
  try {
    const res = await (await deps.query()).broadcastTx(assembled.txBytes, 30_000, 250);
    if (res.code !== 0) return { state: "waiting", why: `escrow tx ${res.transactionHash} failed with code ${res.code}: ${res.rawLog ?? ""}`, already };
    return { state: "paid", txHash: res.transactionHash, paid: signed.jobs, already, ms: { sign: t1 - t0, assemble: t2 - t1, broadcast: Date.now() - t2 } };
  } catch (e) {
    // Another instance landed this sequence first (same plan: our payment is done; another plan: re-plan).
    return { state: "waiting", why: `broadcast: ${(e as Error).message}`, already };
  }
}

/**
 * One attempt at one job's payment, alone. Returns "paid" (now or before) or "waiting"; throws on a refused job.
 */
export async function payOnce(job: EscrowJobData, deps: EscrowPayerDeps): Promise<EscrowOutcome> {
  const out = await payBatch([job], deps);
  if (out.state === "paid") return { state: "paid", txHash: out.txHash, already: false };
  if (out.state === "already") return { state: "paid", txHash: out.already[0].txHash, already: true };
  return { state: "waiting", why: out.why };
}

export class EscrowJobRefused extends Error {
  constructor(readonly job: EscrowJobData, readonly problem: string) {
    super(`refusing to pay ${job.kind} ${job.key} from the escrow: ${problem}`);
    this.name = "EscrowJobRefused";
  }
}
