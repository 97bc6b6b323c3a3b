/**
 * The journal of a job lives in Redis, so every entry is a claim to verify, not a fact. An entry is used
 * only when its signed bytes say so: it decodes, its hash is the hash of those bytes, it is for this
 * chain, it goes to the job's contract with no value, its calldata does this job's work, its gas limit
 * is within the chain's cap, and (for our own key) its nonce is one we could have used. The nonce, gas
 * limit and fees used afterwards are the DECODED ones; the entry's own fields (nonce, fees, from) are
 * never trusted. A rejected entry is an alert, never a template for a transaction we sign.
 */
import { Transaction, getAddress } from "ethers";
import { BoundedMemo } from "../attest/bounded";
import type { Fees } from "./fees";
import type { TxWork } from "./intent";

export type EntryRejection = "undecodable" | "hash" | "chain_id" | "target" | "work" | "value" | "gas_cap" | "nonce";

/** A journal entry that passed every check; every field comes from the signed transaction. */
export interface CheckedTx {
  hash: string;
  from: string;
  /** signed by this submitter's key */
  own: boolean;
  nonce: number;
  gasLimit: bigint;
  fees: Fees;
  raw: string;
  /** its calldata (does the job's work: checked) */
  data: string;
  /** when it was sent (from the entry, clamped to the past: only used to time a replacement) */
  sentAt: number;
}

export interface EntryRules {
  chainId: number;
  /** this submitter's address */
  self: string;
  work: TxWork;
  maxGasPerTx: bigint;
  /** the highest nonce this key can have signed (the chain's mined count plus what may be in flight) */
  maxOwnNonce: number;
  now: number;
}

export type EntryCheck = { ok: true; tx: CheckedTx } | { ok: false; reason: EntryRejection; detail: string };

const reject = (reason: EntryRejection, detail: string): EntryCheck => ({ ok: false, reason, detail });

/** The fields of a signed transaction the checks read, decoded once. */
interface DecodedTx {
  hash: string;
  from: string;
  type: number | null;
  chainId: bigint;
  to: string | null;
  value: bigint;
  data: string;
  gasLimit: bigint;
  nonce: number;
  gasPrice: bigint | null;
  maxFeePerGas: bigint | null;
  maxPriorityFeePerGas: bigint | null;
}

/**
 * Decoded raw transactions, by their bytes. Decoding recovers the signer (an ECDSA public-key recovery, the
 * costliest step of a send: a profile of the bridge bench found a tenth of the relayer's CPU here, the same
 * raw bytes decoded again for every job of a batch and every receipt poll). What the bytes say never
 * changes, so a remembered decode is the same answer; the checks against the job still run every time.
 */
const decoded = new BoundedMemo<string, DecodedTx | string>(4_096);

function fieldsOf(tx: Transaction, from: string): DecodedTx {
  return {
    hash: tx.hash ?? "",
    from,
    type: tx.type,
    chainId: tx.chainId,
    to: tx.to,
    value: tx.value,
    data: tx.data,
    gasLimit: tx.gasLimit,
    nonce: tx.nonce,
    gasPrice: tx.gasPrice,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
  };
}

/** The decoded transaction, or why it does not decode. */
function decode(raw: string): DecodedTx | string {
  return decoded.get(raw, () => {
    try {
      const tx = Transaction.from(raw);
      return tx.isSigned() ? fieldsOf(tx, tx.from) : "the raw transaction is not signed";
    } catch (err) {
      return `the raw transaction does not decode: ${(err as Error).message.split("\n")[0].slice(0, 120)}`;
    }
  });
}

/**
 * Remembers a transaction this process has just signed with `from`'s key, so that checking its journal entry
 * needs neither a decode nor a signer recovery. Only the sender calls this, with the unsigned transaction it
 * gave its wallet, the bytes the wallet produced and their hash (parsing a 100-report batch back from its
 * bytes cost 15-25 ms on a loaded machine: ethers' hex decoding).
 */
export function noteSignedByUs(unsigned: Transaction, raw: string, hash: string, from: string): void {
  decoded.set(raw, { ...fieldsOf(unsigned, getAddress(from)), hash });
}

export function checkJournalEntry(entry: unknown, rules: EntryRules): EntryCheck {
  const e = entry as { raw?: unknown; hash?: unknown; sentAt?: unknown } | null;
  if (!e || typeof e.raw !== "string" || typeof e.hash !== "string") return reject("undecodable", "the entry has no raw transaction or hash");
  const tx = decode(e.raw);
  if (typeof tx === "string") return reject("undecodable", tx);
  if (tx.hash.toLowerCase() !== e.hash.toLowerCase()) return reject("hash", `the entry names hash ${e.hash.slice(0, 66)}, its raw transaction hashes to ${tx.hash}`);
  if (tx.type !== 0 && tx.type !== 2) return reject("undecodable", `transaction type ${tx.type} is not one this relayer signs`);
  if (tx.chainId !== BigInt(rules.chainId)) return reject("chain_id", `signed for chain id ${tx.chainId}, this chain is ${rules.chainId}`);
  if (tx.to === null || getAddress(tx.to) !== getAddress(rules.work.to)) return reject("target", `sent to ${tx.to}, not to ${rules.work.to}`);
  if (tx.value !== 0n) return reject("value", `carries value ${tx.value}`);
  if (!rules.work.sameWork(tx.data)) return reject("work", "its calldata is not this job's work");
  if (tx.gasLimit > rules.maxGasPerTx) return reject("gas_cap", `gas limit ${tx.gasLimit} is above maxGasPerTx ${rules.maxGasPerTx}`);
  const own = getAddress(tx.from) === getAddress(rules.self);
  if (own && tx.nonce > rules.maxOwnNonce) return reject("nonce", `nonce ${tx.nonce} is beyond any this key can have used (at most ${rules.maxOwnNonce})`);
  const fees: Fees =
    tx.type === 2 ? { type: 2, maxFeePerGas: tx.maxFeePerGas ?? 0n, maxPriorityFeePerGas: tx.maxPriorityFeePerGas ?? 0n } : { type: 0, gasPrice: tx.gasPrice ?? 0n };
  const sentAt = typeof e.sentAt === "number" && Number.isFinite(e.sentAt) ? Math.min(e.sentAt, rules.now) : rules.now;
  return { ok: true, tx: { hash: tx.hash, from: getAddress(tx.from), own, nonce: tx.nonce, gasLimit: tx.gasLimit, fees, raw: e.raw, data: tx.data, sentAt } };
}
