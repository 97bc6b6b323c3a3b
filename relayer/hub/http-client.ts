/**
 * The hub RPC over HTTP with limits. cosmjs's own HttpClient (what `Comet38Client.connect(url)` makes) has no
 * timeout and reads any body whole: a node that accepts the connection and never answers held the block loop
 * (and every query behind it) for Node's 300 s header timeout, and a node answering a huge body was parsed
 * into memory before anything could refuse it. Here every request has a deadline and a body is read only up
 * to a size; an `abci_query` answer whose bytes are not even well-formed protobuf is refused here too. Each
 * such failure names the endpoint and is reported to `onFailure` with the count of failures in a row (of that
 * RPC method), so the watcher fails over whoever made the request (block loop, attester checks, transfers).
 */
import type { RpcClient } from "@cosmjs/tendermint-rpc";
import { redactUrl } from "../redact";

type JsonRpcRequest = Parameters<RpcClient["execute"]>[0];
type JsonRpcSuccessResponse = Awaited<ReturnType<RpcClient["execute"]>>;

export interface HubHttpLimits {
  /** a request not answered in this long fails */
  timeoutMs: number;
  /** a body larger than this is refused unread */
  maxResponseBytes: number;
}

/** Generous for a hub node: a block_results of a busy block is a few MB; nothing legitimate is near this. */
export const DEFAULT_HUB_HTTP_LIMITS: HubHttpLimits = { timeoutMs: 15_000, maxResponseBytes: 32 * 1024 * 1024 };

/** A hub answer this client refused (too large, not JSON, no answer in time). */
export class HubAnswerError extends Error {
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(`${message} (hub RPC ${url})`);
    this.name = "HubAnswerError";
  }
}

/**
 * Undefined when `bytes` parse as a sequence of protobuf fields (valid wire types, varints that end, lengths
 * inside the buffer); otherwise what is wrong. Only the top level is walked: it is a check that an answer is
 * protobuf at all, whatever message it is, not a decode.
 */
export function protobufWireProblem(bytes: Uint8Array): string | undefined {
  let i = 0;
  const varint = (): number | undefined => {
    let v = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (i >= bytes.length) return undefined;
      const b = bytes[i++];
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
    }
    return undefined;
  };
  while (i < bytes.length) {
    const at = i;
    const tag = varint();
    if (tag === undefined) return `a field tag at byte ${at} does not end`;
    if (tag < 8) return `field number 0 at byte ${at}`;
    const wire = tag % 8;
    if (wire === 0) {
      if (varint() === undefined) return `a varint at byte ${at} does not end`;
    } else if (wire === 1 || wire === 5) {
      i += wire === 1 ? 8 : 4;
    } else if (wire === 2) {
      const len = varint();
      if (len === undefined) return `a length at byte ${at} does not end`;
      i += len;
    } else {
      return `wire type ${wire} at byte ${at} (Cosmos messages use 0, 1, 2 and 5)`;
    }
    if (i > bytes.length) return `the field at byte ${at} runs past the end (${bytes.length} bytes)`;
  }
  return undefined;
}

export class BoundedHttpClient implements RpcClient {
  private readonly shown: string;
  /** refused answers in a row, per method: a node whose blocks are fine but whose queries are broken still counts */
  private readonly failuresInARow = new Map<string, number>();

  constructor(
    private readonly url: string,
    private readonly limits: HubHttpLimits = DEFAULT_HUB_HTTP_LIMITS,
    /** told of every refused answer, with the number of refused answers in a row to that method (a good one resets it) */
    private readonly onFailure: (e: HubAnswerError, inARow: number) => void = () => undefined,
  ) {
    this.shown = redactUrl(url);
  }

  disconnect(): void {
    // nothing held between requests
  }

  execute = async (request: JsonRpcRequest): Promise<JsonRpcSuccessResponse> => {
    try {
      const r = await this.request(request);
      this.failuresInARow.delete(request.method);
      return r;
    } catch (e) {
      if (e instanceof HubAnswerError) {
        const n = (this.failuresInARow.get(request.method) ?? 0) + 1;
        this.failuresInARow.set(request.method, n);
        this.onFailure(e, n);
      }
      throw e;
    }
  };

  private async request(request: JsonRpcRequest): Promise<JsonRpcSuccessResponse> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: "POST",
        body: JSON.stringify(request),
        headers: { "Content-Type": "application/json" },
        signal: AbortSignal.timeout(this.limits.timeoutMs),
      });
    } catch (e) {
      const err = e as Error;
      if (err.name === "TimeoutError") throw new HubAnswerError(this.shown, `no answer to ${request.method} in ${this.limits.timeoutMs} ms`);
      throw new HubAnswerError(this.shown, `${request.method} failed: ${err.message}`);
    }
    if (res.status >= 400) {
      await res.body?.cancel().catch(() => undefined);
      throw new HubAnswerError(this.shown, `Bad status on response: ${res.status} to ${request.method}`);
    }
    let text: string;
    try {
      text = await this.readCapped(res, request.method);
    } catch (e) {
      if ((e as Error).name === "TimeoutError") throw new HubAnswerError(this.shown, `${request.method}: the body did not arrive in ${this.limits.timeoutMs} ms`);
      throw e;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HubAnswerError(this.shown, `answered ${request.method} with a body that is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
    const body = json as { jsonrpc?: unknown; id?: unknown; result?: unknown; error?: unknown };
    if (typeof body !== "object" || body === null || body.jsonrpc !== "2.0") throw new HubAnswerError(this.shown, `answered ${request.method} with something that is not a JSON-RPC 2.0 response`);
    // The same error text cosmjs's client throws, so callers' matching (NotFound, unknown query path) holds.
    if (body.error !== undefined) throw new Error(JSON.stringify(body.error));
    if (!("result" in body)) throw new HubAnswerError(this.shown, `answered ${request.method} with neither a result nor an error`);
    if (request.method === "abci_query") {
      const value = (body.result as { response?: { value?: unknown } } | null)?.response?.value;
      if (typeof value === "string" && value !== "") {
        const problem = protobufWireProblem(Buffer.from(value, "base64"));
        const path = (request.params as { path?: unknown } | undefined)?.path;
        if (problem) throw new HubAnswerError(this.shown, `answered abci_query ${String(path ?? "")} with bytes that are not protobuf: ${problem}`);
      }
    }
    return body as JsonRpcSuccessResponse;
  }

  /** The body as text, refused once it passes maxResponseBytes (declared or streamed). */
  private async readCapped(res: Response, method: string): Promise<string> {
    const max = this.limits.maxResponseBytes;
    const tooLarge = (n: string) => new HubAnswerError(this.shown, `answered ${method} with ${n} bytes, more than the ${max} accepted; refused`);
    const declared = Number(res.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > max) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge(String(declared));
    }
    if (!res.body) return "";
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(`more than ${total}`);
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks).toString("utf8");
  }
}
