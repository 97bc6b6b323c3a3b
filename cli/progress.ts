/**
 * Pure parts of following a transfer: which stage changes are new since the last reading (the events of
 * `--json` and the lines of a non-terminal), the stage rows of the live display, and the expected timeline
 * of a route as `allo track` sees it (from the route name alone).
 */
import type { Stage, TrackResult } from "../relayer/transfer/track";
import { formatAllo, formatDuration } from "./amount";
import type { Network } from "./network";
import { stageTimeline, type StageEstimate } from "./quote";

export interface StageEvent {
  event: "stage";
  transferId: string;
  route: string;
  stage: Stage["stage"];
  done: boolean;
  detail: string;
  txHash?: string;
  elapsedMs: number;
  remainingSeconds?: number;
}

const keyOf = (s: Stage) => `${s.done}|${s.detail}|${s.txHash ?? ""}`;

/** The stages that changed since `seen` (updated in place): each new fact once, in the order of the stages. */
export function changedStages(seen: Map<string, string>, result: TrackResult): Stage[] {
  const out: Stage[] = [];
  for (const s of result.stages) {
    const key = keyOf(s);
    if (seen.get(s.stage) !== key) {
      seen.set(s.stage, key);
      out.push(s);
    }
  }
  return out;
}

export function doneStages(result: TrackResult | undefined): Set<string> {
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
export function progressLines(result: TrackResult | undefined, elapsedS: number, remainingS: number | undefined, paint: Paint = PLAIN): string[] {
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
export function unfinishedAdvice(result: TrackResult | undefined, resume: string): string {
  if (!result) return `the transaction is sent but not seen yet; follow it with \`${resume}\``;
  const pending = result.stages.find((s) => !s.done);
  if (!pending) return "done";
  const who =
    pending.stage === "released" && result.stages.some((s) => s.stage === "queued" && s.done)
      ? "anyone may call releaseQueued on the destination bridge once the limit has refilled (the relayer does it)"
      : "the relayer carries it (check that one is running: `npm start` runs one locally)";
  return `the transfer is on its way (next: ${pending.stage}, ${pending.detail}); ${who}. Follow it with \`${resume}\``;
}
