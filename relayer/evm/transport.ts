/**
 * The relayer's EVM JSON-RPC transport: ethers' JsonRpcProvider with its `_send` (the one method ethers asks
 * sub-classes to override) done over Node's http/https, the body decoded by Node.
 *
 * Why: ethers decodes every response body with its own JavaScript UTF-8 decoder (and joins the chunks by
 * copying them all again for each one). At 1,000 topics the relayer reads a thousand oracle logs per block per
 * chain and a receipt of a hundred logs per batch: the decoder alone took a fifth of the relayer's CPU
 * (`_toUtf8String` + `getUtf8CodePoints`, bench:relay profile, 2026-12-07). Buffer's decoder is native.
 *
 * What callers see is what ethers' own transport gives them, so the failover rules (rpc.ts, isTransportError)
 * read these errors as they read ethers': a connection error is Node's error; a status other than 2xx is a
 * SERVER_ERROR naming the status; a body that is not JSON is UNSUPPORTED_OPERATION `bodyJson`; 429 is retried
 * with ethers' throttle (slot 100 ms, at most 12 attempts, Retry-After honoured); no answer within the timeout
 * is a TIMEOUT (ethers checks its timeout only between attempts; here a request that hangs is aborted).
 *
 * Receipts: ethers checksums the address of every log of a receipt (a keccak each); a batch's receipt holds a
 * hundred logs of one contract, read twice (mined, then confirmed). The logs are formatted here with the same
 * checks and a memo of checksummed addresses; everything else of the receipt is ethers' own formatting.
 */
import http from "node:http";
import https from "node:https";
import { gunzipSync } from "node:zlib";
import { assertArgument, getAddress, getNumber, isHexString, JsonRpcProvider, makeError, TransactionReceipt, type JsonRpcApiProviderOptions, type JsonRpcPayload, type JsonRpcResult, type LogParams, type Network, type Networkish, type TransactionReceiptParams } from "ethers";
import { BoundedMemo } from "../attest/bounded";

/** ethers' FetchRequest defaults */
const DEFAULT_TIMEOUT_MS = 300_000;
const THROTTLE_SLOT_MS = 100;
const THROTTLE_MAX_ATTEMPTS = 12;
const MAX_REDIRECTS = 5;
const IDLE_SOCKET_MS = 4_000;

interface RawAnswer {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class NodeJsonRpcProvider extends JsonRpcProvider {
  private readonly endpoint: URL;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;

  constructor(url: string, network?: Networkish, options?: JsonRpcApiProviderOptions, timeoutMs = DEFAULT_TIMEOUT_MS) {
    super(url, network, options);
    this.endpoint = new URL(url);
    // As Node's global agent: keep-alive, the most recently used socket first, and an idle socket closed after
    // IDLE_SOCKET_MS, before a server's usual 5 s keep-alive timeout closes it under a request being sent.
    const agentOptions = { keepAlive: true, scheduling: "lifo" as const, timeout: IDLE_SOCKET_MS };
    this.agent = this.endpoint.protocol === "https:" ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.timeoutMs = timeoutMs;
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const body = JSON.stringify(payload);
    const deadline = Date.now() + this.timeoutMs;
    let url = this.endpoint;
    let answer: RawAnswer;
    for (let attempt = 0, redirects = 0; ; ) {
      if (Date.now() > deadline) throw timeoutError();
      answer = await this.post(url, body, deadline);
      const location = answer.headers.location;
      // Followed as ethers follows them, but only on the same protocol: the agent (and its kept-alive sockets)
      // is of one; a redirect elsewhere fails as the status it is, and the failover moves on.
      if ([301, 302, 307, 308].includes(answer.status) && typeof location === "string" && redirects < MAX_REDIRECTS && new URL(location, url).protocol === this.endpoint.protocol) {
        url = new URL(location, url);
        redirects++;
        continue;
      }
      if (answer.status === 429 && attempt + 1 < THROTTLE_MAX_ATTEMPTS) {
        const retryAfter = answer.headers["retry-after"];
        const delay = typeof retryAfter === "string" && /^[1-9][0-9]*$/.test(retryAfter) ? parseInt(retryAfter) : THROTTLE_SLOT_MS * Math.trunc(Math.random() * 2 ** attempt);
        attempt++;
        await new Promise((r) => setTimeout(r, delay));
        continue;
      }
      break;
    }
    const text = decode(answer);
    if (answer.status < 200 || answer.status >= 300) {
      const message = answer.status === 429 ? "exceeded maximum retry limit" : `server response ${answer.status} ${answer.statusMessage}`;
      throw makeError(message, "SERVER_ERROR", {
        request: "unknown request",
        response: undefined,
        error: undefined,
        info: { requestUrl: url.toString(), responseBody: text.slice(0, 1_000), responseStatus: `${answer.status} ${answer.statusMessage}` },
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw makeError("response not JSON", "UNSUPPORTED_OPERATION", { operation: "bodyJson", info: { responseBody: text.slice(0, 200) } });
    }
    return (Array.isArray(json) ? json : [json]) as JsonRpcResult[];
  }

  /**
   * One POST; sent once more when a kept-alive socket turned out closed by the server (ECONNRESET on a reused
   * socket, the race Node's documentation describes): every JSON-RPC call the relayer makes is safe to repeat
   * (a read, or a signed transaction that the node recognises the second time).
   */
  private async post(url: URL, body: string, deadline: number): Promise<RawAnswer> {
    try {
      return await this.postOnce(url, body, deadline);
    } catch (e) {
      if ((e as { reusedSocket?: boolean }).reusedSocket && (e as { code?: string }).code === "ECONNRESET") return this.postOnce(url, body, deadline);
      throw e;
    }
  }

  private postOnce(url: URL, body: string, deadline: number): Promise<RawAnswer> {
    const lib = url.protocol === "https:" ? https : http;
    return new Promise<RawAnswer>((resolve, reject) => {
      const req = lib.request(url, { method: "POST", agent: this.agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? "", headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      });
      req.setTimeout(Math.max(1, deadline - Date.now()), () => {
        req.destroy(timeoutError());
      });
      req.on("error", (e: Error) => reject(Object.assign(e, { reusedSocket: req.reusedSocket })));
      req.end(body);
    });
  }

  override _wrapTransactionReceipt(value: TransactionReceiptParams, network: Network): TransactionReceipt {
    const rawLogs: unknown = (value as { logs?: unknown }).logs;
    if (!Array.isArray(rawLogs)) return super._wrapTransactionReceipt(value, network); // ethers names the problem
    const r = super._wrapTransactionReceipt({ ...value, logs: [] }, network);
    const params: TransactionReceiptParams = {
      to: r.to,
      from: r.from,
      contractAddress: r.contractAddress,
      hash: r.hash,
      index: r.index,
      blockHash: r.blockHash,
      blockNumber: r.blockNumber,
      logsBloom: r.logsBloom,
      logs: rawLogs.map((l: unknown) => this.receiptLog(l)),
      gasUsed: r.gasUsed,
      blobGasUsed: r.blobGasUsed,
      cumulativeGasUsed: r.cumulativeGasUsed,
      gasPrice: r.gasPrice,
      blobGasPrice: r.blobGasPrice,
      type: r.type,
      status: r.status,
      root: r.root,
    };
    return new TransactionReceipt(params, this);
  }

  private readonly checksummed = new BoundedMemo<string, string>(1_000);

  /** ethers' formatReceiptLog, with the address checksum memoized (lower-cased key: the same address in any case). */
  private receiptLog(value: unknown): LogParams {
    const l = value as Record<string, unknown>;
    const address = l.address;
    assertArgument(typeof address === "string" && ADDRESS.test(address), "invalid address", "value", address);
    // ethers' receipt logs have no `removed` (only eth_getLogs' logs do); LogParams declares it all the same
    return {
      transactionIndex: getNumber(l.transactionIndex as string),
      blockNumber: getNumber(l.blockNumber as string),
      transactionHash: hash32(l.transactionHash),
      address: this.checksummed.get(address.toLowerCase(), () => getAddress(address)),
      topics: Array.isArray(l.topics) ? l.topics.map(hash32) : invalid("topics", l.topics),
      data: hexData(l.data),
      index: getNumber((l.logIndex ?? l.index) as string),
      blockHash: hash32(l.blockHash),
    } as unknown as LogParams;
  }

  override destroy(): void {
    this.agent.destroy();
    super.destroy();
  }
}

/** The body as text (gunzipped when the server compressed it although it was not asked to). */
function decode(answer: RawAnswer): string {
  if (answer.headers["content-encoding"] === "gzip" && answer.body.length > 0) {
    try {
      return gunzipSync(answer.body).toString("utf8");
    } catch (error) {
      throw makeError("bad response data", "SERVER_ERROR", { request: "unknown request", info: { error } });
    }
  }
  return answer.body.toString("utf8");
}

/** ethers' own TIMEOUT error of a request that got no answer in time */
function timeoutError(): Error {
  return makeError("timeout", "TIMEOUT", { operation: "request.send", reason: "timeout" });
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function invalid(what: string, value: unknown): never {
  assertArgument(false, `invalid ${what}`, "value", value);
}

/** ethers' formatHash: 32 bytes of hex (as given) */
function hash32(value: unknown): string {
  assertArgument(isHexString(value, 32), "invalid hash", "value", value);
  return value;
}

/** ethers' formatData: whole bytes of hex (as given) */
function hexData(value: unknown): string {
  assertArgument(isHexString(value, true), "invalid data", "value", value);
  return value;
}
