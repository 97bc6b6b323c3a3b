/**
 * emissions.v3 value-bundle messages (allora-chain x/emissions/proto/emissions/v3/value_bundle.proto
 * and nonce.proto). Decimals (`math.Dec`) are strings, e.g. "2605.5338791850806483", possibly "NaN".
 */
import { defineMessage, message, MessageCodec, scalar } from "./codec";

/** emissions.v3.Nonce: an epoch is identified by the block height at which it closed. */
export interface Nonce {
  blockHeight: bigint;
}
export const Nonce: MessageCodec<Nonce> = defineMessage<Nonce>("/emissions.v3.Nonce", [
  scalar(1, "block_height", "int64"),
]);

/** emissions.v3.ReputerRequestNonce */
export interface ReputerRequestNonce {
  reputerNonce?: Nonce;
}
export const ReputerRequestNonce: MessageCodec<ReputerRequestNonce> = defineMessage<ReputerRequestNonce>(
  "/emissions.v3.ReputerRequestNonce",
  [message(1, "reputer_nonce", () => Nonce)],
);

/** emissions.v3.WorkerAttributedValue: a value attributed to one worker. */
export interface WorkerAttributedValue {
  worker: string;
  /** Dec */
  value: string;
}
export const WorkerAttributedValue: MessageCodec<WorkerAttributedValue> = defineMessage<WorkerAttributedValue>(
  "/emissions.v3.WorkerAttributedValue",
  [scalar(1, "worker", "string"), scalar(2, "value", "string")],
);

/** emissions.v3.WithheldWorkerAttributedValue: the value computed with `worker` left out. */
export interface WithheldWorkerAttributedValue {
  worker: string;
  /** Dec */
  value: string;
}
export const WithheldWorkerAttributedValue: MessageCodec<WithheldWorkerAttributedValue> =
  defineMessage<WithheldWorkerAttributedValue>("/emissions.v3.WithheldWorkerAttributedValue", [
    scalar(1, "worker", "string"),
    scalar(2, "value", "string"),
  ]);

/** emissions.v3.OneOutInfererForecasterValues (field numbers 3 and 4, as on chain). */
export interface OneOutInfererForecasterValues {
  forecaster: string;
  oneOutInfererValues: WithheldWorkerAttributedValue[];
}
export const OneOutInfererForecasterValues: MessageCodec<OneOutInfererForecasterValues> =
  defineMessage<OneOutInfererForecasterValues>("/emissions.v3.OneOutInfererForecasterValues", [
    scalar(3, "forecaster", "string"),
    message(4, "one_out_inferer_values", () => WithheldWorkerAttributedValue, true),
  ]);

/**
 * emissions.v3.ValueBundle. In a network bundle (the network inference of an epoch) `combinedValue`
 * is the network inference I_i, `forecasterValues` are the forecast-implied inferences and
 * `reputerRequestNonce.reputerNonce.blockHeight` is the epoch nonce.
 */
export interface ValueBundle {
  topicId: bigint;
  reputerRequestNonce?: ReputerRequestNonce;
  reputer: string;
  extraData: Uint8Array;
  combinedValue: string;
  infererValues: WorkerAttributedValue[];
  forecasterValues: WorkerAttributedValue[];
  naiveValue: string;
  oneOutInfererValues: WithheldWorkerAttributedValue[];
  oneOutForecasterValues: WithheldWorkerAttributedValue[];
  oneInForecasterValues: WorkerAttributedValue[];
  oneOutInfererForecasterValues: OneOutInfererForecasterValues[];
}
export const ValueBundle: MessageCodec<ValueBundle> = defineMessage<ValueBundle>("/emissions.v3.ValueBundle", [
  scalar(1, "topic_id", "uint64"),
  message(2, "reputer_request_nonce", () => ReputerRequestNonce),
  scalar(3, "reputer", "string"),
  scalar(4, "extra_data", "bytes"),
  scalar(5, "combined_value", "string"),
  message(6, "inferer_values", () => WorkerAttributedValue, true),
  message(7, "forecaster_values", () => WorkerAttributedValue, true),
  scalar(8, "naive_value", "string"),
  message(9, "one_out_inferer_values", () => WithheldWorkerAttributedValue, true),
  message(10, "one_out_forecaster_values", () => WithheldWorkerAttributedValue, true),
  message(11, "one_in_forecaster_values", () => WorkerAttributedValue, true),
  message(12, "one_out_inferer_forecaster_values", () => OneOutInfererForecasterValues, true),
]);
