/**
 * The "current" allora-chain rules (the default chainVersion) against an independent Python reference
 * (test/synthesis/reference/current_rules.py: Python decimal, 34 digits toward zero, written from the chain's
 * description), run live on a recorded scenario: every value of every epoch's bundle must be equal, to all
 * 34 digits, and so must the topic's initial regret and regret scale the engine carries.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import { join } from "path";
import {
  Dec,
  EpochLosses,
  NetworkBundle,
  RegretState,
  TopicParams,
  chainRules,
  calcInitialRegretQuantile,
  decString,
  defaultTopicParams,
  emptyRegretState,
  medianAbsoluteDeviation,
  quantile,
  regretStateFromJSON,
  regretStateToJSON,
  regretScalePlusEpsilon,
  synthesize,
  updateRegrets,
  validateParams,
} from "../../synthesis";

const d = (x: string | number): Dec => new Dec(x);

const P: TopicParams = { ...defaultTopicParams(), alphaRegret: d("0.25") }; // 1/alpha = 4 epochs of experience

interface Epoch {
  truth: string;
  inferences: Record<string, string>;
  forecasts: Record<string, Record<string, string>>;
}

/** A recorded scenario: inferers of different skill, a newcomer (d, epoch 6), an absence (b, epoch 9). */
function scenario(): Epoch[] {
  let seed = 20261206;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  const fix = (x: number): string => x.toFixed(6);
  const out: Epoch[] = [];
  for (let t = 0; t < 16; t++) {
    const truth = 100 + 5 * Math.sin(t / 3);
    const inferences: Record<string, string> = {
      a: fix(truth + 0.3 * rnd()),
      b: fix(truth + 2 * rnd() + 0.5),
      c: fix(truth + 4 * rnd()),
    };
    if (t >= 6) inferences.d = fix(truth + 0.2 * rnd());
    if (t === 9) delete inferences.b;
    const forecasts: Record<string, Record<string, string>> = {
      f1: { a: fix(-1.2 + rnd()), b: fix(0.4 + rnd()), c: fix(1 + rnd()) },
      f2: { b: fix(0.2 + rnd()), c: fix(0.9 + rnd()) },
    };
    if (t >= 5) forecasts.f3 = { a: fix(-1 + rnd()), c: fix(1.1 + rnd()), d: fix(-1.5 + rnd()) };
    out.push({ truth: fix(truth), inferences, forecasts });
  }
  return out;
}

interface RefEpoch {
  bundle: {
    combined: string;
    naive: string;
    forecasters: Record<string, string>;
    one_out_inferers: Record<string, string>;
    one_out_forecasters: Record<string, string>;
    one_in_forecasters: Record<string, string>;
    one_out_inferer_forecasters: Record<string, Record<string, string>>;
  };
  losses: RefEpoch["bundle"] & { inferers: Record<string, string> };
  initial_regret_before: string;
  regret_scale_before: string;
}

function runReference(epochs: Epoch[], params: TopicParams): RefEpoch[] {
  const rules = chainRules(params);
  const input = {
    p: decString(params.pNorm),
    c: decString(params.cNorm),
    alpha: decString(params.alphaRegret),
    epsilon: decString(params.epsilon),
    q: decString(rules.initialRegretQuantile),
    pnorm_safe_div: decString(rules.pNormSafeDiv),
    epsilon_safe_div: decString(rules.epsilonSafeDiv),
    min_weight: decString(rules.minWeightThresholdForStdnorm),
    epochs,
  };
  const r = spawnSync("python3", [join(__dirname, "reference/current_rules.py")], {
    input: JSON.stringify(input),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`reference failed: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as RefEpoch);
}

const toMap = (o: Record<string, string>): Map<string, Dec> =>
  new Map(Object.entries(o).map(([k, v]) => [k, d(v)]));

function toLosses(l: RefEpoch["losses"]): EpochLosses {
  return {
    combinedValue: d(l.combined),
    naiveValue: d(l.naive),
    infererValues: toMap(l.inferers),
    forecasterValues: toMap(l.forecasters),
    oneOutInfererValues: toMap(l.one_out_inferers),
    oneOutForecasterValues: toMap(l.one_out_forecasters),
    oneInForecasterValues: toMap(l.one_in_forecasters),
    oneOutInfererForecasterValues: new Map(
      Object.entries(l.one_out_inferer_forecasters).map(([k, m]) => [k, toMap(m)]),
    ),
  };
}

function expectSame(what: string, actual: Dec, expected: string): void {
  expect(actual.eq(d(expected)), `${what}: engine ${decString(actual)} reference ${expected}`).to.equal(true);
}

function expectSameValues(
  what: string,
  actual: { worker: string; value: Dec }[],
  expected: Record<string, string>,
): void {
  expect(
    actual.map((v) => v.worker),
    `${what}: workers`,
  ).to.deep.equal(Object.keys(expected).sort());
  for (const v of actual) expectSame(`${what}[${v.worker}]`, v.value, expected[v.worker]);
}

function compareBundle(t: number, b: NetworkBundle, ref: RefEpoch["bundle"]): void {
  expectSame(`epoch ${t} combined`, b.combinedValue, ref.combined);
  expectSame(`epoch ${t} naive`, b.naiveValue, ref.naive);
  expectSameValues(`epoch ${t} forecast-implied`, b.forecasterValues, ref.forecasters);
  expectSameValues(`epoch ${t} one-out inferer`, b.oneOutInfererValues, ref.one_out_inferers);
  expectSameValues(`epoch ${t} one-out forecaster`, b.oneOutForecasterValues, ref.one_out_forecasters);
  expectSameValues(`epoch ${t} one-in forecaster`, b.oneInForecasterValues, ref.one_in_forecasters);
  expect(b.oneOutInfererForecasterValues.map((v) => v.forecaster)).to.deep.equal(
    Object.keys(ref.one_out_inferer_forecasters).sort(),
  );
  for (const v of b.oneOutInfererForecasterValues) {
    expectSameValues(
      `epoch ${t} one-out inferer forecaster ${v.forecaster}`,
      v.values,
      ref.one_out_inferer_forecasters[v.forecaster],
    );
  }
}

describe("synthesis: current allora-chain rules against the Python reference", function () {
  this.timeout(60000);
  const epochs = scenario();
  const ref = runReference(epochs, P);

  it("matches every bundle value, the initial regret and the regret scale of every epoch to 34 digits", () => {
    expect(ref).to.have.length(epochs.length);
    let state: RegretState = emptyRegretState();
    let variantsSeen = 0;
    let weighted = 0;
    epochs.forEach((e, t) => {
      expectSame(`epoch ${t} initial regret`, state.initialRegret ?? d(0), ref[t].initial_regret_before);
      expectSame(`epoch ${t} regret scale`, state.regretScale ?? d(0), ref[t].regret_scale_before);
      const subs = {
        inferences: toMap(e.inferences),
        forecasts: new Map(Object.entries(e.forecasts).map(([k, m]) => [k, toMap(m)])),
      };
      const b = synthesize(subs, state, P);
      compareBundle(t, b, ref[t].bundle);
      variantsSeen += b.oneInForecasterValues.length;
      if (!d(ref[t].initial_regret_before).isZero()) weighted++;
      state = updateRegrets(state, toLosses(ref[t].losses), P);
    });
    // the scenario exercises what it claims: variants, and epochs weighted by regrets after the all-new phase
    expect(variantsSeen).to.be.greaterThan(10);
    expect(weighted).to.be.greaterThan(5);
  });

  it("first epoch with several inferers: the median, a naive value of 0 and no variants", () => {
    const b = synthesize(
      {
        inferences: toMap({ a: "1", b: "7", c: "2", e: "4" }),
        forecasts: new Map([["f", toMap({ a: "-1" })]]),
      },
      emptyRegretState(),
      P,
    );
    expect(decString(b.combinedValue)).to.equal("3");
    expect(decString(b.naiveValue)).to.equal("0");
    expect(b.forecasterValues).to.deep.equal([]);
    expect(b.oneOutInfererValues).to.deep.equal([]);
  });

  it("a single forecaster gets no one-out forecaster value under the current rules (v0.5: one)", () => {
    const subs = {
      inferences: toMap({ a: "1", b: "2" }),
      forecasts: new Map([["f", toMap({ a: "-1", b: "0.5" })]]),
    };
    let s = emptyRegretState();
    s = updateRegrets(s, toLosses(ref[0].losses), P); // any history: a network loss now exists
    expect(synthesize(subs, s, P).oneOutForecasterValues).to.deep.equal([]);
    expect(synthesize(subs, s, P).forecasterValues).to.have.length(1);
    expect(synthesize(subs, s, { ...P, chainVersion: "v0.5" }).oneOutForecasterValues).to.have.length(1);
  });

  it("the v0.5 rules differ from the current ones on the same history (the switch is live)", () => {
    let cur = emptyRegretState();
    let old = emptyRegretState();
    const P05: TopicParams = { ...P, chainVersion: "v0.5" };
    let differ = 0;
    epochs.forEach((e, t) => {
      const subs = {
        inferences: toMap(e.inferences),
        forecasts: new Map(Object.entries(e.forecasts).map(([k, m]) => [k, toMap(m)])),
      };
      const bc = synthesize(subs, cur, P);
      const bo = synthesize(subs, old, P05);
      if (!bc.combinedValue.eq(bo.combinedValue)) differ++;
      cur = updateRegrets(cur, toLosses(ref[t].losses), P);
      old = updateRegrets(old, toLosses(ref[t].losses), P05);
    });
    expect(differ).to.be.greaterThan(10);
    expect(old.regretScale).to.equal(undefined);
  });
});

describe("synthesis: chain helpers of the current rules", () => {
  it("quantile follows GetQuantileOfDecs (numpy percentile): interpolates from the largest down", () => {
    const xs = [d(1), d(4), d(2), d(10)];
    expect(decString(quantile(xs, d("0.25")))).to.equal("1.75"); // numpy.percentile([1,2,4,10], 25)
    expect(decString(quantile(xs, d(1)))).to.equal("10");
    expect(decString(quantile(xs, d(0)))).to.equal("1");
    expect(decString(quantile([], d("0.5")))).to.equal("0");
  });

  it("median absolute deviation and the regret scale 1.4826 MAD + epsilon", () => {
    const xs = [d(1), d(2), d(3), d(4), d(100)];
    expect(decString(medianAbsoluteDeviation(xs))).to.equal("1"); // |x - 3| = 2,1,0,1,97 -> 1
    expect(decString(regretScalePlusEpsilon(xs, d("0.0001")))).to.equal("1.4827");
  });

  it("initial regret: quantile + (c - PNormSafeDiv/p)(stdDev + epsilon)", () => {
    const r = calcInitialRegretQuantile([d(1), d(2), d(3)], P, d("0.25"), d("8.25"));
    // quantile 1.5; offset 0.75 - 2.75 = -2; stdDev 1 -> 1.5 - 2 * 1.0001
    expect(decString(r)).to.equal("-0.5002");
  });

  it("validateParams names a bad chain version or module parameter", () => {
    expect(() => validateParams({ ...P, chainVersion: "v9" as never })).to.throw(
      /chainVersion: "v9" is not supported; use one of current, v0.5/,
    );
    expect(() => validateParams({ ...P, initialRegretQuantile: d("1.5") })).to.throw(
      /initialRegretQuantile: 1.5 must be in \[0, 1\]/,
    );
    expect(() => validateParams({ ...P, epsilonSafeDiv: d(0) })).to.throw(/epsilonSafeDiv: 0 must be > 0/);
  });
});

describe("synthesis: current-rules state (regret scale, latest weights, experience)", () => {
  const losses = (
    combined: string,
    inf: Record<string, string>,
    fc: Record<string, string> = {},
  ): EpochLosses => ({
    combinedValue: d(combined),
    naiveValue: d(combined),
    infererValues: toMap(inf),
    forecasterValues: toMap(fc),
    oneOutInfererValues: new Map(),
    oneOutForecasterValues: new Map(),
    oneInForecasterValues: new Map(),
    oneOutInfererForecasterValues: new Map(),
  });

  it("newcomers start from 0 before the topic has an initial regret (the EMA always blends)", () => {
    const s = updateRegrets(emptyRegretState(), losses("1", { a: "0.2", b: "2" }), P);
    expect(decString(s.inferer.get("a") as Dec)).to.equal("0.2"); // 0.25 x 0.8 + 0.75 x 0
    expect(decString(s.inferer.get("b") as Dec)).to.equal("-0.25");
    expect(s.initialRegret).to.equal(undefined); // nobody experienced yet
    expect(s.infererInclusions.get("a")).to.equal(1);
  });

  it("the initial regret waits for 1/alpha earlier inclusions, then uses the quantile", () => {
    let s = emptyRegretState();
    for (let t = 0; t < 4; t++) s = updateRegrets(s, losses("1", { a: "0.5", b: "1.5", c: "1" }), P);
    expect(s.initialRegret).to.equal(undefined); // 3 earlier inclusions < 4 at the 4th update
    s = updateRegrets(s, losses("1", { a: "0.5", b: "1.5", c: "1" }), P);
    const rs = ["a", "b", "c"].map((w) => s.inferer.get(w) as Dec);
    expect(decString(s.initialRegret as Dec)).to.equal(
      decString(calcInitialRegretQuantile(rs, P, d("0.25"), d("8.25"))),
    );
  });

  it("the regret scale uses only workers with a non-negligible latest weight, once 2 or more have one", () => {
    let s = updateRegrets(emptyRegretState(), losses("1", { a: "0.5", b: "1.5", c: "1" }), P);
    expect(decString(s.regretScale as Dec)).to.equal(
      decString(
        regretScalePlusEpsilon(
          [0, 1, 2].map((i) => s.inferer.get("abc"[i]) as Dec),
          P.epsilon,
        ),
      ),
    );
    let sum = d(0);
    for (const w of s.latestInfererWeights.values()) sum = sum.plus(w);
    expect(sum.minus(1).abs().lt("1e-30")).to.equal(true); // normalized
    // force c's latest weight below the threshold: the scale then ignores c's regret
    s = { ...s, latestInfererWeights: new Map([...s.latestInfererWeights, ["c", d("0.0000001")]]) };
    const next = updateRegrets(s, losses("1", { a: "0.4", b: "1.9", c: "-3" }), P);
    const ab = ["a", "b"].map((w) => next.inferer.get(w) as Dec);
    expect(decString(next.regretScale as Dec)).to.equal(decString(regretScalePlusEpsilon(ab, P.epsilon)));
  });

  it("the state's new fields survive the JSON round trip exactly", () => {
    let s = emptyRegretState();
    for (let t = 0; t < 6; t++)
      s = updateRegrets(s, losses("1", { a: "0.5", b: "1.5", c: "1.25" }, { f: "0.75" }), P);
    const back = regretStateFromJSON(JSON.parse(JSON.stringify(regretStateToJSON(s))));
    expect(decString(back.regretScale as Dec)).to.equal(decString(s.regretScale as Dec));
    expect(regretStateToJSON(back)).to.deep.equal(regretStateToJSON(s));
    expect(back.infererInclusions.get("a")).to.equal(6);
    expect(() => regretStateFromJSON({ ...regretStateToJSON(s), infererInclusions: { a: -1 } })).to.throw(
      /infererInclusions\.a: expected a non-negative integer, got -1/,
    );
  });
});
