import { expect } from "chai";
import { Dec, decString, defaultTopicParams, forecastImpliedInference, forecastImpliedInferences } from "../../synthesis";

// Expected values: independent Python reference (see network.test.ts), `fi(...)` there.
const d = (s: string | number): Dec => new Dec(s);
const P = defaultTopicParams();
const inferences = new Map([
  ["a", d(1)],
  ["b", d(2)],
  ["c", d(4)],
]);

describe("synthesis/forecast-implied: forecast-implied inferences", () => {
  it("weights each forecasted inferer by R_ijk = L_{i-1} - L_ijk (hand vector)", () => {
    // L_{i-1} = 0.5, forecasts [-1, 0, 1] -> R = [1.5, 0.5, -0.5] -> weights as weights.ts
    // python: fi({'a':1,'b':2,'c':4}, {'a':-1,'b':0,'c':1}, False, 0.5) = 1.312188994676839446884435698387510
    const v = forecastImpliedInference(inferences, new Map([["a", d(-1)], ["b", d(0)], ["c", d(1)]]), false, d("0.5"), P);
    expect(v && decString(v)).to.equal("1.31218899467683944688443569838751");
  });

  it("a forecaster forecasting only some inferers uses only those that submitted (hand vector)", () => {
    // forecasts a and c (and z, who did not submit): R = [1.5, -0.5] over {a, c}
    // python: fi(..., {'a':-1,'c':1,'z':-5}, False, 0.5) = 1.140345112179710097909381007397168
    const v = forecastImpliedInference(inferences, new Map([["a", d(-1)], ["c", d(1)], ["z", d(-5)]]), false, d("0.5"), P);
    expect(v && decString(v)).to.equal("1.140345112179710097909381007397168");
  });

  it("a single forecasted inferer gets weight 1: the forecast-implied inference is its inference", () => {
    const v = forecastImpliedInference(inferences, new Map([["b", d(-1)], ["z", d(-5)]]), false, d("0.5"), P);
    expect(v && decString(v)).to.equal("2");
  });

  it("when every inferer is new it is the median of the forecasted inferers' inferences", () => {
    const v = forecastImpliedInference(inferences, new Map([["a", d(-1)], ["b", d(0)], ["c", d(1)]]), true, undefined, P);
    expect(v && decString(v)).to.equal("2");
    const v2 = forecastImpliedInference(inferences, new Map([["a", d(-1)], ["c", d(1)]]), true, undefined, P);
    expect(v2 && decString(v2)).to.equal("2.5");
  });

  it("no forecast-implied inference without a covered inferer, or without a previous network loss", () => {
    expect(forecastImpliedInference(inferences, new Map([["z", d(0)]]), false, d(0), P)).to.equal(undefined);
    expect(forecastImpliedInference(inferences, new Map(), false, d(0), P)).to.equal(undefined);
    expect(forecastImpliedInference(inferences, new Map([["a", d(0)]]), false, undefined, P)).to.equal(undefined);
  });

  it("lower forecasted loss pulls the forecast-implied inference toward that inferer", () => {
    const toA = forecastImpliedInference(inferences, new Map([["a", d(-3)], ["b", d(0)], ["c", d(0)]]), false, d(0), P) as Dec;
    const toC = forecastImpliedInference(inferences, new Map([["a", d(0)], ["b", d(0)], ["c", d(-3)]]), false, d(0), P) as Dec;
    expect(toA.lt(d(2))).to.equal(true);
    expect(toC.gt(d(3))).to.equal(true);
  });

  it("forecastImpliedInferences skips forecasters without a value and keeps sorted order", () => {
    const m = forecastImpliedInferences(
      inferences,
      new Map([
        ["k2", new Map([["b", d(0)]])],
        ["k0", new Map([["z", d(0)]])],
        ["k1", new Map([["c", d(0)]])],
      ]),
      false,
      d(0),
      P,
    );
    expect([...m.keys()]).to.deep.equal(["k1", "k2"]);
  });
});
