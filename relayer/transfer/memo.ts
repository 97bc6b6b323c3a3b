/**
 * The hub -> EVM deposit memo, and the memos the escrow writes on its own sends (releases and refunds).
 *
 * A deposit is a `MsgSend` of uallo to the bridge escrow whose transaction memo is exactly
 *   {"bridge":{"chain_id":<EIP-155 id>,"recipient":"0x<20-byte address>"}}
 * Anything else is refunded, so the parser never throws: it returns either the destination or the reason a
 * refund names. Strict on purpose: an extra key, a string chain id or a bad checksum is most likely a typo,
 * and a typo must cost the sender a refund, never a transfer to an address they did not mean.
 *
 * The escrow's own sends carry one of
 *   {"bridge_release":{"transfer_id":"0x<32 bytes>"}}                      EVM -> hub release
 *   {"bridge_releases":{"chain":<id>,"bridge":"<40 hex>","seq":[<n>,…]}}  several releases in one tx
 *   {"bridge_refund":{"tx":"<64 hex>","msg":<n>,"reason":"<reason>"}}      a refused deposit sent back
 * and the relayer reads them back from the hub (tx_search) to know what was already paid: the hub is the
 * record of what happened, never Redis. Every memo stays within the hub's 256-character limit (Cosmos SDK
 * x/auth `max_memo_characters`): a batch names its one source bridge (chain id and the bridge's address) and
 * the sequences it pays, in the order of its MsgSends; each transfer id is derived from them exactly as the
 * bridges derive it (lib/eip712/bridge.ts transferId, the destination being the hub).
 */
import { getAddress, isHexString } from "ethers";
import { evmBridgeId, transferId as deriveTransferId } from "../../lib/eip712/bridge";

/** The hub's memo limit (Cosmos SDK x/auth default `max_memo_characters`). */
export const MAX_MEMO_CHARS = 256;

/** Why a deposit is sent back. Stable strings: they appear in refund memos, metrics and logs. */
export type RefundReason =
  | "missing_memo"
  | "malformed_memo"
  | "bad_recipient"
  | "zero_recipient"
  | "unknown_destination"
  | "destination_disabled"
  | "zero_amount"
  | "amount_too_large"
  | "unsupported_denom";

export const REFUND_REASONS: readonly RefundReason[] = [
  "missing_memo",
  "malformed_memo",
  "bad_recipient",
  "zero_recipient",
  "unknown_destination",
  "destination_disabled",
  "zero_amount",
  "amount_too_large",
  "unsupported_denom",
];

export type MemoParse =
  | { ok: true; chainId: bigint; recipient: string }
  | { ok: false; reason: RefundReason; detail: string };

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

function refuse(reason: RefundReason, detail: string): MemoParse {
  return { ok: false, reason, detail };
}

/** Number.isSafeInteger as a type guard (a safe integer is a number). */
function isSafeInt(v: unknown): v is number {
  return Number.isSafeInteger(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses a deposit memo; never throws. */
export function parseDepositMemo(memo: string | undefined | null): MemoParse {
  if (memo === undefined || memo === null || memo.trim() === "") {
    return refuse("missing_memo", 'no memo (fix: send with memo {"bridge":{"chain_id":<id>,"recipient":"0x…"}})');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(memo);
  } catch {
    return refuse("malformed_memo", "memo is not JSON");
  }
  if (!isPlainObject(parsed) || Object.keys(parsed).length !== 1 || !isPlainObject(parsed.bridge)) {
    return refuse("malformed_memo", 'memo must be exactly {"bridge":{"chain_id":…,"recipient":…}}');
  }
  const bridge = parsed.bridge;
  const keys = Object.keys(bridge).sort();
  if (keys.length !== 2 || keys[0] !== "chain_id" || keys[1] !== "recipient") {
    return refuse("malformed_memo", `bridge object must have exactly chain_id and recipient (got ${keys.join(",") || "nothing"})`);
  }
  const chainId = bridge.chain_id;
  // A JSON number above 2^53 has already lost digits in JSON.parse: refuse rather than guess.
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0) {
    return refuse("malformed_memo", "chain_id must be a positive integer (a JSON number, not a string)");
  }
  const recipient = bridge.recipient;
  if (typeof recipient !== "string" || !isHexString(recipient, 20)) {
    return refuse("bad_recipient", "recipient must be 0x followed by 40 hex digits");
  }
  let checksummed: string;
  try {
    // Accepts all-lower and all-upper hex; mixed case must be a valid EIP-55 checksum.
    checksummed = getAddress(recipient);
  } catch {
    return refuse("bad_recipient", "recipient has a wrong EIP-55 checksum (mixed case that does not match)");
  }
  if (checksummed === ZERO_ADDRESS) return refuse("zero_recipient", "recipient is the zero address");
  return { ok: true, chainId: BigInt(chainId), recipient: checksummed };
}

/** Builds a deposit memo (for wallets, the CLI and tests). */
export function depositMemo(chainId: bigint | number, recipient: string): string {
  return JSON.stringify({ bridge: { chain_id: Number(chainId), recipient: getAddress(recipient) } });
}

/** The memo of an escrow release for an EVM -> hub transfer. */
export function releaseMemo(transferId: string): string {
  if (!isHexString(transferId, 32)) throw new Error(`transfer id ${transferId} is not 32 bytes of hex`);
  return JSON.stringify({ bridge_release: { transfer_id: transferId.toLowerCase() } });
}

/** The memo of a refund: the deposit's tx hash, its message index and why. */
export function refundMemo(depositTxHash: string, msgIndex: number, reason: RefundReason): string {
  if (!/^[0-9A-Fa-f]{64}$/.test(depositTxHash)) throw new Error(`deposit tx hash ${depositTxHash} is not 64 hex digits`);
  return JSON.stringify({ bridge_refund: { tx: depositTxHash.toUpperCase(), msg: msgIndex, reason } });
}

/** The source of a batch of releases: an EVM chain's bridge. */
export interface ReleaseSource {
  chain: bigint;
  /** the bridge's address (0x + 40 hex) */
  bridge: string;
}

/**
 * The memo of one escrow tx paying several EVM -> hub transfers of one source bridge, one MsgSend per
 * sequence in this order. Throws when it would exceed the hub's memo limit (the caller makes the batch
 * smaller; fitsReleaseBatchMemo says in advance).
 */
export function releaseBatchMemo(source: ReleaseSource, sequences: readonly bigint[]): string {
  if (sequences.length === 0) throw new Error("a release batch needs at least one sequence");
  if (!isHexString(source.bridge, 20)) throw new Error(`bridge ${source.bridge} is not an address`);
  if (source.chain <= 0n || source.chain > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`chain ${source.chain} is not a positive safe integer`);
  for (const q of sequences) if (q <= 0n || q > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`sequence ${q} is not a positive safe integer`);
  const memo = `{"bridge_releases":{"chain":${source.chain},"bridge":"${source.bridge.slice(2).toLowerCase()}","seq":[${sequences.join(",")}]}}`;
  if (memo.length > MAX_MEMO_CHARS) throw new Error(`a release batch memo of ${sequences.length} sequences is ${memo.length} characters, above the hub's ${MAX_MEMO_CHARS}`);
  return memo;
}

/** Whether a batch of these sequences from `source` fits one memo. */
export function fitsReleaseBatchMemo(source: ReleaseSource, sequences: readonly bigint[]): boolean {
  try {
    releaseBatchMemo(source, sequences);
    return true;
  } catch {
    return false;
  }
}

/** The key of a refund: "<deposit tx hash, upper case>:<message index>". */
export function refundKeyOf(depositTxHash: string, msgIndex: number): string {
  return `${depositTxHash.toUpperCase()}:${msgIndex}`;
}

export type EscrowMemo =
  | { kind: "release"; transferId: string }
  | { kind: "releases"; source: ReleaseSource; sequences: bigint[] }
  | { kind: "refund"; depositTxHash: string; msgIndex: number; reason: string }
  | { kind: "other" };

/** Reads back what an escrow send was for. Anything unrecognised is "other" (e.g. an operator's fee top-up). */
export function parseEscrowMemo(memo: string | undefined | null): EscrowMemo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(memo ?? "");
    // (Mutation testing: emptying the catch block is an equivalent mutant, parsed stays undefined and the memo is "other"; see docs/development.md.)
  } catch {
    return { kind: "other" };
  }
  if (!isPlainObject(parsed)) return { kind: "other" };
  const rel = parsed.bridge_release;
  if (isPlainObject(rel) && isHexString(rel.transfer_id, 32)) {
    return { kind: "release", transferId: rel.transfer_id.toLowerCase() };
  }
  const batch = parsed.bridge_releases;
  if (
    isPlainObject(batch) &&
    Object.keys(batch).length === 3 &&
    isSafeInt(batch.chain) &&
    batch.chain > 0 &&
    typeof batch.bridge === "string" &&
    /^[0-9a-f]{40}$/.test(batch.bridge) &&
    Array.isArray(batch.seq) &&
    batch.seq.length > 0 &&
    batch.seq.every((q) => isSafeInt(q) && q > 0)
  ) {
    return { kind: "releases", source: { chain: BigInt(batch.chain), bridge: getAddress(`0x${batch.bridge}`) }, sequences: (batch.seq as number[]).map((q) => BigInt(q)) };
  }
  const ref = parsed.bridge_refund;
  if (
    isPlainObject(ref) &&
    typeof ref.tx === "string" &&
    /^[0-9A-Fa-f]{64}$/.test(ref.tx) &&
    isSafeInt(ref.msg) &&
    ref.msg >= 0 &&
    typeof ref.reason === "string"
  ) {
    return { kind: "refund", depositTxHash: ref.tx.toUpperCase(), msgIndex: ref.msg, reason: ref.reason };
  }
  return { kind: "other" };
}

/**
 * The transfer ids an escrow memo pays (lower-case hex), one per MsgSend: a single release names its id, a
 * batch's ids are derived from its source and sequences with the hub as destination (`hubChain`, the hub's
 * bridge chain id). Refunds and other memos pay no transfer.
 */
export function releasedTransferIds(memo: EscrowMemo, hubChain: bigint): string[] {
  if (memo.kind === "release") return [memo.transferId];
  if (memo.kind !== "releases") return [];
  const bridgeId = evmBridgeId(memo.source.bridge);
  return memo.sequences.map((q) => deriveTransferId(memo.source.chain, bridgeId, hubChain, q).toLowerCase());
}
