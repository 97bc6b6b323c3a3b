/**
 * Follows one transfer through its stages from chain and hub data (relayer/transfer/track.ts), as a live
 * display on a terminal, plain lines otherwise, or one JSON stage event per line with --json. Ctrl-C stops
 * following only (the transfer is on chain and goes on) and prints how to resume.
 */
import pc from "picocolors";
import { trackTransfer } from "../relayer/transfer/track";
import type { Clients } from "./clients";
import { CliError, EXIT, isUnreachable } from "./errors";
import { AttestationReader } from "./attested";
import { changedStages, doneStages, progressLines, timelineOfRoute, unfinishedAdvice, withAttested, type ShownResult, type StageEvent } from "./progress";
import { remainingSeconds, type StageEstimate } from "./quote";
import { spinner } from "./terminal";

export interface FollowOptions {
  ref: string;
  json: boolean;
  /** give up following after this long (the transfer goes on) */
  timeoutSeconds: number;
  /** ms since the epoch the transfer was sent (for the elapsed clock) */
  startedAt: number;
  timeline?: StageEstimate[];
  /** the command that resumes following */
  resume: string;
  pollMs?: number;
}

export const PAINT = { ok: pc.green, wait: pc.yellow, dim: pc.dim };

/**
 * Until following starts: Ctrl-C after a transaction is out (waiting for its receipt) still says how to resume.
 * Returns the function that removes the handler.
 */
export function resumeOnSigint(json: boolean, resume: string): () => void {
  const handler = () => {
    if (json) process.stdout.write(JSON.stringify({ event: "interrupted", resume }) + "\n");
    process.stderr.write(`\nstopped following (the transfer itself goes on): follow it with \`${resume}\`\n`);
    process.exit(130);
  };
  process.once("SIGINT", handler);
  return () => process.removeListener("SIGINT", handler);
}

export async function follow(clients: Clients, o: FollowOptions): Promise<ShownResult> {
  let last: ShownResult | undefined;
  let stopped = false;
  let spin: ReturnType<typeof spinner> | undefined;
  // Registered before the first await, so no Ctrl-C after the send goes without the resume line.
  const onSigint = () => {
    stopped = true;
    spin?.stop();
    const advice = unfinishedAdvice(last, o.resume);
    if (o.json) process.stdout.write(JSON.stringify({ event: "interrupted", transferId: last?.transferId, resume: o.resume }) + "\n");
    process.stderr.write(`\nstopped following (the transfer itself goes on): ${advice}\n`);
    process.exit(130);
  };
  process.once("SIGINT", onSigint);
  const attestations = new AttestationReader(clients, clients.net.relayerRedis);
  try {
    const input = await clients.trackInput();
    const seen = new Map<string, string>();
    spin = o.json ? undefined : spinner("waiting for the transfer");
    const deadline = Date.now() + o.timeoutSeconds * 1000;
    let failures = 0;
    for (;;) {
      let result: ShownResult | undefined;
      try {
        const tracked = await trackTransfer(input, o.ref);
        result = tracked && withAttested(tracked, await attestations.read(tracked));
        failures = 0;
      } catch (err) {
        // A node blinking is not the end of a transfer: keep trying for a while before giving up.
        if (!isUnreachable(err) || ++failures > 10) throw err;
      }
      if (stopped) break;
      if (result) last = result;
      const elapsedS = (Date.now() - o.startedAt) / 1000;
      const timeline = o.timeline ?? (last ? timelineOfRoute(clients.net, last.route) : undefined);
      const remaining = timeline ? remainingSeconds(timeline, doneStages(last), elapsedS) : undefined;
      if (result) {
        for (const s of changedStages(seen, result)) {
          if (o.json) {
            const ev: StageEvent = {
              event: "stage",
              transferId: result.transferId,
              route: result.route,
              stage: s.stage,
              done: s.done,
              detail: s.detail,
              ...(s.txHash ? { txHash: s.txHash } : {}),
              elapsedMs: Date.now() - o.startedAt,
              ...(remaining !== undefined && !result.final ? { remainingSeconds: Math.round(remaining) } : {}),
            };
            process.stdout.write(JSON.stringify(ev) + "\n");
          } else if (!spin?.isTty) {
            process.stdout.write(`${s.done ? "✔" : "…"} ${s.stage} ${s.detail}${s.txHash ? ` tx ${s.txHash}` : ""}\n`);
          }
        }
      }
      if (spin?.isTty) spin.text(progressLines(last, elapsedS, remaining, PAINT).join("\n"));
      if (last?.final) {
        spin?.succeed(progressLines(last, elapsedS, undefined, PAINT).join("\n"));
        if (o.json) process.stdout.write(JSON.stringify({ event: "final", transferId: last.transferId, route: last.route, elapsedMs: Date.now() - o.startedAt }) + "\n");
        return last;
      }
      if (Date.now() > deadline) {
        // The live display clears itself on stop: leave the last reading on screen.
        if (spin?.isTty) {
          spin.stop();
          process.stdout.write(progressLines(last, elapsedS, remaining, PAINT).join("\n") + "\n");
        }
        throw new CliError(`stopped following after ${o.timeoutSeconds} s: the transfer is not final yet`, unfinishedAdvice(last, o.resume), EXIT.unfinished);
      }
      await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
    }
    throw new CliError("stopped", o.resume, EXIT.unfinished);
  } finally {
    process.removeListener("SIGINT", onSigint);
    attestations.close();
    spin?.stop();
  }
}
