/** Minimal JSON-RPC 2.0 over HTTP (Node's fetch), for readiness probes and devnet-only methods. */

export class JsonRpcError extends Error {
  constructor(
    readonly url: string,
    readonly method: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${method} at ${url}: ${message}`, options);
  }
}

/** Calls `method` at `url` and returns its result; throws JsonRpcError on transport or RPC errors. */
export async function jsonRpc<T = unknown>(
  url: string,
  method: string,
  params: unknown = [],
  timeoutMs = 5000,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ...) is its cause, kept for callers.
    const cause = (err as Error).cause as Error | undefined;
    throw new JsonRpcError(url, method, cause?.message ? `${(err as Error).message}: ${cause.message}` : (err as Error).message, {
      cause: err,
    });
  }
  const body = (await response.json().catch(() => undefined)) as
    { result?: T; error?: { code: number; message: string } } | undefined;
  if (!body) throw new JsonRpcError(url, method, `HTTP ${response.status} without a JSON body`);
  if (body.error) throw new JsonRpcError(url, method, `${body.error.code} ${body.error.message}`);
  return body.result as T;
}

/**
 * Polls `probe` until it resolves, every `intervalMs`, for at most `timeoutMs`; rethrows the last
 * error (with `what` in front) when time runs out. `isAlive` lets the caller give up early, e.g. when
 * the process being waited for has exited.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  opts: { timeoutMs: number; intervalMs?: number; isAlive?: () => string | undefined },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const dead = opts.isAlive?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    try {
      return await probe();
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not ready after ${opts.timeoutMs} ms (${(lastError as Error)?.message ?? lastError})`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}
