/**
 * EVM -> hub releases and hub refunds: what the escrow has already paid, read from the hub's own record of
 * the escrow's sends (tx_search, memos parsed), and whether an attester may sign a release now.
 *
 * Why this is safe against paying twice: the escrow is a multisig account, so every transaction it signs uses
 * its next account sequence. An attester signs a payment only for the escrow's *committed* account sequence S
 * and only with a ledger that holds all S transactions the escrow signed before. Every earlier payment is
 * therefore in that ledger; a second payment of the same transfer cannot be assembled, and two different
 * payloads signed for S cannot both land.
 */
import { parseEscrowMemo, refundKeyOf, releasedTransferIds } from "./memo";
import { BoundedMemo } from "../attest/bounded";

/** One transaction the escrow signed, as tx_search returns it. */
export interface EscrowSend {
  txHash: string;
  height: bigint;
  /** the tx result code; 0 = success. A failed tx moved nothing (but used its sequence and paid its fee). */
  code: number;
  memo: string;
  /** the fee the escrow paid for it, in the bridged denom (base units) */
  fee: bigint;
}

export interface EscrowLedger {
  /** transfer id (lower-case hex) -> the tx hash that released it */
  released: Map<string, string>;
  /** "<deposit tx hash>:<msg index>" -> the tx hash that refunded it */
  refunded: Map<string, string>;
  /** a transfer or deposit paid more than once: must never happen; each entry is an alert */
  paidTwice: { key: string; txHashes: string[] }[];
}

/** What the escrow has paid in hub fees over these sends (failed ones pay too). */
export function feesPaid(sends: readonly EscrowSend[]): bigint {
  return sends.reduce((sum, s) => sum + s.fee, 0n);
}

export const refundKey = refundKeyOf;

/**
 * What one escrow memo pays, remembered by memo: the ledger is rebuilt from the escrow's whole history for
 * every escrow transaction, and parsing each memo and deriving each batch's transfer ids again made that
 * pass grow with the history (the bridge bench's profile). A memo always pays the same things.
 */
const paidByMemo = new BoundedMemo<string, { refund?: string; released: string[] }>(50_000);

function paidBy(memoText: string, hubChain: bigint): { refund?: string; released: string[] } {
  return paidByMemo.get(`${hubChain}|${memoText}`, () => {
    const memo = parseEscrowMemo(memoText);
    return memo.kind === "refund" ? { refund: refundKey(memo.depositTxHash, memo.msgIndex), released: [] } : { released: releasedTransferIds(memo, hubChain) };
  });
}

/**
 * Builds the ledger from the escrow's sends (any order). A batch memo pays every transfer it lists (ids
 * derived with the hub `hubChain` as destination); a transfer listed twice, in one tx or in two, is paid twice.
 */
export function escrowLedger(sends: readonly EscrowSend[], hubChain: bigint): EscrowLedger {
  const ledger: Omit<EscrowLedger, "paidTwice"> = { released: new Map(), refunded: new Map() };
  const twice = new Map<string, string[]>();
  const ordered = [...sends].sort((a, b) => (a.height < b.height ? -1 : a.height > b.height ? 1 : 0));
  const pay = (map: Map<string, string>, key: string, txHash: string) => {
    const first = map.get(key);
    if (first === undefined) map.set(key, txHash);
    else twice.set(key, [...(twice.get(key) ?? [first]), txHash]);
  };
  const seen = new Set<string>(); // tx hashes already counted (tx_search pages may repeat one)
  for (const s of ordered) {
    if (s.code !== 0 || seen.has(s.txHash)) continue;
    seen.add(s.txHash);
    const paid = paidBy(s.memo, hubChain);
    if (paid.refund !== undefined) pay(ledger.refunded, paid.refund, s.txHash);
    else for (const id of paid.released) pay(ledger.released, id, s.txHash);
  }
  return { ...ledger, paidTwice: [...twice].map(([key, txHashes]) => ({ key, txHashes })) };
}

export type ReleaseVerdict =
  | { sign: true }
  | { sign: false; why: "already_paid"; txHash: string }
  | { sign: false; why: "wrong_sequence"; committed: bigint; requested: bigint }
  | { sign: false; why: "ledger_incomplete"; escrowTxs: number; committedSequence: bigint };

/**
 * May an attester sign the escrow send keyed `key` (a transfer id, or a refund key) at `requestedSequence`?
 * `committedSequence` is the escrow's account sequence; `escrowTxs` how many transactions signed by the escrow
 * (fee payer = escrow, failed ones included: they use a sequence too) the ledger was built from. The ledger is
 * complete only when that count reaches the sequence: CometBFT indexes txs after the commit, so a node can
 * report the new sequence before tx_search shows the send that used the old one.
 */
export function releaseVerdict(args: {
  kind: "release" | "refund";
  key: string;
  ledger: EscrowLedger;
  escrowTxs: number;
  committedSequence: bigint;
  requestedSequence: bigint;
}): ReleaseVerdict {
  const map = args.kind === "release" ? args.ledger.released : args.ledger.refunded;
  const key = args.kind === "release" ? args.key.toLowerCase() : args.key;
  const paid = map.get(key);
  if (paid !== undefined) return { sign: false, why: "already_paid", txHash: paid };
  if (BigInt(args.escrowTxs) < args.committedSequence) {
    return { sign: false, why: "ledger_incomplete", escrowTxs: args.escrowTxs, committedSequence: args.committedSequence };
  }
  if (args.requestedSequence !== args.committedSequence) {
    return { sign: false, why: "wrong_sequence", committed: args.committedSequence, requested: args.requestedSequence };
  }
  return { sign: true };
}
