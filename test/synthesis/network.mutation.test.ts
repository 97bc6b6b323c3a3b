import { expect } from "chai";
import {
  Dec,
  EpochSubmissions,
  SynthesisInputError,
  combinePalette,
  combinePaletteCurrent,
  decString,
  defaultTopicParams,
  emptyRegretState,
  regretScalePlusEpsilon,
  synthesize,
} from "../../synthesis";

// Cases the mutation run (npm run test:mutation -- synthesis) showed untested in network.ts.
const d = (s: string | number): Dec => new Dec(s);
const P = defaultTopicParams(); // current chain rules
const EPS = d("0.0000001");
const member = (worker: string, value: number, regret = 0) => ({ worker, value: d(value), regret: d(regret), hasPrior: true });

describe("synthesis/network: edges found by mutation testing", () => {
  it("an empty palette is refused by both combination rules", () => {
    expect(() => combinePalette({ inferers: [], forecasters: [] }, P)).to.throw(SynthesisInputError, /^no inferences to combine$/);
    expect(() => combinePaletteCurrent({ inferers: [], forecasters: [] }, () => [], false, EPS)).to.throw(
      SynthesisInputError,
      /^no inferences to combine$/,
    );
  });

  it("current rules: each weight lands in the inferer or the forecaster map, by position", () => {
    const palette = { inferers: [member("a", 10), member("b", 20)], forecasters: [member("f", 30)] };
    const r = combinePaletteCurrent(palette, () => [d(1), d(2), d(3)], false, EPS);
    expect([...r.infererWeights].map(([w, x]) => [w, decString(x)])).to.deep.equal([
      ["a", "1"],
      ["b", "2"],
    ]);
    expect([...r.forecasterWeights].map(([w, x]) => [w, decString(x)])).to.deep.equal([["f", "3"]]);
    // (1 * 10 + 2 * 20 + 3 * 30) / 6
    expect(decString(r.value)).to.equal("23.33333333333333333333333333333333");
  });

  it("current rules: all weights zero gives 0 (the denominator is floored at epsilonSafeDiv), not a division by zero", () => {
    const palette = { inferers: [member("a", 10), member("b", 20)], forecasters: [] };
    const r = combinePaletteCurrent(palette, () => [d(0), d(0)], false, EPS);
    expect(decString(r.value)).to.equal("0");
  });

  it("a single inferer: its value is the network value, and there are no forecaster, one-out or one-in values", () => {
    const b = synthesize({ inferences: new Map([["a", d(5)]]), forecasts: new Map([["f", new Map([["a", d("0.1")]])]]) }, emptyRegretState(), P);
    expect(decString(b.combinedValue)).to.equal("5");
    expect(b.forecasterValues).to.deep.equal([]);
    expect(b.oneOutInfererValues).to.deep.equal([]);
    expect(b.oneOutForecasterValues).to.deep.equal([]);
    expect(b.oneInForecasterValues).to.deep.equal([]);
    expect(b.oneOutInfererForecasterValues).to.deep.equal([]);
  });

  it("submissions that are not Maps are refused, naming the field", () => {
    const good = new Map([["a", d(1)]]);
    const bad = (subs: unknown) => () => synthesize(subs as EpochSubmissions, emptyRegretState(), P);
    expect(bad({ inferences: { a: d(1) }, forecasts: new Map() })).to.throw(SynthesisInputError, /^inferences: expected a Map of worker -> Dec$/);
    expect(bad({ inferences: good, forecasts: {} })).to.throw(SynthesisInputError, /^forecasts: expected a Map of forecaster -> Map$/);
    expect(bad({ inferences: good, forecasts: new Map([["f", { a: d(1) }]]) })).to.throw(
      SynthesisInputError,
      /^forecast of f: expected a Map of inferer -> Dec$/,
    );
  });

  it("current rules: without a cached regret scale (or a zero one) the scale is computed from this epoch's regrets", () => {
    const state = emptyRegretState();
    state.inferer.set("a", d("0.2"));
    state.inferer.set("b", d("-0.3"));
    state.initialRegret = d("-0.1");
    state.lastNetworkLoss = d("-1");
    const subs: EpochSubmissions = { inferences: new Map([["a", d(1)], ["b", d(3)]]), forecasts: new Map() };
    const computed = regretScalePlusEpsilon([d("0.2"), d("-0.3")], P.epsilon);
    const withScale = (scale: Dec | undefined) => decString(synthesize(subs, { ...state, regretScale: scale }, P).combinedValue);
    const expected = withScale(computed);
    expect(withScale(undefined)).to.equal(expected);
    expect(withScale(d(0))).to.equal(expected);
    // and a cached scale does change the value (the test above would otherwise prove nothing)
    expect(withScale(d(100))).to.not.equal(expected);
  });
});
