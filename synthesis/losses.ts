/**
 * Losses against the ground truth, as a topic's reputers report them, and the network losses
 * (hub: `x/emissions/keeper/inference_synthesis/network_losses.go`, CalcNetworkLosses: the stake-weighted
 * mean of every reported loss, over the reputers that reported it).
 *
 * Reputer units: when the topic does not allow negative values, a loss travels as log10(raw loss).
 */
import { Dec, SynthesisInputError, add, mul, quo, sub, log10, requireFinite, ZERO } from "./dec";
import { EpochLosses, LossMethod, NetworkBundle, TopicParams } from "./types";

/**
 * Smallest raw loss taken before log10 (1e-18, one unit of the 18-decimal fixed point the project uses on
 * EVM chains), so that an exact hit gives log10 = -18 instead of -Infinity.
 */
export const MIN_RAW_LOSS: Dec = new Dec("1e-18");

/** Raw loss of one value: squared error for "mse"/"se", absolute error for "mae"/"ae". */
export function rawLoss(method: LossMethod, truth: Dec, value: Dec): Dec {
  requireFinite(truth, "ground truth");
  requireFinite(value, "value");
  const d = sub(truth, value);
  switch (method) {
    case "mse":
    case "se":
      return mul(d, d);
    case "mae":
    case "ae":
      return d.abs();
    default:
      throw new SynthesisInputError(`loss method ${JSON.stringify(method)} is not supported; use mse or mae`);
  }
}

/**
 * The loss a reputer reports for one value: the raw loss when the topic allows negative values, otherwise
 * log10 of the raw loss (floored at MIN_RAW_LOSS).
 */
export function lossOf(method: LossMethod, truth: Dec, value: Dec, allowNegative: boolean): Dec {
  const raw = rawLoss(method, truth, value);
  if (allowNegative) return raw;
  return log10(raw.lt(MIN_RAW_LOSS) ? MIN_RAW_LOSS : raw);
}

/** One reputer's loss report for every value of a network bundle, against the revealed truth. */
export function reputerLosses(bundle: NetworkBundle, truth: Dec, params: Pick<TopicParams, "lossMethod" | "allowNegative">): EpochLosses {
  requireFinite(truth, "ground truth");
  const L = (v: Dec): Dec => lossOf(params.lossMethod, truth, v, params.allowNegative);
  const fromList = (xs: { worker: string; value: Dec }[]): Map<string, Dec> => new Map(xs.map((x) => [x.worker, L(x.value)]));
  const oneOutInfFc = new Map<string, Map<string, Dec>>();
  for (const entry of bundle.oneOutInfererForecasterValues) oneOutInfFc.set(entry.forecaster, fromList(entry.values));
  return {
    combinedValue: L(bundle.combinedValue),
    naiveValue: L(bundle.naiveValue),
    infererValues: fromList(bundle.infererValues),
    forecasterValues: fromList(bundle.forecasterValues),
    oneOutInfererValues: fromList(bundle.oneOutInfererValues),
    oneOutForecasterValues: fromList(bundle.oneOutForecasterValues),
    oneInForecasterValues: fromList(bundle.oneInForecasterValues),
    oneOutInfererForecasterValues: oneOutInfFc,
  };
}

class Running {
  num: Dec = ZERO;
  den: Dec = ZERO;
  push(stake: Dec, loss: Dec): void {
    this.num = add(this.num, mul(loss, stake));
    this.den = add(this.den, stake);
  }
  value(): Dec {
    return quo(this.num, this.den);
  }
}

function runningMap(): Map<string, Running> {
  return new Map();
}

function pushTo(m: Map<string, Running>, key: string, stake: Dec, loss: Dec): void {
  let r = m.get(key);
  if (!r) {
    r = new Running();
    m.set(key, r);
  }
  r.push(stake, loss);
}

function finish(m: Map<string, Running>): Map<string, Dec> {
  const out = new Map<string, Dec>();
  for (const k of [...m.keys()].sort()) out.set(k, (m.get(k) as Running).value());
  return out;
}

/**
 * Network losses: for every value, sum(stake * loss) / sum(stake) over the reputers that reported it.
 * Stakes must be positive finite decimals.
 *
 * @throws SynthesisInputError for no reports, a non-positive stake or a non-finite loss
 */
export function stakeWeightedLosses(reports: readonly { stake: Dec; losses: EpochLosses }[]): EpochLosses {
  if (reports.length === 0) throw new SynthesisInputError("stakeWeightedLosses: no reputer reports; give at least one");
  const combined = new Running();
  const naive = new Running();
  const inf = runningMap();
  const fc = runningMap();
  const ooi = runningMap();
  const oof = runningMap();
  const oif = runningMap();
  const ooif = new Map<string, Map<string, Running>>();
  reports.forEach(({ stake, losses }, idx) => {
    requireFinite(stake, `report ${idx} stake`);
    if (!stake.gt(ZERO)) throw new SynthesisInputError(`report ${idx} stake: ${stake.toString()} must be > 0`);
    const chk = (x: Dec, what: string): Dec => requireFinite(x, `report ${idx} ${what}`);
    combined.push(stake, chk(losses.combinedValue, "combinedValue"));
    naive.push(stake, chk(losses.naiveValue, "naiveValue"));
    for (const [w, v] of losses.infererValues) pushTo(inf, w, stake, chk(v, `infererValues[${w}]`));
    for (const [w, v] of losses.forecasterValues) pushTo(fc, w, stake, chk(v, `forecasterValues[${w}]`));
    for (const [w, v] of losses.oneOutInfererValues) pushTo(ooi, w, stake, chk(v, `oneOutInfererValues[${w}]`));
    for (const [w, v] of losses.oneOutForecasterValues) pushTo(oof, w, stake, chk(v, `oneOutForecasterValues[${w}]`));
    for (const [w, v] of losses.oneInForecasterValues) pushTo(oif, w, stake, chk(v, `oneInForecasterValues[${w}]`));
    for (const [k, m] of losses.oneOutInfererForecasterValues) {
      let inner = ooif.get(k);
      if (!inner) {
        inner = runningMap();
        ooif.set(k, inner);
      }
      for (const [j, v] of m) pushTo(inner, j, stake, chk(v, `oneOutInfererForecasterValues[${k}][${j}]`));
    }
  });
  const ooifOut = new Map<string, Map<string, Dec>>();
  for (const k of [...ooif.keys()].sort()) ooifOut.set(k, finish(ooif.get(k) as Map<string, Running>));
  return {
    combinedValue: combined.value(),
    naiveValue: naive.value(),
    infererValues: finish(inf),
    forecasterValues: finish(fc),
    oneOutInfererValues: finish(ooi),
    oneOutForecasterValues: finish(oof),
    oneInForecasterValues: finish(oif),
    oneOutInfererForecasterValues: ooifOut,
  };
}
