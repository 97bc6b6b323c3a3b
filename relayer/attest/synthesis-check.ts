/**
 * Verifiable synthesis, the pure part: re-derive a network bundle's combined and naive values from the
 * bundle's own parts (the inferers' values, the forecast-implied values) and the regrets the hub held at
 * that height, with the synthesis engine (synthesis/), and compare with what the hub published.
 *
 * Why: an attester used to sign whatever its hub node returned; a compromised or buggy node, or a hub
 * upgrade that silently changed the rule, was signed through. The hub publishes the parts, so the
 * arithmetic can be checked. What is not checked: the parts themselves against the workers' submissions
 * (forecast-implied values need the raw forecasts) and the one-out / one-in values (one regret query per
 * pair of workers); see docs/operators.md, "Verifiable synthesis".
 *
 * Rules followed (the engine's, synthesis/network.ts): "current" (newest allora-chain) or "v0.5".
 * "No network loss yet" (the chain's median-of-inferences first epoch) is read from the regrets: no worker
 * of the bundle has a stored regret and the topic has no cached regret scale.
 */
import {
  ChainVersion,
  Dec,
  Palette,
  PaletteMember,
  PaletteResult,
  TopicParams,
  ZERO,
  chainRules,
  combinePalette,
  combinePaletteCurrent,
  decString,
  median,
  parseDec,
  regretScalePlusEpsilon,
  sub,
  weightsWithScale,
} from "../../synthesis";

/** A worker's regret as the hub answers it. */
export interface HubRegret {
  value: Dec;
  /** false: the worker has no stored regret and was answered the topic's initial regret */
  hasPrior: boolean;
}

/** What the hub held at the bundle's height, beyond the bundle. */
export interface SynthesisInputs {
  /** p, c, epsilon of the topic and the chain rules to follow */
  params: Pick<TopicParams, "pNorm" | "cNorm" | "epsilon"> & { chainVersion?: ChainVersion };
  /** the topic's initial regret ("current" rules: 0 means every inferer is new) */
  initialRegret: Dec;
  /** the topic's cached regret scale (0: none yet; the MAD of the palette's regrets is used) */
  regretScale: Dec;
  /** R_ij per inferer (combined value) */
  inferer: ReadonlyMap<string, HubRegret>;
  /** R_ik per forecaster (combined value) */
  forecaster: ReadonlyMap<string, HubRegret>;
  /** R^-_ij per inferer (naive value) */
  naiveInferer: ReadonlyMap<string, HubRegret>;
}

/** The parts of a ValueBundle the check reads (the lib/allora-proto shape: decimals as strings). */
export interface BundleParts {
  combinedValue: string;
  naiveValue: string;
  infererValues: readonly { worker: string; value: string }[];
  forecasterValues: readonly { worker: string; value: string }[];
}

export interface Rederived {
  combined: Dec;
  naive: Dec;
}

/** The outcome of a check. `part` names the first field of the bundle that does not add up. */
export type SynthesisVerdict =
  | { ok: true; combined: string; naive: string }
  | { ok: false; part: string; hub: string; ours: string; problem: string };

/**
 * Two values agree when they share 20 significant digits (or differ by less than 1e-20 near zero). The chain
 * computes with 34 digits, rounding toward zero; the engine's exp/log/sqrt may differ from the chain's in
 * the last digit and that error can grow through the divisions, but nowhere near 14 digits. An EVM value
 * carries 18 decimals, so anything the tolerance lets through is far below what a chain could store.
 */
export const DEFAULT_RELATIVE_TOLERANCE = new Dec("1e-20");

export function agrees(a: Dec, b: Dec, tolerance: Dec = DEFAULT_RELATIVE_TOLERANCE): boolean {
  let scale = a.abs();
  if (b.abs().gt(scale)) scale = b.abs();
  if (scale.lt(1)) scale = new Dec(1);
  return !sub(a, b).abs().gt(scale.mul(tolerance));
}

class PartError extends Error {
  constructor(
    readonly part: string,
    readonly raw: string,
    message: string,
  ) {
    super(message);
  }
}

function dec(raw: string, part: string): Dec {
  try {
    return parseDec(raw, part);
  } catch (e) {
    throw new PartError(part, raw, `${part} is not a decimal: ${(e as Error).message}`);
  }
}

function sortedParts(xs: readonly { worker: string; value: string }[], field: string): { worker: string; value: Dec }[] {
  const seen = new Set<string>();
  for (const x of xs) {
    if (seen.has(x.worker)) throw new PartError(`${field}[${x.worker}]`, x.value, `${field} lists ${x.worker} twice`);
    seen.add(x.worker);
  }
  // The chain's order (workers sorted), so sums run as the chain's do.
  // Stryker disable next-line all: equivalent; the order of the workers changes at most the last of 34 digits of a sum, far below the agreement tolerance, so no verdict changes
  const ordered = [...xs].sort((a, b) => (a.worker < b.worker ? -1 : a.worker > b.worker ? 1 : 0));
  return ordered.map((x) => ({ worker: x.worker, value: dec(x.value, `${field}[${x.worker}]`) }));
}

function regretOf(m: ReadonlyMap<string, HubRegret>, worker: string, what: string): HubRegret {
  const r = m.get(worker);
  if (!r) throw new PartError(what, "", `no ${what} of ${worker} was fetched (a bug in the caller)`);
  return r;
}

/**
 * Re-derives the combined and naive values from the bundle's parts and the hub's regrets.
 * @throws PartError (via checkBundle) when a part is unreadable
 */
export function rederive(bundle: BundleParts, inputs: SynthesisInputs): Rederived {
  const inferers = sortedParts(bundle.infererValues, "inferer_values");
  const forecasters = sortedParts(bundle.forecasterValues, "forecaster_values");
  if (inferers.length === 0) throw new PartError("inferer_values", "", "the bundle has no inferer values to make a combined value from");
  if (inferers.length === 1) return { combined: inferers[0].value, naive: inferers[0].value };

  const rules = chainRules({ ...inputs.params, alphaRegret: new Dec("0.1"), allowNegative: false, lossMethod: "mse" });
  const member = (regrets: ReadonlyMap<string, HubRegret>, what: string) => (x: { worker: string; value: Dec }): PaletteMember => {
    const r = regretOf(regrets, x.worker, what);
    return { worker: x.worker, value: x.value, regret: r.value, hasPrior: r.hasPrior };
  };
  const combinedPalette: Palette = {
    inferers: inferers.map(member(inputs.inferer, "inferer regret")),
    forecasters: forecasters.map(member(inputs.forecaster, "forecaster regret")),
  };
  const naivePalette: Palette = { inferers: inferers.map(member(inputs.naiveInferer, "naive inferer regret")), forecasters: [] };

  if (rules.version === "v0.5") {
    return { combined: combinePalette(combinedPalette, inputs.params).value, naive: combinePalette(naivePalette, inputs.params).value };
  }
  const anyPrior = [...combinedPalette.inferers, ...combinedPalette.forecasters].some((m) => m.hasPrior);
  if (!anyPrior && !inputs.regretScale.gt(ZERO)) {
    // the chain's first epoch of a topic (no network loss yet): the median, and a naive value of 0
    return { combined: median(inferers.map((x) => x.value)), naive: ZERO };
  }
  const scale = inputs.regretScale;
  const weigh = (regrets: readonly Dec[]) =>
    weightsWithScale(regrets, scale.gt(ZERO) ? scale : regretScalePlusEpsilon(regrets, inputs.params.epsilon), inputs.params);
  const allNew = inputs.initialRegret.isZero();
  const combine = (p: Palette): PaletteResult => combinePaletteCurrent(p, weigh, allNew, rules.epsilonSafeDiv);
  return { combined: combine(combinedPalette).value, naive: combine(naivePalette).value };
}

/**
 * The decision: re-derive, then compare field by field in the bundle's order (combined_value, then
 * naive_value). A part that cannot be read is the first part that differs.
 */
export function checkBundle(bundle: BundleParts, inputs: SynthesisInputs, tolerance: Dec = DEFAULT_RELATIVE_TOLERANCE): SynthesisVerdict {
  let ours: Rederived;
  try {
    ours = rederive(bundle, inputs);
  } catch (e) {
    if (e instanceof PartError) return { ok: false, part: e.part, hub: e.raw, ours: "", problem: e.message };
    throw e;
  }
  const fields: [string, string, Dec][] = [
    ["combined_value", bundle.combinedValue, ours.combined],
    ["naive_value", bundle.naiveValue, ours.naive],
  ];
  for (const [part, hubRaw, mine] of fields) {
    let hub: Dec;
    try {
      hub = dec(hubRaw, part);
    } catch (e) {
      return { ok: false, part, hub: hubRaw, ours: decString(mine), problem: (e as Error).message };
    }
    if (!agrees(hub, mine, tolerance)) {
      return {
        ok: false,
        part,
        hub: hubRaw,
        ours: decString(mine),
        problem: `${part}: the hub says ${hubRaw}, its parts and regrets make ${decString(mine)}`,
      };
    }
  }
  return { ok: true, combined: decString(ours.combined), naive: decString(ours.naive) };
}
