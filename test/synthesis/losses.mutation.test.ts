import { expect } from "chai";
import { Dec, EpochLosses, LossMethod, NetworkBundle, SynthesisInputError, decString, rawLoss, reputerLosses, stakeWeightedLosses } from "../../synthesis";
import { epochLosses } from "./fixtures";

// Cases the mutation run (npm run test:mutation -- synthesis) showed untested in losses.ts.
const d = (s: string | number): Dec => new Dec(s);
const m = (o: Record<string, string>): Map<string, Dec> => new Map(Object.entries(o).map(([k, v]) => [k, d(v)]));

const report = epochLosses;

describe("synthesis/losses: edges found by mutation testing", () => {
  it("the per-value names se and ae are squared and absolute error, like mse and mae", () => {
    expect(decString(rawLoss("se", d(-2), d(1)))).to.equal("9");
    expect(decString(rawLoss("ae", d(-2), d(1)))).to.equal("3");
  });

  it("an unknown loss method is refused, naming it and the supported ones", () => {
    expect(() => rawLoss("rmse" as LossMethod, d(1), d(2))).to.throw(SynthesisInputError, /loss method "rmse" is not supported; use mse or mae/);
  });

  it("a non-finite value or ground truth is refused, naming which", () => {
    expect(() => rawLoss("mse", d(1), d(NaN))).to.throw(SynthesisInputError, /^value: NaN is not a finite decimal$/);
    expect(() => rawLoss("mse", d(Infinity), d(1))).to.throw(SynthesisInputError, /^ground truth: Infinity is not a finite decimal$/);
    // checked before any loss of the bundle is computed
    expect(() => reputerLosses({} as NetworkBundle, d(NaN), { lossMethod: "mse", allowNegative: false })).to.throw(
      SynthesisInputError,
      /^ground truth: NaN is not a finite decimal$/,
    );
  });

  it("a non-positive stake is refused with its report index and value", () => {
    expect(() => stakeWeightedLosses([{ stake: d(1), losses: report() }, { stake: d(-2), losses: report() }])).to.throw(
      SynthesisInputError,
      /^report 1 stake: -2 must be > 0$/,
    );
  });

  it("a non-finite stake is refused with its report index", () => {
    expect(() => stakeWeightedLosses([{ stake: d(NaN), losses: report() }])).to.throw(SynthesisInputError, /^report 0 stake: NaN is not a finite decimal$/);
  });

  const bad: [string, Partial<EpochLosses>, RegExp][] = [
    ["combinedValue", { combinedValue: d(NaN) }, /^report 0 combinedValue: NaN is not a finite decimal$/],
    ["naiveValue", { naiveValue: d(Infinity) }, /^report 0 naiveValue: Infinity is not a finite decimal$/],
    ["forecasterValues", { forecasterValues: m({ f: "NaN" }) }, /^report 0 forecasterValues\[f\]: NaN/],
    ["oneOutInfererValues", { oneOutInfererValues: m({ a: "NaN" }) }, /^report 0 oneOutInfererValues\[a\]: NaN/],
    ["oneOutForecasterValues", { oneOutForecasterValues: m({ f: "NaN" }) }, /^report 0 oneOutForecasterValues\[f\]: NaN/],
    ["oneInForecasterValues", { oneInForecasterValues: m({ f: "NaN" }) }, /^report 0 oneInForecasterValues\[f\]: NaN/],
    [
      "oneOutInfererForecasterValues",
      { oneOutInfererForecasterValues: new Map([["f", m({ a: "NaN" })]]) },
      /^report 0 oneOutInfererForecasterValues\[f\]\[a\]: NaN/,
    ],
  ];
  for (const [name, over, re] of bad) {
    it(`a non-finite ${name} loss is refused, naming the report and the value`, () => {
      expect(() => stakeWeightedLosses([{ stake: d(1), losses: report(over) }])).to.throw(SynthesisInputError, re);
    });
  }

  it("one-out inferer-forecaster losses are stake-weighted per forecaster and inferer, keys in sorted order", () => {
    // f2/a: (1 * 2 + 3 * 6) / 4 = 5; f2/b only from the second reputer: 7; f1/a: (1 * 4 + 3 * 0) / 4 = 1
    const out = stakeWeightedLosses([
      { stake: d(1), losses: report({ oneOutInfererForecasterValues: new Map([["f2", m({ a: "2" })], ["f1", m({ a: "4" })]]) }) },
      { stake: d(3), losses: report({ oneOutInfererForecasterValues: new Map([["f2", m({ b: "7", a: "6" })], ["f1", m({ a: "0" })]]) }) },
    ]);
    const ooif = out.oneOutInfererForecasterValues;
    expect([...ooif.keys()]).to.deep.equal(["f1", "f2"]);
    expect([...(ooif.get("f2") as Map<string, Dec>).keys()]).to.deep.equal(["a", "b"]);
    expect(decString(ooif.get("f2")?.get("a") as Dec)).to.equal("5");
    expect(decString(ooif.get("f2")?.get("b") as Dec)).to.equal("7");
    expect(decString(ooif.get("f1")?.get("a") as Dec)).to.equal("1");
  });

  it("every per-worker map of the network losses is keyed in sorted order, whatever the reports' order", () => {
    const out = stakeWeightedLosses([{ stake: d(1), losses: report({ infererValues: m({ c: "1", a: "2", b: "3" }) }) }]);
    expect([...out.infererValues.keys()]).to.deep.equal(["a", "b", "c"]);
  });
});
