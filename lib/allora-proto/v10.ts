/**
 * emissions.v10 codecs (our own, written from the field tables of allora-chain
 * x/emissions/proto/emissions/v10/{network_inference,topic,query}.proto; see lib/allora-proto/README.md):
 * the labelled NetworkInferenceBundle, the v10 Topic and the QueryService messages the project uses.
 * Built on the same schema codec as lib/allora-proto (cosmjs-types' BinaryReader/BinaryWriter), so
 * they work with `createProtobufRpcClient` / `QueryClient` like the v9 ones.
 *
 * Wire notes: `uint32 label_id` and the enums `topic_type` / `output_arity` are varints; they are
 * carried here as `uint64` fields (bigint), which encode and decode identically for non-negative values.
 */
import { defineMessage, message, MessageCodec, scalar } from "./codec";
import { EventNetworkInferences } from "./events";

export const QUERY_SERVICE_V10 = "emissions.v10.QueryService";

export const QueryPathsV10 = {
  GetLatestNetworkInferences: `/${QUERY_SERVICE_V10}/GetLatestNetworkInferences`,
  GetNetworkInferencesAtBlock: `/${QUERY_SERVICE_V10}/GetNetworkInferencesAtBlock`,
  GetTopic: `/${QUERY_SERVICE_V10}/GetTopic`,
  GetNextTopicId: `/${QUERY_SERVICE_V10}/GetNextTopicId`,
} as const;

/** emissions.v10.TopicOutputArity */
export const TopicOutputArity = { UNSPECIFIED: 0n, SINGLE: 1n, MULTI: 2n } as const;
/** emissions.v10.TopicType */
export const TopicType = { UNSPECIFIED: 0n, REGRESSION: 1n, CLASSIFICATION: 2n } as const;

/** emissions.v10.LabeledValue: one label's value (Dec string) of a multi-label inference. */
export interface LabeledValue {
  /** uint32 on the wire */
  labelId: bigint;
  labelName: string;
  value: string;
}
export const LabeledValue: MessageCodec<LabeledValue> = defineMessage<LabeledValue>("/emissions.v10.LabeledValue", [
  scalar(1, "label_id", "uint64"),
  scalar(2, "label_name", "string"),
  scalar(3, "value", "string"),
]);

/** emissions.v10.WorkerInference: a worker's values, one per label. */
export interface WorkerInference {
  worker: string;
  values: LabeledValue[];
}
export const WorkerInference: MessageCodec<WorkerInference> = defineMessage<WorkerInference>(
  "/emissions.v10.WorkerInference",
  [scalar(1, "worker", "string"), message(2, "values", () => LabeledValue, true)],
);

/** emissions.v10.OneOutInfererValue: I_i^{-j} per label. */
export interface OneOutInfererValue {
  withheldInferer: string;
  combinedInference: LabeledValue[];
}
export const OneOutInfererValue: MessageCodec<OneOutInfererValue> = defineMessage<OneOutInfererValue>(
  "/emissions.v10.OneOutInfererValue",
  [scalar(1, "withheld_inferer", "string"), message(2, "combined_inference", () => LabeledValue, true)],
);

/** emissions.v10.OneOutForecasterValue: I_i^{-k} per label. */
export interface OneOutForecasterValue {
  withheldForecaster: string;
  combinedInference: LabeledValue[];
}
export const OneOutForecasterValue: MessageCodec<OneOutForecasterValue> = defineMessage<OneOutForecasterValue>(
  "/emissions.v10.OneOutForecasterValue",
  [scalar(1, "withheld_forecaster", "string"), message(2, "combined_inference", () => LabeledValue, true)],
);

/** emissions.v10.OneInForecasterValue: I_i^{+k} per label. */
export interface OneInForecasterValue {
  forecaster: string;
  combinedInference: LabeledValue[];
}
export const OneInForecasterValue: MessageCodec<OneInForecasterValue> = defineMessage<OneInForecasterValue>(
  "/emissions.v10.OneInForecasterValue",
  [scalar(1, "forecaster", "string"), message(2, "combined_inference", () => LabeledValue, true)],
);

/** emissions.v10.OneOutInfererForecasterValue: I_i^{-j} as evaluated from forecaster k, per label. */
export interface OneOutInfererForecasterValue {
  forecaster: string;
  withheldInferer: string;
  combinedInference: LabeledValue[];
}
export const OneOutInfererForecasterValue: MessageCodec<OneOutInfererForecasterValue> =
  defineMessage<OneOutInfererForecasterValue>("/emissions.v10.OneOutInfererForecasterValue", [
    scalar(1, "forecaster", "string"),
    scalar(2, "withheld_inferer", "string"),
    message(3, "combined_inference", () => LabeledValue, true),
  ]);

/**
 * emissions.v10.NetworkInferenceBundle: the network inference of an epoch, every value labelled.
 * `blockHeight` is the epoch nonce; `forecasterValues` are the forecast-implied inferences.
 */
export interface NetworkInferenceBundle {
  topicId: bigint;
  blockHeight: bigint;
  combinedValue: LabeledValue[];
  infererValues: WorkerInference[];
  forecasterValues: WorkerInference[];
  naiveValue: LabeledValue[];
  oneOutInfererValues: OneOutInfererValue[];
  oneOutForecasterValues: OneOutForecasterValue[];
  oneInForecasterValues: OneInForecasterValue[];
  oneOutInfererForecasterValues: OneOutInfererForecasterValue[];
}
export const NetworkInferenceBundle: MessageCodec<NetworkInferenceBundle> = defineMessage<NetworkInferenceBundle>(
  "/emissions.v10.NetworkInferenceBundle",
  [
    scalar(1, "topic_id", "uint64"),
    scalar(2, "block_height", "int64"),
    message(3, "combined_value", () => LabeledValue, true),
    message(4, "inferer_values", () => WorkerInference, true),
    message(5, "forecaster_values", () => WorkerInference, true),
    message(6, "naive_value", () => LabeledValue, true),
    message(7, "one_out_inferer_values", () => OneOutInfererValue, true),
    message(8, "one_out_forecaster_values", () => OneOutForecasterValue, true),
    message(9, "one_in_forecaster_values", () => OneInForecasterValue, true),
    message(10, "one_out_inferer_forecaster_values", () => OneOutInfererForecasterValue, true),
  ],
);

/** emissions.v10.Topic: v9's fields plus the multi-label fields 23..29. Decimals are strings. */
export interface TopicV10 {
  id: bigint;
  creator: string;
  metadata: string;
  lossMethod: string;
  epochLastEnded: bigint;
  epochLength: bigint;
  groundTruthLag: bigint;
  pNorm: string;
  alphaRegret: string;
  allowNegative: boolean;
  epsilon: string;
  initialRegret: string;
  workerSubmissionWindow: bigint;
  meritSortitionAlpha: string;
  activeInfererQuantile: string;
  activeForecasterQuantile: string;
  activeReputerQuantile: string;
  cNorm: string;
  /** enum TopicType */
  topicType: bigint;
  /** enum TopicOutputArity */
  outputArity: bigint;
  requireUnity: boolean;
  unityTolerance: string;
  maxLabelsPerSubmission: bigint;
  labelWhitelist: string[];
  labelDefaultValue: string;
}
/** Field numbers 4, 6, 7 and 11 are reserved on chain. */
export const TopicV10: MessageCodec<TopicV10> = defineMessage<TopicV10>("/emissions.v10.Topic", [
  scalar(1, "id", "uint64"),
  scalar(2, "creator", "string"),
  scalar(3, "metadata", "string"),
  scalar(5, "loss_method", "string"),
  scalar(8, "epoch_last_ended", "int64"),
  scalar(9, "epoch_length", "int64"),
  scalar(10, "ground_truth_lag", "int64"),
  scalar(12, "p_norm", "string"),
  scalar(13, "alpha_regret", "string"),
  scalar(14, "allow_negative", "bool"),
  scalar(15, "epsilon", "string"),
  scalar(16, "initial_regret", "string"),
  scalar(17, "worker_submission_window", "int64"),
  scalar(18, "merit_sortition_alpha", "string"),
  scalar(19, "active_inferer_quantile", "string"),
  scalar(20, "active_forecaster_quantile", "string"),
  scalar(21, "active_reputer_quantile", "string"),
  scalar(22, "c_norm", "string"),
  scalar(23, "topic_type", "uint64"),
  scalar(24, "output_arity", "uint64"),
  scalar(25, "require_unity", "bool"),
  scalar(26, "unity_tolerance", "string"),
  scalar(27, "max_labels_per_submission", "uint64"),
  scalar(28, "label_whitelist", "string", true),
  scalar(29, "label_default_value", "string"),
]);

// Requests: same fields as v9, in the v10 package.

export interface GetLatestNetworkInferencesRequestV10 {
  topicId: bigint;
}
export const GetLatestNetworkInferencesRequestV10: MessageCodec<GetLatestNetworkInferencesRequestV10> =
  defineMessage<GetLatestNetworkInferencesRequestV10>("/emissions.v10.GetLatestNetworkInferencesRequest", [
    scalar(1, "topic_id", "uint64"),
  ]);

/** Fields 2, 3, 4, 6, 7, 8 are reserved on chain. */
export interface GetLatestNetworkInferencesResponseV10 {
  networkInferences?: NetworkInferenceBundle;
  inferenceBlockHeight: bigint;
}
export const GetLatestNetworkInferencesResponseV10: MessageCodec<GetLatestNetworkInferencesResponseV10> =
  defineMessage<GetLatestNetworkInferencesResponseV10>("/emissions.v10.GetLatestNetworkInferencesResponse", [
    message(1, "network_inferences", () => NetworkInferenceBundle),
    scalar(5, "inference_block_height", "int64"),
  ]);

/** Field 3 (block_height_last_reward) is reserved on chain. */
export interface GetNetworkInferencesAtBlockRequestV10 {
  topicId: bigint;
  blockHeightLastInference: bigint;
}
export const GetNetworkInferencesAtBlockRequestV10: MessageCodec<GetNetworkInferencesAtBlockRequestV10> =
  defineMessage<GetNetworkInferencesAtBlockRequestV10>("/emissions.v10.GetNetworkInferencesAtBlockRequest", [
    scalar(1, "topic_id", "uint64"),
    scalar(2, "block_height_last_inference", "int64"),
  ]);

export interface GetNetworkInferencesAtBlockResponseV10 {
  networkInferences?: NetworkInferenceBundle;
}
export const GetNetworkInferencesAtBlockResponseV10: MessageCodec<GetNetworkInferencesAtBlockResponseV10> =
  defineMessage<GetNetworkInferencesAtBlockResponseV10>("/emissions.v10.GetNetworkInferencesAtBlockResponse", [
    message(1, "network_inferences", () => NetworkInferenceBundle),
  ]);

export interface GetTopicRequestV10 {
  topicId: bigint;
}
export const GetTopicRequestV10: MessageCodec<GetTopicRequestV10> = defineMessage<GetTopicRequestV10>(
  "/emissions.v10.GetTopicRequest",
  [scalar(1, "topic_id", "uint64")],
);

export interface GetTopicResponseV10 {
  topic?: TopicV10;
  /** Dec */
  weight: string;
  /** Int */
  effectiveRevenue: string;
  /** Int */
  topicStake: string;
}
export const GetTopicResponseV10: MessageCodec<GetTopicResponseV10> = defineMessage<GetTopicResponseV10>(
  "/emissions.v10.GetTopicResponse",
  [
    message(1, "topic", () => TopicV10),
    scalar(2, "weight", "string"),
    scalar(3, "effective_revenue", "string"),
    scalar(4, "topic_stake", "string"),
  ],
);

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GetNextTopicIdRequestV10 {}
export const GetNextTopicIdRequestV10: MessageCodec<GetNextTopicIdRequestV10> = defineMessage<GetNextTopicIdRequestV10>(
  "/emissions.v10.GetNextTopicIdRequest",
  [],
);

export interface GetNextTopicIdResponseV10 {
  nextTopicId: bigint;
}
export const GetNextTopicIdResponseV10: MessageCodec<GetNextTopicIdResponseV10> =
  defineMessage<GetNextTopicIdResponseV10>("/emissions.v10.GetNextTopicIdResponse", [
    scalar(1, "next_topic_id", "uint64"),
  ]);

/**
 * emissions.v10.EventNetworkInferences (x/emissions/proto/emissions/v10/events.proto): the same fields as
 * v9's (1 topic_id, 2/3 deprecated, 4 nonce, 5 bundle with a single combined value); only the package, and
 * so the ABCI event type, differs. A v10 hub emits its events under `emissions.v10.*`.
 */
export const EventNetworkInferencesV10: MessageCodec<EventNetworkInferences> = defineMessage<EventNetworkInferences>(
  "/emissions.v10.EventNetworkInferences",
  EventNetworkInferences.fields,
);
