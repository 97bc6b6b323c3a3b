/**
 * {@link AxelarGmp} over a plain JSON HTTP endpoint: the devnet Axelar stand-in's (devnet/axelar/http.ts), which
 * answers from the local chains what Axelar's APIs answer on live networks. Used by the relayer with
 * `transfers.axelar.environment: local`. Amounts travel as decimal strings.
 *
 *   GET <statusUrl>/status/<source tx hash>                          -> GmpStatus
 *   GET <statusUrl>/fee?sourceChain=&destinationChain=&gasLimit=     -> FeeQuote (bigints as strings)
 *   any error                                                         -> HTTP 4xx/5xx {"error": "..."}
 */
import { AxelarApiError, type AxelarGmp, type FeeQuote, type FeeQuoteArgs, type GmpStatus } from "./gmp";

export class HttpAxelarGmp implements AxelarGmp {
  private readonly base: string;

  constructor(
    statusUrl: string,
    private readonly timeoutMs = 10_000,
  ) {
    if (!/^https?:\/\/[^/]+/.test(statusUrl)) throw new Error(`statusUrl "${statusUrl}": give an http(s) URL, e.g. http://127.0.0.1:41234`);
    this.base = statusUrl.replace(/\/+$/, "");
  }

  async status(sourceTxHash: string): Promise<GmpStatus> {
    return this.get<GmpStatus>(`${this.base}/status/${encodeURIComponent(sourceTxHash)}`);
  }

  async quoteFee(args: FeeQuoteArgs): Promise<FeeQuote> {
    const q = new URLSearchParams({ sourceChain: args.sourceChain, destinationChain: args.destinationChain, gasLimit: args.gasLimit.toString() });
    const raw = await this.get<Record<keyof FeeQuote, string | number>>(`${this.base}/fee?${q.toString()}`);
    return {
      fee: BigInt(raw.fee),
      baseFee: BigInt(raw.baseFee),
      executionFee: BigInt(raw.executionFee),
      l1ExecutionFee: BigInt(raw.l1ExecutionFee),
      gasMultiplier: Number(raw.gasMultiplier),
      gasLimit: BigInt(raw.gasLimit),
    };
  }

  private async get<T>(url: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new AxelarApiError(
        `the Axelar stand-in's status endpoint did not answer (${cause}): is the local network running with --axelar (npm start -- --axelar), and is transfers.axelar.statusUrl its current address?`,
        url,
      );
    }
    const body = (await res.json().catch(() => undefined)) as (T & { error?: string }) | undefined;
    if (!res.ok || body === undefined) {
      throw new AxelarApiError(`the Axelar stand-in answered HTTP ${res.status}: ${body?.error ?? "not JSON"}`, url);
    }
    return body;
  }
}
