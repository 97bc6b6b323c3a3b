/**
 * Sends one transaction for a job and waits for it, surviving crashes and stuck mempools:
 * - every signed transaction is written to the job's journal BEFORE it is broadcast, so a restarted
 *   worker (this instance or another) first looks for those transactions instead of sending again;
 * - simulate (eth_call) and estimate before the first send; a revert is an error, not a transaction;
 * - a transaction pending past `replaceAfterMs` is replaced with the same nonce and both fees raised by
 *   >= bumpPercent, within the caps;
 * - receipt waits are bounded by `receiptTimeoutMs` (the job is retried and resumes from the journal);
 * - after any send error the local nonce is re-synced from the chain; insufficient funds alerts loudly;
 * - the journal is untrusted (Redis): only entries that pass journal-check.ts are followed, and the
 *   nonce, gas limit and fees of a replacement come from the transaction we signed, within the caps;
 * - no transaction is signed above the chain's gas cap or beyond its hourly spend budget (budget.ts);
 * - a receipt counts only once it is `confirmations` deep AND still there when read again (reorgs).
 */
import { Transaction, TransactionReceipt, Wallet, formatEther, getAddress, keccak256, parseEther } from "ethers";
import type { Logger } from "pino";
import { ChainConfig, gasCapOf } from "../config/schema";
import { FailoverRpc, isTransportError } from "../evm/rpc";
import { OracleReader } from "../evm/oracle";
import { bumpFees, Fees, initialFees } from "./fees";
import { NonceManager } from "./nonce";
import { Turn } from "./sequencer";
import { TxIntent, TxWork } from "./intent";
import { CheckedTx, checkJournalEntry, EntryRejection, noteSignedByUs } from "./journal-check";
import { SpendBudget } from "./budget";
import { isAlreadyKnown, isInsufficientFunds, isNonceTooLow, isUnderpriced } from "./node-errors";

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

/** A configured limit stopped a transaction before it was signed. */
export class LimitError extends Error {
  constructor(
    readonly chain: string,
    readonly limit: "gas_cap" | "spend_budget",
    detail: string,
  ) {
    super(`chain ${chain}: ${detail}`);
    this.name = "LimitError";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function feesToRecord(f: Fees): Record<string, string> {
  return f.type === 2
    ? { type: "2", maxFeePerGas: f.maxFeePerGas.toString(), maxPriorityFeePerGas: f.maxPriorityFeePerGas.toString() }
    : { type: "0", gasPrice: f.gasPrice.toString() };
}

export interface SendResult {
  receipt: TransactionReceipt;
  /** true when the receipt belongs to a transaction sent by an earlier attempt (journal) */
  resumed: boolean;
  /** ms spent: waiting for the turn, simulating + estimating, signing + journaling + broadcasting, until the receipt */
  timings?: { turn: number; simulate: number; broadcast: number; inclusion: number };
}

/** What the sender reports besides its result (wired to metrics by the worker). */
export interface SenderEvents {
  journalRejected?(reason: EntryRejection): void;
  limitHit?(limit: "gas_cap" | "spend_budget"): void;
  spent?(lastHourWei: bigint): void;
  bogusReceipt?(): void;
}

/** Checked journal entries of one send call, by raw bytes (each entry is decoded and alerted on once). */
type CheckCache = Map<string, CheckedTx | null>;

export class TxSender {
  readonly address: string;
  readonly budget: SpendBudget;
  events: SenderEvents = {};
  private feeCache?: { at: number; fees: Awaited<ReturnType<FailoverRpc["current"]["getFeeData"]>> };

  constructor(
    private readonly chain: ChainConfig,
    private readonly rpc: FailoverRpc,
    private readonly wallet: Wallet,
    readonly nonces: NonceManager,
    private readonly log: Logger,
    private readonly aborted: () => boolean = () => false,
    /** the clock of the fee cache (tests step it) */
    private readonly now: () => number = Date.now,
  ) {
    this.address = wallet.address;
    this.budget = new SpendBudget(parseEther(chain.maxSpendPerHour));
  }

  private get gasCap(): bigint {
    return BigInt(gasCapOf(this.chain));
  }

  /**
   * The journal entries that pass every check (journal-check.ts), oldest first; the others are logged
   * as alerts and ignored. Exposed so the worker can tell a job with a real transaction in flight from
   * one whose `sent` list was merely written into Redis.
   */
  async checkedEntries(work: TxWork, entries: readonly SentTx[], cache: CheckCache = new Map()): Promise<CheckedTx[]> {
    const out: CheckedTx[] = [];
    let maxOwnNonce: number | undefined;
    for (const entry of entries) {
      const key = typeof entry?.raw === "string" ? entry.raw : JSON.stringify(entry);
      if (cache.has(key)) {
        const known = cache.get(key);
        if (known) out.push(known);
        continue;
      }
      // Our key can have signed at most the mined count plus what one instance keeps in flight.
      maxOwnNonce ??= (await this.rpc.use((p) => p.getTransactionCount(this.address, "pending"))) + this.chain.maxInFlight;
      const check = checkJournalEntry(entry, { chainId: this.chain.chainId, self: this.address, work, maxGasPerTx: this.gasCap, maxOwnNonce, now: Date.now() });
      if (check.ok) {
        cache.set(key, check.tx);
        out.push(check.tx);
      } else {
        cache.set(key, null);
        this.events.journalRejected?.(check.reason);
        this.log.error(
          { alert: "journal_entry_rejected", chain: this.chain.name, reason: check.reason, problem: check.detail, hash: typeof entry?.hash === "string" ? entry.hash.slice(0, 66) : undefined },
          "ignoring a journaled transaction that fails its checks (Redis holds data this relayer did not write)",
        );
      }
    }
    return out;
  }

  /** The first receipt among `txs`, if the node has one that really is for that transaction. */
  private async receiptOf(txs: readonly CheckedTx[]): Promise<TransactionReceipt | undefined> {
    for (const t of txs) {
      const r = await this.rpc.use((p) => p.getTransactionReceipt(t.hash));
      if (!r) continue;
      if (r.hash.toLowerCase() !== t.hash.toLowerCase() || getAddress(r.from) !== t.from) {
        this.events.bogusReceipt?.();
        this.log.error({ alert: "rpc_bogus_receipt", chain: this.chain.name, asked: t.hash, got: r.hash, from: r.from }, "the RPC answered a receipt for another transaction; ignored");
        continue;
      }
      return r;
    }
    return undefined;
  }

  /**
   * Waits until `receipt` is `confirmations` deep and then reads it AGAIN: undefined when the transaction
   * is no longer in the chain (reorged out), the new receipt when it moved to another block (and is deep
   * enough). Bounded by receiptTimeoutMs and by shutdown (the job resumes from the journal).
   */
  private async settle(receipt: TransactionReceipt): Promise<TransactionReceipt | undefined> {
    const need = this.chain.confirmations;
    if (need === 0) return receipt;
    const started = Date.now();
    let current = receipt;
    for (;;) {
      const head = await this.rpc.use((p) => p.getBlockNumber());
      if (head - current.blockNumber >= need) {
        const again = await this.rpc.use((p) => p.getTransactionReceipt(current.hash));
        if (!again) {
          this.log.warn({ chain: this.chain.name, hash: current.hash, block: current.blockNumber }, "transaction reorged out before reaching its confirmations; waiting for it again");
          return undefined;
        }
        if (again.blockHash === current.blockHash) return again;
        current = again; // mined again in another block: count its depth from there
        continue;
      }
      if (this.aborted()) throw new Error(`chain ${this.chain.name}: shutting down while ${current.hash} waits for ${need} confirmations (will resume from the journal)`);
      if (Date.now() - started > this.chain.receiptTimeoutMs) {
        throw new Error(`chain ${this.chain.name}: ${current.hash} not ${need} blocks deep after ${Date.now() - started} ms (will resume from the journal)`);
      }
      await sleep(this.chain.pollIntervalMs);
    }
  }

  /** A receipt that has settled: checked, its fee counted against the budget when it was ours. */
  private async final(receipt: TransactionReceipt, resumed: boolean, onMined?: (r: TransactionReceipt) => void): Promise<SendResult | undefined> {
    onMined?.(receipt); // in a block: no longer in the mempool, whatever its confirmations say later
    const settled = await this.settle(receipt);
    if (!settled) return undefined;
    if (getAddress(settled.from) === getAddress(this.address)) {
      this.budget.record(settled.hash, settled.gasUsed * (settled.gasPrice ?? 0n));
      this.events.spent?.(this.budget.spentLastHour());
    }
    return { receipt: this.checkStatus(settled), resumed };
  }

  private async broadcast(raw: string): Promise<void> {
    try {
      // The raw JSON-RPC call: ethers' broadcastTransaction also reads the block number and decodes the bytes
      // again (recovering the signer) to build a response object nothing here uses. Errors are mapped the same
      // way (JsonRpcApiProvider.getRpcError: NONCE_EXPIRED, REPLACEMENT_UNDERPRICED, INSUFFICIENT_FUNDS).
      await this.rpc.use((p) => p.send("eth_sendRawTransaction", [raw]));
    } catch (e) {
      if (isAlreadyKnown(e)) return;
      throw e;
    }
  }

  private async sign(to: string, data: string, nonce: number, gasLimit: bigint, fees: Fees): Promise<{ raw: string; hash: string }> {
    const tx = Transaction.from({ to, data, nonce, gasLimit, chainId: BigInt(this.chain.chainId), value: 0n, ...fees });
    const raw = await this.wallet.signTransaction(tx);
    const hash = keccak256(raw); // a signed transaction's hash is the keccak of its raw bytes
    noteSignedByUs(tx, raw, hash, this.address); // its journal entry is then checked without decoding it
    return { raw, hash };
  }

  private async feeData() {
    if (this.feeCache && this.now() - this.feeCache.at < FEE_CACHE_MS) return this.feeCache.fees;
    const fees = await this.rpc.use((p) => p.getFeeData());
    this.feeCache = { at: this.now(), fees };
    return fees;
  }

  /** Whether a transaction with this gas limit and these fees fits the hour's budget. */
  private fitsBudget(gasLimit: bigint, fees: Fees): boolean {
    return this.budget.allows(gasLimit * (fees.type === 2 ? fees.maxFeePerGas : fees.gasPrice));
  }

  /**
   * Gets the intent's work included, once, for one job. Resumes from the journal when earlier attempts
   * sent something (checked entries only). Throws on revert (simulation or receipt), insufficient funds,
   * the gas cap, the spend budget and timeouts. With a `turn`, the nonce is taken and the transaction
   * broadcast only when the turn is ready, and the turn is handed on right after the broadcast (before
   * the receipt wait), so transactions leave in job order.
   */
  async send(intent: TxIntent, journal: Journal, turn: Turn = NO_TURN, onMined?: (r: TransactionReceipt) => void): Promise<SendResult> {
    try {
      return await this.sendInTurn(intent, journal, turn, new Map(), onMined);
    } finally {
      turn.done();
    }
  }

  private async sendInTurn(intent: TxIntent, journal: Journal, turn: Turn, cache: CheckCache, onMined?: (r: TransactionReceipt) => void): Promise<SendResult> {
    // 1. Did an earlier attempt (any instance) already get a transaction in?
    const earlier = await this.checkedEntries(intent, journal.entries(), cache);
    if (earlier.length) {
      const r = await this.receiptOf(earlier);
      const done = r && (await this.final(r, true, onMined));
      if (done) return done;
      const foreign = earlier.filter((t) => !t.own);
      const own = earlier.filter((t) => t.own);
      if (own.length) {
        const lastOwn = own[own.length - 1];
        const mined = await this.rpc.use((p) => p.getTransactionCount(this.address, "latest"));
        if (mined <= lastOwn.nonce) {
          // Still pending: rebroadcast (the node may have dropped it) and keep waiting / bumping. Gas and
          // fees come from the transaction we signed (decoded), not from the entry's fields.
          await this.broadcast(lastOwn.raw).catch((e) => this.log.debug({ err: (e as Error).message }, "rebroadcast failed"));
          turn.done();
          return this.waitAndBump(intent, journal, cache, lastOwn.nonce, lastOwn.gasLimit, lastOwn.fees, lastOwn.sentAt, onMined);
        }
        // The nonce is used. Our transaction may have been mined after the receipt check above and before
        // this count: look once more, or the batch would be sent (and paid for) a second time.
        const late = await this.receiptOf(earlier);
        const lateDone = late && (await this.final(late, true, onMined));
        if (lateDone) return lateDone;
        this.nonces.resync(); // our nonce was used by something else; send afresh below
      } else {
        // Only another instance's transactions: push them once more and give them one replacement window.
        for (const t of foreign) await this.broadcast(t.raw).catch(() => undefined);
        const deadline = Date.now() + this.chain.replaceAfterMs;
        while (Date.now() < deadline && !this.aborted()) {
          const rr = await this.receiptOf(foreign);
          const fdone = rr && (await this.final(rr, true, onMined));
          if (fdone) return fdone;
          await sleep(this.chain.pollIntervalMs);
        }
      }
    }

    // 2. Simulate and estimate, in turn (so the chain state already includes the earlier jobs' effects
    //    where they were mined, and our nonce follows theirs).
    const tTurn = Date.now();
    await turn.ready;
    const tReady = Date.now();
    // Asked alongside the estimate (no added latency): a contract target without code is never paid for.
    // Raw: ethers' getCode re-encodes the whole bytecode (tens of kB) on every send only to compare it with "0x".
    const code = intent.contract ? this.rpc.use((p) => p.send("eth_getCode", [intent.to, "latest"]) as Promise<string>) : undefined;
    code?.catch(() => undefined); // awaited below
    let gasEstimate: bigint;
    try {
      gasEstimate = await this.rpc.use((p) => p.estimateGas({ from: this.address, to: intent.to, data: intent.data }));
    } catch (e) {
      if (isInsufficientFunds(e)) throw new InsufficientFundsError(this.chain.name, this.address);
      if (isTransportError(e)) throw e; // the RPC is unwell, not the batch
      throw new SimulationError(this.chain.name, OracleReader.describeRevert(e));
    }
    if (code && (await code) === "0x") {
      throw new Error(`chain ${this.chain.name}: ${intent.to} has no contract code (the chain was reset, or the config points at another deployment); nothing was signed`);
    }
    if (gasEstimate > this.gasCap) {
      this.events.limitHit?.("gas_cap");
      throw new LimitError(this.chain.name, "gas_cap", `the transaction needs ${gasEstimate} gas, above maxGasPerTx ${this.gasCap}; nothing was signed`);
    }
    const multiplied = (gasEstimate * BigInt(Math.round(this.chain.fees.gasLimitMultiplier * 1000))) / 1000n;
    const gasLimit = multiplied < this.gasCap ? multiplied : this.gasCap;
    const tSimulated = Date.now();
    const fees = initialFees(this.chain.fees, await this.feeData());
    if (!this.fitsBudget(gasLimit, fees)) {
      this.events.limitHit?.("spend_budget");
      throw new LimitError(
        this.chain.name,
        "spend_budget",
        `spent ${formatEther(this.budget.spentLastHour())} in the last hour; this transaction may cost up to ${formatEther(gasLimit * (fees.type === 2 ? fees.maxFeePerGas : fees.gasPrice))}, maxSpendPerHour is ${this.chain.maxSpendPerHour}; nothing was signed`,
      );
    }

    // 3. Sign, journal, broadcast.
    const nonce = await this.nonces.take();
    const signed = await this.sign(intent.to, intent.data, nonce, gasLimit, fees);
    const sentAt = Date.now();
    await journal.record({ hash: signed.hash, from: this.address, nonce, raw: signed.raw, fees: feesToRecord(fees), sentAt });
    try {
      await this.broadcast(signed.raw);
    } catch (e) {
      this.nonces.resync();
      if (isInsufficientFunds(e)) throw new InsufficientFundsError(this.chain.name, this.address);
      // Whatever the error, the node may have taken the transaction all the same (an answer lost on its way
      // back; a failover or load balancer that sent it twice and relays the second "nonce too low"): look for
      // its receipt before failing the attempt (a pending one is resumed from the journal by the retry).
      const [mine] = await this.checkedEntries(intent, [journal.entries().find((t) => t.hash === signed.hash)!], cache);
      const r = mine && (await this.receiptOf([mine]));
      const done = r && (await this.final(r, false, onMined));
      if (done) return done;
      throw e;
    }
    this.nonces.confirm(nonce);
    turn.done();
    const tSent = Date.now();
    this.log.debug({ chain: this.chain.name, hash: signed.hash, nonce, gasLimit: gasLimit.toString() }, "transaction sent");
    const result = await this.waitAndBump(intent, journal, cache, nonce, gasLimit, fees, sentAt, onMined);
    result.timings = { turn: tReady - tTurn, simulate: tSimulated - tReady, broadcast: tSent - tSimulated, inclusion: Date.now() - tSent };
    return result;
  }

  private checkStatus(r: TransactionReceipt): TransactionReceipt {
    if (r.status !== 1) throw new Error(`chain ${this.chain.name}: transaction ${r.hash} reverted in block ${r.blockNumber}`);
    return r;
  }

  /** Waits for any of the journal's own transactions with `nonce`, replacing them with higher fees when stuck. */
  private async waitAndBump(intent: TxIntent, journal: Journal, cache: CheckCache, nonce: number, gasLimit: bigint, fees: Fees, lastSentAt: number, onMined?: (r: TransactionReceipt) => void): Promise<SendResult> {
    const started = Date.now();
    let current = fees;
    let sentAt = lastSentAt;
    let lastNonceCheck = Date.now();
    /** since when a nonce below ours has been missing from both the chain and the node's pending set */
    let gapSince: number | undefined;
    for (;;) {
      const mine = (await this.checkedEntries(intent, journal.entries(), cache)).filter((t) => t.own && t.nonce === nonce);
      const r = await this.receiptOf(mine.slice().reverse()); // the newest replacement is the likeliest
      const done = r && (await this.final(r, false, onMined));
      if (done) return done;
      // Whether something else used our nonce is checked about once a second, not on every poll.
      if (Date.now() - lastNonceCheck >= Math.max(1_000, this.chain.pollIntervalMs)) {
        lastNonceCheck = Date.now();
        const mined = await this.rpc.use((p) => p.getTransactionCount(this.address, "latest"));
        if (mined > nonce) {
          // The nonce is used, but not by any of our hashes (check once more: a receipt may just have appeared).
          const again = await this.receiptOf(mine);
          const adone = again && (await this.final(again, false, onMined));
          if (adone) return adone;
          this.nonces.resync();
          throw new Error(`chain ${this.chain.name}: nonce ${nonce} of ${this.address} was used by a transaction this relayer did not journal`);
        }
        if (mined < nonce) {
          // A gap below our nonce that nobody will fill: mined transactions of ours (jobs already done) were
          // dropped by a reorg deeper than the confirmations. Ours can never be mined; every later one waits
          // behind it. This job sends its work again at the lowest free nonce (the one above then becomes a
          // late duplicate the contract skips); the next stuck job fills the next, until the gap is closed.
          const pending = await this.rpc.use((p) => p.getTransactionCount(this.address, "pending"));
          if (pending >= nonce) gapSince = undefined;
          else if (gapSince === undefined) gapSince = Date.now();
          // Twice the replacement delay: a job whose own transaction vanished within its confirmations sends it
          // again after one (settle, then the bump), and should fill its own nonce with its own work.
          else if (Date.now() - gapSince >= 2 * Math.max(this.chain.replaceAfterMs, 1_000)) {
            const signed = await this.sign(intent.to, intent.data, pending, gasLimit, current);
            await journal.record({ hash: signed.hash, from: this.address, nonce: pending, raw: signed.raw, fees: feesToRecord(current), sentAt: Date.now() });
            this.log.warn(
              { chain: this.chain.name, nonce, refill: pending, mined, hash: signed.hash },
              "nonces below ours are missing from the chain and the mempool (a reorg deeper than the confirmations dropped mined transactions); sending this job again at the lowest free nonce",
            );
            await this.broadcast(signed.raw).catch((e) => this.log.warn({ chain: this.chain.name, err: (e as Error).message }, "refill broadcast failed"));
            nonce = pending;
            sentAt = Date.now();
            gapSince = undefined;
            continue;
          }
        }
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
        } else if (!this.fitsBudget(gasLimit, bumped)) {
          this.events.limitHit?.("spend_budget");
          this.log.error({ alert: "spend_budget", chain: this.chain.name, nonce, maxSpendPerHour: this.chain.maxSpendPerHour }, "transaction stuck and a replacement would exceed the spend budget; waiting");
          sentAt = Date.now();
        } else {
          const signed = await this.sign(intent.to, intent.data, nonce, gasLimit, bumped);
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
