/**
 * Synthesis quality bench: is the network inference more reliable than any single model?
 *
 *   npm run bench:synthesis            -> prints a table, writes bench/results/synthesis.json
 *
 * Deterministic (seeded PRNG). Each scenario generates a truth series, inferers whose errors depend on a
 * hidden state, and forecasters that predict the inferers' losses (in log10 units, as reputers report them
 * when a topic does not allow negatives). The network inference runs through the real engine
 * (synthesis/, 34-digit decimals) with the hub's default topic parameters, one reputer reporting losses.
 * Baselines use the same predictions: naive (the engine's inferer-only value), equal-weight mean, median,
 * the best single inferer in hindsight, and Hedge (exponential weights on cumulative squared loss) with its
 * learning rate tuned in hindsight over a grid. Every loss is the mean raw squared error over all epochs
 * after the first.
 */
import { mkdirSync, writeFileSync } from "fs";
import { dirname, join } from "path";
import {
  ChainVersion,
  Dec,
  EpochSubmissions,
  TopicParams,
  decString,
  defaultTopicParams,
  emptyRegretState,
  parseDec,
  reputerLosses,
  synthesize,
  updateRegrets,
} from "../synthesis";

// ------------------------------------------------------------------------------------------------
// Deterministic randomness

/** mulberry32: small, fast, deterministic 32-bit PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly u: () => number;
  private spare: number | undefined;
  constructor(seed: number) {
    this.u = mulberry32(seed);
  }
  uniform(): number {
    return this.u();
  }
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u1 = this.u();
    while (u1 <= 1e-12) u1 = this.u();
    const u2 = this.u();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }
  int(n: number): number {
    return Math.floor(this.u() * n);
  }
}

// ------------------------------------------------------------------------------------------------
// Scenarios

/** One generated epoch: truth, inferences, forecasted losses (log10 units). Plain numbers: test data. */
interface GenEpoch {
  truth: number;
  inferences: Record<string, number>;
  forecasts: Record<string, Record<string, number>>;
}

interface Scenario {
  name: string;
  description: string;
  epochs: GenEpoch[];
}

const REGIMES = ["calm", "trending", "volatile"] as const;
const INFERERS = ["calm_model", "trend_model", "vol_model"];
const GOOD_SIGMA = 0.3; // error scale of a model in its own regime
const BAD_SIGMA = 2.0; // error scale of a model outside its regime
const COMMON = 0.5; // correlation of the inferers' errors (a shared error component)
const STAY = 0.97; // probability that the regime continues (mean duration ~33 epochs)

function sigmaOf(j: number, regime: number): number {
  return j === regime ? GOOD_SIGMA : BAD_SIGMA;
}

/** Truth: calm random walk, trending (drift +-1), volatile (large steps). Markov regimes. */
function regimePath(rng: Rng, T: number): { truth: number[]; regime: number[] } {
  const truth: number[] = [];
  const regime: number[] = [];
  let r = 0;
  let x = 100;
  let drift = 1;
  for (let t = 0; t < T; t++) {
    if (t > 0 && rng.uniform() > STAY) {
      r = (r + 1 + rng.int(2)) % 3;
      drift = rng.uniform() < 0.5 ? -1 : 1;
    }
    const step = r === 0 ? 0.5 * rng.normal() : r === 1 ? drift + 0.5 * rng.normal() : 3 * rng.normal();
    x += step;
    truth.push(x);
    regime.push(r);
  }
  return { truth, regime };
}

/** Inferences: truth + regime-dependent error, errors partly shared across inferers. */
function specialistInferences(rng: Rng, truth: number, regime: number): Record<string, number> {
  const common = rng.normal();
  const out: Record<string, number> = {};
  INFERERS.forEach((w, j) => {
    const e = COMMON * common + Math.sqrt(1 - COMMON * COMMON) * rng.normal();
    out[w] = truth + sigmaOf(j, regime) * e;
  });
  return out;
}

/**
 * Informative forecasters: each believes the right regime with probability `accuracy` (else a random one)
 * and forecasts log10 of the expected squared error of each inferer in that regime, plus noise.
 */
function informedForecasts(rng: Rng, regime: number, n: number, accuracy: number, noise: number): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (let k = 0; k < n; k++) {
    const belief = rng.uniform() < accuracy ? regime : rng.int(3);
    const f: Record<string, number> = {};
    INFERERS.forEach((w, j) => {
      f[w] = Math.log10(sigmaOf(j, belief) ** 2) + noise * rng.normal();
    });
    out[`forecaster_${k}`] = f;
  }
  return out;
}

/** Uninformative forecasters: the same unconditional level for every inferer, plus noise. */
function uninformedForecasts(rng: Rng, n: number, inferers: string[], noise: number): Record<string, Record<string, number>> {
  const level = Math.log10((GOOD_SIGMA ** 2 + 2 * BAD_SIGMA ** 2) / 3);
  const out: Record<string, Record<string, number>> = {};
  for (let k = 0; k < n; k++) {
    const f: Record<string, number> = {};
    for (const w of inferers) f[w] = level + noise * rng.normal();
    out[`forecaster_${k}`] = f;
  }
  return out;
}

function regimeScenario(seed: number, T: number, informed: boolean): Scenario {
  const rng = new Rng(seed);
  const { truth, regime } = regimePath(rng, T);
  const epochs: GenEpoch[] = [];
  for (let t = 0; t < T; t++) {
    epochs.push({
      truth: truth[t],
      inferences: specialistInferences(rng, truth[t], regime[t]),
      forecasts: informed ? informedForecasts(rng, regime[t], 3, 0.8, 0.2) : uninformedForecasts(rng, 3, INFERERS, 0.5),
    });
  }
  return {
    name: informed ? "regime_switching" : "uninformative_forecasters",
    description: informed
      ? `3 regimes (${REGIMES.join("/")}), Markov stay ${STAY}; 3 inferers each good in one regime (error sd ${GOOD_SIGMA} vs ${BAD_SIGMA}, shared error ${COMMON}); 3 forecasters that know the regime with probability 0.8 and forecast log10 expected losses with noise sd 0.2`
      : `same regimes and inferers; 3 forecasters whose forecasts carry no information (one level for all inferers, noise sd 0.5)`,
    epochs,
  };
}

/**
 * One adversarial inferer: the best for 70% of the epochs, then biased and noisy. Forecasters forecast
 * each inferer's loss from its recent realized losses (an EMA of past log10 losses, what anyone can read
 * from the chain) with noise, so they learn of the failure only after it happens.
 */
function failingScenario(seed: number, T: number): Scenario {
  const rng = new Rng(seed);
  const names = ["star", "steady_1", "steady_2", "steady_3"];
  const sigmas = [0.3, 1.0, 1.2, 1.5];
  const failAt = Math.floor(T * 0.7);
  const ema = names.map(() => Math.log10(1));
  let x = 100;
  const epochs: GenEpoch[] = [];
  for (let t = 0; t < T; t++) {
    x += 0.5 * rng.normal();
    const common = rng.normal();
    const inferences: Record<string, number> = {};
    names.forEach((w, j) => {
      const e = COMMON * common + Math.sqrt(1 - COMMON * COMMON) * rng.normal();
      inferences[w] = j === 0 && t >= failAt ? x + 5 + 3 * e : x + sigmas[j] * e;
    });
    const forecasts: Record<string, Record<string, number>> = {};
    for (let k = 0; k < 3; k++) {
      const f: Record<string, number> = {};
      names.forEach((w, j) => {
        f[w] = ema[j] + 0.2 * rng.normal();
      });
      forecasts[`forecaster_${k}`] = f;
    }
    epochs.push({ truth: x, inferences, forecasts });
    names.forEach((w, j) => {
      const l = Math.log10(Math.max((inferences[w] - x) ** 2, 1e-18));
      ema[j] = 0.8 * ema[j] + 0.2 * l;
    });
  }
  return {
    name: "failing_inferer",
    description: `4 inferers (error sd ${sigmas.join(", ")}); "star" fails at epoch ${failAt + 1} of ${T} (bias +5, sd 3); 3 forecasters forecasting each inferer's loss from an EMA of its past log10 losses (noise sd 0.2)`,
    epochs,
  };
}

// ------------------------------------------------------------------------------------------------
// Running the engine and the baselines

const toDec = (x: number, what: string): Dec => parseDec(x.toFixed(12), what);

function submissions(e: GenEpoch): EpochSubmissions {
  return {
    inferences: new Map(Object.entries(e.inferences).map(([w, v]) => [w, toDec(v, `inference of ${w}`)])),
    forecasts: new Map(
      Object.entries(e.forecasts).map(([k, m]) => [k, new Map(Object.entries(m).map(([w, v]) => [w, toDec(v, `forecast of ${k} for ${w}`)]))]),
    ),
  };
}

interface Losses {
  network: number;
  naive: number;
  mean: number;
  median: number;
  best_single: number;
  hedge: number;
}

interface ScenarioResult {
  description: string;
  epochs: number;
  inferers: string[];
  forecasters: number;
  loss: Losses;
  best_single_worker: string;
  per_inferer_loss: Record<string, number>;
  hedge_learning_rate: number;
  ratio_network_to_best_single: number;
  ratio_network_to_naive: number;
  ratio_network_to_hedge: number;
  targets: Record<string, { target: string; met: boolean }>;
}

const sq = (a: number, b: number): number => (a - b) ** 2;
const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
function med(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Hedge with learning rate eta: weights exp(-eta * cumulative squared loss), normalized. */
function hedgeLoss(epochs: GenEpoch[], names: string[], eta: number): number {
  const cum = names.map(() => 0);
  let total = 0;
  for (let t = 0; t < epochs.length; t++) {
    const e = epochs[t];
    const minCum = Math.min(...cum);
    const w = cum.map((c) => Math.exp(-eta * (c - minCum)));
    const sw = w.reduce((a, b) => a + b, 0);
    const pred = names.reduce((acc, n, j) => acc + (w[j] / sw) * e.inferences[n], 0);
    if (t > 0) total += sq(pred, e.truth);
    names.forEach((n, j) => {
      cum[j] += sq(e.inferences[n], e.truth);
    });
  }
  return total / (epochs.length - 1);
}

function tunedHedge(epochs: GenEpoch[], names: string[]): { loss: number; eta: number } {
  let best = { loss: Infinity, eta: 0 };
  for (let i = 0; i <= 40; i++) {
    const eta = 10 ** (-5 + i * 0.15); // 1e-5 .. 1e1
    const loss = hedgeLoss(epochs, names, eta);
    if (loss < best.loss) best = { loss, eta };
  }
  return best;
}

/** The algorithms compared: the new default (current chain rules) and the old one (released v0.5.0 rules). */
const VERSIONS: readonly ChainVersion[] = ["current", "v0.5"];

function runScenario(s: Scenario, chainVersion: ChainVersion): ScenarioResult {
  const params: TopicParams = { ...defaultTopicParams(), chainVersion };
  let state = emptyRegretState();
  const names = Object.keys(s.epochs[0].inferences).sort();
  const acc = { network: [] as number[], naive: [] as number[], mean: [] as number[], median: [] as number[] };
  const per: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  s.epochs.forEach((e, t) => {
    const bundle = synthesize(submissions(e), state, params, { variants: false });
    const truth = toDec(e.truth, "truth");
    state = updateRegrets(state, reputerLosses(bundle, truth, params), params);
    if (t === 0) return;
    const values = names.map((n) => e.inferences[n]);
    acc.network.push(sq(Number(decString(bundle.combinedValue)), e.truth));
    acc.naive.push(sq(Number(decString(bundle.naiveValue)), e.truth));
    acc.mean.push(sq(avg(values), e.truth));
    acc.median.push(sq(med(values), e.truth));
    names.forEach((n) => per[n].push(sq(e.inferences[n], e.truth)));
  });
  const perLoss = Object.fromEntries(names.map((n) => [n, avg(per[n])]));
  const bestWorker = names.reduce((b, n) => (perLoss[n] < perLoss[b] ? n : b), names[0]);
  const hedge = tunedHedge(s.epochs, names);
  const loss: Losses = {
    network: avg(acc.network),
    naive: avg(acc.naive),
    mean: avg(acc.mean),
    median: avg(acc.median),
    best_single: perLoss[bestWorker],
    hedge: hedge.loss,
  };
  const targets: ScenarioResult["targets"] =
    s.name === "regime_switching"
      ? {
          network_vs_best_single: { target: "network <= 0.85 x best_single", met: loss.network <= 0.85 * loss.best_single },
          network_vs_hedge: { target: "network < hedge", met: loss.network < loss.hedge },
        }
      : { network_vs_naive: { target: "network <= 1.05 x naive", met: loss.network <= 1.05 * loss.naive } };
  return {
    description: s.description,
    epochs: s.epochs.length,
    inferers: names,
    forecasters: Object.keys(s.epochs[0].forecasts).length,
    loss,
    best_single_worker: bestWorker,
    per_inferer_loss: perLoss,
    hedge_learning_rate: hedge.eta,
    ratio_network_to_best_single: loss.network / loss.best_single,
    ratio_network_to_naive: loss.network / loss.naive,
    ratio_network_to_hedge: loss.network / loss.hedge,
    targets,
  };
}

// ------------------------------------------------------------------------------------------------

// Overridable for robustness checks (the committed results use the defaults):
//   SYNTH_BENCH_SEED=7 SYNTH_BENCH_EPOCHS=1000 SYNTH_BENCH_OUT=/tmp/x.json npm run bench:synthesis
const SEED = Number(process.env.SYNTH_BENCH_SEED ?? 20260425);
const EPOCHS = Number(process.env.SYNTH_BENCH_EPOCHS ?? 2000);

function round(x: number): number {
  return Number(x.toPrecision(6));
}

function rounded(r: ScenarioResult): ScenarioResult {
  return {
    ...r,
    loss: Object.fromEntries(Object.entries(r.loss).map(([k, v]) => [k, round(v)])) as unknown as Losses,
    per_inferer_loss: Object.fromEntries(Object.entries(r.per_inferer_loss).map(([k, v]) => [k, round(v)])),
    hedge_learning_rate: round(r.hedge_learning_rate),
    ratio_network_to_best_single: round(r.ratio_network_to_best_single),
    ratio_network_to_naive: round(r.ratio_network_to_naive),
    ratio_network_to_hedge: round(r.ratio_network_to_hedge),
  };
}

function main(): void {
  if (!Number.isSafeInteger(SEED) || !Number.isSafeInteger(EPOCHS) || EPOCHS < 10) {
    throw new Error("SYNTH_BENCH_SEED must be an integer and SYNTH_BENCH_EPOCHS an integer >= 10");
  }
  const started = Date.now();
  const scenarios = [regimeScenario(SEED, EPOCHS, true), regimeScenario(SEED, EPOCHS, false), failingScenario(SEED + 1, EPOCHS)];
  // results[version][scenario]
  const results: Record<string, Record<string, ScenarioResult>> = {};
  for (const v of VERSIONS) {
    results[v] = {};
    for (const s of scenarios) {
      const t0 = Date.now();
      results[v][s.name] = runScenario(s, v);
      process.stderr.write(`${s.name} (${v}): ${s.epochs.length} epochs in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
  }

  const cols = ["network", "naive", "mean", "median", "best_single", "hedge"] as const;
  const header = ["scenario".padEnd(27), "rules".padEnd(8), ...cols.map((c) => c.padStart(11)), "net/best".padStart(9), "net/naive".padStart(10), "targets"].join(" ");
  const lines = [header, "-".repeat(header.length)];
  const rows: [string, ChainVersion, ScenarioResult][] = [];
  for (const s of scenarios) for (const v of VERSIONS) rows.push([s.name, v, results[v][s.name]]);
  for (const [name, v, r] of rows) {
    const met = Object.values(r.targets)
      .map((t) => `${t.met ? "met" : "MISSED"}: ${t.target}`)
      .join("; ");
    lines.push(
      [
        name.padEnd(27),
        v.padEnd(8),
        ...cols.map((c) => r.loss[c].toFixed(4).padStart(11)),
        r.ratio_network_to_best_single.toFixed(3).padStart(9),
        r.ratio_network_to_naive.toFixed(3).padStart(10),
        met,
      ].join(" "),
    );
  }
  process.stdout.write(lines.join("\n") + "\n");

  const p = defaultTopicParams();
  const out = {
    generated_by: "npm run bench:synthesis (bench/synthesis.ts)",
    seed: SEED,
    loss: "mean squared error over all epochs after the first",
    topic_params: {
      p_norm: decString(p.pNorm),
      c_norm: decString(p.cNorm),
      alpha_regret: decString(p.alphaRegret),
      epsilon: decString(p.epsilon),
      allow_negative: p.allowNegative,
      loss_method: p.lossMethod,
    },
    algorithms: {
      current: "new default: the newest allora-chain rules (chainVersion current; see synthesis/README.md)",
      "v0.5": "old: the released allora-chain v0.5.0 scale and initial regret (chainVersion v0.5), the engine before this change",
    },
    // Top-level fields of a scenario are the new algorithm's (its targets are the ones that count);
    // old_v0_5 holds the old algorithm's figures on the same seeded epochs, side by side.
    scenarios: Object.fromEntries(
      scenarios.map((s) => {
        const r = results.current[s.name];
        const o = results["v0.5"][s.name];
        return [
          s.name,
          {
            ...rounded(r),
            old_v0_5: {
              loss: rounded(o).loss,
              ratio_network_to_best_single: round(o.ratio_network_to_best_single),
              ratio_network_to_naive: round(o.ratio_network_to_naive),
              ratio_network_to_hedge: round(o.ratio_network_to_hedge),
              targets: o.targets,
            },
          },
        ];
      }),
    ),
  };
  const file = process.env.SYNTH_BENCH_OUT ?? join(__dirname, "results", "synthesis.json");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  process.stderr.write(`wrote ${file} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main();
