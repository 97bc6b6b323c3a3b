/**
 * Errors that BullMQ queues and workers emit. While Redis is down or failing over, every queue and worker
 * emits the same connection error again and again; ioredis reconnects by itself (relayer/redis/connect.ts),
 * so those are warnings, and anything else stays an error. A Queue without an "error" listener would print
 * each one as a raw stack instead of a log line.
 */
import type { Logger } from "pino";

const CONNECTION = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|Connection is closed|Stream isn't writeable|READONLY|LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|connect /;

/** True for an error that means "Redis is unreachable or failing over right now" (the client reconnects). */
export function isRedisConnectionError(err: unknown): boolean {
  const e = err as { message?: unknown; code?: unknown } | undefined;
  return CONNECTION.test(String(e?.code ?? "")) || CONNECTION.test(String(e?.message ?? err ?? ""));
}

/** Logs a queue's or worker's errors: connection errors as warnings, the rest as errors; `then` sees every error. */
export function logQueueErrors(
  emitter: { on(event: "error", listener: (err: Error) => void): unknown },
  log: Logger,
  fields: Record<string, unknown>,
  what: string,
  then?: (err: Error) => void,
): void {
  emitter.on("error", (err: Error) => {
    if (isRedisConnectionError(err)) log.warn({ ...fields, err: err.message }, `${what}: Redis connection error; reconnecting by itself`);
    else log.error({ ...fields, err: err.message }, what);
    then?.(err);
  });
}
