import { expect } from "chai";
import {
  Dec,
  decString,
  defaultTopicParams,
  gradient,
  weightBounds,
  weightFromNormalizedRegret,
  weightsFromRegrets,
  normalizeRegrets,
} from "../../synthesis";

// Expected values come from the independent Python reference printed in network.test.ts
// (python3 vectors.py), not from this engine.
const d = (s: string | number): Dec => new Dec(s);
const P = defaultTopicParams(); // p 3, c 0.75, epsilon 0.0001

describe("synthesis/weights: regret-informed weights", () => {
  it("bounds for p=3, c=0.75: cap 3, shift to -2, zero below -5", () => {
    const b = weightBounds(P.pNorm, P.cNorm);
    expect(decString(b.cap)).to.equal("3"); // 0.75 + 6.75/3
    expect(decString(b.shiftTo)).to.equal("-2"); // 0.75 - 8.25/3
    expect(decString(b.zeroBelow)).to.equal("-5"); // 0.75 - 17.25/3
  });

  it("gradient at x = c is p/2", () => {
    // p / (exp(0) + 1) = 3/2
    expect(decString(gradient(d(3), d("0.75"), d("0.75")))).to.equal("1.5");
  });

  it("weights of regrets [0.1, 0.2, 0.5] (hand vector)", () => {
    // stddev = 0.2081665999466132735282297706979931, scale = stddev + 0.0001,
    // R^ = R / scale = [0.4801..., 0.9602..., 2.4006...], max 2.4006 >= -2 (no shift), none above 3 (no cap)
    // w = 3 / (exp(3 (0.75 - R^)) + 1)
    const w = weightsFromRegrets([d("0.1"), d("0.2"), d("0.5")], P);
    expect(w.map(decString)).to.deep.equal([
      "0.9239664836005291060488523516190865",
      "1.958096036705996953494666995855065",
      "2.978947521606438308262031558453329",
    ]);
  });

  it("caps normalized regrets at c + 6.75/p", () => {
    // R^ = 5 -> 3; w = 3 / (exp(3 (0.75 - 3)) + 1) = 3 / (exp(-6.75) + 1)
    expect(decString(weightFromNormalizedRegret(d(5), d(5), P.pNorm, P.cNorm))).to.equal("2.996491469204833455558292041141774");
    // anything above the cap gets the same weight
    expect(weightFromNormalizedRegret(d(50), d(50), P.pNorm, P.cNorm).eq(weightFromNormalizedRegret(d(3), d(3), P.pNorm, P.cNorm))).to.equal(true);
  });

  it("shifts every normalized regret when the max is below c - 8.25/p", () => {
    // max -2.5 < -2: R^ = -3 - (-2.5) + (-2) = -2.5; w = 3 / (exp(3 * 3.25) + 1)
    expect(decString(weightFromNormalizedRegret(d(-3), d("-2.5"), P.pNorm, P.cNorm))).to.equal(
      "0.0001748737969834159348230807782934495",
    );
    // the max itself lands on -2 after the shift: w = 3 / (exp(3 * 2.75) + 1)
    expect(weightFromNormalizedRegret(d("-2.5"), d("-2.5"), P.pNorm, P.cNorm).eq(weightFromNormalizedRegret(d(-2), d(0), P.pNorm, P.cNorm))).to.equal(true);
  });

  it("gives weight 0 below c - 17.25/p (after the shift), and not at the bound itself", () => {
    expect(weightFromNormalizedRegret(d(-6), d(0), P.pNorm, P.cNorm).isZero()).to.equal(true);
    expect(weightFromNormalizedRegret(d("-5.0000001"), d(0), P.pNorm, P.cNorm).isZero()).to.equal(true);
    // -6 shifted by max -3: -6 + 3 - 2 = -5, exactly the bound: weight 3 / (exp(17.25) + 1)
    expect(decString(weightFromNormalizedRegret(d(-6), d(-3), P.pNorm, P.cNorm))).to.equal("0.00000009672559899908806485951444354187566");
  });

  it("zero variance of regrets: scale = epsilon, equal regrets get equal weights", () => {
    const n = normalizeRegrets([d("0.2"), d("0.2"), d("0.2")], P.epsilon);
    expect(decString(n.scale)).to.equal("0.0001");
    expect(decString(n.max)).to.equal("2000");
    const w = weightsFromRegrets([d("0.2"), d("0.2"), d("0.2")], P);
    // R^ = 2000 capped at 3: every weight is 3 / (exp(-6.75) + 1)
    for (const x of w) expect(decString(x)).to.equal("2.996491469204833455558292041141774");
    // all equal and negative: R^ = -2000 for all; shifted to -2 each: 3 / (exp(8.25) + 1)
    const wn = weightsFromRegrets([d("-0.2"), d("-0.2")], P);
    expect(wn[0].eq(wn[1])).to.equal(true);
    expect(wn[0].eq(weightFromNormalizedRegret(d(-2), d(0), P.pNorm, P.cNorm))).to.equal(true);
  });

  it("a single regret has standard deviation 0 (scale epsilon)", () => {
    const n = normalizeRegrets([d("-0.00005")], P.epsilon);
    expect(decString(n.normalized[0])).to.equal("-0.5");
  });

  it("a large outlier set-level: 30 regrets at 0 and one at -100 gives the outlier weight 0", () => {
    // std = 100/sqrt(31) => R^ of the outlier = -100/(100/sqrt(31) + 1e-4) ~ -5.5677 < -5; the others 0
    const rs = [...Array(30).fill(d(0)), d(-100)];
    const w = weightsFromRegrets(rs, P);
    expect(w[30].isZero()).to.equal(true);
    expect(decString(w[0])).to.equal(decString(gradient(P.pNorm, P.cNorm, d(0))));
  });
});
