/**
 * Replay of a topic's history, epoch by epoch (the engine of `npm run synthesize`). Pure: it turns parsed
 * lines into output records; the script does the reading and writing.
 *
 * Input line:  {"epoch": n, "truth": x, "inferences": {"<worker>": v, ...},
 *               "forecasts": {"<forecaster>": {"<worker>": forecastedLoss, ...}, ...}}
 * Numbers may be JSON numbers (read losslessly, never through a float) or decimal strings.
 * The truth of epoch n is revealed after that epoch's inferences are combined.
 */
import { Dec, SynthesisInputError, add, quo, median, decString, parseDec, ZERO } from "./dec";
import { JsonNumber, JsonSyntaxError, LosslessJson, parseLosslessJson } from "./json";
import { rawLoss, reputerLosses } from "./losses";
import { synthesize } from "./network";
import { RegretState, emptyRegretState, updateRegrets } from "./regrets";
import { EpochSubmissions, TopicParams } from "./types";

/** Error in an input line, naming the line number and the field. */
export class ReplayInputError extends SynthesisInputError {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "ReplayInputError";
  }
}

/** One parsed epoch. */
export interface EpochRecord {
  epoch: number;
  truth: Dec;
  submissions: EpochSubmissions;
}

const FIELDS = new Set(["epoch", "truth", "inferences", "forecasts"]);

function isObject(x: LosslessJson | undefined): x is { [key: string]: LosslessJson } {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !(x instanceof JsonNumber);
}

function decField(v: LosslessJson | undefined, field: string, line: number): Dec {
  if (v instanceof JsonNumber || typeof v === "string") {
    try {
      return parseDec(v.toString(), `field ${field}`);
    } catch (e) {
      throw new ReplayInputError(line, (e as Error).message);
    }
  }
  const got = v === undefined ? "missing" : v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
  throw new ReplayInputError(line, `field ${field}: expected a number or a decimal string, got ${got}`);
}

/**
 * Parses and validates one input line.
 * @throws ReplayInputError naming the line, the field and the fix
 */
export function parseEpochLine(text: string, line: number): EpochRecord {
  let json: LosslessJson;
  try {
    json = parseLosslessJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      const c = text[e.offset];
      const hint = c === "N" || c === "I" || c === "-" ? " (NaN and Infinity are not numbers in JSON; give finite values)" : "";
      throw new ReplayInputError(line, `invalid JSON: ${e.message}${hint}`);
    }
    throw e;
  }
  if (!isObject(json)) throw new ReplayInputError(line, "expected a JSON object {\"epoch\", \"truth\", \"inferences\", \"forecasts\"}");
  for (const k of Object.keys(json)) {
    if (!FIELDS.has(k)) throw new ReplayInputError(line, `unknown field ${JSON.stringify(k)}; expected epoch, truth, inferences, forecasts`);
  }
  const ep = json.epoch;
  if (!(ep instanceof JsonNumber) || !/^-?\d+$/.test(ep.text) || !Number.isSafeInteger(Number(ep.text))) {
    throw new ReplayInputError(line, `field epoch: expected an integer, got ${ep === undefined ? "missing" : JSON.stringify(ep instanceof JsonNumber ? ep.text : ep)}`);
  }
  const truth = decField(json.truth, "truth", line);
  const infs = json.inferences;
  if (!isObject(infs)) throw new ReplayInputError(line, "field inferences: expected an object {\"<worker>\": value, ...}");
  const inferences = new Map<string, Dec>();
  for (const [w, v] of Object.entries(infs)) {
    if (w.length === 0) throw new ReplayInputError(line, "field inferences: empty worker name");
    inferences.set(w, decField(v, `inferences.${w}`, line));
  }
  if (inferences.size === 0) throw new ReplayInputError(line, "field inferences: no inference; give at least one");
  const forecasts = new Map<string, Map<string, Dec>>();
  const fcs = json.forecasts ?? {};
  if (!isObject(fcs)) throw new ReplayInputError(line, "field forecasts: expected an object {\"<forecaster>\": {\"<worker>\": loss}}");
  for (const [k, m] of Object.entries(fcs)) {
    if (!isObject(m)) throw new ReplayInputError(line, `field forecasts.${k}: expected an object {"<worker>": forecastedLoss}`);
    const inner = new Map<string, Dec>();
    for (const [j, v] of Object.entries(m)) inner.set(j, decField(v, `forecasts.${k}.${j}`, line));
    forecasts.set(k, inner);
  }
  return { epoch: Number(ep.text), truth, submissions: { inferences, forecasts } };
}

/** One output line. Values are decimal strings, as the hub transports them. */
export interface EpochOutput {
  epoch: number;
  network: string;
  naive: string;
  /** Weights the network inference gave each inferer (the hub's regret-informed weights, not normalized). */
  weights: Record<string, string>;
  /** Weights of the forecast-implied inferences, per forecaster. */
  forecaster_weights: Record<string, string>;
}

/** The summary line: means of the raw loss (e.g. squared error) over all epochs after the first. */
export interface ReplaySummary {
  summary: {
    epochs: number;
    scored_epochs: number;
    loss_method: string;
    loss: { network: number; naive: number; mean: number; median: number; best_single: number };
    best_single_worker: string | null;
  };
}

class MeanAcc {
  sum: Dec = ZERO;
  n = 0;
  push(x: Dec): void {
    this.sum = add(this.sum, x);
    this.n++;
  }
  mean(): Dec | undefined {
    return this.n === 0 ? undefined : quo(this.sum, new Dec(this.n));
  }
}

const toNum = (x: Dec | undefined): number => (x === undefined ? NaN : Number(decString(x)));

/** A running replay: feed it epochs in order, then ask for the summary. */
export class Replay {
  private state: RegretState = emptyRegretState();
  private lastEpoch: number | undefined;
  private count = 0;
  private readonly acc = { network: new MeanAcc(), naive: new MeanAcc(), mean: new MeanAcc(), median: new MeanAcc() };
  private readonly perWorker = new Map<string, MeanAcc>();

  constructor(
    readonly params: TopicParams,
    private readonly variants = true,
  ) {}

  /** Current regrets (e.g. to save them). */
  get regrets(): RegretState {
    return this.state;
  }

  /**
   * Synthesizes one epoch, then learns from its truth.
   * @throws ReplayInputError if epochs do not increase
   */
  step(rec: EpochRecord, line: number): EpochOutput {
    if (this.lastEpoch !== undefined && rec.epoch <= this.lastEpoch) {
      throw new ReplayInputError(line, `field epoch: ${rec.epoch} does not follow ${this.lastEpoch}; epochs must increase`);
    }
    let bundle;
    try {
      bundle = synthesize(rec.submissions, this.state, this.params, { variants: this.variants });
    } catch (e) {
      if (e instanceof SynthesisInputError) throw new ReplayInputError(line, e.message);
      throw e;
    }
    const method = this.params.lossMethod;
    if (this.count > 0) {
      const values = [...rec.submissions.inferences.values()];
      this.acc.network.push(rawLoss(method, rec.truth, bundle.combinedValue));
      this.acc.naive.push(rawLoss(method, rec.truth, bundle.naiveValue));
      this.acc.mean.push(rawLoss(method, rec.truth, quo(values.reduce((a, b) => add(a, b), ZERO), new Dec(values.length))));
      this.acc.median.push(rawLoss(method, rec.truth, median(values)));
      for (const [w, v] of rec.submissions.inferences) {
        let a = this.perWorker.get(w);
        if (!a) {
          a = new MeanAcc();
          this.perWorker.set(w, a);
        }
        a.push(rawLoss(method, rec.truth, v));
      }
    }
    this.state = updateRegrets(this.state, reputerLosses(bundle, rec.truth, this.params), this.params);
    this.lastEpoch = rec.epoch;
    this.count++;
    const weights = (m: Map<string, Dec>): Record<string, string> => Object.fromEntries([...m].map(([k, v]) => [k, decString(v)]));
    return {
      epoch: rec.epoch,
      network: decString(bundle.combinedValue),
      naive: decString(bundle.naiveValue),
      weights: weights(bundle.infererWeights),
      forecaster_weights: weights(bundle.forecasterWeights),
    };
  }

  /**
   * Means of the raw loss over every epoch after the first. best_single is the lowest mean loss of any
   * single inferer in hindsight, each over the scored epochs in which it submitted.
   */
  summary(): ReplaySummary {
    let best: Dec | undefined;
    let bestWorker: string | null = null;
    for (const w of [...this.perWorker.keys()].sort()) {
      const m = (this.perWorker.get(w) as MeanAcc).mean() as Dec;
      if (best === undefined || m.lt(best)) {
        best = m;
        bestWorker = w;
      }
    }
    return {
      summary: {
        epochs: this.count,
        scored_epochs: this.acc.network.n,
        loss_method: this.params.lossMethod,
        loss: {
          network: toNum(this.acc.network.mean()),
          naive: toNum(this.acc.naive.mean()),
          mean: toNum(this.acc.mean.mean()),
          median: toNum(this.acc.median.mean()),
          best_single: toNum(best),
        },
        best_single_worker: bestWorker,
      },
    };
  }
}
