/**
 * Recurring and fire-and-forget work whose failures are reported, never dropped. A timer callback that
 * returns a rejected promise would otherwise become an unhandled rejection, which ends a Node process
 * (one corrupt job in Redis made every instance exit 1 in a loop, issue 19 finding 4). Every background
 * promise of the daemon goes through `background`, every loop through `every`.
 */
import type { Logger } from "pino";

/** Runs `work` now without awaiting it; a rejection is logged at error level with `what`. */
export function background(log: Logger, what: string, work: () => Promise<unknown>, fields: Record<string, unknown> = {}): void {
  let p: Promise<unknown>;
  try {
    p = work();
  } catch (e) {
    log.error({ ...fields, err: e }, `${what} failed`);
    return;
  }
  p.catch((e: unknown) => log.error({ ...fields, err: e }, `${what} failed`));
}

export interface Recurring {
  stop(): void;
}

/**
 * Runs `work` every `intervalMs` (the next run starts `intervalMs` after the previous one ended, so runs
 * never overlap). A failed run is logged at warn level and the loop goes on.
 */
export function every(log: Logger, what: string, intervalMs: number, work: () => Promise<unknown>, opts: { runNow?: boolean } = {}): Recurring {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = async () => {
    if (stopped) return;
    try {
      await work();
    } catch (e) {
      log.warn({ err: e }, `${what} failed`);
    }
    if (!stopped) timer = setTimeout(() => void run(), intervalMs);
  };
  timer = setTimeout(() => void run(), opts.runNow ? 0 : intervalMs);
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/**
 * The process-level handlers of the daemon (cli.ts `start`). An unhandled rejection is a bug, but not a
 * reason to stop relaying: it is logged with `alert: "unhandled_rejection"` and the process goes on (a
 * crash would come back with the same input after every restart). An uncaught exception leaves the
 * process in an unknown state: it is logged and the process exits 1 so the supervisor restarts it.
 */
export function installProcessHandlers(log: Logger, exit: (code: number) => void = (c) => process.exit(c)): () => void {
  const onRejection = (reason: unknown) => log.error({ alert: "unhandled_rejection", err: reason }, "unhandled promise rejection (a bug; the relayer carries on)");
  const onException = (err: Error) => {
    log.fatal({ alert: "uncaught_exception", err }, "uncaught exception; exiting");
    exit(1);
  };
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return () => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  };
}
