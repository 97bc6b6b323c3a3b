/**
 * RPC failover for one EVM chain: providers tried in order; a call that fails with a transport error
 * moves to the next URL and is retried there once per URL. Contract errors (reverts) are not retried.
 *
 * Every provider's chain id is checked before its first call and again after every failover to it (the
 * providers use a static network, so ethers itself never asks): a fallback that serves another network
 * is skipped with an error log, never read from or sent to (issue 19 finding 7). `checkAll` checks every
 * configured URL at start.
 */
import { JsonRpcProvider, Network } from "ethers";
import type { Logger } from "pino";
import { redactUrl } from "../redact";
import { NodeJsonRpcProvider } from "./transport";

/** An RPC that answers for another chain than configured. */
export class WrongChainError extends Error {
  constructor(
    readonly url: string,
    readonly expected: bigint,
    readonly served: bigint,
  ) {
    super(`${url} serves chain id ${served}, the config says ${expected}`);
    this.name = "WrongChainError";
  }
}

/**
 * JSON-RPC error codes by which a server says it failed, not the call: internal error, parse error (of our
 * own well-formed request), resource unavailable, limit exceeded. A revert never comes as one of these once
 * ethers has read it (it becomes CALL_EXCEPTION); a message naming a revert is excluded anyway.
 */
const SERVER_FAULT_CODES = new Set([-32603, -32700, -32002, -32005]);

/** Errors that say "this endpoint is unwell", not "the call is wrong". */
export function isTransportError(e: unknown): boolean {
  const err = e as { code?: string; message?: string; operation?: string; error?: { code?: unknown; message?: unknown } };
  if (err?.code === "NETWORK_ERROR" || err?.code === "TIMEOUT" || err?.code === "SERVER_ERROR") return true;
  // An answer that is not JSON at all (an HTML error page, a truncated body): ethers fails reading the body.
  if (err?.code === "UNSUPPORTED_OPERATION" && err.operation === "bodyJson") return true;
  // A JSON-RPC error ethers could not map to anything known, with a server-fault code.
  if (err?.code === "UNKNOWN_ERROR" && typeof err.error?.code === "number" && SERVER_FAULT_CODES.has(err.error.code) && !/revert/i.test(String(err.error.message ?? ""))) return true;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|fetch failed|getaddrinfo|502|503|504/i.test(err?.message ?? "");
}

export class FailoverRpc {
  private index = 0;
  readonly providers: JsonRpcProvider[];
  /** per provider: its chain id was checked since it last became current */
  private readonly verified: boolean[];
  private readonly expectedChainId: bigint;

  constructor(
    readonly chainName: string,
    readonly urls: string[],
    chainId: number,
    private readonly log: Logger,
  ) {
    const network = Network.from(chainId);
    // staticNetwork: no eth_chainId round trip per call; batchMaxCount 1: no batching delay (latency matters);
    // cacheTimeout -1: ethers would otherwise replay a "no receipt yet" answer for 250 ms.
    this.providers = urls.map((u) => new NodeJsonRpcProvider(u, network, { staticNetwork: network, batchMaxCount: 1, polling: false, cacheTimeout: -1 }));
    this.verified = urls.map(() => false);
    this.expectedChainId = BigInt(chainId);
  }

  /** Asks provider `i` for its chain id; throws WrongChainError when it is not ours. */
  private async verify(i: number): Promise<void> {
    const served = BigInt(await this.providers[i].send("eth_chainId", []));
    if (served !== this.expectedChainId) throw new WrongChainError(redactUrl(this.urls[i]), this.expectedChainId, served);
    this.verified[i] = true;
  }

  /**
   * Checks every configured URL once (at start): a URL that serves another chain is an error naming it;
   * one that does not answer is only logged (it may come back, and is checked again before it is used).
   */
  async checkAll(): Promise<void> {
    const wrong: string[] = [];
    await Promise.all(
      this.providers.map(async (_p, i) => {
        try {
          await this.verify(i);
        } catch (e) {
          if (e instanceof WrongChainError) wrong.push(e.message);
          else this.log.warn({ chain: this.chainName, url: redactUrl(this.urls[i]), err: (e as Error).message }, "EVM RPC did not answer eth_chainId at start; it is checked again before use");
        }
      }),
    );
    if (wrong.length) throw new Error(`chains.${this.chainName}.rpcUrls: ${wrong.join("; ")}; remove that URL or fix chainId`);
  }

  get current(): JsonRpcProvider {
    return this.providers[this.index];
  }

  get currentUrl(): string {
    return this.urls[this.index];
  }

  /** Runs `fn` on the current provider, failing over to the next ones on transport errors. */
  async use<T>(fn: (p: JsonRpcProvider) => Promise<T>): Promise<T> {
    let last: unknown;
    for (let i = 0; i < this.providers.length; i++) {
      // The URL this attempt uses: calls run concurrently, and only a failure on the CURRENT URL moves on
      // (ten calls failing on one bad URL once flipped the index ten times, back onto the bad URL).
      const at = this.index;
      const p = this.providers[at];
      try {
        if (!this.verified[at]) await this.verify(at);
        return await fn(p);
      } catch (e) {
        if (e instanceof WrongChainError) {
          this.log.error({ alert: "wrong_chain", chain: this.chainName, url: e.url, served: e.served.toString(), expected: e.expected.toString() }, "EVM RPC serves another chain; skipping it");
        } else if (!isTransportError(e)) throw e;
        last = e;
        if (this.providers.length > 1 && this.index === at) {
          this.index = (at + 1) % this.providers.length;
          this.verified[this.index] = false; // a reconnect: check the chain id again before using it
          this.log.warn({ chain: this.chainName, from: redactUrl(this.urls[at]), to: redactUrl(this.urls[this.index]), err: (e as Error).message }, "EVM RPC failover");
        }
      }
    }
    throw last;
  }

  destroy(): void {
    for (const p of this.providers) p.destroy();
  }
}
