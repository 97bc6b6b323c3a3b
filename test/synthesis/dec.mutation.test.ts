import { expect } from "chai";
import { Dec, SynthesisInputError, SynthesisMathError, exp, log10, median, parseDec, quo, sqrt, stdDev } from "../../synthesis";
import { min, requireFinite } from "../../synthesis/dec";

// Cases the mutation run (npm run test:mutation -- synthesis) showed untested in dec.ts: the math errors
// (each names the operation and the value) and the decimal forms parseDec accepts.
const d = (s: string | number): Dec => new Dec(s);

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

describe("synthesis/dec: edges found by mutation testing", () => {
  it("input errors are SynthesisInputError by name", () => {
    const e = thrown(() => parseDec("abc", "x"));
    expect(e).to.be.instanceOf(SynthesisInputError);
    expect(e.name).to.equal("SynthesisInputError");
  });

  it("math errors are SynthesisMathError by name and say what failed", () => {
    const e = thrown(() => quo(d(1), d(0)));
    expect(e).to.be.instanceOf(SynthesisMathError);
    expect(e.name).to.equal("SynthesisMathError");
    expect(e.message).to.equal("division by zero (1 / 0)");
    expect(() => log10(d(0))).to.throw(SynthesisMathError, /^log10 of a non-positive value 0$/);
    expect(() => log10(d(-2))).to.throw(SynthesisMathError, /^log10 of a non-positive value -2$/);
    expect(() => sqrt(d(-4))).to.throw(SynthesisMathError, /^sqrt of a negative value -4$/);
    expect(sqrt(d(-0)).isZero()).to.equal(true);
    expect(() => exp(d("1e20"))).to.throw(SynthesisMathError, /^exp\(100000000000000000000\) produced Infinity$/);
    expect(() => min([])).to.throw(SynthesisMathError, /^min of an empty list$/);
    expect(() => stdDev([])).to.throw(SynthesisMathError, /^standard deviation of an empty list$/);
    expect(() => median([])).to.throw(SynthesisMathError, /^median of an empty list$/);
  });

  it("requireFinite refuses what is not a decimal, naming its type, and accepts a decimal of another clone", () => {
    expect(() => requireFinite(5 as unknown as Dec, "stake")).to.throw(SynthesisInputError, /^stake: expected a Dec, got number$/);
    const other = new (Dec.clone({ precision: 5 }))("1.25");
    const x = requireFinite(other as unknown as Dec, "stake");
    expect(x).to.be.instanceOf(Dec);
    expect(x.toString()).to.equal("1.25");
  });

  it("parseDec accepts a fraction of several digits without a leading 0 and exponents with or without a sign", () => {
    expect(parseDec(".25", "x").toString()).to.equal("0.25");
    expect(parseDec("1e3", "x").toFixed()).to.equal("1000");
    expect(parseDec("2E12", "x").toFixed()).to.equal("2000000000000");
    expect(parseDec("-1.5e-2", "x").toFixed()).to.equal("-0.015");
  });
});
