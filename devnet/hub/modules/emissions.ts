/**
 * emissions module (devnet): topics, epochs, network inferences per epoch and the emissions.v9
 * queries. At the end of a block in which a topic's epoch closes, the topic's simulated participants
 * feed the synthesis engine; the resulting ValueBundle is stored under the epoch nonce (the block
 * height) and an `emissions.v9.EventNetworkInferences` typed event is emitted.
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
import { QueryRoutes } from "./types";

export type FaultKind = "nan" | "malformed";

/** combined_value the fault hook puts in a bundle */
export const FAULT_VALUES: Record<FaultKind, string> = { nan: "NaN", malformed: "12.5.7e--x" };

interface TopicRuntime {
  cfg: TopicConfig;
  topic: Topic;
  /** nonce -> bundle, insertion ordered (oldest first) */
  history: Map<bigint, ValueBundle>;
  latest?: { nonce: bigint; bundle: ValueBundle };
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
}

export class EmissionsModule implements EndBlocker {
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
    this.source = opts.workers
      ? new ShardedWorkerSource({ topics, prefix: opts.prefix, chainId: opts.chainId, variants, ahead: opts.ahead ?? 4 }, opts.workers)
      : new InlineSource(topics, opts.prefix, opts.chainId, variants);
    for (const t of topics) {
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
      this.topics.set(BigInt(t.id), { cfg: t, topic, history: new Map(), faults: [] });
    }
  }

  nextTopicId(): bigint {
    let max = 0n;
    for (const id of this.topics.keys()) if (id > max) max = id;
    return max + 1n;
  }

  /** Devnet-only fault hook: the next `count` bundles of the topic carry a bad combined_value. */
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
    const settled = await Promise.allSettled(closing.map((rt) => this.source.take(rt.cfg.id)));
    this.lastComputeMs = 0;
    this.lastErrors = [];
    for (const [i, rt] of closing.entries()) {
      const outcome = settled[i];
      if (outcome.status === "rejected") {
        // a failed synthesis skips this topic's epoch (no bundle, no event), like a topic with no quorum
        this.lastErrors.push(`topic ${rt.cfg.id} at height ${height}: ${(outcome.reason as Error).message}`);
        continue;
      }
      this.lastComputeMs += outcome.value.computeMs;
      const len = Number(rt.topic.epochLength);
      const nonce = BigInt(height);
      const bundle: ValueBundle = {
        ...outcome.value.bundle,
        topicId: rt.topic.id,
        reputerRequestNonce: { reputerNonce: { blockHeight: nonce } },
      };
      const fault = rt.faults[0];
      if (fault) {
        bundle.combinedValue = FAULT_VALUES[fault.kind];
        fault.remaining -= 1;
        if (fault.remaining <= 0) rt.faults.shift();
      }
      rt.history.set(nonce, bundle);
      while (rt.history.size > this.opts.bundleHistory) {
        const oldest = rt.history.keys().next().value as bigint;
        rt.history.delete(oldest);
      }
      rt.latest = { nonce, bundle };
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

  private topicOr404(id: bigint): TopicRuntime {
    const rt = this.topics.get(id);
    if (!rt) throw new GrpcQueryError("NotFound", `topic ${id} not found`);
    return rt;
  }

  routes(): QueryRoutes {
    return new Map([
      [
        QueryPaths.GetLatestNetworkInferences,
        (data: Uint8Array) => {
          const req = GetLatestNetworkInferencesRequest.decode(data);
          const rt = this.topicOr404(req.topicId);
          if (!rt.latest) {
            throw new GrpcQueryError("NotFound", `no network inferences yet for topic ${req.topicId}`);
          }
          return toBytes(GetLatestNetworkInferencesResponse, {
            networkInferences: rt.latest.bundle,
            inferenceBlockHeight: rt.latest.nonce,
          });
        },
      ],
      [
        QueryPaths.GetNetworkInferencesAtBlock,
        (data: Uint8Array) => {
          const req = GetNetworkInferencesAtBlockRequest.decode(data);
          const rt = this.topicOr404(req.topicId);
          const b = rt.history.get(req.blockHeightLastInference);
          if (!b) {
            const kept = [...rt.history.keys()];
            const range = kept.length ? ` (the devnet keeps the last ${this.opts.bundleHistory} epochs: nonces ${kept[0]}..${kept[kept.length - 1]})` : "";
            throw new GrpcQueryError(
              "NotFound",
              `no network inferences found for topic ${req.topicId} at block ${req.blockHeightLastInference}${range}`,
            );
          }
          return toBytes(GetNetworkInferencesAtBlockResponse, { networkInferences: b });
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
