/**
 * emissions module (devnet): topics, epochs, network inferences per epoch and the emissions.v9 and
 * emissions.v10 queries (which versions: `queryVersions`). At the end of a block in which a topic's
 * epoch closes, the topic's simulated participants feed the synthesis engine, once per label; the
 * resulting ValueBundles (one per label) are stored under the epoch nonce (the block height) and an
 * `emissions.v9.EventNetworkInferences` typed event (first label) is emitted. v9 queries answer the
 * first label's ValueBundle, v10 queries the labelled NetworkInferenceBundle of all labels.
 */
import {
  EventNetworkInferences,
  EventWorkerSubmissionWindowOpened,
  eventBundleFromValueBundle,
  GetLatestNetworkInferencesRequest,
  GetLatestNetworkInferencesResponse,
  GetNetworkInferencesAtBlockRequest,
  GetNetworkInferencesAtBlockResponse,
  GetNextTopicIdResponse,
  GetTopicRequest,
  GetTopicResponse,
  QueryPaths,
  toBytes,
  toTypedEvent,
  Topic,
  ValueBundle,
} from "../../../lib/allora-proto";
import { AbciEvent } from "../chain/events";
import { EndBlocker } from "../chain/app";
import { TopicConfig } from "../config";
import { EpochSource, InlineSource, ShardedWorkerSource } from "../simulation/source";
import { GrpcQueryError } from "../tx/errors";
import { laneAddressMap, laneConfigs, renameWorkers, TopicLabel, topicLabels } from "./labels";
import { EmissionsV10Store, v10Routes } from "./emissions-v10";
import { QueryRoutes } from "./types";

/** The emissions query service versions the devnet can answer. */
export type EmissionsQueryVersion = "v9" | "v10";

export type FaultKind = "nan" | "malformed";

/** combined_value the fault hook puts in a bundle */
export const FAULT_VALUES: Record<FaultKind, string> = { nan: "NaN", malformed: "12.5.7e--x" };

export interface TopicRuntime {
  cfg: TopicConfig;
  topic: Topic;
  labels: TopicLabel[];
  /** simulation ids of the labels (label 0: the topic id) */
  lanes: number[];
  /** per lane: lane participant address -> topic participant address (empty for label 0) */
  laneAddresses: Map<string, string>[];
  /** nonce -> one bundle per label (index 0: the v9 bundle), insertion ordered (oldest first) */
  history: Map<bigint, ValueBundle[]>;
  latest?: { nonce: bigint; bundles: ValueBundle[] };
  faults: { kind: FaultKind; remaining: number }[];
}

export { toValueBundle } from "../simulation/bundle";

export interface EmissionsOptions {
  prefix: string;
  chainId: string;
  bundleHistory: number;
  creator: string;
  /** compute one-out/one-in values (default true) */
  variants?: boolean;
  /** worker threads that run the simulations ahead of the chain (default 0: inline) */
  workers?: number;
  /** epochs a worker may compute ahead per topic (default 4) */
  ahead?: number;
  /** emissions query services answered (default v9 and v10) */
  queryVersions?: EmissionsQueryVersion[];
}

export class EmissionsModule implements EndBlocker, EmissionsV10Store {
  readonly topics = new Map<bigint, TopicRuntime>();
  /** milliseconds the last block waited for epoch outcomes (inline: the synthesis itself) */
  lastSynthesisMs = 0;
  /** summed compute time of the outcomes used by the last block (in the worker when it runs ahead) */
  lastComputeMs = 0;
  /** synthesis failures of the last block (topics that skipped their epoch) */
  lastErrors: string[] = [];
  private readonly source: EpochSource;

  constructor(
    topics: TopicConfig[],
    private readonly opts: EmissionsOptions,
  ) {
    const variants = opts.variants ?? true;
    // labels 2.. of multi-label topics are simulated under ids above every topic id
    let nextLane = Math.max(...topics.map((t) => t.id)) + 1;
    const lanesOf = new Map<number, TopicConfig[]>();
    for (const t of topics) {
      const extra = Array.from({ length: Math.max(0, (t.labels?.length ?? 1) - 1) }, () => nextLane++);
      lanesOf.set(t.id, laneConfigs(t, extra));
    }
    const simulated = [...lanesOf.values()].flat();
    this.source = opts.workers
      ? new ShardedWorkerSource(
          { topics: simulated, prefix: opts.prefix, chainId: opts.chainId, variants, ahead: opts.ahead ?? 4 },
          opts.workers,
        )
      : new InlineSource(simulated, opts.prefix, opts.chainId, variants);
    for (const t of topics) {
      const lanes = lanesOf.get(t.id)!;
      const topic = Topic.fromPartial({
        id: BigInt(t.id),
        creator: t.creator ?? opts.creator,
        metadata: t.metadata,
        lossMethod: t.lossMethod,
        epochLastEnded: 0n,
        epochLength: BigInt(t.epochLength),
        groundTruthLag: BigInt(t.groundTruthLag ?? t.epochLength),
        pNorm: t.pNorm,
        alphaRegret: t.alphaRegret,
        allowNegative: t.allowNegative,
        epsilon: t.epsilon,
        initialRegret: t.initialRegret,
        workerSubmissionWindow: BigInt(t.workerSubmissionWindow ?? t.epochLength),
        meritSortitionAlpha: t.meritSortitionAlpha,
        activeInfererQuantile: t.activeInfererQuantile,
        activeForecasterQuantile: t.activeForecasterQuantile,
        activeReputerQuantile: t.activeReputerQuantile,
        cNorm: t.cNorm,
      });
      this.topics.set(BigInt(t.id), {
        cfg: t,
        topic,
        labels: topicLabels(t),
        lanes: lanes.map((l) => l.id),
        laneAddresses: lanes.map((l, k) => (k === 0 ? new Map() : laneAddressMap(opts.prefix, opts.chainId, t, l.id))),
        history: new Map(),
        faults: [],
      });
    }
  }

  nextTopicId(): bigint {
    let max = 0n;
    for (const id of this.topics.keys()) if (id > max) max = id;
    return max + 1n;
  }

  /** Devnet-only fault hook: the next `count` bundles of the topic carry a bad combined_value (every label). */
  injectFault(topicId: bigint, kind: FaultKind, count: number): number {
    const rt = this.topics.get(topicId);
    if (!rt) throw new Error(`topic ${topicId} does not exist`);
    rt.faults.push({ kind, remaining: count });
    return rt.faults.reduce((n, f) => n + f.remaining, 0);
  }

  async close(): Promise<void> {
    await this.source.close();
  }

  async endBlock(height: number): Promise<AbciEvent[]> {
    const events: AbciEvent[] = [];
    const t0 = performance.now();
    const closing = [...this.topics.values()].filter((rt) => height % Number(rt.topic.epochLength) === 0);
    const settled = await Promise.allSettled(closing.map((rt) => Promise.all(rt.lanes.map((id) => this.source.take(id)))));
    this.lastComputeMs = 0;
    this.lastErrors = [];
    for (const [i, rt] of closing.entries()) {
      const outcome = settled[i];
      if (outcome.status === "rejected") {
        // a failed synthesis skips this topic's epoch (no bundle, no event), like a topic with no quorum
        this.lastErrors.push(`topic ${rt.cfg.id} at height ${height}: ${(outcome.reason as Error).message}`);
        continue;
      }
      for (const o of outcome.value) this.lastComputeMs += o.computeMs;
      const len = Number(rt.topic.epochLength);
      const nonce = BigInt(height);
      const bundles: ValueBundle[] = outcome.value.map((o, k) => ({
        ...(k === 0 ? o.bundle : renameWorkers(o.bundle, rt.laneAddresses[k])),
        topicId: rt.topic.id,
        reputerRequestNonce: { reputerNonce: { blockHeight: nonce } },
      }));
      const bundle = bundles[0];
      const fault = rt.faults[0];
      if (fault) {
        for (const b of bundles) b.combinedValue = FAULT_VALUES[fault.kind]; // every label of the epoch
        fault.remaining -= 1;
        if (fault.remaining <= 0) rt.faults.shift();
      }
      rt.history.set(nonce, bundles);
      while (rt.history.size > this.opts.bundleHistory) {
        const oldest = rt.history.keys().next().value as bigint;
        rt.history.delete(oldest);
      }
      rt.latest = { nonce, bundles };
      rt.topic.epochLastEnded = nonce;
      events.push(
        toTypedEvent(EventNetworkInferences, {
          topicId: rt.topic.id,
          blockHeight: 0n,
          valueBundle: undefined,
          nonce,
          bundle: eventBundleFromValueBundle(bundle),
        }),
      );
      events.push(
        toTypedEvent(EventWorkerSubmissionWindowOpened, {
          topicId: rt.topic.id,
          nonce: nonce + BigInt(len),
          windowEndBlock: nonce + BigInt(len),
        }),
      );
    }
    this.lastSynthesisMs = performance.now() - t0;
    return events;
  }

  topicOr404(id: bigint): TopicRuntime {
    const rt = this.topics.get(id);
    if (!rt) throw new GrpcQueryError("NotFound", `topic ${id} not found`);
    return rt;
  }

  /** NotFound for a nonce the devnet no longer (or never) kept, naming the kept range. */
  bundlesAt(rt: TopicRuntime, nonce: bigint): ValueBundle[] {
    const b = rt.history.get(nonce);
    if (b) return b;
    const kept = [...rt.history.keys()];
    const range = kept.length ? ` (the devnet keeps the last ${this.opts.bundleHistory} epochs: nonces ${kept[0]}..${kept[kept.length - 1]})` : "";
    throw new GrpcQueryError("NotFound", `no network inferences found for topic ${rt.topic.id} at block ${nonce}${range}`);
  }

  /** NotFound before the topic's first epoch closed. */
  latestOf(rt: TopicRuntime): { nonce: bigint; bundles: ValueBundle[] } {
    if (!rt.latest) throw new GrpcQueryError("NotFound", `no network inferences yet for topic ${rt.topic.id}`);
    return rt.latest;
  }

  routes(): QueryRoutes {
    const versions = this.opts.queryVersions ?? ["v10"];
    const routes: QueryRoutes = new Map();
    if (versions.includes("v9")) for (const [p, h] of this.v9Routes()) routes.set(p, h);
    if (versions.includes("v10")) for (const [p, h] of v10Routes(this)) routes.set(p, h);
    return routes;
  }

  private v9Routes(): QueryRoutes {
    return new Map([
      [
        QueryPaths.GetLatestNetworkInferences,
        (data: Uint8Array) => {
          const req = GetLatestNetworkInferencesRequest.decode(data);
          const latest = this.latestOf(this.topicOr404(req.topicId));
          return toBytes(GetLatestNetworkInferencesResponse, {
            networkInferences: latest.bundles[0],
            inferenceBlockHeight: latest.nonce,
          });
        },
      ],
      [
        QueryPaths.GetNetworkInferencesAtBlock,
        (data: Uint8Array) => {
          const req = GetNetworkInferencesAtBlockRequest.decode(data);
          const bundles = this.bundlesAt(this.topicOr404(req.topicId), req.blockHeightLastInference);
          return toBytes(GetNetworkInferencesAtBlockResponse, { networkInferences: bundles[0] });
        },
      ],
      [
        QueryPaths.GetTopic,
        (data: Uint8Array) => {
          const req = GetTopicRequest.decode(data);
          const rt = this.topicOr404(req.topicId);
          return toBytes(GetTopicResponse, {
            topic: rt.topic,
            weight: rt.cfg.weight,
            effectiveRevenue: rt.cfg.effectiveRevenue,
          });
        },
      ],
      [
        QueryPaths.GetNextTopicId,
        () => toBytes(GetNextTopicIdResponse, { nextTopicId: this.nextTopicId() }),
      ],
    ]);
  }
}
