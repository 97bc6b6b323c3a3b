/**
 * The emissions.v10 query routes of the devnet: the same state as the v9 routes, answered in the v10
 * shapes (labelled NetworkInferenceBundle, v10 Topic with its multi-label fields).
 */
import { toBytes, Topic, ValueBundle } from "../../../lib/allora-proto";
import { TopicConfig } from "../config";
import {
  GetLatestNetworkInferencesRequestV10,
  GetLatestNetworkInferencesResponseV10,
  GetNetworkInferencesAtBlockRequestV10,
  GetNetworkInferencesAtBlockResponseV10,
  GetNextTopicIdResponseV10,
  GetTopicRequestV10,
  GetTopicResponseV10,
  QueryPathsV10,
  TopicOutputArity,
  TopicType,
  TopicV10,
} from "../../../lib/allora-proto";
import { TopicLabel, toNetworkInferenceBundle } from "./labels";
import { QueryRoutes } from "./types";

/** What the v10 routes read from the emissions module. */
export interface EmissionsV10Store {
  topicOr404(id: bigint): { cfg: TopicConfig; topic: Topic; labels: TopicLabel[] };
  latestOf(rt: ReturnType<EmissionsV10Store["topicOr404"]>): { nonce: bigint; bundles: ValueBundle[] };
  bundlesAt(rt: ReturnType<EmissionsV10Store["topicOr404"]>, nonce: bigint): ValueBundle[];
  nextTopicId(): bigint;
  /** the initial regret the synthesis used at `height` (the chain keeps it in the topic); undefined: the current one */
  initialRegretAt?(rt: ReturnType<EmissionsV10Store["topicOr404"]>, height: number): string | undefined;
}

/** The v9 topic in v10 shape: a regression topic, SINGLE or MULTI by its label count. */
export function toTopicV10(topic: Topic, labels: TopicLabel[]): TopicV10 {
  return TopicV10.fromPartial({
    ...topic,
    topicType: TopicType.REGRESSION,
    outputArity: labels.length > 1 ? TopicOutputArity.MULTI : TopicOutputArity.SINGLE,
    maxLabelsPerSubmission: BigInt(labels.length),
    labelWhitelist: labels.length > 1 ? labels.map((l) => l.name) : [],
  });
}

export function v10Routes(store: EmissionsV10Store): QueryRoutes {
  return new Map([
    [
      QueryPathsV10.GetLatestNetworkInferences,
      (data: Uint8Array) => {
        const req = GetLatestNetworkInferencesRequestV10.decode(data);
        const rt = store.topicOr404(req.topicId);
        const latest = store.latestOf(rt);
        return toBytes(GetLatestNetworkInferencesResponseV10, {
          networkInferences: toNetworkInferenceBundle(rt.topic.id, latest.nonce, rt.labels, latest.bundles),
          inferenceBlockHeight: latest.nonce,
        });
      },
    ],
    [
      QueryPathsV10.GetNetworkInferencesAtBlock,
      (data: Uint8Array) => {
        const req = GetNetworkInferencesAtBlockRequestV10.decode(data);
        const rt = store.topicOr404(req.topicId);
        const bundles = store.bundlesAt(rt, req.blockHeightLastInference);
        return toBytes(GetNetworkInferencesAtBlockResponseV10, {
          networkInferences: toNetworkInferenceBundle(rt.topic.id, req.blockHeightLastInference, rt.labels, bundles),
        });
      },
    ],
    [
      QueryPathsV10.GetTopic,
      (data: Uint8Array, height?: number) => {
        const req = GetTopicRequestV10.decode(data);
        const rt = store.topicOr404(req.topicId);
        const initialRegret = height === undefined ? undefined : store.initialRegretAt?.(rt, height);
        return toBytes(GetTopicResponseV10, {
          topic: toTopicV10(initialRegret === undefined ? rt.topic : { ...rt.topic, initialRegret }, rt.labels),
          weight: rt.cfg.weight,
          effectiveRevenue: rt.cfg.effectiveRevenue,
          // no staking in the devnet: the reputers' stake is simulated inside the synthesis
          topicStake: "0",
        });
      },
    ],
    [QueryPathsV10.GetNextTopicId, () => toBytes(GetNextTopicIdResponseV10, { nextTopicId: store.nextTopicId() })],
  ]);
}
