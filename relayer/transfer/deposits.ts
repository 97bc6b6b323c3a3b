/**
 * Hub -> EVM deposits: what each one becomes (a transfer with a sequence, or a refund with a reason), decided
 * from hub history alone so that independent attesters agree without talking to each other.
 *
 * The order is the hub's: (block height, tx index in the block, message index in the tx), from the configured
 * bridge start height. Only deposits that become transfers take a sequence; sequences count from 1 per
 * destination chain. Inputs come from the attester's own hub node (tx_search), never from Redis.
 */
import { parseDepositMemo, type RefundReason } from "./memo";

/** The contract's ceiling on one transfer (AlloraBridge: amounts are kept in 88 bits). */
export const MAX_TRANSFER_AMOUNT = (1n << 88n) - 1n;

export interface Coin {
  denom: string;
  amount: bigint;
}

/** One `MsgSend` into the escrow, as read from a successful hub transaction. */
export interface HubDeposit {
  /** hex, upper case, as CometBFT prints it */
  txHash: string;
  height: bigint;
  txIndex: number;
  msgIndex: number;
  sender: string;
  coins: Coin[];
  memo: string;
}

/**
 * Whether a destination takes hub deposits, from a hub height on. Every attester must hold the same schedule
 * (it is part of the deployment's config); a change names the height it applies from, so attesters that load
 * it at different times still decide every deposit alike.
 */
export interface DestinationRule {
  chainId: bigint;
  enabled: boolean;
  fromHeight: bigint;
}

export interface DepositRules {
  denom: string;
  destinations: readonly DestinationRule[];
  maxAmount?: bigint;
}

export type DepositDecision =
  | { kind: "transfer"; destinationChain: bigint; recipient: string; amount: bigint }
  | { kind: "refund"; reason: RefundReason; detail: string; coins: Coin[] };

/** The rule in force for `chainId` at `height` (the one with the highest fromHeight <= height), if any. */
export function destinationAt(rules: readonly DestinationRule[], chainId: bigint, height: bigint): DestinationRule | undefined {
  let best: DestinationRule | undefined;
  for (const r of rules) {
    if (r.chainId !== chainId || r.fromHeight > height) continue;
    if (!best || r.fromHeight >= best.fromHeight) best = r;
  }
  return best;
}

/** Decides one deposit. Pure; never throws on any deposit content. */
export function classifyDeposit(dep: HubDeposit, rules: DepositRules): DepositDecision {
  const refund = (reason: RefundReason, detail: string): DepositDecision => ({
    kind: "refund",
    reason,
    detail,
    coins: dep.coins.filter((c) => c.amount > 0n),
  });
  if (dep.coins.some((c) => c.denom !== rules.denom)) {
    const others = dep.coins.filter((c) => c.denom !== rules.denom).map((c) => c.denom);
    return refund("unsupported_denom", `only ${rules.denom} is bridged (got ${others.join(",")})`);
  }
  const amount = dep.coins.reduce((s, c) => s + c.amount, 0n);
  const memo = parseDepositMemo(dep.memo);
  if (!memo.ok) return refund(memo.reason, memo.detail);
  if (amount === 0n) return refund("zero_amount", "amount is zero");
  const max = rules.maxAmount ?? MAX_TRANSFER_AMOUNT;
  if (amount > max) return refund("amount_too_large", `amount ${amount} is above the bridge's bound ${max}`);
  const rule = destinationAt(rules.destinations, memo.chainId, dep.height);
  if (!rule) return refund("unknown_destination", `chain ${memo.chainId} is not a bridge destination`);
  if (!rule.enabled) return refund("destination_disabled", `chain ${memo.chainId} does not take deposits now`);
  return { kind: "transfer", destinationChain: memo.chainId, recipient: memo.recipient, amount };
}

/** A deposit's place in hub history. */
export interface HubPosition {
  height: bigint;
  txIndex: number;
  msgIndex: number;
}

export function comparePositions(a: HubPosition, b: HubPosition): number {
  if (a.height !== b.height) return a.height < b.height ? -1 : 1;
  if (a.txIndex !== b.txIndex) return a.txIndex - b.txIndex;
  return a.msgIndex - b.msgIndex;
}

/**
 * Where sequence assignment stands: the last deposit decided and the last sequence given per destination.
 * The empty state (start of the bridge) is `{ after: undefined, lastSequence: new Map() }`.
 */
export interface SequenceState {
  after: HubPosition | undefined;
  lastSequence: ReadonlyMap<bigint, bigint>;
}

// Stryker disable next-line ObjectLiteral: equivalent; an empty object has after undefined and new Map(undefined) is the empty map: the same start
export const EMPTY_SEQUENCE_STATE: SequenceState = { after: undefined, lastSequence: new Map() };

export type SequencedDeposit = { deposit: HubDeposit } & (
  | { kind: "transfer"; destinationChain: bigint; recipient: string; amount: bigint; sequence: bigint }
  | { kind: "refund"; reason: RefundReason; detail: string; coins: Coin[] }
);

/** Raised when deposits arrive out of hub order or twice: a watcher bug, never a reason to guess. */
export class DepositOrderError extends Error {
  constructor(readonly at: HubPosition, readonly after: HubPosition) {
    super(
      `deposit at ${at.height}/${at.txIndex}/${at.msgIndex} is not after ${after.height}/${after.txIndex}/${after.msgIndex} ` +
        "(fix: feed deposits in hub order, each once; re-scan from the bridge start height)",
    );
    this.name = "DepositOrderError";
  }
}

/**
 * Decides a run of deposits (in hub order, all after `state.after`) and gives each transfer the next
 * sequence of its destination. Returns the decisions and the new state. Pure.
 */
export function assignSequences(
  deposits: readonly HubDeposit[],
  rules: DepositRules,
  state: SequenceState = EMPTY_SEQUENCE_STATE,
): { decided: SequencedDeposit[]; state: SequenceState } {
  const last = new Map(state.lastSequence);
  let after = state.after;
  const decided: SequencedDeposit[] = [];
  for (const dep of deposits) {
    if (after && comparePositions(dep, after) <= 0) throw new DepositOrderError(dep, after);
    after = { height: dep.height, txIndex: dep.txIndex, msgIndex: dep.msgIndex };
    const d = classifyDeposit(dep, rules);
    if (d.kind === "refund") {
      decided.push({ deposit: dep, ...d });
      continue;
    }
    const sequence = (last.get(d.destinationChain) ?? 0n) + 1n;
    last.set(d.destinationChain, sequence);
    decided.push({ deposit: dep, ...d, sequence });
  }
  return { decided, state: { after, lastSequence: last } };
}
