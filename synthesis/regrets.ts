/**
 * Regrets: the state the synthesis carries from one epoch to the next
 * (hub: `x/emissions/keeper/inference_synthesis/network_regrets.go`, GetCalcSetNetworkRegrets and
 * CalcTopicInitialRegret; `math/utils.go` CalcEma; keeper getters that return the topic's initial regret
 * for a worker without one).
 *
 * After the losses of epoch i are known (reputer units):
 *   R_ij      <- EMA(L_i     - L_ij)       inferer regret
 *   R_ik      <- EMA(L_i     - L_ik)       forecaster regret
 *   R^-_ij    <- EMA(L^-_i   - L_ij)       naive regret of each inferer
 *   R^-_j'ij  <- EMA(L^-_j'i - L_ij)       one-out-inferer j': inferer regrets
 *   R^-_j'ik  <- EMA(L^-_j'i - L^-_j'ik)   one-out-inferer j': forecaster regrets
 *   R^-_k'ij  <- EMA(L^-_k'i - L_ij)       one-out-forecaster k': inferer regrets
 *   R^-_k'ik  <- EMA(L^-_k'i - L_ik)       one-out-forecaster k': forecaster regrets
 *   R^+_k'ij  <- EMA(L^+_k'i - L_ij)       one-in-forecaster k': inferer regrets
 *   R^+_k'k'  <- EMA(L^+_k'i - L_ik')      one-in-forecaster k': its own regret
 * with EMA(x) = alpha x + (1 - alpha) R_prev. A regret without a previous value starts from the topic's
 * initial regret (R_prev = initial regret); while the topic has none yet, the first observation is taken
 * as is. Then the initial regret is recomputed from the new inferer and forecaster regrets of the workers
 * that already had one: min(R) + (c - 8.25/p) (stdDev(R) + epsilon).
 *
 * That is the "v0.5" rule set. The "current" rules (chainVersion, the default) differ
 * (allora-chain `network_regrets.go` GetCalcSetNetworkRegrets, CalcTopicInitialRegret, isExperiencedActor;
 * `actor_utils/losses.go` CloseReputerNonce; `weight.go` CalcRegretScaleFilteredByWeights):
 *   - R_prev of a newcomer is the topic's initial regret, 0 before there is one (the EMA always applies);
 *   - experienced = had a regret and took part in at least 1/alpha earlier epochs; the initial regret is
 *     quantile_q(R) + (c - PNormSafeDiv/p)(stdDev(R) + epsilon) over their new R_ij and R_ik;
 *   - then the topic's regret scale is recomputed from the new R_ij, R_ik of this epoch's workers whose
 *     latest normalized weight exceeds MinWeightThresholdForStdnorm (all of them when fewer than 2 do):
 *     1.4826 MAD(R) + epsilon; and the workers' weights under that scale, normalized to sum 1, become
 *     their latest weights.
 */
import {
  Dec,
  SynthesisInputError,
  add,
  mul,
  sub,
  quo,
  min,
  stdDev,
  quantile,
  ONE,
  ZERO,
  decString,
  parseDec,
} from "./dec";
import { chainRules } from "./params";
import { regretScalePlusEpsilon, weightsWithScale } from "./weights";
import { EpochLosses, TopicParams } from "./types";

/** Regrets keyed by worker. */
export type RegretMap = Map<string, Dec>;
/** Regrets keyed by a withheld / one-in worker, then by worker. */
export type NestedRegretMap = Map<string, Map<string, Dec>>;

/**
 * Everything the next epoch's synthesis needs. Treat as immutable: updateRegrets returns a new state.
 * Persist with regretStateToJSON / regretStateFromJSON.
 */
export interface RegretState {
  /** inferer -> R_ij. A worker absent here is new. */
  inferer: RegretMap;
  /** forecaster -> R_ik. */
  forecaster: RegretMap;
  /** inferer -> R^-_ij (regrets against the naive network inference). */
  naiveInferer: RegretMap;
  /** withheld inferer j' -> inferer j -> R^-_j'ij. */
  oneOutInfererInferer: NestedRegretMap;
  /** withheld inferer j' -> forecaster k -> R^-_j'ik. */
  oneOutInfererForecaster: NestedRegretMap;
  /** withheld forecaster k' -> inferer j -> R^-_k'ij. */
  oneOutForecasterInferer: NestedRegretMap;
  /** withheld forecaster k' -> forecaster k -> R^-_k'ik. */
  oneOutForecasterForecaster: NestedRegretMap;
  /** one-in forecaster k' -> inferer j -> R^+_k'ij. */
  oneInForecasterInferer: NestedRegretMap;
  /** one-in forecaster k' -> R^+_k'k'. */
  oneInForecasterSelf: RegretMap;
  /** The topic's initial regret for newcomers, once computed (undefined before). */
  initialRegret?: Dec;
  /** L_{i-1}: the last network loss (reputer units), used by forecast-implied inferences. */
  lastNetworkLoss?: Dec;
  /** Number of loss updates applied so far. */
  epochs: number;
  /** "current" rules: the topic's cached regret scale plus epsilon, used by every combination (0/undefined: none yet). */
  regretScale?: Dec;
  /** "current" rules: inferer -> latest normalized weight (filters the regrets that set the scale). */
  latestInfererWeights: RegretMap;
  /** "current" rules: forecaster -> latest normalized weight. */
  latestForecasterWeights: RegretMap;
  /** inferer -> number of epochs whose losses it took part in (its experience). */
  infererInclusions: Map<string, number>;
  /** forecaster -> number of epochs whose losses it took part in. */
  forecasterInclusions: Map<string, number>;
}

/** A state with no history: every worker is new, no network loss yet. */
export function emptyRegretState(): RegretState {
  return {
    inferer: new Map(),
    forecaster: new Map(),
    naiveInferer: new Map(),
    oneOutInfererInferer: new Map(),
    oneOutInfererForecaster: new Map(),
    oneOutForecasterInferer: new Map(),
    oneOutForecasterForecaster: new Map(),
    oneInForecasterInferer: new Map(),
    oneInForecasterSelf: new Map(),
    epochs: 0,
    latestInfererWeights: new Map(),
    latestForecasterWeights: new Map(),
    infererInclusions: new Map(),
    forecasterInclusions: new Map(),
  };
}

/** EMA as the hub's CalcEma: alpha x + (1 - alpha) previous; the value itself when first (or equal). */
export function ema(alpha: Dec, current: Dec, previous: Dec | undefined): Dec {
  if (previous === undefined || current.eq(previous)) return current;
  return add(mul(alpha, current), mul(sub(ONE, alpha), previous));
}

/**
 * The topic's initial regret from the current regrets of experienced workers:
 * min(R) + (c - 8.25/p) * (stdDev(R) + epsilon).
 */
export function calcInitialRegret(
  regrets: readonly Dec[],
  params: Pick<TopicParams, "pNorm" | "cNorm" | "epsilon">,
): Dec {
  const denominator = add(stdDev(regrets), params.epsilon);
  const offset = sub(params.cNorm, quo(new Dec("8.25"), params.pNorm));
  return add(min(regrets), mul(offset, denominator));
}

/**
 * The topic's initial regret by the "current" rules (`network_regrets.go` CalcTopicInitialRegret):
 * quantile_q(R) + (c - PNormSafeDiv/p) * (stdDev(R) + epsilon).
 */
export function calcInitialRegretQuantile(
  regrets: readonly Dec[],
  params: Pick<TopicParams, "pNorm" | "cNorm" | "epsilon">,
  q: Dec,
  pNormSafeDiv: Dec,
): Dec {
  const denominator = add(stdDev(regrets), params.epsilon);
  const offset = sub(params.cNorm, quo(pNormSafeDiv, params.pNorm));
  return add(quantile(regrets, q), mul(offset, denominator));
}

/**
 * The regret a worker without a previous one starts from. "v0.5": the initial regret if any (undefined:
 * the first observation is taken as is). "current": the topic's initial regret, 0 before it has one (the
 * keeper's getter returns topic.InitialRegret).
 */
export function startingRegret(state: RegretState, params: TopicParams): Dec | undefined {
  const r = state.initialRegret ?? params.initialRegret;
  if (chainRules(params).version === "current") return r ?? ZERO;
  return r;
}

/** Whether every inferer counts as new ("current" rules: the topic's initial regret is 0 or unset). */
export function allInferersAreNewByTopic(state: RegretState, params: TopicParams): boolean {
  const r = state.initialRegret ?? params.initialRegret;
  return r === undefined || r.isZero();
}

function cloneMap(m: RegretMap): RegretMap {
  return new Map(m);
}

function cloneNested(m: NestedRegretMap): NestedRegretMap {
  const out: NestedRegretMap = new Map();
  for (const [k, v] of m) out.set(k, new Map(v));
  return out;
}

function nested(m: NestedRegretMap, key: string): RegretMap {
  let inner = m.get(key);
  if (!inner) {
    inner = new Map();
    m.set(key, inner);
  }
  return inner;
}

function sortedKeys<V>(m: ReadonlyMap<string, V>): string[] {
  return [...m.keys()].sort();
}

/**
 * Applies one epoch's network losses (stake-weighted, reputer units) to the regrets.
 * Returns a new state; the inputs are not mutated. Workers absent from `losses` keep their regrets.
 *
 * @throws SynthesisInputError if a loss is not a finite decimal
 */
export function updateRegrets(state: RegretState, losses: EpochLosses, params: TopicParams): RegretState {
  checkLosses(losses);
  const alpha = params.alphaRegret;
  const start = startingRegret(state, params);
  const step = (map: RegretMap, key: string, lossA: Dec, lossB: Dec): Dec => {
    const prev = map.get(key) ?? start;
    const r = ema(alpha, sub(lossA, lossB), prev);
    map.set(key, r);
    return r;
  };

  const next: RegretState = {
    inferer: cloneMap(state.inferer),
    forecaster: cloneMap(state.forecaster),
    naiveInferer: cloneMap(state.naiveInferer),
    oneOutInfererInferer: cloneNested(state.oneOutInfererInferer),
    oneOutInfererForecaster: cloneNested(state.oneOutInfererForecaster),
    oneOutForecasterInferer: cloneNested(state.oneOutForecasterInferer),
    oneOutForecasterForecaster: cloneNested(state.oneOutForecasterForecaster),
    oneInForecasterInferer: cloneNested(state.oneInForecasterInferer),
    oneInForecasterSelf: cloneMap(state.oneInForecasterSelf),
    initialRegret: state.initialRegret,
    lastNetworkLoss: losses.combinedValue,
    epochs: state.epochs + 1,
    regretScale: state.regretScale,
    latestInfererWeights: cloneMap(state.latestInfererWeights),
    latestForecasterWeights: cloneMap(state.latestForecasterWeights),
    infererInclusions: new Map(state.infererInclusions),
    forecasterInclusions: new Map(state.forecasterInclusions),
  };
  const rules = chainRules(params);
  const current = rules.version === "current";
  const oneOverAlpha = quo(ONE, alpha);
  const isExperienced = (hadPrior: boolean, inclusions: Map<string, number>, w: string): boolean => {
    if (!current) return hadPrior;
    return hadPrior && new Dec(inclusions.get(w) ?? 0).gte(oneOverAlpha);
  };

  const L = losses.combinedValue;
  const inferers = sortedKeys(losses.infererValues);
  const forecasters = sortedKeys(losses.forecasterValues);
  const experienced: Dec[] = [];

  for (const j of inferers) {
    const hadPrior = state.inferer.has(j);
    const r = step(next.inferer, j, L, losses.infererValues.get(j) as Dec);
    if (isExperienced(hadPrior, state.infererInclusions, j)) experienced.push(r);
    next.infererInclusions.set(j, (state.infererInclusions.get(j) ?? 0) + 1);
  }
  for (const k of forecasters) {
    const hadPrior = state.forecaster.has(k);
    const r = step(next.forecaster, k, L, losses.forecasterValues.get(k) as Dec);
    if (isExperienced(hadPrior, state.forecasterInclusions, k)) experienced.push(r);
    next.forecasterInclusions.set(k, (state.forecasterInclusions.get(k) ?? 0) + 1);
  }
  for (const j of inferers) {
    step(next.naiveInferer, j, losses.naiveValue, losses.infererValues.get(j) as Dec);
  }
  for (const jOut of sortedKeys(losses.oneOutInfererValues)) {
    const lOut = losses.oneOutInfererValues.get(jOut) as Dec;
    const infMap = nested(next.oneOutInfererInferer, jOut);
    for (const j of inferers) step(infMap, j, lOut, losses.infererValues.get(j) as Dec);
    const fcMap = nested(next.oneOutInfererForecaster, jOut);
    for (const k of sortedKeys(losses.oneOutInfererForecasterValues)) {
      const lk = losses.oneOutInfererForecasterValues.get(k)?.get(jOut);
      if (lk !== undefined) step(fcMap, k, lOut, lk);
    }
  }
  for (const kOut of sortedKeys(losses.oneOutForecasterValues)) {
    const lOut = losses.oneOutForecasterValues.get(kOut) as Dec;
    const infMap = nested(next.oneOutForecasterInferer, kOut);
    for (const j of inferers) step(infMap, j, lOut, losses.infererValues.get(j) as Dec);
    const fcMap = nested(next.oneOutForecasterForecaster, kOut);
    for (const k of forecasters) step(fcMap, k, lOut, losses.forecasterValues.get(k) as Dec);
  }
  for (const kIn of sortedKeys(losses.oneInForecasterValues)) {
    const lIn = losses.oneInForecasterValues.get(kIn) as Dec;
    const infMap = nested(next.oneInForecasterInferer, kIn);
    for (const j of inferers) step(infMap, j, lIn, losses.infererValues.get(j) as Dec);
    const own = losses.forecasterValues.get(kIn);
    if (own !== undefined) step(next.oneInForecasterSelf, kIn, lIn, own);
  }

  if (experienced.length > 0) {
    next.initialRegret = current
      ? calcInitialRegretQuantile(experienced, params, rules.initialRegretQuantile, rules.pNormSafeDiv)
      : calcInitialRegret(experienced, params);
  }
  if (current && inferers.length > 0)
    updateScaleAndWeights(state, next, inferers, forecasters, params, rules.minWeightThresholdForStdnorm);
  return next;
}

/**
 * "current" rules, after the regrets: the topic's regret scale from this epoch's workers (filtered by
 * their previous latest weights), then their new normalized weights under it (chain:
 * `actor_utils/losses.go` CloseReputerNonce steps 2-5).
 */
function updateScaleAndWeights(
  prev: RegretState,
  next: RegretState,
  inferers: string[],
  forecasters: string[],
  params: TopicParams,
  threshold: Dec,
): void {
  const infRegrets = inferers.map((j) => next.inferer.get(j) as Dec);
  const fcRegrets = forecasters.map((k) => next.forecaster.get(k) as Dec);
  const filtered: Dec[] = [];
  inferers.forEach((j, i) => {
    const w = prev.latestInfererWeights.get(j);
    if (w !== undefined && w.gt(threshold)) filtered.push(infRegrets[i]);
  });
  forecasters.forEach((k, i) => {
    const w = prev.latestForecasterWeights.get(k);
    if (w !== undefined && w.gt(threshold)) filtered.push(fcRegrets[i]);
  });
  const all = [...infRegrets, ...fcRegrets];
  const scale = regretScalePlusEpsilon(filtered.length < 2 ? all : filtered, params.epsilon);
  next.regretScale = scale;
  const weights = weightsWithScale(all, scale, params);
  let total = ZERO;
  for (const w of weights) total = add(total, w);
  const norm = (w: Dec): Dec => (total.isZero() ? w : quo(w, total));
  inferers.forEach((j, i) => next.latestInfererWeights.set(j, norm(weights[i])));
  forecasters.forEach((k, i) => next.latestForecasterWeights.set(k, norm(weights[inferers.length + i])));
}

function checkLosses(losses: EpochLosses): void {
  const chk = (x: Dec | undefined, what: string): void => {
    if (x === undefined || !x.isFinite()) {
      throw new SynthesisInputError(
        `${what}: loss ${x === undefined ? "missing" : x.toString()} is not a finite decimal`,
      );
    }
  };
  chk(losses.combinedValue, "combinedValue");
  chk(losses.naiveValue, "naiveValue");
  const maps: [string, ReadonlyMap<string, Dec>][] = [
    ["infererValues", losses.infererValues],
    ["forecasterValues", losses.forecasterValues],
    ["oneOutInfererValues", losses.oneOutInfererValues],
    ["oneOutForecasterValues", losses.oneOutForecasterValues],
    ["oneInForecasterValues", losses.oneInForecasterValues],
  ];
  for (const [name, m] of maps) for (const [w, v] of m) chk(v, `${name}[${w}]`);
  for (const [k, m] of losses.oneOutInfererForecasterValues) {
    for (const [j, v] of m) chk(v, `oneOutInfererForecasterValues[${k}][${j}]`);
  }
}

// ---------------------------------------------------------------------------------------------------
// JSON persistence

/** JSON form of a RegretState: every decimal as a plain decimal string. */
export interface RegretStateJSON {
  version: 1;
  inferer: Record<string, string>;
  forecaster: Record<string, string>;
  naiveInferer: Record<string, string>;
  oneOutInfererInferer: Record<string, Record<string, string>>;
  oneOutInfererForecaster: Record<string, Record<string, string>>;
  oneOutForecasterInferer: Record<string, Record<string, string>>;
  oneOutForecasterForecaster: Record<string, Record<string, string>>;
  oneInForecasterInferer: Record<string, Record<string, string>>;
  oneInForecasterSelf: Record<string, string>;
  initialRegret: string | null;
  lastNetworkLoss: string | null;
  epochs: number;
  regretScale?: string | null;
  latestInfererWeights?: Record<string, string>;
  latestForecasterWeights?: Record<string, string>;
  infererInclusions?: Record<string, number>;
  forecasterInclusions?: Record<string, number>;
}

// Object.fromEntries defines own properties, so a worker named "__proto__" survives the round trip.
function mapToObj(m: RegretMap): Record<string, string> {
  return Object.fromEntries(sortedKeys(m).map((k) => [k, decString(m.get(k) as Dec)]));
}

function nestedToObj(m: NestedRegretMap): Record<string, Record<string, string>> {
  return Object.fromEntries(sortedKeys(m).map((k) => [k, mapToObj(m.get(k) as RegretMap)]));
}

/** Serializes a state to a JSON-safe object (decimals as strings, keys sorted: deterministic output). */
export function regretStateToJSON(state: RegretState): RegretStateJSON {
  return {
    version: 1,
    inferer: mapToObj(state.inferer),
    forecaster: mapToObj(state.forecaster),
    naiveInferer: mapToObj(state.naiveInferer),
    oneOutInfererInferer: nestedToObj(state.oneOutInfererInferer),
    oneOutInfererForecaster: nestedToObj(state.oneOutInfererForecaster),
    oneOutForecasterInferer: nestedToObj(state.oneOutForecasterInferer),
    oneOutForecasterForecaster: nestedToObj(state.oneOutForecasterForecaster),
    oneInForecasterInferer: nestedToObj(state.oneInForecasterInferer),
    oneInForecasterSelf: mapToObj(state.oneInForecasterSelf),
    initialRegret: state.initialRegret === undefined ? null : decString(state.initialRegret),
    lastNetworkLoss: state.lastNetworkLoss === undefined ? null : decString(state.lastNetworkLoss),
    epochs: state.epochs,
    regretScale: state.regretScale === undefined ? null : decString(state.regretScale),
    latestInfererWeights: mapToObj(state.latestInfererWeights),
    latestForecasterWeights: mapToObj(state.latestForecasterWeights),
    infererInclusions: Object.fromEntries(
      sortedKeys(state.infererInclusions).map((k) => [k, state.infererInclusions.get(k) as number]),
    ),
    forecasterInclusions: Object.fromEntries(
      sortedKeys(state.forecasterInclusions).map((k) => [k, state.forecasterInclusions.get(k) as number]),
    ),
  };
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function objToMap(o: unknown, what: string): RegretMap {
  if (o === undefined) return new Map();
  if (!isObj(o)) throw new SynthesisInputError(`${what}: expected an object of decimal strings`);
  const m: RegretMap = new Map();
  for (const [k, v] of Object.entries(o)) m.set(k, parseDec(v as string, `${what}.${k}`));
  return m;
}

function objToNested(o: unknown, what: string): NestedRegretMap {
  if (o === undefined) return new Map();
  if (!isObj(o)) throw new SynthesisInputError(`${what}: expected an object of objects`);
  const m: NestedRegretMap = new Map();
  for (const [k, v] of Object.entries(o)) m.set(k, objToMap(v, `${what}.${k}`));
  return m;
}

function objToCounts(o: unknown, what: string): Map<string, number> {
  if (o === undefined) return new Map();
  if (!isObj(o)) throw new SynthesisInputError(`${what}: expected an object of non-negative integers`);
  const m = new Map<string, number>();
  for (const [k, v] of Object.entries(o)) {
    // Number.isInteger is false for every non-number, so v is a number past this check.
    if (!Number.isInteger(v) || (v as number) < 0) {
      throw new SynthesisInputError(
        `${what}.${k}: expected a non-negative integer, got ${JSON.stringify(v)}`,
      );
    }
    m.set(k, v as number);
  }
  return m;
}

/**
 * Restores a state saved by regretStateToJSON (accepts the object or its JSON text).
 * @throws SynthesisInputError naming the bad field
 */
export function regretStateFromJSON(json: RegretStateJSON | string): RegretState {
  const o: unknown = typeof json === "string" ? JSON.parse(json) : json;
  if (!isObj(o)) throw new SynthesisInputError("regret state: expected an object");
  if (o.version !== 1)
    throw new SynthesisInputError(`regret state: unsupported version ${String(o.version)}, expected 1`);
  const opt = (v: unknown, what: string): Dec | undefined =>
    v === null || v === undefined ? undefined : parseDec(v as string, what);
  const epochs = o.epochs ?? 0;
  // Number.isInteger is false for every non-number, so epochs is a number past this check.
  if (!Number.isInteger(epochs) || (epochs as number) < 0) {
    throw new SynthesisInputError(`regret state.epochs: expected a non-negative integer`);
  }
  return {
    inferer: objToMap(o.inferer, "inferer"),
    forecaster: objToMap(o.forecaster, "forecaster"),
    naiveInferer: objToMap(o.naiveInferer, "naiveInferer"),
    oneOutInfererInferer: objToNested(o.oneOutInfererInferer, "oneOutInfererInferer"),
    oneOutInfererForecaster: objToNested(o.oneOutInfererForecaster, "oneOutInfererForecaster"),
    oneOutForecasterInferer: objToNested(o.oneOutForecasterInferer, "oneOutForecasterInferer"),
    oneOutForecasterForecaster: objToNested(o.oneOutForecasterForecaster, "oneOutForecasterForecaster"),
    oneInForecasterInferer: objToNested(o.oneInForecasterInferer, "oneInForecasterInferer"),
    oneInForecasterSelf: objToMap(o.oneInForecasterSelf, "oneInForecasterSelf"),
    initialRegret: opt(o.initialRegret, "initialRegret"),
    lastNetworkLoss: opt(o.lastNetworkLoss, "lastNetworkLoss"),
    epochs: epochs as number,
    regretScale: opt(o.regretScale, "regretScale"),
    latestInfererWeights: objToMap(o.latestInfererWeights, "latestInfererWeights"),
    latestForecasterWeights: objToMap(o.latestForecasterWeights, "latestForecasterWeights"),
    infererInclusions: objToCounts(o.infererInclusions, "infererInclusions"),
    forecasterInclusions: objToCounts(o.forecasterInclusions, "forecasterInclusions"),
  };
}
