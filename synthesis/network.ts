/**
 * The network inference and its variants for one epoch (hub: `x/emissions/keeper/inference_synthesis/`
 * network_inferences.go, network_inference_builder.go, weight.go).
 *
 * A "palette" is one combination: some inferers with their inferences and regrets, some forecasters with
 * their forecast-implied inferences and regrets. Every variant of the bundle is a palette:
 *   combined      all inferers (R_ij), all forecasters (R_ik)
 *   naive         all inferers (R^-_ij), no forecasters
 *   one-out j'    inferers but j' (R^-_j'ij), forecasters (R^-_j'ik) with forecast-implied inferences
 *                 recomputed without j'
 *   one-out k'    all inferers (R^-_k'ij), forecasters but k' (R^-_k'ik)
 *   one-in k'     all inferers (R^+_k'ij), forecaster k' alone (R^+_k'k'); only with 2+ forecasters
 * and is combined the same way:
 *   - regrets of every member (a member without one takes the topic's initial regret) set the weights'
 *     scale and max (weights.ts);
 *   - when no inferer of the palette has a prior regret, the value is the plain mean of its inferers;
 *   - otherwise I = sum w I / max(sum w, epsilon) where members without a prior regret contribute nothing,
 *     except forecasters when no forecaster of the palette has one: they then count with weight 1.
 * A single inferer's inference is the network inference as is (no variants).
 *
 * Those are the "v0.5" rules. The "current" rules (chainVersion, the default; allora-chain
 * `network_inferences.go` GetNetworkInferences, GetCalcNetworkInferenceArgs; `weight.go`
 * CalcWeightsGivenWorkers, calcWeightedInference) differ:
 *   - several inferers and no network loss yet: combined = median of the inferences, naive = 0, nothing else;
 *   - every member's regret is its own or the topic's initial regret (0 before there is one), and every
 *     member is weighted from it; regrets are divided by the topic's cached regret scale (RegretState.
 *     regretScale) when it is > 0, else by 1.4826 MAD(palette regrets) + epsilon;
 *   - "all inferers new" is one topic-wide flag (initial regret 0): then every value is the plain mean of
 *     its inferers and forecast-implied inferences are medians;
 *   - the weight sum is floored at EpsilonSafeDiv.
 */
import { Dec, SynthesisInputError, add, mul, quo, median, ONE, ZERO, requireFinite } from "./dec";
import { RegretWeigher, forecastImpliedInferences } from "./forecast-implied";
import { chainRules, validateParams } from "./params";
import { RegretMap, RegretState, allInferersAreNewByTopic, startingRegret } from "./regrets";
import {
  EpochSubmissions,
  NetworkBundle,
  OneOutInfererForecasterValues,
  TopicParams,
  WorkerValue,
} from "./types";
import { regretScalePlusEpsilon, weightsFromRegrets, weightsWithScale } from "./weights";

/** A member of a palette. */
export interface PaletteMember {
  worker: string;
  value: Dec;
  /** Its regret in this palette (the initial regret when it has none). */
  regret: Dec;
  /** Whether the regret is its own (false: a newcomer carrying the initial regret). */
  hasPrior: boolean;
  /**
   * "current" rules: the member's regret takes part in the weights (scale and max) but it has no value to
   * contribute (a forecaster without a forecast-implied inference once an inferer is withheld).
   */
  weightOnly?: boolean;
}

/** One combination of inferers and forecast-implied inferences. */
export interface Palette {
  inferers: PaletteMember[];
  forecasters: PaletteMember[];
}

/** The value of a palette and the weights it used. */
export interface PaletteResult {
  value: Dec;
  infererWeights: Map<string, Dec>;
  forecasterWeights: Map<string, Dec>;
}

/** Combines a palette into one inference (see the module comment for the rules). */
export function combinePalette(
  palette: Palette,
  params: Pick<TopicParams, "pNorm" | "cNorm" | "epsilon">,
): PaletteResult {
  const { inferers, forecasters } = palette;
  if (inferers.length === 0) throw new SynthesisInputError("no inferences to combine");
  const infererWeights = new Map<string, Dec>();
  const forecasterWeights = new Map<string, Dec>();
  const allInferersNew = inferers.every((m) => !m.hasPrior);
  if (allInferersNew) {
    let s = ZERO;
    for (const m of inferers) {
      s = add(s, m.value);
      infererWeights.set(m.worker, ONE);
    }
    for (const m of forecasters) forecasterWeights.set(m.worker, ZERO);
    return { value: quo(s, new Dec(inferers.length)), infererWeights, forecasterWeights };
  }
  const allForecastersNew = forecasters.every((m) => !m.hasPrior);
  const members = [...inferers, ...forecasters];
  const weights = weightsFromRegrets(
    members.map((m) => m.regret),
    params,
  );
  let num = ZERO;
  let den = ZERO;
  members.forEach((m, idx) => {
    const isInferer = idx < inferers.length;
    let w = weights[idx];
    if (!m.hasPrior) {
      w = !isInferer && allForecastersNew && !w.isZero() ? ONE : ZERO;
    }
    (isInferer ? infererWeights : forecasterWeights).set(m.worker, w);
    if (w.isZero()) return;
    num = add(num, mul(w, m.value));
    den = add(den, w);
  });
  if (den.lt(params.epsilon)) den = params.epsilon;
  return { value: quo(num, den), infererWeights, forecasterWeights };
}

/**
 * Combines a palette by the "current" chain rules (see the module comment): all members weighted from
 * their regrets through `weigh`, or the plain mean of the inferers when the topic's inferers are all new.
 */
export function combinePaletteCurrent(
  palette: Palette,
  weigh: RegretWeigher,
  allInferersNew: boolean,
  epsilonSafeDiv: Dec,
): PaletteResult {
  const { inferers, forecasters } = palette;
  if (inferers.length === 0) throw new SynthesisInputError("no inferences to combine");
  const infererWeights = new Map<string, Dec>();
  const forecasterWeights = new Map<string, Dec>();
  let num = ZERO;
  let den = ZERO;
  if (allInferersNew) {
    for (const m of inferers) {
      num = add(num, m.value);
      den = add(den, ONE);
      infererWeights.set(m.worker, ONE);
    }
    for (const m of forecasters) forecasterWeights.set(m.worker, ZERO);
  } else {
    const members = [...inferers, ...forecasters];
    const weights = weigh(members.map((m) => m.regret));
    members.forEach((m, idx) => {
      const w = weights[idx];
      if (m.weightOnly) return;
      (idx < inferers.length ? infererWeights : forecasterWeights).set(m.worker, w);
      // A zero weight adds 0 * value (exact) to num and 0 to den: no need to skip it.
      num = add(num, mul(w, m.value));
      den = add(den, w);
    });
  }
  if (den.lt(epsilonSafeDiv)) den = epsilonSafeDiv;
  return { value: quo(num, den), infererWeights, forecasterWeights };
}

/** Options of synthesize. */
export interface SynthesizeOptions {
  /**
   * Compute the one-out and one-in values (default true). Only the combined value, the naive value, the
   * inferer values and the forecast-implied inferences are computed when false (faster; enough for
   * backtests that only need I_i and I^-_i).
   */
  variants?: boolean;
}

function sortedKeys<V>(m: ReadonlyMap<string, V>): string[] {
  return [...m.keys()].sort();
}

/** Validates the submissions and returns them with every value as a Dec of this engine's precision. */
function checkSubmissions(subs: EpochSubmissions): EpochSubmissions {
  if (!(subs.inferences instanceof Map))
    throw new SynthesisInputError("inferences: expected a Map of worker -> Dec");
  if (!(subs.forecasts instanceof Map))
    throw new SynthesisInputError("forecasts: expected a Map of forecaster -> Map");
  if (subs.inferences.size === 0)
    throw new SynthesisInputError("inferences: none submitted; at least one inference is needed");
  const inferences = new Map<string, Dec>();
  for (const [w, v] of subs.inferences) inferences.set(w, requireFinite(v, `inference of ${w}`));
  const forecasts = new Map<string, Map<string, Dec>>();
  for (const [k, m] of subs.forecasts) {
    if (!(m instanceof Map))
      throw new SynthesisInputError(`forecast of ${k}: expected a Map of inferer -> Dec`);
    const inner = new Map<string, Dec>();
    for (const [j, v] of m) inner.set(j, requireFinite(v, `forecasted loss of ${j} by ${k}`));
    forecasts.set(k, inner);
  }
  return { inferences, forecasts };
}

/**
 * Synthesizes one epoch: the network inference I_i and every value of the hub's ValueBundle, from this
 * epoch's submissions and the regrets learnt so far. Pure: the state is not modified (apply the epoch's
 * losses with updateRegrets once the truth is known).
 *
 * @param subs this epoch's inferences and forecasts (forecasted losses in reputer units)
 * @param state regrets after the previous epochs (emptyRegretState() for a new topic)
 * @param params the topic's parameters (defaultTopicParams() for the hub's defaults)
 * @throws SynthesisInputError for no inferences or a non-finite value (the message names the worker)
 */
export function synthesize(
  input: EpochSubmissions,
  state: RegretState,
  params: TopicParams,
  options: SynthesizeOptions = {},
): NetworkBundle {
  validateParams(params);
  const subs = checkSubmissions(input);
  const variants = options.variants ?? true;
  const inferers = sortedKeys(subs.inferences);
  const infererValues: WorkerValue[] = inferers.map((w) => ({
    worker: w,
    value: subs.inferences.get(w) as Dec,
  }));

  if (inferers.length === 1) {
    const only = infererValues[0];
    return {
      combinedValue: only.value,
      naiveValue: only.value,
      infererValues,
      forecasterValues: [],
      oneOutInfererValues: [],
      oneOutForecasterValues: [],
      oneInForecasterValues: [],
      oneOutInfererForecasterValues: [],
      infererWeights: new Map([[only.worker, ONE]]),
      forecasterWeights: new Map(),
    };
  }

  const rules = chainRules(params);
  const current = rules.version === "current";
  if (current && state.lastNetworkLoss === undefined) {
    // The chain's calcNetworkInferencesMultipleByMedian: no network loss yet.
    return {
      combinedValue: median(infererValues.map((v) => v.value)),
      naiveValue: ZERO,
      infererValues,
      forecasterValues: [],
      oneOutInfererValues: [],
      oneOutForecasterValues: [],
      oneInForecasterValues: [],
      oneOutInfererForecasterValues: [],
      infererWeights: new Map(),
      forecasterWeights: new Map(),
    };
  }

  const start = startingRegret(state, params) ?? ZERO;
  const member = (regrets: RegretMap | undefined, w: string, value: Dec): PaletteMember => {
    const r = regrets?.get(w);
    return { worker: w, value, regret: r ?? start, hasPrior: r !== undefined };
  };
  const topicAllNew = allInferersAreNewByTopic(state, params);
  const isNew = (w: string): boolean => !state.inferer.has(w);
  const allNew = (ws: string[]): boolean => (current ? topicAllNew : ws.every(isNew));
  const cachedScale = state.regretScale;
  const weigh: RegretWeigher = current
    ? (regrets) =>
        weightsWithScale(
          regrets,
          cachedScale !== undefined && cachedScale.gt(ZERO)
            ? cachedScale
            : regretScalePlusEpsilon(regrets, params.epsilon),
          params,
        )
    : (regrets) => weightsFromRegrets(regrets, params);
  const combine = (palette: Palette): PaletteResult =>
    current
      ? combinePaletteCurrent(palette, weigh, topicAllNew, rules.epsilonSafeDiv)
      : combinePalette(palette, params);

  const implied = forecastImpliedInferences(
    subs.inferences,
    subs.forecasts,
    allNew(inferers),
    state.lastNetworkLoss,
    params,
    weigh,
  );
  const forecasters = sortedKeys(implied);
  const forecasterValues: WorkerValue[] = forecasters.map((k) => ({
    worker: k,
    value: implied.get(k) as Dec,
  }));

  const combined = combine({
    inferers: inferers.map((j) => member(state.inferer, j, subs.inferences.get(j) as Dec)),
    forecasters: forecasters.map((k) => member(state.forecaster, k, implied.get(k) as Dec)),
  });
  const naive = combine({
    inferers: inferers.map((j) => member(state.naiveInferer, j, subs.inferences.get(j) as Dec)),
    forecasters: [],
  });

  const bundle: NetworkBundle = {
    combinedValue: combined.value,
    naiveValue: naive.value,
    infererValues,
    forecasterValues,
    oneOutInfererValues: [],
    oneOutForecasterValues: [],
    oneInForecasterValues: [],
    oneOutInfererForecasterValues: [],
    infererWeights: combined.infererWeights,
    forecasterWeights: combined.forecasterWeights,
  };
  if (!variants) return bundle;

  // One-out inferers: withhold j', recompute the forecast-implied inferences without it.
  const oneOutImplied = new Map<string, WorkerValue[]>();
  for (const jOut of inferers) {
    const remaining = inferers.filter((j) => j !== jOut);
    const remainingInferences = new Map(remaining.map((j) => [j, subs.inferences.get(j) as Dec]));
    const impliedOut = forecastImpliedInferences(
      remainingInferences,
      subs.forecasts,
      allNew(remaining),
      state.lastNetworkLoss,
      params,
      weigh,
    );
    for (const [k, v] of impliedOut) {
      let list = oneOutImplied.get(k);
      if (!list) {
        list = [];
        oneOutImplied.set(k, list);
      }
      list.push({ worker: jOut, value: v });
    }
    const infRegrets = state.oneOutInfererInferer.get(jOut);
    const fcRegrets = state.oneOutInfererForecaster.get(jOut);
    const res = combine({
      inferers: remaining.map((j) => member(infRegrets, j, subs.inferences.get(j) as Dec)),
      // current rules: every forecaster of the epoch keeps its one-out regret in the weights
      // (calcOneOutInfererInference passes all forecasters); only those with a value contribute
      forecasters: current
        ? forecasters.map((k) => {
            const v = impliedOut.get(k);
            return v === undefined
              ? { ...member(fcRegrets, k, ZERO), weightOnly: true }
              : member(fcRegrets, k, v);
          })
        : sortedKeys(impliedOut).map((k) => member(fcRegrets, k, impliedOut.get(k) as Dec)),
    });
    bundle.oneOutInfererValues.push({ worker: jOut, value: res.value });
  }
  bundle.oneOutInfererForecasterValues = sortedKeys(oneOutImplied).map(
    (k): OneOutInfererForecasterValues => ({ forecaster: k, values: oneOutImplied.get(k) as WorkerValue[] }),
  );

  // One-out forecasters: withhold k' (current rules: only with 2+ forecasters, GetOneOutForecasterInferences).
  for (const kOut of current && forecasters.length < 2 ? [] : forecasters) {
    const infRegrets = state.oneOutForecasterInferer.get(kOut);
    const fcRegrets = state.oneOutForecasterForecaster.get(kOut);
    const res = combine({
      inferers: inferers.map((j) => member(infRegrets, j, subs.inferences.get(j) as Dec)),
      forecasters: forecasters
        .filter((k) => k !== kOut)
        .map((k) => member(fcRegrets, k, implied.get(k) as Dec)),
    });
    bundle.oneOutForecasterValues.push({ worker: kOut, value: res.value });
  }

  // One-in forecasters: the inferers plus k' alone (the hub skips this with a single forecaster).
  if (forecasters.length > 1) {
    for (const kIn of forecasters) {
      const infRegrets = state.oneInForecasterInferer.get(kIn);
      const res = combine({
        inferers: inferers.map((j) => member(infRegrets, j, subs.inferences.get(j) as Dec)),
        forecasters: [member(state.oneInForecasterSelf, kIn, implied.get(kIn) as Dec)],
      });
      bundle.oneInForecasterValues.push({ worker: kIn, value: res.value });
    }
  }
  return bundle;
}
