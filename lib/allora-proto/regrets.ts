/**
 * The emissions QueryService requests an attester needs to re-derive a network inference from its parts
 * (relayer/attest/synthesis-check.ts): the regrets the hub holds for each worker, the topic's cached regret
 * scale. Field numbers follow allora-chain x/emissions/proto/emissions/v5..v9/query.proto and
 * v3/worker.proto (TimestampedValue). The messages are the same in emissions.v9 and v10; only the service
 * name in the ABCI path differs, so the paths are built per version (`regretQueryPaths`).
 *
 * "At a block": the Cosmos way is the ABCI query's `height` parameter (state as committed at that height);
 * the request messages themselves carry no height.
 */
import { defineMessage, message, MessageCodec, scalar } from "./codec";

/** emissions.v3.TimestampedValue: a value and the height at which it was computed (0: never stored). */
export interface TimestampedValue {
  blockHeight: bigint;
  /** Dec */
  value: string;
}
export const TimestampedValue: MessageCodec<TimestampedValue> = defineMessage<TimestampedValue>("/emissions.v3.TimestampedValue", [
  scalar(1, "block_height", "int64"),
  scalar(2, "value", "string"),
]);

/** GetInfererNetworkRegret: R_ij, the regret of inferer `actorId` in the combined value. */
export interface GetInfererNetworkRegretRequest {
  topicId: bigint;
  actorId: string;
}
export const GetInfererNetworkRegretRequest: MessageCodec<GetInfererNetworkRegretRequest> = defineMessage<GetInfererNetworkRegretRequest>(
  "/emissions.v9.GetInfererNetworkRegretRequest",
  [scalar(1, "topic_id", "uint64"), scalar(2, "actor_id", "string")],
);

/** GetForecasterNetworkRegret: R_ik, the regret of forecaster `worker` in the combined value. */
export interface GetForecasterNetworkRegretRequest {
  topicId: bigint;
  worker: string;
}
export const GetForecasterNetworkRegretRequest: MessageCodec<GetForecasterNetworkRegretRequest> =
  defineMessage<GetForecasterNetworkRegretRequest>("/emissions.v9.GetForecasterNetworkRegretRequest", [
    scalar(1, "topic_id", "uint64"),
    scalar(2, "worker", "string"),
  ]);

/** GetNaiveInfererNetworkRegret: R^-_ij, the regret of inferer `inferer` in the naive value. */
export interface GetNaiveInfererNetworkRegretRequest {
  topicId: bigint;
  inferer: string;
}
export const GetNaiveInfererNetworkRegretRequest: MessageCodec<GetNaiveInfererNetworkRegretRequest> =
  defineMessage<GetNaiveInfererNetworkRegretRequest>("/emissions.v9.GetNaiveInfererNetworkRegretRequest", [
    scalar(1, "topic_id", "uint64"),
    scalar(2, "inferer", "string"),
  ]);

/**
 * The answer of the three regret queries. On chain a worker without a stored regret is answered with the
 * topic's initial regret at block height 0 (keeper GetInfererNetworkRegret's "noPrior").
 */
export interface NetworkRegretResponse {
  regret?: TimestampedValue;
}
export const NetworkRegretResponse: MessageCodec<NetworkRegretResponse> = defineMessage<NetworkRegretResponse>(
  "/emissions.v9.GetInfererNetworkRegretResponse",
  [message(1, "regret", () => TimestampedValue)],
);

/** GetLatestRegretStdNorm: the topic's cached regret scale (the newest rules divide regrets by it). */
export interface GetLatestRegretStdNormRequest {
  topicId: bigint;
}
export const GetLatestRegretStdNormRequest: MessageCodec<GetLatestRegretStdNormRequest> = defineMessage<GetLatestRegretStdNormRequest>(
  "/emissions.v9.GetLatestRegretStdNormRequest",
  [scalar(1, "topic_id", "uint64")],
);
export interface GetLatestRegretStdNormResponse {
  /** Dec; "0" (or empty) when the topic has none yet */
  value: string;
}
export const GetLatestRegretStdNormResponse: MessageCodec<GetLatestRegretStdNormResponse> = defineMessage<GetLatestRegretStdNormResponse>(
  "/emissions.v9.GetLatestRegretStdNormResponse",
  [scalar(1, "value", "string")],
);

/** The ABCI paths of the regret queries for an emissions query service version ("v9", "v10"). */
export function regretQueryPaths(version: string) {
  const s = `/emissions.${version}.QueryService`;
  return {
    GetInfererNetworkRegret: `${s}/GetInfererNetworkRegret`,
    GetForecasterNetworkRegret: `${s}/GetForecasterNetworkRegret`,
    GetNaiveInfererNetworkRegret: `${s}/GetNaiveInfererNetworkRegret`,
    GetLatestRegretStdNorm: `${s}/GetLatestRegretStdNorm`,
  } as const;
}
