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
import { TopicConfig, epochClosesAt } from "../config";
import { EpochSource, InlineSource, ShardedWorkerSource } from "../simulation/source";
import type { RegretSnapshot } from "../simulation/participants";
import { Dec, decString, mul, parseDec } from "../../../synthesis";
import { regretRoutes } from "./emissions-regrets";
import { GrpcQueryError } from "../tx/errors";
import { laneAddressMap, laneConfigs, renameWorkers, TopicLabel, topicLabels } from "./labels";
import { EmissionsV10Store, v10Routes } from "./emissions-v10";
import { QueryRoutes } from "./types";

/** The emissions query service versions the devnet can answer. */
export type EmissionsQueryVersion = "v9" | "v10";

/**
 * Devnet fault kinds: "nan" and "malformed" put an unreadable combined_value in the bundle; "inconsistent"
 * a plausible combined_value that was not made from the bundle's parts (the synthesized one + 1%);
 * "inconsistent_parts" alters parts (every inferer value + 1%) and keeps the combined_value, so the
 * bundle no longer adds up either. Only an attester that re-derives the value (relayer/attest/
 * synthesis-check.ts) tells the last two from honest bundles.
 */
export type FaultKind = "nan" | "malformed" | "inconsistent" | "inconsistent_parts";
export const FAULT_KINDS: readonly FaultKind[] = ["nan", "malformed", "inconsistent", "inconsistent_parts"];

/** combined_value the unreadable fault kinds put in a bundle */
export const FAULT_VALUES: Record<"nan" | "malformed", string> = { nan: "NaN", malformed: "12.5.7e--x" };

/** value * 1.01 as an exact decimal string (a plausible, wrong value) */
function onePercentMore(value: string): string {
  return decString(mul(parseDec(value, "bundle value"), new Dec("1.01")));
}

/** Applies a fault to one epoch's bundles (every label). */
function applyFault(bundles: ValueBundle[], kind: FaultKind): void {
  for (const b of bundles) {
    if (kind === "nan" || kind === "malformed") b.combinedValue = FAULT_VALUES[kind];
    else if (kind === "inconsistent") b.combinedValue = onePercentMore(b.combinedValue);
    // every inferer value: one alone may carry no weight (then the bundle still adds up, and is harmless)
    else b.infererValues = b.infererValues.map((x) => ({ ...x, value: onePercentMore(x.value) }));
  }
}

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
  /** nonce -> the regrets the synthesis used for that epoch (label 0), kept as long as the bundles */
  regrets: Map<bigint, RegretSnapshot>;
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
        regrets: new Map(),
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
    const closing = [...this.topics.values()].filter((rt) => epochClosesAt(rt.cfg, height));
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
        applyFault(bundles, fault.kind); // every label of the epoch
        fault.remaining -= 1;
        if (fault.remaining <= 0) rt.faults.shift();
      }
      rt.history.set(nonce, bundles);
      rt.regrets.set(nonce, outcome.value[0].regrets);
      while (rt.history.size > this.opts.bundleHistory) {
        const oldest = rt.history.keys().next().value as bigint;
        rt.history.delete(oldest);
        rt.regrets.delete(oldest);
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

  /** The initial regret the synthesis used at `height` (the v10 GetTopic route asks; see regretsAt). */
  initialRegretAt(rt: TopicRuntime, height: number): string | undefined {
    return this.regretsAt(rt, height)?.regrets.initialRegret;
  }

  /**
   * The regrets the devnet held at `height`: those its synthesis used at the newest epoch close at or
   * before it (undefined before the first epoch or when that epoch is no longer kept).
   */
  regretsAt(rt: TopicRuntime, height: number): { nonce: bigint; regrets: RegretSnapshot } | undefined {
    let best: bigint | undefined;
    for (const n of rt.regrets.keys()) if (n <= BigInt(height) && (best === undefined || n > best)) best = n;
    return best === undefined ? undefined : { nonce: best, regrets: rt.regrets.get(best)! };
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
    for (const v of versions) for (const [p, h] of regretRoutes(this, v)) routes.set(p, h);
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
        (data: Uint8Array, height?: number) => {
          const req = GetTopicRequest.decode(data);
          const rt = this.topicOr404(req.topicId);
          // at a height: the initial regret the synthesis used then (the chain keeps it in the topic)
          const snap = height === undefined ? undefined : this.regretsAt(rt, height);
          return toBytes(GetTopicResponse, {
            topic: snap ? { ...rt.topic, initialRegret: snap.regrets.initialRegret } : rt.topic,
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
