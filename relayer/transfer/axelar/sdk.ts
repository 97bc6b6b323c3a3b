/**
 * {@link AxelarGmp} on live networks, through Axelar's own SDK (@axelar-network/axelarjs-sdk):
 * - the fee: `AxelarQueryAPI.estimateGasFee` for the adapter's `execute` gas;
 * - the status: `queryTransactionStatus` (defined on `AxelarRecoveryApi`, which `AxelarGMPRecoveryAPI`
 *   extends; the base class is used because the subclass's constructor also builds an `AxelarQueryAPI`,
 *   which downloads Axelar's asset list that a status query does not need), mapped to our stages.
 * This is the ONLY file that loads the SDK. The SDK carries ethers v5; nothing of it leaves this file
 * (answers are bigint / number / string), and it is never handed ethers v6 objects.
 *
 * What the SDK calls (0.17.9, read from its dist/):
 * - `estimateGasFee`: GET `https://axelar-<env>.s3.us-east-2.amazonaws.com/configs/<env>-config-1.x.json`
 *   (chains/index.js importS3Config, to validate chain names: `throwIfInvalidChainIds`), then POST
 *   `{method: "getFees", sourceChain, destinationChain, ...}` to the GMP API (`axelarGMPApiUrl` of
 *   constants/index.js getConfigs: mainnet `https://api.gmp.axelarscan.io`); for an OP-stack destination
 *   that Axelar prices with an L1 fee (Base) also an eth_call to a public RPC of the SDK's own choosing.
 *   Its `AxelarQueryAPI` constructor also fetches `https://axelar-<env>.s3.us-east-2.amazonaws.com/<env>-asset-config.json`
 *   (assets/index.js) without awaiting it: unreachable, that is an unhandled rejection, which would end a
 *   Node process. So this module loads that list first (awaited, with a clear error) and constructs after.
 * - `queryTransactionStatus`: GET `<GMP API>?method=searchGMP&txHash=…`; the SDK turns ANY failure of that
 *   request into the status `cannot_fetch_status`, the same as "not found". This module tells them apart
 *   (see the transport below): a failure is an {@link AxelarApiError} naming the URL, a real miss is `not_found`.
 *
 * The transport. Only the GMP API's base URL is an SDK option (and only as an environment constant); the S3
 * URLs are fixed in the SDK. Every request the SDK makes goes through `cross-fetch` (nothing else in this
 * project uses it), so before loading the SDK this module gives it a `cross-fetch` of its own: the real one,
 * plus, for calls made by this module, a per-request timeout (node-fetch's `timeout`, which really aborts the
 * socket), a record of failed requests, and optionally a base URL that replaces Axelar's hosts
 * (`https://host/path?query` -> `<apiBaseUrl>/host/path?query`): for a mirror or a proxy, and for the tests,
 * whose local HTTP fake answers in the shapes the SDK expects (the Axelar APIs cannot be reached from the
 * machine this was built on).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import type * as AxelarSdk from "@axelar-network/axelarjs-sdk";
import {
  AxelarApiError,
  type AxelarGmp,
  evmChain,
  type FeeQuote,
  type FeeQuoteArgs,
  type GmpStatus,
  stageOfAxelarStatus,
} from "./gmp";

export type AxelarEnvironment = "mainnet" | "testnet";

export interface AxelarSdkGmpOptions {
  /** Axelar's mainnet (Ethereum, BNB Smart Chain, Base) or testnet (Sepolia, BNB testnet, Base Sepolia). */
  environment: AxelarEnvironment;
  /** Per HTTP request (default 10 s); a whole call gets three times that (it may make several requests). */
  timeoutMs?: number;
  /**
   * Send the SDK's requests here instead of to Axelar's hosts, as `<apiBaseUrl>/<host>/<path>?<query>`
   * (a mirror, a proxy, a test's fake). Default: Axelar's hosts.
   */
  apiBaseUrl?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const SDK_PACKAGE = "@axelar-network/axelarjs-sdk";

/** The fetch shape the SDK uses (node-fetch v2 behind cross-fetch): only what this module touches. */
interface FetchResponse {
  ok: boolean;
  status: number;
  statusText: string;
}
type Fetch = (url: string, init?: Record<string, unknown>) => Promise<FetchResponse>;

/** One call of this module into the SDK: how its requests are sent, and which of them failed. */
interface CallContext {
  apiBaseUrl?: string;
  timeoutMs: number;
  failures: { url: string; sentTo: string; reason: string }[];
}

/** The context of the current call, followed across the SDK's awaits (AsyncLocalStorage). */
const calls = new AsyncLocalStorage<CallContext>();

/** `https://host/path?q` -> `<base>/host/path?q`. */
export function rewriteUrl(url: string, apiBaseUrl: string): string {
  const u = new URL(url);
  return `${apiBaseUrl.replace(/\/+$/, "")}/${u.host}${u.pathname}${u.search}`;
}

function routed(real: Fetch, url: string, init?: Record<string, unknown>): Promise<FetchResponse> {
  const ctx = calls.getStore();
  if (!ctx) return real(url, init); // not one of our calls: untouched
  const sentTo = ctx.apiBaseUrl ? rewriteUrl(url, ctx.apiBaseUrl) : url;
  return real(sentTo, { ...init, timeout: ctx.timeoutMs }).then(
    (res) => {
      if (!res.ok) ctx.failures.push({ url, sentTo, reason: `HTTP ${res.status} ${res.statusText}` });
      return res;
    },
    (err: Error) => {
      ctx.failures.push({ url, sentTo, reason: err.message });
      throw err;
    },
  );
}

let loaded: typeof AxelarSdk | undefined;

/**
 * Loads the SDK (2-3 s the first time: it pulls in ethers v5, cosmjs, Solana, Sui and Stellar clients, so
 * only on first use) with its own `cross-fetch` (see the header).
 */
function loadSdk(): typeof AxelarSdk {
  if (loaded) return loaded;
  const sdkEntry = require.resolve(SDK_PACKAGE);
  if (require.cache[sdkEntry]) {
    throw new Error(
      `${SDK_PACKAGE} was loaded before relayer/transfer/axelar/sdk.ts could give it its HTTP client ` +
        `(timeouts, error reports): load the SDK only through this module`,
    );
  }
  const sdkRequire = createRequire(sdkEntry);
  const crossFetchPath = sdkRequire.resolve("cross-fetch");
  const real = sdkRequire("cross-fetch") as Fetch & Record<string, unknown>;
  const fetch = Object.assign((url: string, init?: Record<string, unknown>) => routed(real, url, init), {
    Headers: real.Headers,
    Request: real.Request,
    Response: real.Response,
    ponyfill: true,
  });
  // The SDK imports it as `__importDefault(require("cross-fetch")).default`, and the module has no
  // __esModule flag, so `.default` is the module itself; `.default`/`.fetch` as cross-fetch exports them.
  Object.assign(fetch, { default: fetch, fetch });
  const cached = require.cache[crossFetchPath];
  if (!cached) throw new Error(`cross-fetch was not loaded from ${crossFetchPath}`);
  cached.exports = fetch;
  loaded = sdkRequire(sdkEntry) as typeof AxelarSdk;
  return loaded;
}

/** {@link AxelarGmp} through Axelar's SDK and APIs (see the file header). */
export class AxelarSdkGmp implements AxelarGmp {
  private readonly timeoutMs: number;
  private queryApi?: Promise<AxelarSdk.AxelarQueryAPI>;
  private recoveryApi?: AxelarSdk.AxelarRecoveryApi;

  constructor(private readonly opts: AxelarSdkGmpOptions) {
    if (opts.environment !== "mainnet" && opts.environment !== "testnet") {
      throw new Error(`Axelar environment "${String(opts.environment)}": use "mainnet" or "testnet"`);
    }
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new Error(`timeoutMs ${opts.timeoutMs}: give a positive number of ms`);
    if (opts.apiBaseUrl !== undefined && !/^https?:\/\/[^/]+/.test(opts.apiBaseUrl)) {
      throw new Error(`apiBaseUrl "${opts.apiBaseUrl}": give an http(s) URL, e.g. http://127.0.0.1:8080`);
    }
  }

  async quoteFee(args: FeeQuoteArgs): Promise<FeeQuote> {
    const source = this.chainOfEnvironment(args.sourceChain);
    const destination = this.chainOfEnvironment(args.destinationChain);
    if (args.gasLimit <= 0n) throw new Error(`gasLimit ${args.gasLimit}: give the destination execute's gas (> 0)`);
    const what = `fee quote ${args.sourceChain} -> ${args.destinationChain}`;
    const detail = await this.call(what, async () => {
      const api = await this.query();
      // Detailed fees: the same sum the SDK returns without them, with its parts. Empty gmpParams strings
      // are not sent (the SDK only adds truthy ones).
      return (await api.estimateGasFee(
        source.axelarName,
        destination.axelarName,
        args.gasLimit.toString(),
        "auto",
        undefined,
        undefined,
        undefined,
        { showDetailedFees: true, destinationContractAddress: "", sourceContractAddress: "", tokenSymbol: "" },
      )) as AxelarSdk.AxelarQueryAPIFeeResponse;
    });
    const wei = (field: keyof AxelarSdk.AxelarQueryAPIFeeResponse): bigint => {
      const v = detail[field];
      if (typeof v !== "string" || !/^\d+$/.test(v)) {
        throw new AxelarApiError(`${what}: the SDK's ${field} is ${JSON.stringify(v)}, not an amount in wei`, "");
      }
      return BigInt(v);
    };
    const baseFee = wei("baseFee");
    const executionFee = wei("executionFeeWithMultiplier");
    const l1ExecutionFee = wei("l1ExecutionFeeWithMultiplier");
    return {
      fee: baseFee + executionFee + l1ExecutionFee,
      baseFee,
      executionFee,
      l1ExecutionFee,
      gasMultiplier: Number(detail.gasMultiplier),
      gasLimit: args.gasLimit,
    };
  }

  async status(sourceTxHash: string): Promise<GmpStatus> {
    if (!/^0x[0-9a-fA-F]{64}$/.test(sourceTxHash)) {
      throw new Error(`"${sourceTxHash}" is not a transaction hash (0x and 64 hex digits)`);
    }
    const what = `status of ${sourceTxHash}`;
    return this.call(what, async (ctx) => {
      const res = await this.recovery().queryTransactionStatus(sourceTxHash);
      const raw = String(res.status);
      // The SDK reports a failed request as "cannot_fetch_status", like a miss: tell them apart.
      if (raw === "cannot_fetch_status" && ctx.failures.length > 0) throw unreachable(what, ctx);
      return sdkStatusToGmp(sourceTxHash, res);
    });
  }

  /** The chain's registry entry, checked against this environment (a local chain has no Axelar API). */
  private chainOfEnvironment(name: string) {
    const chain = evmChain(name);
    if (/Local$/.test(name)) {
      throw new Error(`${name} is a local chain: Axelar's APIs know nothing of it; ask the devnet stand-in (devnet/axelar/)`);
    }
    if (chain.production !== (this.opts.environment === "mainnet")) {
      throw new Error(
        `${name} is a ${chain.production ? "mainnet" : "testnet"} chain but this client is for Axelar ${this.opts.environment}`,
      );
    }
    return chain;
  }

  /** Runs `fn` as one call: its SDK requests routed and timed out, the whole bounded, failures explained. */
  private call<T>(what: string, fn: (ctx: CallContext) => Promise<T>): Promise<T> {
    // Load the SDK before the clock starts: its first load is seconds of synchronous CPU work (more on a busy
    // machine), which would otherwise run inside the deadline below and make an unreachable host read as
    // "no answer within N ms" before the request's own error (ECONNREFUSED, a timeout) could arrive.
    loadSdk();
    const ctx: CallContext = { apiBaseUrl: this.opts.apiBaseUrl, timeoutMs: this.timeoutMs, failures: [] };
    const overallMs = this.timeoutMs * 3;
    return calls.run(ctx, async () => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = ctx.failures.length
            ? unreachable(what, ctx)
            : new AxelarApiError(
                `${what}: no answer from Axelar's API within ${overallMs} ms` +
                  (this.opts.apiBaseUrl ? ` (sent to ${this.opts.apiBaseUrl})` : "") +
                  `: check network access to Axelar's API hosts, or raise timeoutMs`,
                this.opts.apiBaseUrl ?? "",
              );
          reject(err);
        }, overallMs);
      });
      try {
        return await Promise.race([fn(ctx), deadline]);
      } catch (err) {
        if (err instanceof AxelarApiError) throw err;
        if (ctx.failures.length > 0) throw unreachable(what, ctx);
        throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      } finally {
        clearTimeout(timer);
      }
    });
  }

  private query(): Promise<AxelarSdk.AxelarQueryAPI> {
    if (!this.queryApi) {
      const sdk = loadSdk();
      const environment = this.opts.environment as AxelarSdk.Environment;
      // The asset list first, awaited (see the header): the constructor's own load then hits the SDK's cache.
      this.queryApi = sdk.loadAssets({ environment }).then(() => new sdk.AxelarQueryAPI({ environment }));
      this.queryApi.catch(() => (this.queryApi = undefined)); // retry on the next call
    }
    return this.queryApi;
  }

  private recovery(): AxelarSdk.AxelarRecoveryApi {
    this.recoveryApi ??= new (loadSdk().AxelarRecoveryApi)({
      environment: this.opts.environment as AxelarSdk.Environment,
    });
    return this.recoveryApi;
  }
}

function unreachable(what: string, ctx: CallContext): AxelarApiError {
  const f = ctx.failures[0];
  const host = new URL(f.url).host;
  return new AxelarApiError(
    `${what}: Axelar's API did not answer: ${f.url}` +
      (f.sentTo !== f.url ? ` (sent to ${f.sentTo})` : "") +
      `: ${f.reason}. Check network access to ${host} (DNS, firewall, proxy)` +
      (ctx.apiBaseUrl ? ` and that ${ctx.apiBaseUrl} forwards to it` : ", or point apiBaseUrl at a reachable mirror"),
    f.url,
  );
}

/** Our status from the SDK's answer: plain strings only (the SDK's objects stay here). */
export function sdkStatusToGmp(sourceTxHash: string, res: AxelarSdk.GMPStatusResponse): GmpStatus {
  const raw = String(res.status);
  const stage = stageOfAxelarStatus(raw, res.gasPaidInfo?.status);
  const txHash = (v: unknown): string | undefined => {
    const h = (v as { transactionHash?: unknown } | undefined)?.transactionHash;
    return typeof h === "string" ? h : undefined;
  };
  const status: GmpStatus = { stage, raw, sourceTxHash };
  const call = res.callTx as { transactionHash?: unknown; logIndex?: unknown; _logIndex?: unknown } | undefined;
  const logIndex = call?.logIndex ?? call?._logIndex;
  if (typeof call?.transactionHash === "string" && typeof logIndex === "number") {
    status.messageId = `${call.transactionHash}-${logIndex}`;
  }
  const approval = txHash(res.approved);
  if (approval) status.approvalTxHash = approval;
  const execution = txHash(res.executed) ?? txHash(res.expressExecuted);
  if (execution) status.executionTxHash = execution;
  if (res.error?.message) status.error = String(res.error.message);
  else if (stage === "insufficient_fee") {
    status.error = `the gas paid on the source (${res.gasPaidInfo?.status ?? raw}) does not cover the execution: add gas with the gas service's addNativeGas`;
  }
  return status;
}
