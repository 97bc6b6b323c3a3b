/**
 * Regret-informed weights (hub: `x/emissions/keeper/inference_synthesis/weight.go`,
 * CalcWeightsGivenWorkers and CalcWeightFromNormalizedRegret; `math/utils.go` Gradient).
 *
 * scale = stdDev(all regrets) + epsilon (sample standard deviation, 0 for a single regret)
 * R^    = R / scale
 * R^    = min(R^, c + 6.75/p)                         (cap)
 * if max(R^ before the cap) < c - 8.25/p:  R^ = R^ - max + (c - 8.25/p)   (shift)
 * w     = 0 if R^ < c - 17.25/p, else p / (exp(p (c - R^)) + 1)   (gradient of ln(1 + e^(p(x - c))))
 */
import { Dec, add, sub, mul, quo, exp, stdDev, medianAbsoluteDeviation, ZERO, ONE } from "./dec";
import { TopicParams } from "./types";

/** φ'_p(x) = p / (exp(p (c - x)) + 1), the gradient of the potential ln(1 + exp(p (x - c))). */
export function gradient(p: Dec, c: Dec, x: Dec): Dec {
  return quo(p, add(ONE, exp(mul(p, sub(c, x)))));
}

/** The thresholds of the weight function for given p and c. */
export interface WeightBounds {
  /** c + 6.75 / p: normalized regrets are capped here. */
  cap: Dec;
  /** c - 8.25 / p: if the largest normalized regret is below this, all are shifted so it sits here. */
  shiftTo: Dec;
  /** c - 17.25 / p: normalized regrets below this get weight 0. */
  zeroBelow: Dec;
}

/** Computes the cap, shift and cut-off bounds (each k/p is one 34-digit division, as in the hub). */
export function weightBounds(p: Dec, c: Dec): WeightBounds {
  return {
    cap: add(c, quo(new Dec("6.75"), p)),
    shiftTo: sub(c, quo(new Dec("8.25"), p)),
    zeroBelow: sub(c, quo(new Dec("17.25"), p)),
  };
}

/** Weight of one normalized regret, given the largest normalized regret of its set (before capping). */
export function weightFromNormalizedRegret(
  normalized: Dec,
  maxNormalized: Dec,
  p: Dec,
  c: Dec,
  bounds: WeightBounds = weightBounds(p, c),
): Dec {
  let r = normalized;
  if (r.gt(bounds.cap)) r = bounds.cap;
  if (maxNormalized.lt(bounds.shiftTo)) r = add(sub(r, maxNormalized), bounds.shiftTo);
  if (r.lt(bounds.zeroBelow)) return ZERO;
  return gradient(p, c, r);
}

/** The normalized regrets of a set and what produced them (exposed for tests and diagnostics). */
export interface NormalizedRegrets {
  scale: Dec;
  normalized: Dec[];
  max: Dec;
}

/** R / (stdDev(R) + epsilon) for each regret, and the largest of them. */
export function normalizeRegrets(regrets: readonly Dec[], epsilon: Dec): NormalizedRegrets {
  const scale = add(stdDev(regrets).abs(), epsilon);
  const normalized = regrets.map((r) => quo(r, scale));
  let m = normalized[0];
  for (const x of normalized) if (x.gt(m)) m = x;
  return { scale, normalized, max: m };
}

/**
 * Weights of a set of regrets (inferers and forecasters together: they share one scale and one max).
 * Returns the weights in the order of the input. The list must not be empty.
 */
export function weightsFromRegrets(
  regrets: readonly Dec[],
  params: Pick<TopicParams, "pNorm" | "cNorm" | "epsilon">,
): Dec[] {
  if (regrets.length === 0) return [];
  const { normalized, max } = normalizeRegrets(regrets, params.epsilon);
  const bounds = weightBounds(params.pNorm, params.cNorm);
  return normalized.map((r) => weightFromNormalizedRegret(r, max, params.pNorm, params.cNorm, bounds));
}

/**
 * MAD-to-standard-deviation factor of the chain's regret scale (1 / Phi^-1(0.75), written 1.4826 in
 * `inference_synthesis/weight.go`, madToStdDevFactor).
 */
export const MAD_TO_STD_DEV = new Dec("1.4826");

/**
 * The chain's regret scale plus epsilon ("current" rules; `weight.go` CalcRegretScalePlusEpsilon):
 * |1.4826 x MAD(R)| + epsilon.
 */
export function regretScalePlusEpsilon(regrets: readonly Dec[], epsilon: Dec): Dec {
  return add(mul(medianAbsoluteDeviation(regrets), MAD_TO_STD_DEV).abs(), epsilon);
}

/**
 * Weights of a set of regrets divided by a given scale (the topic's cached regret scale), sharing one max
 * (`weight.go` CalcWeightsGivenWorkers with RegretScalePlusEpsilon > 0). Order of the input.
 */
export function weightsWithScale(
  regrets: readonly Dec[],
  scale: Dec,
  params: Pick<TopicParams, "pNorm" | "cNorm">,
): Dec[] {
  // No guard for an empty list (unlike weightsFromRegrets, nothing here fails on one): it maps to [].
  const normalized = regrets.map((r) => quo(r, scale));
  let m = normalized[0];
  for (const x of normalized) if (x.gt(m)) m = x;
  const bounds = weightBounds(params.pNorm, params.cNorm);
  return normalized.map((r) => weightFromNormalizedRegret(r, m, params.pNorm, params.cNorm, bounds));
}
