/**
 * Simulated topic participants: a ground-truth process (seeded random walk), inferers of graded
 * quality, forecasters that predict each inferer's loss, and reputers that report losses against the
 * truth with their stake. Each epoch feeds the synthesis engine (synthesis/) and learns from the
 * reputers' stake-weighted losses, exactly as the hub does per topic:
 *
 *   submissions -> synthesize(subs, regrets) -> bundle -> truth revealed -> reputerLosses per reputer
 *   -> stakeWeightedLosses -> updateRegrets
 *
 * Simplification: the ground truth of an epoch is revealed when the epoch closes (ground-truth lag of
 * one epoch), so the regrets used by epoch i+1 include epoch i's losses.
 *
 * Deterministic: the same topic config gives the same bundles epoch after epoch, so a test can replay
 * a topic with `new TopicSimulation(...)` and compare with what the node serves.
 */
import { sha256 } from "@cosmjs/crypto";
import { toBech32, toUtf8 } from "@cosmjs/encoding";
import {
  Dec,
  EpochSubmissions,
  NetworkBundle,
  RegretState,
  TopicParams,
  decString,
  emptyRegretState,
  startingRegret,
  parseDec,
  reputerLosses,
  stakeWeightedLosses,
  synthesize,
  updateRegrets,
} from "../../../synthesis";
import { TopicConfig } from "../config";
import { numToDecString, Rng } from "./random";

export interface SimInferer {
  address: string;
  noise: number;
  bias: number;
}
export interface SimForecaster {
  address: string;
  noise: number;
}
export interface SimReputer {
  address: string;
  stake: string;
  noise: number;
}

export interface EpochOutcome {
  /** 1-based epoch counter of this topic */
  epoch: number;
  truth: string;
  submissions: EpochSubmissions;
  bundle: NetworkBundle;
  /** the regrets the synthesis used (served by the devnet's regret queries at this epoch's height) */
  regrets: RegretSnapshot;
}

/**
 * The part of a topic's regret state that makes its combined and naive values, as decimal strings (it
 * crosses the worker-thread boundary). `initialRegret` is the one the engine used ("0" before it had one).
 */
export interface RegretSnapshot {
  inferer: Record<string, string>;
  forecaster: Record<string, string>;
  naiveInferer: Record<string, string>;
  initialRegret: string;
  /** the cached regret scale; "0" when the topic has none yet */
  regretScale: string;
}

function regretSnapshot(state: RegretState, params: TopicParams): RegretSnapshot {
  const rec = (m: Map<string, Dec>) => Object.fromEntries([...m].map(([w, v]) => [w, decString(v)]));
  return {
    inferer: rec(state.inferer),
    forecaster: rec(state.forecaster),
    naiveInferer: rec(state.naiveInferer),
    initialRegret: decString(startingRegret(state, params) ?? new Dec(0)),
    regretScale: state.regretScale ? decString(state.regretScale) : "0",
  };
}

/** Deterministic address of a simulated participant. */
export function participantAddress(prefix: string, chainId: string, topicId: number, role: string, i: number): string {
  return toBech32(prefix, sha256(toUtf8(`allora-devnet/${chainId}/topic/${topicId}/${role}/${i}`)).slice(0, 20));
}

/** Synthesis parameters from the topic config (an adapter between our config and synthesis/TopicParams). */
export function topicParams(t: TopicConfig): TopicParams {
  return {
    pNorm: parseDec(t.pNorm, `topic ${t.id} pNorm`),
    cNorm: parseDec(t.cNorm, `topic ${t.id} cNorm`),
    alphaRegret: parseDec(t.alphaRegret, `topic ${t.id} alphaRegret`),
    epsilon: parseDec(t.epsilon, `topic ${t.id} epsilon`),
    allowNegative: t.allowNegative,
    lossMethod: t.lossMethod,
  };
}

export class TopicSimulation {
  readonly inferers: SimInferer[];
  readonly forecasters: SimForecaster[];
  readonly reputers: SimReputer[];
  readonly params: TopicParams;
  private readonly rng: Rng;
  private truth: number;
  private regrets: RegretState = emptyRegretState();
  epoch = 0;

  constructor(
    readonly topic: TopicConfig,
    prefix: string,
    chainId: string,
    /** compute one-out / one-in values (default true; false is faster) */
    private readonly variants = true,
  ) {
    const vol = topic.groundTruth.volatility || 1;
    const addr = (role: string, i: number) => participantAddress(prefix, chainId, topic.id, role, i);
    const nInf = typeof topic.inferers === "number" ? topic.inferers : 0;
    this.inferers =
      typeof topic.inferers === "number"
        ? Array.from({ length: nInf }, (_, j) => ({
            address: addr("inferer", j),
            // graded quality: the first is the best; the last one of 3+ is also biased
            noise: vol * (0.25 + 0.75 * j),
            bias: j > 0 && j === nInf - 1 && nInf >= 3 ? vol : 0,
          }))
        : topic.inferers.map((x, j) => ({ address: addr("inferer", j), noise: x.noise, bias: x.bias }));
    this.forecasters =
      typeof topic.forecasters === "number"
        ? Array.from({ length: topic.forecasters }, (_, k) => ({ address: addr("forecaster", k), noise: 0.05 + 0.2 * k }))
        : topic.forecasters.map((x, k) => ({ address: addr("forecaster", k), noise: x.noise }));
    this.reputers =
      typeof topic.reputers === "number"
        ? Array.from({ length: topic.reputers }, (_, r) => ({
            address: addr("reputer", r),
            stake: (BigInt(1000 + 500 * r) * 10n ** 18n).toString(),
            // generated reputers read the truth exactly (they differ by stake)
            noise: 0,
          }))
        : topic.reputers.map((x, r) => ({ address: addr("reputer", r), stake: x.stake, noise: x.noise }));
    this.params = topicParams(topic);
    this.rng = new Rng(topic.groundTruth.seed ?? topic.id * 7919 + 17);
    this.truth = topic.groundTruth.start;
  }

  /** The loss an inferer is expected to make, in reputer units (log10 unless negatives are allowed). */
  private expectedLoss(inf: SimInferer): number {
    const raw =
      this.topic.lossMethod === "mae" || this.topic.lossMethod === "ae"
        ? inf.noise * Math.sqrt(2 / Math.PI) + Math.abs(inf.bias)
        : inf.noise * inf.noise + inf.bias * inf.bias;
    if (this.topic.allowNegative) return raw;
    return Math.log10(Math.max(raw, 1e-18));
  }

  /** Runs one epoch: submissions, synthesis, truth, losses, regret update. */
  step(): EpochOutcome {
    this.epoch += 1;
    const rng = this.rng;
    this.truth += this.topic.groundTruth.volatility * rng.normal();
    const truth = this.truth;

    const inferences = new Map<string, Dec>();
    for (const inf of this.inferers) {
      inferences.set(inf.address, new Dec(numToDecString(truth + inf.bias + inf.noise * rng.normal())));
    }
    const forecasts = new Map<string, Map<string, Dec>>();
    for (const f of this.forecasters) {
      const m = new Map<string, Dec>();
      for (const inf of this.inferers) m.set(inf.address, new Dec(numToDecString(this.expectedLoss(inf) + f.noise * rng.normal())));
      forecasts.set(f.address, m);
    }
    const submissions: EpochSubmissions = { inferences, forecasts };
    const regrets = regretSnapshot(this.regrets, this.params);
    const bundle = synthesize(submissions, this.regrets, this.params, { variants: this.variants });

    // reputers reading the same value report the same losses: compute them once per reading
    const byReading = new Map<string, ReturnType<typeof reputerLosses>>();
    const reports = this.reputers.map((r) => {
      const reading = numToDecString(r.noise === 0 ? truth : truth * (1 + r.noise * rng.normal()));
      let losses = byReading.get(reading);
      if (!losses) {
        losses = reputerLosses(bundle, new Dec(reading), this.params);
        byReading.set(reading, losses);
      }
      return { stake: new Dec(r.stake), losses };
    });
    this.regrets = updateRegrets(this.regrets, stakeWeightedLosses(reports), this.params);
    return { epoch: this.epoch, truth: numToDecString(truth), submissions, bundle, regrets };
  }
}
