/**
 * The quote shown before a transfer is signed, and the stage timeline used for "expected time" and the
 * estimate of the rest while following it. Pure: every input is a number read elsewhere.
 */
import { formatUnits } from "ethers";
import { formatAllo, formatDuration } from "./amount";
import { CliError } from "./errors";

export type Route = "attested" | "axelar";

export interface Timing {
  /** source block time, seconds (hub or EVM) */
  sourceBlock: number;
  /** blocks the attesters wait on the source (EVM; 0 on the hub, which is final) */
  confirmations: number;
  /** destination block time, seconds */
  destinationBlock: number;
  /** hub blocks the relayer's deposit index trails the head (hub sources) */
  indexLagBlocks: number;
  /** seconds the destination will hold a queued delivery (0 when it mints at once) */
  queuedFor: number;
}

export interface StageEstimate {
  stage: "sent" | "confirmed" | "delivered" | "queued" | "released";
  /** seconds after the send at which it is expected done */
  at: number;
}

/**
 * When each stage should be done, counted from the send. The attesters act one poll after the source is
 * final enough, then one destination transaction (an EVM delivery) or a k-of-n escrow payment (two to three
 * hub blocks: gather signatures, broadcast, commit).
 */
export function stageTimeline(kind: "hub->evm" | "evm->evm" | "evm->hub", route: Route, t: Timing): StageEstimate[] {
  const sent = t.sourceBlock;
  if (route === "axelar") {
    // Axelar confirms the source call after the source chain's finality, then approves and executes.
    const confirmed = sent + Math.max(t.confirmations, 1) * t.sourceBlock;
    return [
      { stage: "sent", at: sent },
      { stage: "confirmed", at: confirmed },
      { stage: "delivered", at: confirmed + 3 * t.destinationBlock },
    ];
  }
  if (kind === "hub->evm") {
    const confirmed = sent + (t.indexLagBlocks + 1) * t.sourceBlock;
    const delivered = confirmed + 2 * t.destinationBlock;
    const out: StageEstimate[] = [
      { stage: "sent", at: sent },
      { stage: "confirmed", at: confirmed },
    ];
    if (t.queuedFor > 0) out.push({ stage: "queued", at: delivered }, { stage: "released", at: delivered + t.queuedFor + t.destinationBlock });
    else out.push({ stage: "delivered", at: delivered });
    return out;
  }
  const confirmed = sent + t.confirmations * t.sourceBlock;
  if (kind === "evm->hub") {
    return [
      { stage: "sent", at: sent },
      { stage: "confirmed", at: confirmed },
      { stage: "released", at: confirmed + 3 * t.destinationBlock },
    ];
  }
  const delivered = confirmed + 2 * t.destinationBlock;
  const out: StageEstimate[] = [
    { stage: "sent", at: sent },
    { stage: "confirmed", at: confirmed },
  ];
  if (t.queuedFor > 0) out.push({ stage: "queued", at: delivered }, { stage: "released", at: delivered + t.queuedFor + t.destinationBlock });
  else out.push({ stage: "delivered", at: delivered });
  return out;
}

/**
 * Seconds still to go, given which stages are done and how long it has been. Late stages never show a
 * negative rest: the rest is at least the time the remaining stages take after the last one done.
 */
export function remainingSeconds(timeline: readonly StageEstimate[], done: ReadonlySet<string>, elapsed: number): number {
  const total = timeline.length ? timeline[timeline.length - 1].at : 0;
  const pending = timeline.filter((s) => !done.has(s.stage));
  if (pending.length === 0) return 0;
  const lastDone = [...timeline].reverse().find((s) => done.has(s.stage));
  const afterLast = total - (lastDone?.at ?? 0);
  const byClock = total - elapsed;
  // Ahead of the clock: trust the clock. Behind it: what the pending stages need from now, at least a second.
  return Math.max(1, Math.min(afterLast, Math.max(byClock, pending.length === 1 ? 1 : afterLast / 2)));
}

export interface FeeLine {
  what: string;
  amount: bigint;
  /** "ALLO" or the native token's symbol */
  unit: string;
  decimals: number;
}

export interface Quote {
  send: bigint;
  receive: bigint;
  fees: FeeLine[];
  expectedSeconds: number;
  notes: string[];
}

export interface QuoteInput {
  amount: bigint;
  /** the sender's ALLO on the source (base units) */
  balance: bigint;
  /** the sender's balance of what pays the transaction (native wei on EVM; uallo on the hub) */
  gasBalance: bigint;
  /** what the transaction costs at most (gas limit with margin x max fee per gas; the hub's fee in uallo) */
  gasCost: bigint;
  /** on the hub the fee is paid in uallo: it comes out of the same balance as the amount */
  feeInAllo: boolean;
  nativeSymbol: string;
  /** Axelar's gas-service payment, in native wei (axelar route) */
  axelarFee?: bigint;
  from: string;
  timeline: StageEstimate[];
  notes?: string[];
  /** how to get more ALLO or gas here, for the error's fix */
  fundingHint: string;
}

/** Refuses what the sender cannot pay; otherwise the quote. The bridge takes no cut: received = sent. */
export function makeQuote(q: QuoteInput): Quote {
  const allo = q.feeInAllo ? q.amount + q.gasCost : q.amount;
  if (q.balance < allo) {
    const extra = q.feeInAllo ? ` plus the ${formatAllo(q.gasCost)} ALLO fee` : "";
    throw new CliError(
      `insufficient ALLO on ${q.from}: the sender holds ${formatAllo(q.balance)} ALLO, the transfer needs ${formatAllo(q.amount)} ALLO${extra}`,
      `send at most ${formatAllo(q.balance > (q.feeInAllo ? q.gasCost : 0n) ? q.balance - (q.feeInAllo ? q.gasCost : 0n) : 0n)} ALLO, or ${q.fundingHint}`,
    );
  }
  const native = q.gasCost + (q.axelarFee ?? 0n);
  if (!q.feeInAllo && q.gasBalance < native) {
    throw new CliError(
      `insufficient ${q.nativeSymbol} for gas on ${q.from}: the sender holds ${formatUnits(q.gasBalance, 18)}, the transaction may cost up to ${formatUnits(native, 18)}`,
      `add ${q.nativeSymbol} to the sender on ${q.from} (gas is paid in the chain's own coin, not in ALLO)`,
    );
  }
  const fees: FeeLine[] = [
    q.feeInAllo
      ? { what: "hub transaction fee", amount: q.gasCost, unit: "ALLO", decimals: 18 }
      : { what: `${q.from} gas (at most)`, amount: q.gasCost, unit: q.nativeSymbol, decimals: 18 },
  ];
  if (q.axelarFee !== undefined) fees.push({ what: "Axelar gas service", amount: q.axelarFee, unit: q.nativeSymbol, decimals: 18 });
  fees.push({ what: "bridge fee", amount: 0n, unit: "ALLO", decimals: 18 });
  const expected = q.timeline.length ? q.timeline[q.timeline.length - 1].at : 0;
  return { send: q.amount, receive: q.amount, fees, expectedSeconds: expected, notes: q.notes ?? [] };
}

export function quoteLines(q: Quote): string[] {
  return [
    `you send      ${formatAllo(q.send)} ALLO`,
    `you receive   ${formatAllo(q.receive)} ALLO`,
    ...q.fees.map((f) => `fee           ${f.unit === "ALLO" ? formatAllo(f.amount) : formatUnits(f.amount, f.decimals)} ${f.unit}  (${f.what})`),
    `expected time about ${formatDuration(q.expectedSeconds)}`,
    ...q.notes.map((n) => `note: ${n}`),
  ];
}

/** Gas limit with a margin over the node's estimate: exact estimates run out when many sends share a block. */
export function withGasMargin(estimate: bigint): bigint {
  return (estimate * 13n) / 10n + 10_000n;
}
