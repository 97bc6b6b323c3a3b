/**
 * Sends one transaction for a job and waits for it, surviving crashes and stuck mempools:
 * - every signed transaction is written to the job's journal BEFORE it is broadcast, so a restarted
 *   worker (this instance or another) first looks for those transactions instead of sending again;
 * - simulate (eth_call) and estimate before the first send; a revert is an error, not a transaction;
 * - a transaction pending past `replaceAfterMs` is replaced with the same nonce and both fees raised by
 *   >= bumpPercent, within the caps;
 * - receipt waits are bounded by `receiptTimeoutMs` (the job is retried and resumes from the journal);
 * - after any send error the local nonce is re-synced from the chain; insufficient funds alerts loudly.
 */
import { Transaction, TransactionReceipt, Wallet, keccak256 } from "ethers";
import type { Logger } from "pino";
import { ChainConfig } from "../config/schema";
import { FailoverRpc, isTransportError } from "../evm/rpc";
import { OracleReader } from "../evm/oracle";
import { bumpFees, Fees, initialFees } from "./fees";
import { NonceManager } from "./nonce";
import { Turn } from "./sequencer";

/** Fee suggestions are reused this long for first sends (bumps always ask afresh). */
const FEE_CACHE_MS = 2_000;
const NO_TURN: Turn = { ready: Promise.resolve(), done: () => undefined };

/** One signed transaction of a job, as recorded in the journal. */
export interface SentTx {
  hash: string;
  from: string;
  nonce: number;
  raw: string;
  fees: Record<string, string>;
  sentAt: number;
}

/** Durable per-job record of signed transactions (the BullMQ job's data in production). */
export interface Journal {
  entries(): SentTx[];
  record(tx: SentTx): Promise<void>;
}

export class InsufficientFundsError extends Error {
  constructor(
    readonly chain: string,
    readonly address: string,
  ) {
    super(`chain ${chain}: submitter ${address} has insufficient funds; fund it`);
    this.name = "InsufficientFundsError";
  }
}

export class SimulationError extends Error {
  constructor(
    readonly chain: string,
    readonly reason: string,
  ) {
    super(`chain ${chain}: simulation reverted: ${reason}`);
    this.name = "SimulationError";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function feesToRecord(f: Fees): Record<string, string> {
  return f.type === 2
    ? { type: "2", maxFeePerGas: f.maxFeePerGas.toString(), maxPriorityFeePerGas: f.maxPriorityFeePerGas.toString() }
    : { type: "0", gasPrice: f.gasPrice.toString() };
}

function feesFromRecord(r: Record<string, string>): Fees {
  return r.type === "2"
    ? { type: 2, maxFeePerGas: BigInt(r.maxFeePerGas), maxPriorityFeePerGas: BigInt(r.maxPriorityFeePerGas) }
    : { type: 0, gasPrice: BigInt(r.gasPrice) };
}

function isInsufficientFunds(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  // geth/erigon: "insufficient funds"; Hardhat: "Sender doesn't have enough funds".
  return err?.code === "INSUFFICIENT_FUNDS" || /insufficient funds|doesn't have enough funds|not enough funds/i.test(err?.message ?? "");
}

function isNonceTooLow(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === "NONCE_EXPIRED" || /nonce too low|nonce has already been used|already been used/i.test(err?.message ?? "");
}

function isAlreadyKnown(e: unknown): boolean {
  return /already known|known transaction|already imported/i.test((e as Error)?.message ?? "");
}

function isUnderpriced(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === "REPLACEMENT_UNDERPRICED" || /underpriced|fee too low|replacement/i.test(err?.message ?? "");
}

export interface SendResult {
  receipt: TransactionReceipt;
  /** true when the receipt belongs to a transaction sent by an earlier attempt (journal) */
  resumed: boolean;
  /** ms spent: waiting for the turn, simulating + estimating, signing + journaling + broadcasting, until the receipt */
  timings?: { turn: number; simulate: number; broadcast: number; inclusion: number };
}

export class TxSender {
  readonly address: string;
  private feeCache?: { at: number; fees: Awaited<ReturnType<FailoverRpc["current"]["getFeeData"]>> };

  constructor(
    private readonly chain: ChainConfig,
    private readonly rpc: FailoverRpc,
    private readonly wallet: Wallet,
    readonly nonces: NonceManager,
    private readonly log: Logger,
    private readonly aborted: () => boolean = () => false,
  ) {
    this.address = wallet.address;
  }

  private async receiptOf(hashes: string[]): Promise<TransactionReceipt | undefined> {
    for (const h of hashes) {
      const r = await this.rpc.use((p) => p.getTransactionReceipt(h));
      if (r) return r;
    }
    return undefined;
  }

  private async confirmed(receipt: TransactionReceipt): Promise<TransactionReceipt> {
    const need = this.chain.confirmations;
    while (need > 0) {
      const head = await this.rpc.use((p) => p.getBlockNumber());
      if (head - receipt.blockNumber >= need) break;
      await sleep(this.chain.pollIntervalMs);
    }
    return receipt;
  }

  private async broadcast(raw: string): Promise<void> {
    try {
      await this.rpc.use((p) => p.broadcastTransaction(raw));
    } catch (e) {
      if (isAlreadyKnown(e)) return;
      throw e;
    }
  }

  private async sign(to: string, data: string, nonce: number, gasLimit: bigint, fees: Fees): Promise<{ raw: string; hash: string }> {
    const tx = Transaction.from({ to, data, nonce, gasLimit, chainId: BigInt(this.chain.chainId), value: 0n, ...fees });
    const raw = await this.wallet.signTransaction(tx);
    return { raw, hash: keccak256(raw) }; // a signed transaction's hash is the keccak of its raw bytes
  }

  private async feeData() {
    if (this.feeCache && Date.now() - this.feeCache.at < FEE_CACHE_MS) return this.feeCache.fees;
    const fees = await this.rpc.use((p) => p.getFeeData());
    this.feeCache = { at: Date.now(), fees };
    return fees;
  }

  /**
   * Gets `data` to `to` included, once, for one job. Resumes from the journal when earlier attempts sent
   * something. Throws on revert (simulation or receipt), insufficient funds and timeouts. With a `turn`,
   * the nonce is taken and the transaction broadcast only when the turn is ready, and the turn is handed
   * on right after the broadcast (before the receipt wait), so transactions leave in job order.
   */
  async send(to: string, data: string, journal: Journal, turn: Turn = NO_TURN): Promise<SendResult> {
    try {
      return await this.sendInTurn(to, data, journal, turn);
    } finally {
      turn.done();
    }
  }

  private async sendInTurn(to: string, data: string, journal: Journal, turn: Turn): Promise<SendResult> {
    // 1. Did an earlier attempt (any instance) already get a transaction in?
    const earlier = journal.entries();
    if (earlier.length) {
      const r = await this.receiptOf(earlier.map((t) => t.hash));
      if (r) return { receipt: await this.checkStatus(await this.confirmed(r)), resumed: true };
      const foreign = earlier.filter((t) => t.from.toLowerCase() !== this.address.toLowerCase());
      const own = earlier.filter((t) => t.from.toLowerCase() === this.address.toLowerCase());
      if (own.length) {
        const lastOwn = own[own.length - 1];
        const mined = await this.rpc.use((p) => p.getTransactionCount(this.address, "latest"));
        if (mined <= lastOwn.nonce) {
          // Still pending: rebroadcast (the node may have dropped it) and keep waiting / bumping.
          await this.broadcast(lastOwn.raw).catch((e) => this.log.debug({ err: (e as Error).message }, "rebroadcast failed"));
          turn.done();
          return this.waitAndBump(to, data, journal, lastOwn.nonce, BigInt(Transaction.from(lastOwn.raw).gasLimit), feesFromRecord(lastOwn.fees), lastOwn.sentAt);
        }
        this.nonces.resync(); // our nonce was used by something else; send afresh below
      } else if (foreign.length) {
        // Another instance's transaction: push it once more and give it one replacement window.
        for (const t of foreign) await this.broadcast(t.raw).catch(() => undefined);
        const deadline = Date.now() + this.chain.replaceAfterMs;
        while (Date.now() < deadline && !this.aborted()) {
          const rr = await this.receiptOf(foreign.map((t) => t.hash));
          if (rr) return { receipt: await this.checkStatus(await this.confirmed(rr)), resumed: true };
          await sleep(this.chain.pollIntervalMs);
        }
      }
    }

    // 2. Simulate and estimate, in turn (so the chain state already includes the earlier jobs' effects
    //    where they were mined, and our nonce follows theirs).
    const tTurn = Date.now();
    await turn.ready;
    const tReady = Date.now();
    let gasEstimate: bigint;
    try {
      gasEstimate = await this.rpc.use((p) => p.estimateGas({ from: this.address, to, data }));
    } catch (e) {
      if (isInsufficientFunds(e)) throw new InsufficientFundsError(this.chain.name, this.address);
      if (isTransportError(e)) throw e; // the RPC is unwell, not the batch
      throw new SimulationError(this.chain.name, OracleReader.describeRevert(e));
    }
    const gasLimit = (gasEstimate * BigInt(Math.round(this.chain.fees.gasLimitMultiplier * 1000))) / 1000n;
    const tSimulated = Date.now();
    const fees = initialFees(this.chain.fees, await this.feeData());

    // 3. Sign, journal, broadcast.
    const nonce = await this.nonces.take();
    const signed = await this.sign(to, data, nonce, gasLimit, fees);
    const sentAt = Date.now();
    await journal.record({ hash: signed.hash, from: this.address, nonce, raw: signed.raw, fees: feesToRecord(fees), sentAt });
    try {
      await this.broadcast(signed.raw);
    } catch (e) {
      this.nonces.resync();
      if (isInsufficientFunds(e)) throw new InsufficientFundsError(this.chain.name, this.address);
      if (isNonceTooLow(e)) {
        const r = await this.receiptOf([signed.hash]);
        if (r) return { receipt: await this.checkStatus(await this.confirmed(r)), resumed: false };
      }
      throw e;
    }
    this.nonces.confirm(nonce);
    turn.done();
    const tSent = Date.now();
    this.log.debug({ chain: this.chain.name, hash: signed.hash, nonce, gasLimit: gasLimit.toString() }, "transaction sent");
    const result = await this.waitAndBump(to, data, journal, nonce, gasLimit, fees, sentAt);
    result.timings = { turn: tReady - tTurn, simulate: tSimulated - tReady, broadcast: tSent - tSimulated, inclusion: Date.now() - tSent };
    return result;
  }

  private async checkStatus(r: TransactionReceipt): Promise<TransactionReceipt> {
    if (r.status !== 1) throw new Error(`chain ${this.chain.name}: transaction ${r.hash} reverted in block ${r.blockNumber}`);
    return r;
  }

  /** Waits for any of the journal's transactions with `nonce`, replacing them with higher fees when stuck. */
  private async waitAndBump(
    to: string,
    data: string,
    journal: Journal,
    nonce: number,
    gasLimit: bigint,
    fees: Fees,
    lastSentAt: number,
  ): Promise<SendResult> {
    const started = Date.now();
    let current = fees;
    let sentAt = lastSentAt;
    let lastNonceCheck = Date.now();
    for (;;) {
      const hashes = journal.entries().filter((t) => t.nonce === nonce && t.from === this.address).map((t) => t.hash);
      const r = await this.receiptOf(hashes.slice().reverse()); // the newest replacement is the likeliest
      if (r) return { receipt: await this.checkStatus(await this.confirmed(r)), resumed: false };
      // Whether something else used our nonce is checked about once a second, not on every poll.
      const checkNonce = Date.now() - lastNonceCheck >= Math.max(1_000, this.chain.pollIntervalMs);
      if (checkNonce) lastNonceCheck = Date.now();
      const mined = checkNonce ? await this.rpc.use((p) => p.getTransactionCount(this.address, "latest")) : -1;
      if (mined > nonce) {
        // The nonce is used, but not by any of our hashes (check once more: a receipt may just have appeared).
        const again = await this.receiptOf(hashes);
        if (again) return { receipt: await this.checkStatus(await this.confirmed(again)), resumed: false };
        this.nonces.resync();
        throw new Error(`chain ${this.chain.name}: nonce ${nonce} of ${this.address} was used by a transaction this relayer did not journal`);
      }
      if (Date.now() - started > this.chain.receiptTimeoutMs || this.aborted()) {
        throw new Error(`chain ${this.chain.name}: no receipt for nonce ${nonce} after ${Date.now() - started} ms (will resume from the journal)`);
      }
      if (Date.now() - sentAt > this.chain.replaceAfterMs) {
        const suggestion = await this.rpc.use((p) => p.getFeeData());
        const bumped = bumpFees(this.chain.fees, current, suggestion);
        if (bumped === undefined) {
          this.log.warn({ chain: this.chain.name, nonce, fees: feesToRecord(current) }, "transaction stuck and fee caps reached; waiting");
          sentAt = Date.now();
        } else {
          const signed = await this.sign(to, data, nonce, gasLimit, bumped);
          await journal.record({ hash: signed.hash, from: this.address, nonce, raw: signed.raw, fees: feesToRecord(bumped), sentAt: Date.now() });
          try {
            await this.broadcast(signed.raw);
            this.log.warn({ chain: this.chain.name, nonce, hash: signed.hash, fees: feesToRecord(bumped) }, "replaced stuck transaction with higher fees");
            current = bumped;
          } catch (e) {
            if (isInsufficientFunds(e)) throw new InsufficientFundsError(this.chain.name, this.address);
            if (!isUnderpriced(e) && !isNonceTooLow(e)) this.log.warn({ chain: this.chain.name, err: (e as Error).message }, "replacement broadcast failed");
          }
          sentAt = Date.now();
        }
      }
      await sleep(this.chain.pollIntervalMs);
    }
  }
}
