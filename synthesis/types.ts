/**
 * Shared types of the synthesis engine. Field meanings follow the hub's ValueBundle
 * (allora-chain `x/emissions/proto/emissions/v3/`; see /work/shared/allora-hub.md).
 */
import { Dec } from "./dec";

/** Loss functions a topic's reputers may use. */
export type LossMethod = "mse" | "mae" | "se" | "ae";

/** The loss functions this engine implements ("se"/"ae" are aliases of "mse"/"mae" for one value). */
export const LOSS_METHODS: readonly LossMethod[] = ["mse", "mae", "se", "ae"];

/**
 * Which allora-chain rules the engine follows (see synthesis/README.md, "Differences from the shared notes").
 * "current": the newest chain code (regret scale cached per topic, a MAD-based scale, quantile initial
 * regret, median first epoch). "v0.5": the released v0.5.0 scale and initial regret (each combination
 * normalized by its own standard deviation; initial regret from the minimum), with this engine's earlier
 * newcomer rules.
 */
export type ChainVersion = "current" | "v0.5";

/** The chain versions this engine implements. */
export const CHAIN_VERSIONS: readonly ChainVersion[] = ["current", "v0.5"];

/** Per-topic synthesis parameters (the hub's Topic fields p_norm, c_norm, alpha_regret, epsilon, ...). */
export interface TopicParams {
  /** p of the potential function (hub bounds: [2.5, 4.5]). */
  pNorm: Dec;
  /** c of the potential function (hub module parameter c_norm, 0.75 by default). */
  cNorm: Dec;
  /** EMA rate of the regrets, in (0, 1]. */
  alphaRegret: Dec;
  /** Added to the regrets' standard deviation before normalizing; also the floor of weight sums. */
  epsilon: Dec;
  /** Whether the topic's values may be negative. When false, losses travel as log10(loss). */
  allowNegative: boolean;
  /** The reputers' loss function. */
  lossMethod: LossMethod;
  /**
   * Optional configured initial regret of the topic (the hub's Topic.initial_regret). Used for newcomers
   * until the engine has computed one from the regrets of experienced workers (it then replaces it).
   */
  initialRegret?: Dec;
  /** Chain rules to follow (default "current"). */
  chainVersion?: ChainVersion;
  /** Module param InitialRegretQuantile ("current" only; default 0.25). */
  initialRegretQuantile?: Dec;
  /** Module param PNormSafeDiv: the initial regret's offset is c - PNormSafeDiv / p ("current"; default 8.25). */
  pNormSafeDiv?: Dec;
  /** Module param EpsilonSafeDiv: floor of a combination's weight sum ("current"; default 0.0000001). */
  epsilonSafeDiv?: Dec;
  /** Module param MinWeightThresholdForStdnorm: latest weights above it set the regret scale ("current"; 0.000001). */
  minWeightThresholdForStdnorm?: Dec;
}

/** A value attributed to a worker (the hub's WorkerAttributedValue / WithheldWorkerAttributedValue). */
export interface WorkerValue {
  worker: string;
  value: Dec;
}

/** One epoch's submissions of a topic. */
export interface EpochSubmissions {
  /** inferer -> raw inference I_ij. */
  inferences: Map<string, Dec>;
  /**
   * forecaster -> (inferer -> forecasted loss L_ijk), in the units the topic's reputers report:
   * log10 of the loss when the topic does not allow negative values.
   */
  forecasts: Map<string, Map<string, Dec>>;
}

/** The one-out-inferer forecast-implied inferences of one forecaster (ValueBundle field 12). */
export interface OneOutInfererForecasterValues {
  forecaster: string;
  /** For each withheld inferer j', the forecaster's forecast-implied inference computed without j'. */
  values: WorkerValue[];
}

/** The network's inferences for one epoch: the hub's ValueBundle, plus the weights that produced it. */
export interface NetworkBundle {
  /** I_i, the network inference. */
  combinedValue: Dec;
  /** I^-_i, the network inference from the inferers alone (no forecast-implied inferences). */
  naiveValue: Dec;
  /** I_ij, the raw inferences, sorted by worker. */
  infererValues: WorkerValue[];
  /** I_ik, the forecast-implied inferences, sorted by forecaster. */
  forecasterValues: WorkerValue[];
  /** I^-_j'i, the network inference without inferer j' (its forecast-implied inferences recomputed). */
  oneOutInfererValues: WorkerValue[];
  /** I^-_k'i, the network inference without forecaster k'. */
  oneOutForecasterValues: WorkerValue[];
  /** I^+_k'i, the naive inference plus forecaster k' alone (only when there are 2+ forecasters). */
  oneInForecasterValues: WorkerValue[];
  /** I^-_j'ik, each forecaster's forecast-implied inference without inferer j'. */
  oneOutInfererForecasterValues: OneOutInfererForecasterValues[];
  /**
   * The weights the combined value actually used, per inferer (not normalized; divide by their sum plus
   * the forecasters' to get shares). 0 for a newcomer that was left out; 1 each when every inferer is new.
   */
  infererWeights: Map<string, Dec>;
  /** The weights the combined value actually used, per forecaster (see infererWeights). */
  forecasterWeights: Map<string, Dec>;
}

/**
 * One loss for every value of a NetworkBundle (one reputer's report, or the stake-weighted network
 * losses). Same field names as the bundle; losses are in reputer units (log10 of the loss when the topic
 * does not allow negative values).
 */
export interface EpochLosses {
  /** L_i, loss of the network inference. */
  combinedValue: Dec;
  /** L^-_i, loss of the naive inference. */
  naiveValue: Dec;
  /** inferer -> L_ij. */
  infererValues: Map<string, Dec>;
  /** forecaster -> L_ik (loss of its forecast-implied inference). */
  forecasterValues: Map<string, Dec>;
  /** withheld inferer -> L^-_j'i. */
  oneOutInfererValues: Map<string, Dec>;
  /** withheld forecaster -> L^-_k'i. */
  oneOutForecasterValues: Map<string, Dec>;
  /** forecaster -> L^+_k'i. */
  oneInForecasterValues: Map<string, Dec>;
  /** forecaster -> (withheld inferer -> L^-_j'ik). */
  oneOutInfererForecasterValues: Map<string, Map<string, Dec>>;
}
