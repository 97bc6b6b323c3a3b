/**
 * emissions.v9 QueryService requests and responses used by the project, and their ABCI query paths
 * (the gRPC method name is the ABCI query path).
 */
import { defineMessage, message, MessageCodec, scalar } from "./codec";
import { Topic } from "./topic";
import { ValueBundle } from "./value-bundle";

/** The gRPC service name; ABCI paths are `/${QUERY_SERVICE}/${Method}`. */
export const QUERY_SERVICE = "emissions.v9.QueryService";

/** ABCI query paths. */
export const QueryPaths = {
  GetLatestNetworkInferences: `/${QUERY_SERVICE}/GetLatestNetworkInferences`,
  GetNetworkInferencesAtBlock: `/${QUERY_SERVICE}/GetNetworkInferencesAtBlock`,
  GetTopic: `/${QUERY_SERVICE}/GetTopic`,
  GetNextTopicId: `/${QUERY_SERVICE}/GetNextTopicId`,
} as const;

export interface GetLatestNetworkInferencesRequest {
  topicId: bigint;
}
export const GetLatestNetworkInferencesRequest: MessageCodec<GetLatestNetworkInferencesRequest> =
  defineMessage<GetLatestNetworkInferencesRequest>("/emissions.v9.GetLatestNetworkInferencesRequest", [
    scalar(1, "topic_id", "uint64"),
  ]);

/** Fields 2, 3, 4, 6, 7, 8 are reserved on chain; only the bundle and its height are carried. */
export interface GetLatestNetworkInferencesResponse {
  networkInferences?: ValueBundle;
  inferenceBlockHeight: bigint;
}
export const GetLatestNetworkInferencesResponse: MessageCodec<GetLatestNetworkInferencesResponse> =
  defineMessage<GetLatestNetworkInferencesResponse>("/emissions.v9.GetLatestNetworkInferencesResponse", [
    message(1, "network_inferences", () => ValueBundle),
    scalar(5, "inference_block_height", "int64"),
  ]);

export interface GetNetworkInferencesAtBlockRequest {
  topicId: bigint;
  blockHeightLastInference: bigint;
}
export const GetNetworkInferencesAtBlockRequest: MessageCodec<GetNetworkInferencesAtBlockRequest> =
  defineMessage<GetNetworkInferencesAtBlockRequest>("/emissions.v9.GetNetworkInferencesAtBlockRequest", [
    scalar(1, "topic_id", "uint64"),
    scalar(2, "block_height_last_inference", "int64"),
  ]);

export interface GetNetworkInferencesAtBlockResponse {
  networkInferences?: ValueBundle;
}
export const GetNetworkInferencesAtBlockResponse: MessageCodec<GetNetworkInferencesAtBlockResponse> =
  defineMessage<GetNetworkInferencesAtBlockResponse>("/emissions.v9.GetNetworkInferencesAtBlockResponse", [
    message(1, "network_inferences", () => ValueBundle),
  ]);

export interface GetTopicRequest {
  topicId: bigint;
}
export const GetTopicRequest: MessageCodec<GetTopicRequest> = defineMessage<GetTopicRequest>(
  "/emissions.v9.GetTopicRequest",
  [scalar(1, "topic_id", "uint64")],
);

export interface GetTopicResponse {
  topic?: Topic;
  /** Dec */
  weight: string;
  /** Int */
  effectiveRevenue: string;
}
export const GetTopicResponse: MessageCodec<GetTopicResponse> = defineMessage<GetTopicResponse>(
  "/emissions.v9.GetTopicResponse",
  [message(1, "topic", () => Topic), scalar(2, "weight", "string"), scalar(3, "effective_revenue", "string")],
);

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface GetNextTopicIdRequest {}
export const GetNextTopicIdRequest: MessageCodec<GetNextTopicIdRequest> = defineMessage<GetNextTopicIdRequest>(
  "/emissions.v9.GetNextTopicIdRequest",
  [],
);

export interface GetNextTopicIdResponse {
  nextTopicId: bigint;
}
export const GetNextTopicIdResponse: MessageCodec<GetNextTopicIdResponse> = defineMessage<GetNextTopicIdResponse>(
  "/emissions.v9.GetNextTopicIdResponse",
  [scalar(1, "next_topic_id", "uint64")],
);
