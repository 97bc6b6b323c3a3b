/**
 * The devnet application: the ABCI-like core (CheckTx, FinalizeBlock, Commit, Query) over the auth,
 * bank and emissions modules. Transport-free: the RPC layer calls into it.
 */
import { sha256 } from "@cosmjs/crypto";
import { toBase64, toBech32, toHex, toUtf8 } from "@cosmjs/encoding";
import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { AuthInfo, Tx, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { Decimal } from "decimal.js";
import { addressProblem, authQueryRoutes } from "../modules/auth";
import { bankQueryRoutes, coinsToString, execMsgSend, parseCoins, sendCoins } from "../modules/bank";
import { QueryRoutes } from "../modules/types";
import { decodeTx, DecodedTx, MSG_SEND } from "../tx/decode";
import { GrpcQueryError, SdkError } from "../tx/errors";
import { addressOfPubKey, MULTISIG_TYPE, verifySignerSignature } from "../tx/verify";
import { LegacyAminoPubKey } from "cosmjs-types/cosmos/crypto/multisig/keys";
import { BlockRecord, BlockStore, hashHex, txHash, TxResult } from "./blocks";
import { AbciEvent, makeEvent } from "./events";
import { ChainState } from "./state";

/** Gas schedule (deterministic, close to the SDK's order of magnitude for a MsgSend). */
export const Gas = {
  base: 40_000,
  perTxByte: 10,
  perSignature: 1_000,
  perMsg: 25_000,
  maxMemoChars: 256,
} as const;

export interface EndBlocker {
  /** runs at the end of every block; returns finalize-block events */
  endBlock(height: number, time: Date): Promise<AbciEvent[]>;
  routes(): QueryRoutes;
}

export interface AppOptions {
  chainId: string;
  prefix: string;
  denom: string;
  minGasPrice: string;
  maxTxsPerBlock: number;
  blockRetention: number;
}

export interface CheckResult {
  code: number;
  codespace: string;
  log: string;
  gasWanted: bigint;
  gasUsed: bigint;
}

export interface QueryResult {
  code: number;
  codespace: string;
  log: string;
  value: Uint8Array;
  height: number;
}

interface AnteOutcome {
  gasUsed: bigint;
  events: AbciEvent[];
}

type Mode = "check" | "deliver" | "simulate";

/** sdk.AccAddress of a module account: sha256(name)[:20]. */
export function moduleAddress(name: string, prefix: string): string {
  return toBech32(prefix, sha256(toUtf8(name)).slice(0, 20));
}

export class HubApp {
  /** committed state */
  state = new ChainState();
  /** CheckTx state (committed + accepted mempool txs) */
  private checkState = new ChainState();
  readonly blocks: BlockStore;
  mempool: { bytes: Uint8Array; hash: string }[] = [];
  private readonly routes: QueryRoutes = new Map();
  readonly feeCollector: string;
  private readonly minGasPrice: Decimal;
  private appHash = toHex(sha256(toUtf8("genesis"))).toUpperCase();
  readonly validatorAddress: string;
  readonly validatorPubKey: Uint8Array;

  constructor(
    readonly opts: AppOptions,
    private readonly modules: EndBlocker[],
  ) {
    this.blocks = new BlockStore(opts.blockRetention);
    this.feeCollector = moduleAddress("fee_collector", opts.prefix);
    this.minGasPrice = new Decimal(opts.minGasPrice);
    for (const [p, h] of authQueryRoutes(() => this.state, opts.prefix)) this.routes.set(p, h);
    for (const [p, h] of bankQueryRoutes(() => this.state, opts.prefix)) this.routes.set(p, h);
    for (const m of modules) for (const [p, h] of m.routes()) this.routes.set(p, h);
    this.validatorPubKey = sha256(toUtf8(`validator/${opts.chainId}`));
    this.validatorAddress = toHex(sha256(this.validatorPubKey).slice(0, 20)).toUpperCase();
  }

  /** Call after genesis balances are set. */
  initChain(): void {
    this.state.ensureAccount(this.feeCollector);
    this.checkState = this.state.overlay();
  }

  get height(): number {
    return this.blocks.latestHeight;
  }

  // ---------------------------------------------------------------- transactions

  private gasFor(bytes: number, sigs: number, msgs: number): bigint {
    return BigInt(Gas.base + Gas.perTxByte * bytes + Gas.perSignature * sigs + Gas.perMsg * msgs);
  }

  /** The ante handler: basic checks, fees, public keys, sequences, signatures. Mutates `state`. */
  private async ante(state: ChainState, tx: DecodedTx, size: number, mode: Mode, height: number): Promise<AnteOutcome> {
    const { body, authInfo, raw } = tx;
    const fee = authInfo.fee;
    if (mode !== "simulate" && raw.signatures.length === 0) throw new SdkError("NoSignatures");
    if (raw.signatures.length !== authInfo.signerInfos.length) {
      throw new SdkError(
        "Unauthorized",
        `wrong number of signers; expected ${authInfo.signerInfos.length}, got ${raw.signatures.length}`,
      );
    }
    if (tx.signers.length !== authInfo.signerInfos.length) {
      throw new SdkError(
        "Unauthorized",
        `invalid number of signer;  expected: ${tx.signers.length}, got ${authInfo.signerInfos.length}`,
      );
    }
    if (body.memo.length > Gas.maxMemoChars) {
      throw new SdkError("MemoTooLarge", `maximum number of characters is ${Gas.maxMemoChars} but received ${body.memo.length} characters`);
    }
    if (body.timeoutHeight > 0n && BigInt(height) > body.timeoutHeight) {
      throw new SdkError("TxTimeoutHeight", `block height: ${height}, timeout height: ${body.timeoutHeight}`);
    }
    for (const s of tx.signers) {
      const bad = addressProblem(s, this.opts.prefix);
      if (bad) throw new SdkError("InvalidAddress", `invalid signer address: ${bad}`);
    }
    const gasLimit = fee?.gasLimit ?? 0n;
    let sigCount = 0;
    for (const si of authInfo.signerInfos) {
      if (si.publicKey?.typeUrl === MULTISIG_TYPE) sigCount += LegacyAminoPubKey.decode(si.publicKey.value).threshold;
      else sigCount += 1;
    }
    const gasUsed = this.gasFor(size, sigCount, tx.msgs.length);
    if (mode !== "simulate" && gasLimit === 0n) throw new SdkError("InvalidRequest", "must provide positive gas");
    if (mode !== "simulate" && gasUsed > gasLimit) {
      throw new SdkError("OutOfGas", `out of gas in location: ante; gasWanted: ${gasLimit}, gasUsed: ${gasUsed}`);
    }

    // fees (DeductFeeDecorator): min gas price in CheckTx only, as a validator's min-gas-prices
    let feeCoins: { denom: string; amount: bigint }[];
    try {
      feeCoins = parseCoins(fee?.amount ?? []);
    } catch (e) {
      throw new SdkError("InsufficientFee", `invalid fee: ${(e as Error).message}`);
    }
    if (mode === "check" && this.minGasPrice.gt(0)) {
      const required = BigInt(this.minGasPrice.mul(gasLimit.toString()).ceil().toFixed(0));
      const paid = feeCoins.find((c) => c.denom === this.opts.denom)?.amount ?? 0n;
      if (paid < required) {
        throw new SdkError(
          "InsufficientFee",
          `insufficient fees; got: ${coinsToString(feeCoins) || "0" + this.opts.denom} required: ${required}${this.opts.denom}`,
        );
      }
    }
    const feePayer = fee?.payer || tx.signers[0];
    const events: AbciEvent[] = [];
    if (!state.getAccount(feePayer)) throw new SdkError("UnknownAddress", `fee payer address: ${feePayer} does not exist`);
    if (feeCoins.length > 0) {
      try {
        events.push(...sendCoins(state, feePayer, this.feeCollector, feeCoins));
      } catch (e) {
        if (e instanceof SdkError) throw e.wrap(`insufficient funds to pay for fees`);
        throw e;
      }
    }
    events.push(makeEvent("tx", [["fee", coinsToString(feeCoins)], ["fee_payer", feePayer]]));

    // public keys, sequences, signatures
    for (let i = 0; i < tx.signers.length; i++) {
      const signer = tx.signers[i];
      const si = authInfo.signerInfos[i];
      const acc = state.getAccount(signer);
      if (!acc) throw new SdkError("UnknownAddress", `account ${signer} does not exist`);
      const pubKey = si.publicKey ?? acc.pubKey;
      if (!pubKey) throw new SdkError("InvalidPubKey", `pubkey on account is not set`);
      if (si.publicKey) {
        const derived = addressOfPubKey(si.publicKey, this.opts.prefix);
        if (derived !== signer) {
          throw new SdkError("InvalidPubKey", `pubKey does not match signer address ${signer} with signer index: ${i}`);
        }
      }
      if (si.sequence !== acc.sequence) {
        throw new SdkError("WrongSequence", `account sequence mismatch, expected ${acc.sequence}, got ${si.sequence}`);
      }
      if (mode !== "simulate") {
        await verifySignerSignature(pubKey, si.modeInfo, raw.signatures[i], {
          chainId: this.opts.chainId,
          accountNumber: acc.accountNumber,
          sequence: acc.sequence,
          tx,
        });
      }
      acc.pubKey = pubKey;
      events.push(makeEvent("tx", [["acc_seq", `${signer}/${acc.sequence}`]]));
      events.push(makeEvent("tx", [["signature", toBase64(raw.signatures[i] ?? new Uint8Array())]]));
      acc.sequence += 1n;
    }
    return { gasUsed, events };
  }

  /** Runs the messages on an overlay of `state` (apply it to keep the effects); returns it and the events. */
  private runMsgs(state: ChainState, tx: DecodedTx): { state: ChainState; events: AbciEvent[]; data: Uint8Array } {
    const next = state.overlay();
    const events: AbciEvent[] = [];
    const responses = [];
    for (let i = 0; i < tx.msgs.length; i++) {
      const m = tx.msgs[i];
      try {
        if (m.typeUrl === MSG_SEND) {
          events.push(...execMsgSend(next, m.value, this.opts.prefix, i));
          responses.push({ typeUrl: "/cosmos.bank.v1beta1.MsgSendResponse", value: new Uint8Array() });
        } else {
          throw new SdkError("UnknownRequest", `unrecognized message type: ${m.typeUrl}`);
        }
      } catch (e) {
        if (e instanceof SdkError) throw e.wrap(`failed to execute message; message index: ${i}`);
        throw e;
      }
    }
    return { state: next, events, data: TxMsgData.encode({ data: [], msgResponses: responses }).finish() };
  }

  /** CheckTx: validates against the mempool state and, when valid, adds the tx to the mempool. */
  async checkTx(bytes: Uint8Array): Promise<CheckResult & { hash: string }> {
    const hash = txHash(bytes);
    let tx: DecodedTx;
    try {
      tx = decodeTx(bytes);
    } catch (e) {
      return { ...errResult(e, 0n, 0n), hash };
    }
    const gasWanted = tx.authInfo.fee?.gasLimit ?? 0n;
    const scratch = this.checkState.overlay();
    try {
      const out = await this.ante(scratch, tx, bytes.length, "check", this.height + 1);
      scratch.apply();
      this.mempool.push({ bytes, hash });
      return { code: 0, codespace: "", log: "", gasWanted, gasUsed: out.gasUsed, hash };
    } catch (e) {
      return { ...errResult(e, gasWanted, 0n), hash };
    }
  }

  /** DeliverTx inside FinalizeBlock. */
  private async deliverTx(bytes: Uint8Array, height: number): Promise<TxResult> {
    let tx: DecodedTx;
    try {
      tx = decodeTx(bytes);
    } catch (e) {
      return { ...errResult(e, 0n, 0n), data: new Uint8Array(), events: [] };
    }
    const gasWanted = tx.authInfo.fee?.gasLimit ?? 0n;
    const anteState = this.state.overlay();
    let ante: AnteOutcome;
    try {
      ante = await this.ante(anteState, tx, bytes.length, "deliver", height);
    } catch (e) {
      return { ...errResult(e, gasWanted, 0n), data: new Uint8Array(), events: [] };
    }
    // fees and sequences stick even when a message fails
    anteState.apply();
    try {
      const run = this.runMsgs(this.state, tx);
      run.state.apply();
      return {
        code: 0,
        codespace: "",
        log: "",
        data: run.data,
        gasWanted,
        gasUsed: ante.gasUsed,
        events: [...ante.events, ...run.events],
      };
    } catch (e) {
      return { ...errResult(e, gasWanted, ante.gasUsed), data: new Uint8Array(), events: ante.events };
    }
  }

  /** /cosmos.tx.v1beta1.Service/Simulate */
  async simulate(data: Uint8Array): Promise<Uint8Array> {
    const req = SimulateRequest.decode(data);
    let bytes = req.txBytes;
    if (bytes.length === 0 && req.tx) bytes = Tx.encode(req.tx).finish();
    const raw = Tx.decode(bytes);
    const rawBytes = TxRaw.encode({
      bodyBytes: raw.body ? TxBody.encode(raw.body).finish() : new Uint8Array(),
      authInfoBytes: raw.authInfo ? AuthInfo.encode(raw.authInfo).finish() : new Uint8Array(),
      signatures: raw.signatures,
    }).finish();
    let tx: DecodedTx;
    try {
      tx = decodeTx(rawBytes);
    } catch (e) {
      throw new GrpcQueryError("InvalidArgument", (e as Error).message);
    }
    const scratch = this.checkState.overlay();
    try {
      // signatures are empty in a simulation; count 64 bytes each like the SDK's simulation gas
      const size = rawBytes.length + 64 * Math.max(1, tx.authInfo.signerInfos.length);
      const ante = await this.ante(scratch, tx, size, "simulate", this.height + 1);
      const run = this.runMsgs(scratch, tx);
      const events = [...ante.events, ...run.events];
      return SimulateResponse.encode({
        gasInfo: { gasWanted: tx.authInfo.fee?.gasLimit ?? 0n, gasUsed: ante.gasUsed },
        result: {
          data: run.data,
          log: "",
          events: events.map((ev) => ({
            type: ev.type,
            attributes: ev.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })),
          })),
          msgResponses: TxMsgData.decode(run.data).msgResponses,
        },
      }).finish();
    } catch (e) {
      throw new GrpcQueryError("Unknown", `${(e as Error).message} With gas wanted: '0' and gas used: '0' `);
    }
  }

  // ---------------------------------------------------------------- blocks

  /** FinalizeBlock + Commit: includes mempool txs, runs the end blockers, stores the block. */
  async produceBlock(time: Date): Promise<BlockRecord> {
    const height = this.height + 1;
    const prev = this.blocks.latest();
    const take = this.mempool.splice(0, this.opts.maxTxsPerBlock);
    const txResults: TxResult[] = [];
    for (const t of take) txResults.push(await this.deliverTx(t.bytes, height));
    const finalizeEvents: AbciEvent[] = [];
    for (const m of this.modules) {
      for (const ev of await m.endBlock(height, time)) {
        ev.attributes.push({ key: "mode", value: "EndBlock", index: true });
        finalizeEvents.push(ev);
      }
    }
    const txHashes = take.map((t) => t.hash);
    const dataHash = txHashes.length ? hashHex("data", ...txHashes) : "";
    const lastResultsHash = hashHex("results", ...txResults.map((r) => `${r.code}/${r.gasUsed}`));
    const lastBlockHash = prev?.hash ?? "";
    const hash = hashHex(this.opts.chainId, String(height), time.toISOString(), lastBlockHash, dataHash, this.appHash);
    const block: BlockRecord = {
      height,
      time,
      hash,
      lastBlockHash,
      appHash: this.appHash,
      dataHash,
      lastCommitHash: prev ? hashHex("commit", prev.hash) : "",
      lastResultsHash,
      txs: take.map((t) => t.bytes),
      txHashes,
      txResults,
      finalizeEvents,
      size: 600 + take.reduce((n, t) => n + t.bytes.length, 0),
    };
    this.blocks.add(block);
    // Commit: the app hash of this block's state goes into the next header
    this.appHash = hashHex("app", hash, lastResultsHash);
    // recheck the remaining mempool against the new state
    this.checkState = this.state.overlay();
    const rest = this.mempool;
    this.mempool = [];
    for (const t of rest) await this.checkTx(t.bytes);
    return block;
  }

  get currentAppHash(): string {
    return this.appHash;
  }

  // ---------------------------------------------------------------- queries

  async query(path: string, data: Uint8Array, atHeight?: number): Promise<QueryResult> {
    const height = this.height;
    try {
      if (path === "/cosmos.tx.v1beta1.Service/Simulate") {
        return { code: 0, codespace: "", log: "", value: await this.simulate(data), height };
      }
      const h = this.routes.get(path);
      if (!h) {
        return { code: 6, codespace: "sdk", log: "unknown query path: unknown request", value: new Uint8Array(), height };
      }
      return { code: 0, codespace: "", log: "", value: h(data, atHeight), height: atHeight ?? height };
    } catch (e) {
      if (e instanceof GrpcQueryError || e instanceof SdkError) {
        return { code: e.code, codespace: e.codespace, log: e.message, value: new Uint8Array(), height };
      }
      return {
        code: 18,
        codespace: "sdk",
        log: `rpc error: code = InvalidArgument desc = ${(e as Error).message}: invalid request`,
        value: new Uint8Array(),
        height,
      };
    }
  }
}

function errResult(e: unknown, gasWanted: bigint, gasUsed: bigint): CheckResult {
  if (e instanceof SdkError) return { code: e.code, codespace: e.codespace, log: e.message, gasWanted, gasUsed };
  return { code: 1, codespace: "undefined", log: `internal error: ${(e as Error).message}`, gasWanted, gasUsed };
}
