/**
 * The Allora inference synthesis engine: pure functions, no I/O.
 *
 * Typical epoch loop (what the hub does per topic):
 * ```ts
 * import { defaultTopicParams, emptyRegretState, synthesize, reputerLosses, stakeWeightedLosses,
 *          updateRegrets, parseDec } from "../synthesis";
 * const params = defaultTopicParams();
 * let state = emptyRegretState();
 * // 1. workers submit; the network inference is made
 * const bundle = synthesize({ inferences, forecasts }, state, params);   // bundle.combinedValue = I_i
 * // 2. the truth is revealed; reputers report losses; the network losses are their stake-weighted mean
 * const report = reputerLosses(bundle, parseDec("101.5", "truth"), params);
 * const losses = stakeWeightedLosses([{ stake: parseDec("1000", "stake"), losses: report }]);
 * // 3. the regrets learn from the losses; persist with regretStateToJSON
 * state = updateRegrets(state, losses, params);
 * ```
 * See synthesis/README.md for the algorithm and the hub source it follows.
 */
export {
  Dec,
  parseDec,
  SynthesisInputError,
  SynthesisMathError,
  decString,
  add,
  sub,
  mul,
  quo,
  exp,
  log10,
  sqrt,
  stdDev,
  median,
  ZERO,
  ONE,
  quantile,
  medianAbsoluteDeviation,
} from "./dec";
export type {
  TopicParams,
  LossMethod,
  EpochSubmissions,
  NetworkBundle,
  WorkerValue,
  OneOutInfererForecasterValues,
  EpochLosses,
  ChainVersion,
} from "./types";
export { LOSS_METHODS, CHAIN_VERSIONS } from "./types";
export { defaultTopicParams, validateParams, chainRules } from "./params";
export type { ChainRules } from "./params";
export {
  gradient,
  weightBounds,
  weightFromNormalizedRegret,
  normalizeRegrets,
  weightsFromRegrets,
  weightsWithScale,
  regretScalePlusEpsilon,
  MAD_TO_STD_DEV,
} from "./weights";
export type { WeightBounds, NormalizedRegrets } from "./weights";
export { forecastImpliedInference, forecastImpliedInferences } from "./forecast-implied";
export type { RegretWeigher } from "./forecast-implied";
export {
  emptyRegretState,
  updateRegrets,
  regretStateToJSON,
  regretStateFromJSON,
  calcInitialRegret,
  calcInitialRegretQuantile,
  allInferersAreNewByTopic,
  ema,
  startingRegret,
} from "./regrets";
export type { RegretState, RegretStateJSON, RegretMap, NestedRegretMap } from "./regrets";
export { rawLoss, lossOf, reputerLosses, stakeWeightedLosses, MIN_RAW_LOSS } from "./losses";
export { synthesize, combinePalette, combinePaletteCurrent } from "./network";
export type { SynthesizeOptions, Palette, PaletteMember, PaletteResult } from "./network";
export { parseLosslessJson, JsonNumber, JsonSyntaxError } from "./json";
export type { LosslessJson } from "./json";
export { Replay, ReplayInputError, parseEpochLine } from "./replay";
export type { EpochRecord, EpochOutput, ReplaySummary } from "./replay";
export { bundleToValueBundleJSON, weightsToJSON } from "./bundle";
export type { ValueBundleValuesJSON, WorkerValueJSON } from "./bundle";
