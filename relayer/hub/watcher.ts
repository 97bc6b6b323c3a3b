/**
 * Follows the hub block by block. The head comes from the CometBFT websocket (NewBlockHeader) with
 * polling of /status as the fallback (and as a slow safety net while the websocket is up). Every height
 * from the start height on is processed in order, exactly once per run: /block_results gives its events,
 * the header (from the websocket or /blockchain) its time. RPC URLs fail over in order.
 *
 * On every connect the emissions query version the node answers is probed (v10 preferred, else v9) and
 * logged; queries then go to that version and come back in one shape (bundle.ts). Multi-label topics are
 * read through queries (the events carry one value) and split into one feed per configured label (feeds.ts).
 *
 * With `chainId` set, a node is used only while it reports that network: checked on every connect
 * (start and failover) and on every /status poll; a node on another network is skipped with an error
 * log (alert "wrong_chain"), so blocks and attester checks never come from another network.
 */
import { Comet38Client, WebsocketClient } from "@cosmjs/tendermint-rpc";
import { QueryClient } from "@cosmjs/stargate";
import type { Logger } from "pino";
import type { EmissionsVersion, LabelValues } from "./bundle";
import { EmissionsReader, emissionsReader, probeEmissionsVersion } from "./query";
import { extractInferences, HubInference, MalformedInference } from "./events";
import { FeedMap, feedInferences, feedMap, hubTopicsOf, labelFor, labelsOf, sourceOf } from "./feeds";
import type { LabelledTopic } from "../config/schema";
import { redactUrl } from "../redact";
import { BoundedHttpClient, DEFAULT_HUB_HTTP_LIMITS, HubAnswerError } from "./http-client";

export interface HubBlock {
  height: number;
  /** block time, Unix seconds */
  timestamp: number;
  inferences: HubInference[];
  malformed: MalformedInference[];
}

export interface HubWatcherOptions {
  rpcUrls: string[];
  websocket: boolean;
  pollIntervalMs: number;
  /** the oracle feed ids served (config hub.topics after loading) */
  topics: readonly number[];
  /** the multi-label hub topics among them (config hub.labelled) */
  labelled?: readonly LabelledTopic[];
  /** the hub chain id every node must serve (unchecked when absent: the status command) */
  chainId?: string;
}

const TIME_CACHE_SIZE = 4096;
/** how the hub says "no such topic / bundle" (gRPC NotFound, ABCI code 22) */
const NOT_FOUND = /not ?found|code = NotFound|\(22\)/i;

/** A hub node that serves another network than configured. */
export class WrongHubError extends Error {
  constructor(
    readonly url: string,
    readonly served: string,
    readonly expected: string,
  ) {
    super(`hub.chainId: the node at ${url} serves "${served}", the config says "${expected}"; fix hub.chainId or hub.rpcUrls`);
    this.name = "WrongHubError";
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const toSeconds = (d: { getTime(): number }) => Math.floor(d.getTime() / 1000);

export class HubWatcher {
  private urlIndex = 0;
  private client?: Comet38Client;
  private query?: EmissionsReader;
  private version?: EmissionsVersion;
  private ws?: Comet38Client;
  private wsUp = false;
  private head = 0;
  private readonly times = new Map<number, number>();
  /** the hub topic ids followed */
  private readonly topics: Set<number>;
  private readonly feeds: FeedMap;
  private stopped = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private poller?: NodeJS.Timeout;
  /** set while the current node is known to serve another network: nothing is read from it */
  private wrongNode?: WrongHubError;

  constructor(
    private readonly opts: HubWatcherOptions,
    private readonly log: Logger,
  ) {
    this.feeds = feedMap(opts.topics, opts.labelled);
    this.topics = new Set(hubTopicsOf(this.feeds));
  }

  get currentUrl(): string {
    return this.opts.rpcUrls[this.urlIndex];
  }

  get headHeight(): number {
    return this.head;
  }

  /** Connects to the first hub RPC that answers /status (then the next on failure). */
  async connect(): Promise<void> {
    let lastError: unknown;
    for (let i = 0; i < this.opts.rpcUrls.length; i++) {
      const idx = (this.urlIndex + i) % this.opts.rpcUrls.length;
      const url = this.opts.rpcUrls[idx];
      try {
        // Bounded: a node that never answers, or answers a huge body, fails (and fails over) instead of holding on.
        const client = Comet38Client.create(new BoundedHttpClient(url, DEFAULT_HUB_HTTP_LIMITS, (e, inARow) => this.answerRefused(url, e, inARow)));
        const status = await client.status();
        if (this.opts.chainId !== undefined && status.nodeInfo.network !== this.opts.chainId) {
          client.disconnect();
          throw new WrongHubError(redactUrl(url), status.nodeInfo.network, this.opts.chainId);
        }
        const log = this.log.child({ url: redactUrl(url) });
        const version = await probeEmissionsVersion(QueryClient.withExtensions(client), log).catch((e: unknown) => {
          client.disconnect();
          throw e;
        });
        if (version === "v9" && this.feeds.labelled.length) {
          client.disconnect();
          throw new Error(
            `the node answers emissions.v9 only (a hub before the v10 upgrade has no labels), but hub.topics lists the multi-label ` +
              `topic(s) ${this.feeds.labelled.map((l) => l.topic).join(", ")}; point hub.rpcUrls at a v10 hub or list those topics by id alone`,
          );
        }
        this.client?.disconnect();
        this.client = client;
        this.wrongNode = undefined;
        this.query = this.watched(emissionsReader(QueryClient.withExtensions(client), version), url);
        this.queryFailures = 0;
        this.version = version;
        this.urlIndex = idx;
        this.noteHead(status.syncInfo.latestBlockHeight, status.syncInfo.latestBlockTime);
        this.log.info({ url: redactUrl(url), network: status.nodeInfo.network, height: this.head }, "hub connected");
        return;
      } catch (e) {
        lastError = e;
        if (e instanceof WrongHubError) this.log.error({ alert: "wrong_chain", url: e.url, served: e.served, expected: e.expected }, "hub RPC serves another network; skipping it");
        else this.log.warn({ url: redactUrl(url), err: (e as Error).message }, "hub RPC unreachable, trying the next");
      }
    }
    throw new Error(`no usable hub RPC (${this.opts.rpcUrls.map(redactUrl).join(", ")}): ${(lastError as Error)?.message}`);
  }

  /** The hub's chain id as the node reports it. */
  async chainId(): Promise<string> {
    return (await this.comet().status()).nodeInfo.network;
  }

  comet(): Comet38Client {
    if (!this.client) throw new Error("hub watcher not connected");
    if (this.wrongNode) throw this.wrongNode;
    return this.client;
  }

  /** The emissions query version the current node answers (probed at connect). */
  emissionsVersion(): EmissionsVersion {
    if (!this.version) throw new Error("hub watcher not connected");
    return this.version;
  }

  /** The emissions queries, against the version the current node answers. */
  emissions(): EmissionsReader {
    if (!this.query) throw new Error("hub watcher not connected");
    if (this.wrongNode) throw this.wrongNode;
    return this.query;
  }

  /**
   * The queries of the node just connected, watched: an answer that fails for another reason than "not
   * found" (bytes that do not decode, a refused body, no answer) counts against the node, and repeated ones
   * fail over. Block processing alone would never notice a node whose blocks are fine but whose queries are
   * broken, and the attesters' checks and the transfers' reads would fail there for good.
   */
  private watched(reader: EmissionsReader, url: string): EmissionsReader {
    const guard = <A extends unknown[], R>(name: string, fn: (...a: A) => Promise<R>) =>
      async (...a: A): Promise<R> => {
        try {
          const r = await fn(...a);
          if (this.currentUrl === url) this.queryFailures = 0;
          return r;
        } catch (e) {
          if (!NOT_FOUND.test((e as Error).message)) this.queryFailed(url, name, e as Error);
          throw e;
        }
      };
    return {
      version: reader.version,
      latestNetworkInferences: guard("GetLatestNetworkInferences", (t: bigint) => reader.latestNetworkInferences(t)),
      networkInferencesAtBlock: guard("GetNetworkInferencesAtBlock", (t: bigint, n: bigint) => reader.networkInferencesAtBlock(t, n)),
      nextTopicId: guard("GetNextTopicId", () => reader.nextTopicId()),
    };
  }

  private queryFailures = 0;

  /**
   * The node at `url` gave an answer the HTTP client refused (no answer in time, too large, not JSON, not
   * protobuf), whoever asked: logged with the endpoint; the third in a row fails over.
   */
  private answerRefused(url: string, e: HubAnswerError, inARow: number): void {
    if (this.currentUrl !== url) return;
    this.log.warn({ url: redactUrl(url), failures: inARow, err: e.message.slice(0, 300) }, "hub answer refused");
    if (inARow % 3 === 0 && this.opts.rpcUrls.length > 1) void this.failover(`${inARow} answers in a row refused, last: ${e.message.slice(0, 200)}`);
  }

  /** A query to `url` failed: logged with the endpoint; the third in a row fails over (when there is another URL). */
  private queryFailed(url: string, query: string, e: Error): void {
    if (this.currentUrl !== url) return; // already moved on
    this.queryFailures++;
    this.log.warn({ url: redactUrl(url), query, failures: this.queryFailures, err: e.message.slice(0, 300) }, "hub query failed");
    if (this.queryFailures >= 3 && this.opts.rpcUrls.length > 1) {
      const n = this.queryFailures;
      this.queryFailures = 0;
      void this.failover(`${n} queries in a row failed, last: ${e.message.slice(0, 200)}`);
    }
  }

  /**
   * An oracle feed's values at the epoch `nonce` (its label's, for a multi-label topic); undefined when the
   * relayer does not serve the feed or the hub's bundle lacks it.
   */
  async feedValuesAt(feed: number, nonce: bigint): Promise<LabelValues | undefined> {
    const source = sourceOf(this.feeds, feed);
    if (!source) return undefined;
    const bundle = await this.emissions().networkInferencesAtBlock(BigInt(source.topic), nonce);
    if (!bundle) return undefined;
    const picked = labelFor(bundle, source);
    return typeof picked === "string" ? undefined : picked;
  }

  /** The hub's latest epoch nonce of the topic an oracle feed comes from (0 when none yet). */
  async latestNonceOf(feed: number): Promise<bigint> {
    const source = sourceOf(this.feeds, feed);
    if (!source) throw new Error(`feed ${feed} is not in hub.topics`);
    return (await this.emissions().latestNetworkInferences(BigInt(source.topic))).inferenceBlockHeight;
  }

  /** Marks the current node unusable (another network) until a connect succeeds; returns the error. */
  private refuse(e: WrongHubError): WrongHubError {
    this.wrongNode = e;
    return e;
  }

  private noteHead(height: number, time?: { getTime(): number }) {
    if (time) {
      this.times.set(height, toSeconds(time));
      if (this.times.size > TIME_CACHE_SIZE) this.times.delete(this.times.keys().next().value as number);
    }
    if (height > this.head) {
      this.head = height;
      this.wake?.();
    }
  }

  /** The latest height the node reports (also refreshes the head). Throws WrongHubError on another network. */
  async latestHeight(): Promise<number> {
    const s = await this.comet().status();
    if (this.opts.chainId !== undefined && s.nodeInfo.network !== this.opts.chainId) {
      throw this.refuse(new WrongHubError(redactUrl(this.currentUrl), s.nodeInfo.network, this.opts.chainId));
    }
    this.noteHead(s.syncInfo.latestBlockHeight, s.syncInfo.latestBlockTime);
    return s.syncInfo.latestBlockHeight;
  }

  /** A block's time in Unix seconds (cached from headers seen). */
  async blockTime(height: number): Promise<number> {
    const cached = this.times.get(height);
    if (cached !== undefined) return cached;
    const res = await this.comet().blockchain(height, height);
    const meta = res.blockMetas.find((m) => m.header.height === height);
    if (!meta) throw new Error(`hub /blockchain did not return height ${height}`);
    if (this.opts.chainId !== undefined && meta.header.chainId !== this.opts.chainId) {
      throw this.refuse(new WrongHubError(redactUrl(this.currentUrl), meta.header.chainId, this.opts.chainId));
    }
    const t = toSeconds(meta.header.time);
    this.times.set(height, t);
    return t;
  }

  /** One block's inferences (of the configured topics). */
  async block(height: number): Promise<HubBlock> {
    const [results, timestamp] = await Promise.all([this.comet().blockResults(height), this.blockTime(height)]);
    const extracted = extractInferences(results.finalizeBlockEvents, this.topics, timestamp);
    const { inferences, malformed } = await this.splitLabels(extracted.inferences, extracted.malformed, timestamp);
    // A report's timestamp is the hub time of its nonce's block (what a remote attester can check with
    // one query); on the real hub the epoch nonce precedes the block that closes the epoch.
    for (const inf of inferences) if (inf.nonce !== BigInt(height)) inf.timestamp = await this.blockTime(Number(inf.nonce));
    return { height, timestamp, inferences, malformed };
  }

  /**
   * The events carry one value per topic; a multi-label topic's epoch is read by query at its nonce and
   * replaced by one inference per configured label (an event whose value did not parse still names the
   * epoch, so it is read too).
   */
  private async splitLabels(
    inferences: HubInference[],
    malformed: MalformedInference[],
    timestamp: number,
  ): Promise<{ inferences: HubInference[]; malformed: MalformedInference[] }> {
    if (!this.feeds.labelled.length) return { inferences, malformed };
    const epochs = new Map<string, { topic: number; nonce: bigint }>();
    const keep = <T extends { topicId: number | undefined; nonce: bigint | undefined }>(items: T[]): T[] =>
      items.filter((i) => {
        if (i.topicId === undefined || i.nonce === undefined || !labelsOf(this.feeds, i.topicId)) return true;
        epochs.set(`${i.topicId}:${i.nonce}`, { topic: i.topicId, nonce: i.nonce });
        return false;
      });
    const out = { inferences: keep(inferences), malformed: keep(malformed) };
    for (const { topic, nonce } of epochs.values()) {
      let bundle;
      try {
        bundle = await this.emissions().networkInferencesAtBlock(BigInt(topic), nonce);
      } catch (e) {
        // A node keeps a bounded history of bundles: a backfill past it must skip the epoch, not retry forever.
        if (!NOT_FOUND.test((e as Error).message)) throw e;
      }
      if (!bundle) {
        out.malformed.push({ topicId: topic, nonce, raw: "", error: `hub topic ${topic}: an event announced nonce ${nonce} but the hub has no bundle for it (pruned?); its labels skip this epoch` });
        continue;
      }
      const split = feedInferences(bundle, this.feeds, timestamp);
      out.inferences.push(...split.inferences);
      out.malformed.push(...split.malformed);
    }
    return out;
  }

  /**
   * Every configured topic's latest network inference by query (start-up sweep and backfill beyond the
   * scan window). Topics without an inference yet are left out; malformed values are reported.
   */
  async latestInferences(): Promise<{ inferences: HubInference[]; malformed: MalformedInference[] }> {
    const inferences: HubInference[] = [];
    const malformed: MalformedInference[] = [];
    await Promise.all(
      [...this.topics].map(async (topicId) => {
        let res;
        try {
          res = await this.emissions().latestNetworkInferences(BigInt(topicId));
        } catch (e) {
          // The hub answers NotFound for a topic that does not exist or has no inference yet.
          if (!NOT_FOUND.test((e as Error).message)) throw e;
          this.log.warn({ topicId, err: (e as Error).message.split("\n")[0] }, "hub has no inference for this topic yet; waiting for its first epoch");
          return;
        }
        const nonce = res.inferenceBlockHeight;
        if (nonce <= 0n || res.bundle === undefined) return;
        const split = feedInferences(res.bundle, this.feeds, await this.blockTime(Number(nonce)));
        inferences.push(...split.inferences);
        malformed.push(...split.malformed);
      }),
    );
    inferences.sort((a, b) => a.topicId - b.topicId);
    return { inferences, malformed };
  }

  /** Subscribes to new headers over the websocket; on failure the poller carries on alone. */
  private subscribe(): void {
    if (!this.opts.websocket || this.stopped) return;
    const wsUrl = this.currentUrl.replace(/^http/, "ws").replace(/\/websocket\/?$/, "");
    try {
      const ws = Comet38Client.create(
        new WebsocketClient(wsUrl, (err) => {
          this.log.warn({ url: wsUrl, err: String(err) }, "hub websocket error; polling meanwhile");
          this.wsUp = false;
        }),
      );
      this.ws = ws;
      ws.subscribeNewBlockHeader().addListener({
        next: (h) => {
          if (this.opts.chainId !== undefined && h.chainId !== this.opts.chainId) return; // the /status poll fails over
          if (!this.wsUp) this.log.info({ url: wsUrl }, "hub websocket subscribed (NewBlockHeader)");
          this.wsUp = true;
          this.noteHead(h.height, h.time);
        },
        error: (err) => {
          this.wsUp = false;
          this.log.warn({ url: wsUrl, err: String((err as Error)?.message ?? err) }, "hub websocket subscription failed; polling, retrying in 5 s");
          setTimeout(() => this.resubscribe(), 5_000).unref();
        },
        complete: () => {
          this.wsUp = false;
        },
      });
    } catch (e) {
      this.log.warn({ url: wsUrl, err: (e as Error).message }, "hub websocket unavailable; polling");
    }
  }

  /** Moves to the next URL (connect skips unreachable ones and ones on another network). */
  private async failover(reason: string): Promise<void> {
    if (this.stopped || this.failingOver) return this.failingOver;
    const from = this.currentUrl;
    this.failingOver = (async () => {
      this.urlIndex = (this.urlIndex + 1) % this.opts.rpcUrls.length;
      await this.connect().catch((e) => this.log.error({ err: (e as Error).message }, "hub failover found no usable node; retrying"));
      this.log.warn({ from: redactUrl(from), to: redactUrl(this.currentUrl), reason: reason.slice(0, 300) }, "hub failover");
      this.resubscribe();
    })().finally(() => (this.failingOver = undefined));
    return this.failingOver;
  }
  /** the failover under way (the block loop, the poller and the queries may all ask for one at once) */
  private failingOver?: Promise<void>;

  private resubscribe(): void {
    if (this.stopped) return;
    try {
      this.ws?.disconnect();
    } catch {
      /* already closed */
    }
    this.ws = undefined;
    this.subscribe();
  }

  private startPolling(): void {
    let pollFailures = 0;
    const tick = async () => {
      if (this.stopped) return;
      try {
        await this.latestHeight();
        pollFailures = 0;
      } catch (e) {
        pollFailures++;
        if (e instanceof WrongHubError) {
          this.log.error({ alert: "wrong_chain", url: e.url, served: e.served, expected: e.expected }, "hub RPC now serves another network; failing over");
          await this.failover(e.message);
        } else {
          this.log.warn({ url: redactUrl(this.currentUrl), failures: pollFailures, err: (e as Error).message }, "hub /status failed");
          // A node that died while we were caught up fails no block; the poller notices and moves on.
          if (pollFailures % 3 === 0 && this.opts.rpcUrls.length > 1) await this.failover(`/status failed ${pollFailures} times: ${(e as Error).message}`);
        }
      }
      // With the websocket up, polling is only a safety net, so it runs 10x slower.
      const next = this.wsUp ? this.opts.pollIntervalMs * 10 : this.opts.pollIntervalMs;
      this.poller = setTimeout(() => void tick(), next);
    };
    this.poller = setTimeout(() => void tick(), this.opts.pollIntervalMs); // tick catches its own failures
  }

  /**
   * Processes every height from `fromHeight` on, in order, calling `onBlock` once per height (and only
   * moving on when it resolved). Errors are retried with backoff; repeated ones fail over to the next URL.
   * With `gap`: when the blocks still to process are more than `gap.maxBlocks` (the hub was out of reach
   * for longer than the back-fill window), `gap.skip(next, head)` is called instead and processing goes on
   * at the height it returns, as a restart after such a gap does.
   */
  start(fromHeight: number, onBlock: (b: HubBlock) => Promise<void>, gap?: { maxBlocks: number; skip: (next: number, head: number) => Promise<number> }): void {
    this.subscribe();
    this.startPolling();
    let next = fromHeight;
    this.loop = (async () => {
      let failures = 0;
      while (!this.stopped) {
        if (next > this.head) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            setTimeout(resolve, this.opts.pollIntervalMs).unref();
          });
          this.wake = undefined;
          continue;
        }
        try {
          if (gap && this.head - next + 1 > gap.maxBlocks) {
            next = await gap.skip(next, this.head);
            failures = 0;
            continue;
          }
          const block = await this.block(next);
          await onBlock(block);
          next++;
          failures = 0;
        } catch (e) {
          failures++;
          this.log.warn({ url: redactUrl(this.currentUrl), height: next, failures, err: (e as Error).message.slice(0, 300) }, "hub block processing failed; retrying");
          // Another network: fail over at once (nothing from that node may be processed).
          if (e instanceof WrongHubError || (failures % 3 === 0 && this.opts.rpcUrls.length > 1)) await this.failover(`block ${next} failed ${failures} times: ${(e as Error).message}`);
          await sleep(Math.min(200 * 2 ** Math.min(failures, 5), 5_000));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (this.poller) clearTimeout(this.poller);
    await this.loop;
    try {
      this.ws?.disconnect();
    } catch {
      /* closing */
    }
    this.client?.disconnect();
  }
}
