/**
 * A small client of the relayer's signed-report service (pull mode): fetch the newest report the attester set
 * signed for a topic on a chain, then either take its calldata or pass it to your own contract.
 *
 *   const client = new AlloraReportClient({ baseUrl: "http://127.0.0.1:9464" });
 *   const report = await client.latest("base", 1);
 *   await market.borrowWithReport(amount, ...client.reportArgs(report)); // a consumer that calls verifyAndStore
 *   await signer.sendTransaction(client.verifyAndStoreTx(report));        // or store it in the oracle directly
 *
 * Uses the global `fetch` (Node 18+, browsers); no other dependency.
 */

/** One attested report, as the service serves it. */
export interface AttestedReport {
  chain: string;
  chain_id: number;
  oracle: string;
  topic_id: number;
  /** 18-decimal fixed point as an integer string (may be negative) */
  value: string;
  value_decimal: string;
  nonce: number;
  timestamp: number;
  attester_set_id: number;
  signers: string[];
  signatures: string;
  calldata: { verifyAndStore: string; verifyReport: string; verifyReportNoOlderThanStored: string; submit: string };
}

/** The service answered with an error: `status` is its HTTP status, the message names the problem. */
export class AlloraReportError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "AlloraReportError";
  }
}

export interface AlloraReportClientOptions {
  /** the relayer's HTTP URL, e.g. http://127.0.0.1:9464 (the manifest's `metrics` URL without /metrics) */
  baseUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export class AlloraReportClient {
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(opts: AlloraReportClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.fetchFn = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** The newest attested reports of `topics` on `chain` (name or chain id), with the topics that have none. */
  async latestMany(chain: string | number, topics: readonly number[]): Promise<{ reports: AttestedReport[]; errors: { topic: number; error: string }[] }> {
    const url = `${this.baseUrl}/v1/reports/latest?chain=${encodeURIComponent(String(chain))}&topics=${topics.join(",")}`;
    let res: Response;
    try {
      res = await this.fetchFn(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new AlloraReportError(0, `the report service at ${this.baseUrl} did not answer (${(err as Error).message}): is the relayer running, and is baseUrl its HTTP URL?`);
    }
    const body = (await res.json().catch(() => ({}))) as { reports?: AttestedReport[]; errors?: { topic: number; error: string }[]; error?: string };
    if (!res.ok) throw new AlloraReportError(res.status, body.error ?? `HTTP ${res.status} from ${url}`);
    return { reports: body.reports ?? [], errors: body.errors ?? [] };
  }

  /** The newest attested report of `topic` on `chain`; throws {@link AlloraReportError} when there is none. */
  async latest(chain: string | number, topic: number): Promise<AttestedReport> {
    const { reports, errors } = await this.latestMany(chain, [topic]);
    const report = reports.find((r) => r.topic_id === topic);
    if (!report) throw new AlloraReportError(503, errors[0]?.error ?? `no report for topic ${topic}`);
    return report;
  }

  /** `(report, signatures)` as a contract function taking `IAlloraOracle.Report` and `bytes` expects them. */
  reportArgs(r: AttestedReport): [{ topicId: bigint; value: bigint; nonce: bigint; timestamp: bigint }, string] {
    return [{ topicId: BigInt(r.topic_id), value: BigInt(r.value), nonce: BigInt(r.nonce), timestamp: BigInt(r.timestamp) }, r.signatures];
  }

  /** A transaction request that stores the report in the oracle (`verifyAndStore`). */
  verifyAndStoreTx(r: AttestedReport): { to: string; data: string } {
    return { to: r.oracle, data: r.calldata.verifyAndStore };
  }
}
