/**
 * Forecast-implied inferences (hub: `x/emissions/keeper/inference_synthesis/forecast_implied.go`).
 *
 * For forecaster k, over the inferers j that it forecast AND that submitted an inference this epoch:
 *   R_ijk = L_{i-1} - L_ijk        (previous network loss minus the forecasted loss, reputer units)
 *   w_ijk = weights of the R_ijk (see weights.ts), or 1 when there is a single such inferer
 *   I_ik  = sum_j w_ijk I_ij / sum_j w_ijk
 * When every inferer is new, I_ik is the median of those inferers' inferences.
 * Weights use the topic's chain rules through `weigh` (default: the set's own standard deviation, "v0.5";
 * "current": the topic's cached regret scale, `forecast_implied.go` RegretScalePlusEpsilon).
 * A forecaster with no usable element (or a zero weight sum) has no forecast-implied inference.
 */
import { Dec, add, mul, quo, sub, median, ONE } from "./dec";
import { TopicParams } from "./types";
import { weightsFromRegrets } from "./weights";

/** Maps a set of regrets to their weights (in order); the scale rule depends on the chain version. */
export type RegretWeigher = (regrets: readonly Dec[]) => Dec[];

/**
 * Forecast-implied inference of one forecaster, or undefined when it has none.
 *
 * @param inferences inferer -> inference of the inferers taking part (already filtered, e.g. one-out)
 * @param forecast inferer -> forecasted loss of this forecaster
 * @param allInferersNew whether no inferer taking part has a prior regret
 * @param lastNetworkLoss L_{i-1}, the previous epoch's network loss (reputer units), if known
 */
export function forecastImpliedInference(
  inferences: ReadonlyMap<string, Dec>,
  forecast: ReadonlyMap<string, Dec>,
  allInferersNew: boolean,
  lastNetworkLoss: Dec | undefined,
  params: Pick<TopicParams, "pNorm" | "cNorm" | "epsilon">,
  weigh: RegretWeigher = (regrets) => weightsFromRegrets(regrets, params),
): Dec | undefined {
  const submitted = [...forecast.keys()].filter((j) => inferences.has(j));
  // Sorted for a deterministic iteration, as the hub's. The order changes no value: sums are exact (add) and
  // weights are per element with an order-free scale and max.
  // Stryker disable next-line MethodExpression: equivalent; see above, the order of the covered inferers changes no value
  const covered = submitted.sort();
  if (covered.length === 0) return undefined;
  if (allInferersNew) {
    return median(covered.map((j) => inferences.get(j) as Dec));
  }
  if (lastNetworkLoss === undefined) return undefined;
  let weights: Dec[];
  if (covered.length === 1) {
    weights = [ONE];
  } else {
    const regrets = covered.map((j) => sub(lastNetworkLoss, forecast.get(j) as Dec));
    weights = weigh(regrets);
  }
  let num = new Dec(0);
  let den = new Dec(0);
  covered.forEach((j, idx) => {
    const w = weights[idx];
    if (w.isZero()) return;
    num = add(num, mul(w, inferences.get(j) as Dec));
    den = add(den, w);
  });
  if (den.isZero()) return undefined;
  return quo(num, den);
}

/** Forecast-implied inferences of every forecaster that has one, keyed and iterated in sorted order. */
export function forecastImpliedInferences(
  inferences: ReadonlyMap<string, Dec>,
  forecasts: ReadonlyMap<string, ReadonlyMap<string, Dec>>,
  allInferersNew: boolean,
  lastNetworkLoss: Dec | undefined,
  params: Pick<TopicParams, "pNorm" | "cNorm" | "epsilon">,
  weigh: RegretWeigher = (regrets) => weightsFromRegrets(regrets, params),
): Map<string, Dec> {
  const out = new Map<string, Dec>();
  for (const k of [...forecasts.keys()].sort()) {
    const v = forecastImpliedInference(
      inferences,
      forecasts.get(k) as ReadonlyMap<string, Dec>,
      allInferersNew,
      lastNetworkLoss,
      params,
      weigh,
    );
    if (v !== undefined) out.set(k, v);
  }
  return out;
}
