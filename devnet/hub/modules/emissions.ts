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
import { decString, NetworkBundle } from "../../../synthesis";
import { AbciEvent } from "../chain/events";
import { EndBlocker } from "../chain/app";
import { TopicConfig } from "../config";
import { TopicSimulation } from "../simulation/participants";
import { GrpcQueryError } from "../tx/errors";
import { QueryRoutes } from "./types";

export type FaultKind = "nan" | "malformed";

/** combined_value the fault hook puts in a bundle */
export const FAULT_VALUES: Record<FaultKind, string> = { nan: "NaN", malformed: "12.5.7e--x" };

interface TopicRuntime {
  cfg: TopicConfig;
  topic: Topic;
  sim: TopicSimulation;
  /** nonce -> bundle, insertion ordered (oldest first) */
  history: Map<bigint, ValueBundle>;
  latest?: { nonce: bigint; bundle: ValueBundle };
  faults: { kind: FaultKind; remaining: number }[];
}

/** Converts a synthesis NetworkBundle into the chain's ValueBundle. */
export function toValueBundle(topicId: bigint, nonce: bigint, b: NetworkBundle): ValueBundle {
  const wv = (xs: { worker: string; value: { toFixed(): string } }[]) =>
    xs.map((x) => ({ worker: x.worker, value: decString(x.value as never) }));
  return ValueBundle.fromPartial({
    topicId,
    reputerRequestNonce: { reputerNonce: { blockHeight: nonce } },
    reputer: "",
    extraData: new Uint8Array(),
    combinedValue: decString(b.combinedValue),
    infererValues: wv(b.infererValues),
    forecasterValues: wv(b.forecasterValues),
    naiveValue: decString(b.naiveValue),
    oneOutInfererValues: wv(b.oneOutInfererValues),
    oneOutForecasterValues: wv(b.oneOutForecasterValues),
    oneInForecasterValues: wv(b.oneInForecasterValues),
    oneOutInfererForecasterValues: b.oneOutInfererForecasterValues.map((o) => ({
      forecaster: o.forecaster,
      oneOutInfererValues: wv(o.values),
    })),
  });
}

export interface EmissionsOptions {
  prefix: string;
  chainId: string;
  bundleHistory: number;
  creator: string;
  /** compute one-out/one-in values (default true) */
  variants?: boolean;
}

export class EmissionsModule implements EndBlocker {
  readonly topics = new Map<bigint, TopicRuntime>();
  /** milliseconds spent in synthesis during the last block */
  lastSynthesisMs = 0;

  constructor(
    topics: TopicConfig[],
    private readonly opts: EmissionsOptions,
  ) {
    for (const t of topics) {
      const sim = new TopicSimulation(t, opts.prefix, opts.chainId, opts.variants ?? true);
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
      this.topics.set(BigInt(t.id), { cfg: t, topic, sim, history: new Map(), faults: [] });
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

  endBlock(height: number): AbciEvent[] {
    const events: AbciEvent[] = [];
    const t0 = performance.now();
    for (const rt of this.topics.values()) {
      const len = Number(rt.topic.epochLength);
      if (height % len !== 0) continue;
      const nonce = BigInt(height);
      const outcome = rt.sim.step();
      const bundle = toValueBundle(rt.topic.id, nonce, outcome.bundle);
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
