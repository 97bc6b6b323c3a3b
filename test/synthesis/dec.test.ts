import { expect } from "chai";
import { Dec, parseDec, SynthesisInputError, add, sub, mul, quo, exp, log10, stdDev, median, decString } from "../../synthesis";

describe("synthesis/dec: the hub's decimal semantics", () => {
  describe("parseDec", () => {
    it("accepts plain and scientific decimal strings exactly as written", () => {
      expect(decString(parseDec("2605.533879185080648394998043723508", "x"))).to.equal("2605.533879185080648394998043723508");
      expect(decString(parseDec("-1.5e-3", "x"))).to.equal("-0.0015");
      expect(decString(parseDec(".5", "x"))).to.equal("0.5");
      // 40 significant digits are kept on parse (the hub does not round on parse either)
      expect(decString(parseDec("1.234567890123456789012345678901234567890", "x"))).to.equal("1.23456789012345678901234567890123456789");
    });

    it("accepts finite JS numbers", () => {
      expect(decString(parseDec(0.1, "x"))).to.equal("0.1");
      expect(decString(parseDec(-42, "x"))).to.equal("-42");
    });

    const bad: [unknown, RegExp][] = [
      ["NaN", /NaN/],
      ["Infinity", /Infinity/],
      ["-Infinity", /Infinity/],
      ["", /empty/],
      ["abc", /abc/],
      ["0x10", /0x10/],
      [" 1", /" 1"/],
      ["1.2.3", /1\.2\.3/],
      ["1e", /1e/],
      [NaN, /NaN/],
      [Infinity, /Infinity/],
      [null, /null/],
      [undefined, /undefined/],
    ];
    for (const [input, re] of bad) {
      it(`rejects ${JSON.stringify(input) ?? String(input)} with an error naming the field and the value`, () => {
        let err: unknown;
        try {
          parseDec(input as string, "inference of alice");
        } catch (e) {
          err = e;
        }
        expect(err).to.be.instanceOf(SynthesisInputError);
        expect((err as Error).message).to.contain("inference of alice");
        expect((err as Error).message).to.match(re);
      });
    }
  });

  describe("precision: 34 significant digits, rounding down", () => {
    it("Dec is configured like apd's decimal128 context of the hub", () => {
      expect(Dec.precision).to.equal(34);
      expect(Dec.rounding).to.equal(Dec.ROUND_DOWN);
    });

    it("quo truncates: 2/3 = 0.666...6 (34 sixes), -2/3 rounds toward zero", () => {
      expect(decString(quo(new Dec(2), new Dec(3)))).to.equal("0." + "6".repeat(34));
      expect(decString(quo(new Dec(-2), new Dec(3)))).to.equal("-0." + "6".repeat(34));
    });

    it("mul truncates to 34 digits", () => {
      // python: Context(prec=200).multiply(x, x) with x = 0.(34 ones) =
      //   0.01234567901234567901234567901234567654320987654320987654320987654321
      // Context(prec=34, rounding=ROUND_DOWN).multiply(x, x) = 0.01234567901234567901234567901234567
      const x = new Dec("0." + "1".repeat(34));
      expect(decString(mul(x, x))).to.equal("0.01234567901234567901234567901234567");
      expect(decString(mul(x.neg(), x))).to.equal("-0.01234567901234567901234567901234567");
    });

    it("add and sub are exact, as apd.BaseContext in the hub", () => {
      expect(decString(add(new Dec(1), new Dec("1e-40")))).to.equal("1." + "0".repeat(39) + "1");
      expect(decString(sub(new Dec("1e30"), new Dec("1e-10")))).to.equal("9".repeat(30) + "." + "9".repeat(10));
    });

    it("exp and log10 are truncated to 34 digits", () => {
      // e = 2.71828182845904523536028747135266249775724709369995... (python: Context(prec=60).exp(1))
      expect(decString(exp(new Dec(1)))).to.equal("2.718281828459045235360287471352662");
      // log10(2) = 0.30102999566398119521373889472449302676818988146210854...
      expect(log10(new Dec(2)).eq(new Dec("0.3010299956639811952137388947244930"))).to.equal(true);
      // log10(0.25) = -0.60205999132796239042747778944898605353637976292421...
      expect(log10(new Dec("0.25")).eq(new Dec("-0.6020599913279623904274777894489860"))).to.equal(true);
    });
  });

  describe("statistics as the hub computes them", () => {
    it("stdDev is the sample standard deviation (N-1), 0 for one value", () => {
      // python ref (see network.test.ts): stddev([0.1, 0.2, 0.5]) = 0.2081665999466132735282297706979931
      expect(decString(stdDev([new Dec("0.1"), new Dec("0.2"), new Dec("0.5")]))).to.equal("0.2081665999466132735282297706979931");
      expect(stdDev([new Dec(7)]).isZero()).to.equal(true);
      expect(stdDev([new Dec(3), new Dec(3), new Dec(3)]).isZero()).to.equal(true);
    });

    it("median: middle value, or mean of the two middle ones", () => {
      expect(decString(median([new Dec(5), new Dec(1), new Dec(3)]))).to.equal("3");
      expect(decString(median([new Dec(4), new Dec(1), new Dec(2), new Dec(10)]))).to.equal("3");
    });
  });
});
