/** Topic parameters: defaults and validation. */
import { Dec, SynthesisInputError, ZERO, ONE, requireFinite } from "./dec";
import { CHAIN_VERSIONS, ChainVersion, LOSS_METHODS, TopicParams } from "./types";

/** p 3, c 0.75, alpha 0.1, epsilon 0.0001, negatives not allowed (losses in log10), mean squared error. */
export function defaultTopicParams(): TopicParams {
  return {
    pNorm: new Dec(3),
    cNorm: new Dec("0.75"),
    alphaRegret: new Dec("0.1"),
    epsilon: new Dec("0.0001"),
    allowNegative: false,
    lossMethod: "mse",
  };
}

/**
 * Checks a TopicParams: finite decimals, p > 0, 0 < alpha <= 1, epsilon > 0, a known loss method.
 * The hub documents p in [2.5, 4.5]; other positive values are accepted here for experiments.
 * @throws SynthesisInputError naming the field and the fix
 */
export function validateParams(params: TopicParams): TopicParams {
  requireFinite(params.pNorm, "pNorm");
  requireFinite(params.cNorm, "cNorm");
  requireFinite(params.alphaRegret, "alphaRegret");
  requireFinite(params.epsilon, "epsilon");
  if (params.initialRegret !== undefined) requireFinite(params.initialRegret, "initialRegret");
  if (!params.pNorm.gt(ZERO)) {
    throw new SynthesisInputError(`pNorm: ${params.pNorm.toString()} must be > 0 (the hub uses 2.5..4.5)`);
  }
  if (!params.alphaRegret.gt(ZERO) || params.alphaRegret.gt(ONE)) {
    throw new SynthesisInputError(`alphaRegret: ${params.alphaRegret.toString()} must be in (0, 1]`);
  }
  if (!params.epsilon.gt(ZERO)) {
    throw new SynthesisInputError(`epsilon: ${params.epsilon.toString()} must be > 0`);
  }
  if (params.chainVersion !== undefined && !CHAIN_VERSIONS.includes(params.chainVersion)) {
    throw new SynthesisInputError(
      `chainVersion: ${JSON.stringify(params.chainVersion)} is not supported; use one of ${CHAIN_VERSIONS.join(", ")}`,
    );
  }
  for (const f of [
    "initialRegretQuantile",
    "pNormSafeDiv",
    "epsilonSafeDiv",
    "minWeightThresholdForStdnorm",
  ] as const) {
    const v = params[f];
    if (v !== undefined) requireFinite(v, f);
  }
  const q = params.initialRegretQuantile;
  if (q !== undefined && (q.lt(ZERO) || q.gt(ONE))) {
    throw new SynthesisInputError(`initialRegretQuantile: ${q.toString()} must be in [0, 1]`);
  }
  if (params.epsilonSafeDiv !== undefined && !params.epsilonSafeDiv.gt(ZERO)) {
    throw new SynthesisInputError(`epsilonSafeDiv: ${params.epsilonSafeDiv.toString()} must be > 0`);
  }
  if (!LOSS_METHODS.includes(params.lossMethod)) {
    throw new SynthesisInputError(
      `lossMethod: ${JSON.stringify(params.lossMethod)} is not supported; use one of ${LOSS_METHODS.join(", ")}`,
    );
  }
  if (typeof params.allowNegative !== "boolean") {
    throw new SynthesisInputError(`allowNegative: must be a boolean`);
  }
  return params;
}

/** The chain-version rules of a topic with every module parameter resolved to its chain default. */
export interface ChainRules {
  version: ChainVersion;
  initialRegretQuantile: Dec;
  pNormSafeDiv: Dec;
  epsilonSafeDiv: Dec;
  minWeightThresholdForStdnorm: Dec;
}

/**
 * Resolves the chain rules of a topic (defaults are the chain's default module params:
 * x/emissions/types/params.go DefaultParams).
 */
export function chainRules(params: TopicParams): ChainRules {
  return {
    version: params.chainVersion ?? "current",
    initialRegretQuantile: params.initialRegretQuantile ?? new Dec("0.25"),
    pNormSafeDiv: params.pNormSafeDiv ?? new Dec("8.25"),
    epsilonSafeDiv: params.epsilonSafeDiv ?? new Dec("0.0000001"),
    minWeightThresholdForStdnorm: params.minWeightThresholdForStdnorm ?? new Dec("0.000001"),
  };
}
