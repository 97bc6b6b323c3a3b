/** emissions.v9.Topic (allora-chain x/emissions/proto/emissions/v9/topic.proto). Decimals are strings. */
import { defineMessage, MessageCodec, scalar } from "./codec";

export interface Topic {
  id: bigint;
  creator: string;
  metadata: string;
  lossMethod: string;
  epochLastEnded: bigint;
  epochLength: bigint;
  groundTruthLag: bigint;
  /** Dec, documented bounds [2.5, 4.5] */
  pNorm: string;
  /** Dec in (0, 1] */
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
}

/** Field numbers 4, 6, 7 and 11 are reserved on chain. */
export const Topic: MessageCodec<Topic> = defineMessage<Topic>("/emissions.v9.Topic", [
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
]);
