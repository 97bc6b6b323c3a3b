/**
 * Pure parts of following a transfer: which stage changes are new since the last reading (the events of
 * `--json` and the lines of a non-terminal), the stage rows of the live display, and the expected timeline
 * of a route as `allo track` sees it (from the route name alone).
 */
import type { Stage, TrackResult } from "../relayer/transfer/track";
import { formatAllo, formatDuration } from "./amount";
import type { Network } from "./network";
import { stageTimeline, type StageEstimate } from "./quote";

/** A stage as shown: the tracked ones, plus "attested" (signatures gathered) where the relayer's Redis tells it. */
export type ShownStage = Omit<Stage, "stage"> & { stage: Stage["stage"] | "attested" };
export type ShownResult = Omit<TrackResult, "stages"> & { stages: ShownStage[] };

/** Valid attester signatures for a delivery, as counted from the relayer's signature pool. */
export interface Attestations {
  signed: number;
  threshold: number;
  members: number;
}

/**
 * The stages with "attested k/n" after "confirmed". Redis may have dropped the signatures of a delivered
 * transfer (they expire): a later stage done means it was attested, whatever the count says now.
 */
export function withAttested(result: TrackResult, a: Attestations | undefined): ShownResult {
  if (!a) return result;
  const at = result.stages.findIndex((s) => s.stage === "confirmed");
  if (at < 0) return result;
  const later = result.stages.slice(at + 1).some((s) => s.done && (s.stage === "delivered" || s.stage === "queued" || s.stage === "released"));
  const signed = Math.min(a.signed, a.members);
  const attested: ShownStage = {
    stage: "attested",
    done: later || signed >= a.threshold,
    detail: later && signed < a.threshold ? `${a.threshold}/${a.members} attesters signed (carried by the delivery)` : `${signed}/${a.members} attesters signed (${a.threshold} needed)`,
  };
  return { ...result, stages: [...result.stages.slice(0, at + 1), attested, ...result.stages.slice(at + 1)] };
}

export interface StageEvent {
  event: "stage";
  transferId: string;
  route: string;
  stage: ShownStage["stage"];
  done: boolean;
  detail: string;
  txHash?: string;
  elapsedMs: number;
  remainingSeconds?: number;
}

const keyOf = (s: ShownStage) => `${s.done}|${s.detail}|${s.txHash ?? ""}`;

/** The stages that changed since `seen` (updated in place): each new fact once, in the order of the stages. */
export function changedStages(seen: Map<string, string>, result: ShownResult): ShownStage[] {
  const out: ShownStage[] = [];
  for (const s of result.stages) {
    const key = keyOf(s);
    if (seen.get(s.stage) !== key) {
      seen.set(s.stage, key);
      out.push(s);
    }
  }
  return out;
}

export function doneStages(result: ShownResult | undefined): Set<string> {
  const done = new Set<string>();
  for (const s of result?.stages ?? []) if (s.done) done.add(s.stage);
  return done;
}

export interface Paint {
  ok(s: string): string;
  wait(s: string): string;
  dim(s: string): string;
}

export const PLAIN: Paint = { ok: (s) => s, wait: (s) => s, dim: (s) => s };

/** The live display's lines: a header, one row per stage, and the clock. */
export function progressLines(result: ShownResult | undefined, elapsedS: number, remainingS: number | undefined, paint: Paint = PLAIN): string[] {
  const clock = `elapsed ${formatDuration(elapsedS)}${remainingS !== undefined && !(result?.final ?? false) ? `, about ${formatDuration(remainingS)} to go` : ""}`;
  if (!result) return ["waiting for the transfer to show on the source chain", paint.dim(clock)];
  const lines = [`${result.route}  ${result.amount > 0n ? `${formatAllo(result.amount)} ALLO ` : ""}-> ${result.recipient || "?"}  ${paint.dim(result.transferId)}`];
  for (const s of result.stages) {
    const mark = s.done ? paint.ok("✔") : paint.wait("…");
    lines.push(`  ${mark} ${s.stage.padEnd(10)} ${s.detail}${s.txHash ? paint.dim(`  tx ${s.txHash}`) : ""}`);
  }
  lines.push(paint.dim(clock));
  return lines;
}

/** The expected timeline of a route named like trackTransfer's `hub->base`, `base->hub`, `ethereum->bnb`. */
export function timelineOfRoute(net: Network, route: string, queuedFor = 0): StageEstimate[] | undefined {
  const [from, to] = route.split("->");
  if (!from || !to || route === "hub-refund") return undefined;
  const chainOf = (n: string) => net.chains.find((c) => c.name === n);
  const src = from === "hub" ? undefined : chainOf(from);
  const dst = to === "hub" ? undefined : chainOf(to);
  const kind = from === "hub" ? "hub->evm" : to === "hub" ? "evm->hub" : "evm->evm";
  return stageTimeline(kind, "attested", {
    sourceBlock: src?.blockSeconds ?? net.hub.blockSeconds,
    confirmations: src?.confirmations ?? 0,
    destinationBlock: dst?.blockSeconds ?? net.hub.blockSeconds,
    indexLagBlocks: net.hub.indexLagBlocks,
    queuedFor,
  });
}

/** What is left to do for a transfer that is not final, and who can do it: the line printed on leaving. */
export function unfinishedAdvice(result: ShownResult | undefined, resume: string): string {
  if (!result) return `the transaction is sent but not seen yet; follow it with \`${resume}\``;
  const pending = result.stages.find((s) => !s.done);
  if (!pending) return "done";
  const who =
    pending.stage === "released" && result.stages.some((s) => s.stage === "queued" && s.done)
      ? "anyone may call releaseQueued on the destination bridge once the limit has refilled (the relayer does it)"
      : "the relayer carries it (check that one is running: `npm start` runs one locally)";
  return `the transfer is on its way (next: ${pending.stage}, ${pending.detail}); ${who}. Follow it with \`${resume}\``;
}
