/**
 * Tests added for mutants of relayer/convert/dec.ts that survived `npm run test:mutation -- relayer-convert`
 * (docs/development.md "Mutation testing"): the error's wording and fields, the int160 bounds as numbers,
 * and int256ToDec's zero and trailing zeros.
 */
import { expect } from "chai";
import { decToInt256, int256ToDec, INT160_MAX, INT160_MIN, MalformedValueError } from "../../relayer/convert/dec";

function errorOf(f: () => unknown): MalformedValueError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(MalformedValueError);
    return e as MalformedValueError;
  }
  throw new Error("expected a MalformedValueError");
}

describe("relayer convert: cases found by mutation testing", () => {
  it("INT160_MAX and INT160_MIN are exactly 2^159 - 1 and -2^159", () => {
    expect(INT160_MAX).to.equal(2n ** 159n - 1n);
    expect(INT160_MIN).to.equal(-(2n ** 159n));
  });

  it("names each kind of malformed value", () => {
    expect(errorOf(() => decToInt256("NaN", 1)).reason).to.equal("is NaN");
    expect(errorOf(() => decToInt256("-Infinity", 1)).reason).to.equal("is infinite");
    expect(errorOf(() => decToInt256("", 1)).reason).to.equal("is empty");
    expect(errorOf(() => decToInt256("1e5", 1)).reason).to.equal("is not a decimal (expected -?digits[.digits])");
    expect(errorOf(() => decToInt256(5 as unknown as string, 1)).reason).to.equal("is not a string");
    expect(errorOf(() => decToInt256("9".repeat(48), 1)).reason).to.equal("does not fit int160 with 18 decimals");
  });

  it("the error carries its name, the topic (or ?) and at most 80 characters of the value", () => {
    const long = "x".repeat(200);
    const e = errorOf(() => decToInt256(long));
    expect(e.name).to.equal("MalformedValueError");
    expect(e.topicId).to.equal(undefined);
    expect(e.value).to.equal(long);
    expect(e.message).to.equal(`topic ?: hub value "${"x".repeat(80)}" is not a decimal (expected -?digits[.digits])`);
    expect(errorOf(() => decToInt256("nan", 9n)).message).to.equal('topic 9: hub value "nan" is NaN');
  });

  it("int256ToDec writes zero as 0 (no sign) and drops every trailing fractional zero", () => {
    expect(int256ToDec(0n)).to.equal("0");
    expect(int256ToDec(10n ** 17n)).to.equal("0.1");
    expect(int256ToDec(-(10n ** 17n))).to.equal("-0.1");
    expect(int256ToDec(10n ** 18n + 10n ** 16n)).to.equal("1.01");
    expect(int256ToDec(10n ** 18n)).to.equal("1");
  });
});
