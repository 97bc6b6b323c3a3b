/**
 * The signed-report service (pull mode), on the relayer's HTTP server:
 *
 * - `GET /v1/reports/latest?chain=<name|id>&topics=1,2`: per topic the newest report the chain's current attester
 *   set signed, with the set id, signers, combined signatures and calldata for the oracle's `verifyAndStore`,
 *   `verifyReport`, `verifyReportNoOlderThanStored` and a one-report `submit`;
 * - `GET /v1/reports/stream?chain=…&topics=…`: the same as server-sent events (`event: report`), one per new
 *   report, starting with the current ones;
 * - `GET /v2/allora/consumer/<name>-<chainId>?allora_topic_id=T` and `GET /v2/allora/<hub chain id>/topics`: the
 *   paths and shapes of Allora's consumer API, so an app written against @alloralabs/allora-sdk moves to these
 *   attested reports by setting `baseAPIUrl` to `{relayer}/v2`.
 *
 * Attesters sign what is asked for: a request marks its (chain, topic) wanted for ten minutes (ReportDemand), and
 * from then on every instance signs each new inference of it; a first request is signed at once by this instance
 * when it holds attester keys (else it answers 503 until the others have signed).
 *
 * Nothing is served on Redis' word: every signature is checked against the set read from the chain (attested.ts).
 * Errors name the problem: 400 (malformed query), 404 (unknown chain, topic not relayed, unknown route), 503 (no
 * attested report yet).
 */
import type http from "node:http";
import { randomUUID } from "node:crypto";
import { alloraConsumerInference, attest, reportPayload, type ReportPayload } from "./attested";
import type { AttesterSetCache, ReportChain, ReportSigner } from "./signer";
import type { ReportDemand, ReportStore } from "./store";

export interface ReportServiceDeps {
  chains: readonly ReportChain[];
  /** the topics this relayer relays */
  topics: readonly number[];
  hubChainId: string;
  store: ReportStore;
  sets: AttesterSetCache;
  /** records what is asked for, so that every instance's attesters sign it from then on */
  demand?: ReportDemand;
  /** this instance's signer: signs a first request's topic at once when it holds attester keys */
  signer?: ReportSigner;
  /** how often a stream looks for new reports */
  streamPollMs?: number;
  /** topic metadata for the allora-sdk topics route */
  topicInfo?: (topic: number) => { name: string; epochLength?: number; lossMethod?: string } | undefined;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type TopicResult = { topic: number; report: ReportPayload } | { topic: number; error: string; status: number };

const send = (res: http.ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { "content-type": "application/json", "access-control-allow-origin": "*" });
  res.end(JSON.stringify(body));
};

export class ReportService {
  private readonly pollMs: number;
  /**
   * Attestations already checked, by the exact stored content and the set they were checked against: a stored
   * entry does not change once signed, and recovering every signature on every request would cost the relayer
   * ~1 ms per signature (a client polling 10 topics on 3 chains every 100 ms would take most of a core).
   */
  private readonly checked = new Map<string, ReturnType<typeof attest>>();
  constructor(private readonly deps: ReportServiceDeps) {
    this.pollMs = deps.streamPollMs ?? 500;
  }

  owns(path: string): boolean {
    return path.startsWith("/v1/reports/") || path.startsWith("/v2/allora/");
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://service");
    try {
      if (url.pathname === "/v1/reports/latest") return send(res, ...(await this.latest(url)));
      if (url.pathname === "/v1/reports/stream") return await this.stream(url, req, res);
      const consumer = /^\/v2\/allora\/consumer\/([^/]+)$/.exec(url.pathname);
      if (consumer) return send(res, ...(await this.alloraConsumer(consumer[1], url)));
      const topics = /^\/v2\/allora\/([^/]+)\/topics$/.exec(url.pathname);
      if (topics) return send(res, ...this.alloraTopics(decodeURIComponent(topics[1])));
      throw new HttpError(404, `no such route ${url.pathname}: use /v1/reports/latest, /v1/reports/stream, /v2/allora/consumer/<chain>-<chainId> or /v2/allora/<hub chain id>/topics`);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (url.pathname.startsWith("/v2/")) return send(res, status, { request_id: randomUUID(), status: false, apiResponseMessage: message });
      send(res, status, { error: message });
    }
  }

  /** `chain` by name or EIP-155 id. */
  chainOf(value: string | null): ReportChain {
    if (!value) throw new HttpError(400, `missing chain: add ?chain=<name or chain id> (${this.chainList()})`);
    const chain = this.deps.chains.find((c) => c.name === value || String(c.chainId) === value);
    if (!chain) throw new HttpError(404, `unknown chain "${value}": this relayer serves ${this.chainList()}`);
    return chain;
  }

  private chainList(): string {
    return this.deps.chains.map((c) => `${c.name} (${c.chainId})`).join(", ");
  }

  topicsOf(value: string | null): number[] {
    if (!value) throw new HttpError(400, `missing topics: add &topics=<id>[,<id>…] (relayed: ${this.deps.topics.join(", ")})`);
    const topics = value.split(",").map((t) => t.trim());
    const bad = topics.find((t) => !/^\d+$/.test(t));
    if (bad !== undefined) throw new HttpError(400, `topics: "${bad}" is not a topic id (whole numbers, comma-separated)`);
    return [...new Set(topics.map(Number))];
  }

  /** One topic's attested report on `chain`, or why there is none. */
  async reportOf(chain: ReportChain, topic: number): Promise<TopicResult> {
    if (!this.deps.topics.includes(topic)) {
      return { topic, status: 404, error: `topic ${topic} is not relayed by this relayer (relayed: ${this.deps.topics.join(", ")})` };
    }
    if (this.deps.demand) await this.deps.demand.mark(chain.name, topic);
    let stored = await this.deps.store.get(chain.name, topic);
    if (!stored && this.deps.signer && (await this.deps.signer.signLatest(chain.name, topic))) {
      stored = await this.deps.store.get(chain.name, topic);
    }
    if (!stored) return { topic, status: 503, error: `no attested report yet for topic ${topic} on ${chain.name}: the attesters sign each new hub inference; retry in a few seconds` };
    const set = await this.deps.sets.of(chain);
    const key = JSON.stringify([chain.name, set.id.toString(), set.threshold, set.signers, stored.setId.toString(), stored.report, Object.entries(stored.signatures).sort()], (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    let a = this.checked.get(key);
    if (!a) {
      a = attest(stored, set, BigInt(chain.chainId), chain.oracle);
      if (this.checked.size >= 4_096) this.checked.delete(this.checked.keys().next().value!);
      this.checked.set(key, a);
    }
    if (!a.ok) return { topic, status: 503, error: `topic ${topic} on ${chain.name}: ${a.problem}` };
    return { topic, report: reportPayload(chain, a) };
  }

  private async latest(url: URL): Promise<[number, unknown]> {
    const chain = this.chainOf(url.searchParams.get("chain"));
    const results = await Promise.all(this.topicsOf(url.searchParams.get("topics")).map((t) => this.reportOf(chain, t)));
    const reports = results.flatMap((r) => ("report" in r ? [r.report] : []));
    const errors = results.flatMap((r) => ("error" in r ? [{ topic: r.topic, error: r.error }] : []));
    if (reports.length === 0) {
      const first = results.find((r) => "error" in r) as { status: number; error: string };
      throw new HttpError(first.status, results.length === 1 ? first.error : errors.map((e) => e.error).join("; "));
    }
    return [200, { chain: chain.name, chain_id: chain.chainId, reports, errors }];
  }

  private async stream(url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chain = this.chainOf(url.searchParams.get("chain"));
    const topics = this.topicsOf(url.searchParams.get("topics"));
    const unknown = topics.filter((t) => !this.deps.topics.includes(t));
    if (unknown.length) throw new HttpError(404, `topic ${unknown.join(", ")} is not relayed by this relayer (relayed: ${this.deps.topics.join(", ")})`);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "access-control-allow-origin": "*" });
    res.write(": allora reports\n\n");
    const sent = new Map<number, string>();
    let open = true;
    req.on("close", () => (open = false));
    while (open) {
      for (const t of topics) {
        const r = await this.reportOf(chain, t).catch(() => undefined);
        if (!r || !("report" in r)) continue;
        const key = `${r.report.attester_set_id}:${r.report.nonce}`;
        if (sent.get(t) === key) continue;
        sent.set(t, key);
        res.write(`event: report\nid: ${chain.name}:${t}:${r.report.nonce}\ndata: ${JSON.stringify(r.report)}\n\n`);
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
    res.end();
  }

  private async alloraConsumer(format: string, url: URL): Promise<[number, unknown]> {
    const m = /^(.+)-(\d+)$/.exec(format);
    if (!m) throw new HttpError(400, `signature format "${format}": expected <chain>-<chain id>, e.g. ${this.deps.chains.map((c) => `${c.name}-${c.chainId}`).join(", ")}`);
    const chain = this.chainOf(m[2]);
    const topicParam = url.searchParams.get("allora_topic_id");
    if (!topicParam || !/^\d+$/.test(topicParam)) throw new HttpError(400, "allora_topic_id: expected a topic id, e.g. ?allora_topic_id=1");
    const r = await this.reportOf(chain, Number(topicParam));
    if ("error" in r) throw new HttpError(r.status, r.error);
    return [200, { request_id: randomUUID(), status: true, data: alloraConsumerInference(r.report) }];
  }

  private alloraTopics(hubChainId: string): [number, unknown] {
    if (hubChainId !== this.deps.hubChainId) {
      throw new HttpError(404, `this relayer relays the hub ${this.deps.hubChainId}, not ${hubChainId}`);
    }
    const now = new Date().toISOString();
    const topics = this.deps.topics.map((t) => {
      const info = this.deps.topicInfo?.(t);
      return {
        topic_id: t,
        topic_name: info?.name ?? `topic ${t}`,
        description: info?.name ?? null,
        epoch_length: info?.epochLength ?? 0,
        ground_truth_lag: 0,
        loss_method: info?.lossMethod ?? "",
        worker_submission_window: 0,
        worker_count: 0,
        reputer_count: 0,
        total_staked_allo: 0,
        total_emissions_allo: 0,
        is_active: true,
        updated_at: now,
      };
    });
    return [200, { request_id: randomUUID(), status: true, data: { topics, continuation_token: null } }];
  }
}
