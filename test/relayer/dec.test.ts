import { expect } from "chai";
import fc from "fast-check";
import { seeded } from "../fc-seed";
import { decToInt256, int256ToDec, INT160_MAX, INT160_MIN, MalformedValueError } from "../../relayer/convert/dec";

describe("relayer convert: Dec string -> int256 (18 decimals)", () => {
  it("converts exactly up to 18 fractional digits", () => {
    expect(decToInt256("1")).to.equal(10n ** 18n);
    expect(decToInt256("0.000000000000000001")).to.equal(1n);
    expect(decToInt256("-2.5")).to.equal(-25n * 10n ** 17n);
    expect(decToInt256("2605.533879185080648394998043723508")).to.equal(2605533879185080648394n);
    expect(decToInt256("007.10")).to.equal(71n * 10n ** 17n);
    expect(decToInt256("-0")).to.equal(0n);
  });

  it("truncates toward zero past the 18th fractional digit, for both signs", () => {
    expect(decToInt256("1.9999999999999999999")).to.equal(1999999999999999999n);
    expect(decToInt256("-1.9999999999999999999")).to.equal(-1999999999999999999n);
    expect(decToInt256("0.0000000000000000009")).to.equal(0n);
    expect(decToInt256("-0.0000000000000000009")).to.equal(0n);
  });

  it("rejects NaN, infinities, exponents, blanks and junk, naming the topic", () => {
    for (const bad of ["NaN", "nan", "Infinity", "-Inf", "", " 1", "1e5", "+1", "1.", ".5", "--1", "0x10", "1,5", "1.2.3"]) {
      expect(() => decToInt256(bad, 7), bad).to.throw(MalformedValueError, /topic 7/);
    }
  });

  it("accepts the int160 bounds and rejects one unit beyond", () => {
    const max = int256ToDec(INT160_MAX);
    const min = int256ToDec(INT160_MIN);
    expect(decToInt256(max)).to.equal(INT160_MAX);
    expect(decToInt256(min)).to.equal(INT160_MIN);
    expect(() => decToInt256(int256ToDec(INT160_MAX + 1n), 3)).to.throw(MalformedValueError, /topic 3.*int160/);
    expect(() => decToInt256(int256ToDec(INT160_MIN - 1n), 3)).to.throw(MalformedValueError, /int160/);
    expect(() => decToInt256("9".repeat(200), 3)).to.throw(MalformedValueError, /int160/);
  });

  it("round-trips every int160 value through its decimal form", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: INT160_MIN, max: INT160_MAX }), (v) => decToInt256(int256ToDec(v)) === v),
      seeded({ numRuns: 500 }),
    );
  });

  it("equals floor-toward-zero of the exact rational value for random long decimals", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: 0, max: 30 }), (digits, scale) => {
        const neg = digits < 0n;
        const abs = (neg ? -digits : digits).toString().padStart(scale + 1, "0");
        const s = `${neg ? "-" : ""}${abs.slice(0, abs.length - scale)}${scale ? "." + abs.slice(abs.length - scale) : ""}`;
        // exact: digits / 10^scale * 10^18, truncated toward zero (bigint division truncates toward zero)
        const expected = scale <= 18 ? digits * 10n ** BigInt(18 - scale) : digits / 10n ** BigInt(scale - 18);
        if (expected > INT160_MAX || expected < INT160_MIN) return true;
        return decToInt256(s) === expected;
      }),
      seeded({ numRuns: 500 }),
    );
  });
});
