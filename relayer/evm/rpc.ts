/**
 * RPC failover for one EVM chain: providers tried in order; a call that fails with a transport error
 * moves to the next URL and is retried there once per URL. Contract errors (reverts) are not retried.
 */
import { JsonRpcProvider, Network } from "ethers";
import type { Logger } from "pino";

/** Errors that say "this endpoint is unwell", not "the call is wrong". */
export function isTransportError(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (err?.code === "NETWORK_ERROR" || err?.code === "TIMEOUT" || err?.code === "SERVER_ERROR") return true;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|fetch failed|getaddrinfo|502|503|504/i.test(err?.message ?? "");
}

export class FailoverRpc {
  private index = 0;
  readonly providers: JsonRpcProvider[];

  constructor(
    readonly chainName: string,
    readonly urls: string[],
    chainId: number,
    private readonly log: Logger,
  ) {
    const network = Network.from(chainId);
    // staticNetwork: no eth_chainId round trip per call; batchMaxCount 1: no batching delay (latency matters);
    // cacheTimeout -1: ethers would otherwise replay a "no receipt yet" answer for 250 ms.
    this.providers = urls.map((u) => new JsonRpcProvider(u, network, { staticNetwork: network, batchMaxCount: 1, polling: false, cacheTimeout: -1 }));
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
      const p = this.providers[this.index];
      try {
        return await fn(p);
      } catch (e) {
        if (!isTransportError(e)) throw e;
        last = e;
        if (this.providers.length > 1) {
          const from = this.urls[this.index];
          this.index = (this.index + 1) % this.providers.length;
          this.log.warn({ chain: this.chainName, from, to: this.urls[this.index], err: (e as Error).message }, "EVM RPC failover");
        }
      }
    }
    throw last;
  }

  destroy(): void {
    for (const p of this.providers) p.destroy();
  }
}
