import { expect } from "chai";
import { Dec } from "../../synthesis";
import { fastExp, fastLog10 } from "../../synthesis/fast-transcendental";

/** A fixed pseudo-random sequence (the same inputs every run). */
function sequence(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe("synthesis/fast-transcendental: exp and log10 in BigInt, decimal.js's results", () => {
  const rnd = sequence(20261207);
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join("");

  it("log10 equals Dec.log10 on 3,000 values of 1 to 60 digits between 1e-40 and 1e40", () => {
    let decided = 0;
    for (let i = 0; i < 3000; i++) {
      const x = new Dec(`${1 + Math.floor(rnd() * 9)}.${digits(1 + Math.floor(rnd() * 60))}e${Math.floor(rnd() * 80) - 40}`);
      const fast = fastLog10(x, Dec);
      if (fast === undefined) continue;
      decided++;
      expect(fast.toFixed(), `log10(${x.toFixed()})`).to.equal(Dec.log10(x).toFixed());
    }
    expect(decided).to.be.greaterThan(2990);
  });

  it("exp equals Dec.exp on 3,000 values of either sign between 1e-4 and 1e2 (the weights' range and more)", () => {
    let decided = 0;
    for (let i = 0; i < 3000; i++) {
      const sign = rnd() < 0.5 ? "-" : "";
      const x = new Dec(`${sign}${1 + Math.floor(rnd() * 9)}.${digits(Math.floor(rnd() * 40))}e${Math.floor(rnd() * 6) - 4}`);
      const fast = fastExp(x, Dec);
      if (fast === undefined) continue;
      decided++;
      expect(fast.toFixed(), `exp(${x.toFixed()})`).to.equal(Dec.exp(x).toFixed());
    }
    expect(decided).to.be.greaterThan(2990);
  });

  it("the weights' bounds and the loss floor: exp(17.25), exp(-6.75), log10 of 2 and of a 34-digit square", () => {
    for (const s of ["17.25", "-6.75", "0.75", "-0.000001"]) expect(fastExp(new Dec(s), Dec)?.toFixed(), s).to.equal(Dec.exp(new Dec(s)).toFixed());
    for (const s of ["2", "0.000000000000000001000000000000000001", "1522.756004487748712467458816"])
      expect(fastLog10(new Dec(s), Dec)?.toFixed(), s).to.equal(Dec.log10(new Dec(s)).toFixed());
  });

  it("exp of large arguments (e^x above 2^340, where the fixed point shifts left) equals Dec.exp", () => {
    for (const s of ["236", "300", "1000", "9999.5"]) expect(fastExp(new Dec(s), Dec)?.toFixed(), `exp(${s})`).to.equal(Dec.exp(new Dec(s)).toFixed());
  });

  it("leaves to decimal.js a log10 within its error of a cut: just above and below 1 and 10", () => {
    const tiny = "0".repeat(89) + "1";
    for (const s of [`10.${tiny}`, `9.${"9".repeat(90)}`, `1.${tiny}`, `0.${"9".repeat(90)}`])
      expect(fastLog10(new Dec(s), Dec), `log10(${s})`).to.equal(undefined);
  });

  it("leaves to decimal.js what it cannot decide: exact powers of ten, values outside the range, non-positive log10", () => {
    for (const s of ["1", "10", "1e-18", "1000"]) expect(fastLog10(new Dec(s), Dec), `log10(${s})`).to.equal(undefined);
    for (const s of ["0", "-1"]) expect(fastLog10(new Dec(s), Dec), `log10(${s})`).to.equal(undefined);
    for (const s of ["0", "1e-40", "10000", "-123456"]) expect(fastExp(new Dec(s), Dec), `exp(${s})`).to.equal(undefined);
  });
});
