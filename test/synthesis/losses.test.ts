import { expect } from "chai";
import {
  Dec,
  EpochLosses,
  NetworkBundle,
  SynthesisInputError,
  decString,
  defaultTopicParams,
  lossOf,
  rawLoss,
  reputerLosses,
  stakeWeightedLosses,
} from "../../synthesis";

const d = (s: string | number): Dec => new Dec(s);

function losses(combined: string, inferers: Record<string, string>): EpochLosses {
  return {
    combinedValue: d(combined),
    naiveValue: d(combined),
    infererValues: new Map(Object.entries(inferers).map(([k, v]) => [k, d(v)])),
    forecasterValues: new Map(),
    oneOutInfererValues: new Map(),
    oneOutForecasterValues: new Map(),
    oneInForecasterValues: new Map(),
    oneOutInfererForecasterValues: new Map(),
  };
}

describe("synthesis/losses: reputer losses and network losses", () => {
  it("raw squared and absolute errors", () => {
    expect(decString(rawLoss("mse", d("1.5"), d(1)))).to.equal("0.25");
    expect(decString(rawLoss("mse", d(-2), d(1)))).to.equal("9");
    expect(decString(rawLoss("mae", d(-2), d(1)))).to.equal("3");
    expect(decString(rawLoss("mae", d("0.1"), d("0.35")))).to.equal("0.25");
  });

  it("log10 of the raw loss when the topic does not allow negatives, raw otherwise", () => {
    // log10(0.25) = -0.60205999132796239042747778944898605... truncated to 34 digits
    expect(lossOf("mse", d("1.5"), d(1), false).eq(d("-0.6020599913279623904274777894489860"))).to.equal(true);
    expect(decString(lossOf("mae", d(0), d(100), false))).to.equal("2");
    expect(decString(lossOf("mse", d("1.5"), d(1), true))).to.equal("0.25");
  });

  it("an exact hit has log-loss -18 (raw loss floored at 1e-18), not -Infinity", () => {
    expect(decString(lossOf("mse", d(3), d(3), false))).to.equal("-18");
  });

  it("rejects a non-finite truth with a clear error", () => {
    expect(() => lossOf("mse", d(NaN), d(1), false)).to.throw(SynthesisInputError, /ground truth/);
  });

  it("reputerLosses reports one loss per bundle value", () => {
    const bundle: NetworkBundle = {
      combinedValue: d(11),
      naiveValue: d(12),
      infererValues: [
        { worker: "a", value: d(10) },
        { worker: "b", value: d(110) },
      ],
      forecasterValues: [{ worker: "f", value: d(20) }],
      oneOutInfererValues: [{ worker: "a", value: d(1010) }],
      oneOutForecasterValues: [{ worker: "f", value: d(9) }],
      oneInForecasterValues: [],
      oneOutInfererForecasterValues: [{ forecaster: "f", values: [{ worker: "b", value: d(1) }] }],
      infererWeights: new Map(),
      forecasterWeights: new Map(),
    };
    const r = reputerLosses(bundle, d(10), { ...defaultTopicParams(), lossMethod: "mae" });
    expect(decString(r.combinedValue)).to.equal("0"); // log10(1)
    expect(r.naiveValue.eq(d(2).log(10))).to.equal(true);
    expect(decString(r.infererValues.get("a") as Dec)).to.equal("-18");
    expect(decString(r.infererValues.get("b") as Dec)).to.equal("2");
    expect(decString(r.oneOutInfererValues.get("a") as Dec)).to.equal("3");
    expect(decString(r.oneOutForecasterValues.get("f") as Dec)).to.equal("0");
    expect(r.oneOutInfererForecasterValues.get("f")?.get("b")?.eq(d(9).log(10))).to.equal(true);
  });

  it("stake-weighted mean per value, over the reputers that reported it", () => {
    // combined: (1 * -1 + 3 * -2) / 4 = -1.75; a: (1 * 0 + 3 * 1) / 4 = 0.75; b only by reputer 2: 5
    const out = stakeWeightedLosses([
      { stake: d(1), losses: losses("-1", { a: "0" }) },
      { stake: d(3), losses: losses("-2", { a: "1", b: "5" }) },
    ]);
    expect(decString(out.combinedValue)).to.equal("-1.75");
    expect(decString(out.infererValues.get("a") as Dec)).to.equal("0.75");
    expect(decString(out.infererValues.get("b") as Dec)).to.equal("5");
  });

  it("rejects no reports, zero stakes and NaN losses", () => {
    expect(() => stakeWeightedLosses([])).to.throw(SynthesisInputError, /no reputer reports/);
    expect(() => stakeWeightedLosses([{ stake: d(0), losses: losses("1", {}) }])).to.throw(SynthesisInputError, /stake/);
    expect(() => stakeWeightedLosses([{ stake: d(1), losses: losses("1", { a: "NaN" }) }])).to.throw(SynthesisInputError, /infererValues\[a\]/);
  });
});
