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
 * The hub is the record; Redis only carries signatures between attesters.
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
import { releaseMemo, refundMemo, type RefundReason } from "./memo";
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

  async snapshot(): Promise<EscrowSnapshot> {
    const account = await (await this.query()).getAccount(this.cfg.address);
    const accountNumber = account?.accountNumber ?? 0;
    const sequence = account?.sequence ?? 0;
    // Re-read from a few blocks below the last scan: txs indexed late are picked up, duplicates merge by hash.
    const from = this.scannedTo > 10n ? this.scannedTo - 10n : 1n;
    const head = BigInt((await this.comet().status()).syncInfo.latestBlockHeight);
    for (const s of await scanEscrowSends(this.comet(), this.cfg.address, from)) this.sends.set(s.txHash, s);
    this.scannedTo = head;
    const sends = [...this.sends.values()];
    return { accountNumber, sequence, sends, ledger: escrowLedger(sends) };
  }
}

/** The plan every attester derives from the job and the snapshot; the same inputs give the same bytes. */
export function planFor(job: EscrowJobData, snap: EscrowSnapshot, cfg: EscrowConfig): EscrowSendPlan {
  const memo =
    job.kind === "release"
      ? releaseMemo(job.key)
      : refundMemo(job.key.split(":")[0], Number(job.key.split(":")[1]), (job.reason ?? "malformed_memo") as RefundReason);
  return {
    chainId: cfg.chainId,
    escrow: cfg.address,
    accountNumber: snap.accountNumber,
    sequence: snap.sequence,
    to: job.to,
    coins: job.coins,
    memo,
    fee: cfg.fee,
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
  | { state: "signed"; plan: EscrowSendPlan; hash: string }
  | { state: "paid"; txHash: string; already: true }
  | { state: "waiting"; why: string };

/**
 * The members' part of a payment, which every instance runs for every escrow job it sees: the complete ledger
 * and the committed sequence, the job's own check, then this instance's member signatures over the plan for
 * that sequence. Throws EscrowJobRefused on a job the check refuses.
 */
export async function signEscrowPayment(job: EscrowJobData, deps: Omit<EscrowPayerDeps, "query" | "log">): Promise<EscrowSignOutcome> {
  const snap = await deps.reader.snapshot();
  const verdict = releaseVerdict({
    kind: job.kind,
    key: job.key,
    ledger: snap.ledger,
    escrowTxs: snap.sends.length,
    committedSequence: BigInt(snap.sequence),
    requestedSequence: BigInt(snap.sequence),
  });
  if (!verdict.sign) {
    if (verdict.why === "already_paid") return { state: "paid", txHash: verdict.txHash, already: true };
    return { state: "waiting", why: verdict.why };
  }
  const plan = planFor(job, snap, deps.cfg);
  const hash = planHash(plan);
  if (deps.members.length > 0) {
    const check = await deps.verify(job);
    if (!check.ok) {
      if (check.retry) return { state: "waiting", why: check.problem };
      throw new EscrowJobRefused(job, check.problem);
    }
    for (const m of deps.members) await deps.pool.put(hash, await signEscrowSend(m, plan));
  }
  return { state: "signed", plan, hash };
}

/**
 * One attempt at a payment. Returns "paid" (now or before) or "waiting" (not enough signatures yet, or the
 * ledger is not complete); throws on a refused job (the caller alerts and fails it for good).
 */
export async function payOnce(job: EscrowJobData, deps: EscrowPayerDeps): Promise<EscrowOutcome> {
  const signed = await signEscrowPayment(job, deps);
  if (signed.state !== "signed") return signed;
  const { plan, hash } = signed;
  let assembled;
  try {
    assembled = await assembleEscrowTx(deps.cfg.multisig, deps.cfg.prefix, plan, await deps.pool.all(hash));
  } catch (e) {
    if (e instanceof NotEnoughEscrowSignaturesError) return { state: "waiting", why: e.message };
    throw e;
  }
  if (assembled.dropped.length) deps.log.warn({ key: job.key, dropped: assembled.dropped }, "escrow signatures dropped");
  try {
    const res = await (await deps.query()).broadcastTx(assembled.txBytes, 30_000, 250);
    if (res.code !== 0) return { state: "waiting", why: `escrow tx ${res.transactionHash} failed with code ${res.code}: ${res.rawLog ?? ""}` };
    return { state: "paid", txHash: res.transactionHash, already: false };
  } catch (e) {
    // Another instance landed this sequence first (same plan: our payment is done; another plan: re-plan).
    return { state: "waiting", why: `broadcast: ${(e as Error).message}` };
  }
}

export class EscrowJobRefused extends Error {
  constructor(readonly job: EscrowJobData, readonly problem: string) {
    super(`refusing to pay ${job.kind} ${job.key} from the escrow: ${problem}`);
    this.name = "EscrowJobRefused";
  }
}
