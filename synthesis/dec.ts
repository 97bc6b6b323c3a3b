/**
 * Decimal arithmetic with the hub's semantics.
 *
 * The hub (allora-chain `math/dec.go`) wraps cockroachdb/apd with a "decimal128" context: 34 significant
 * digits, rounding toward zero (apd.RoundDown). Quo, Mul, Exp, Ln, Log10, Pow and Sqrt round to that
 * context; Add and Sub use apd.BaseContext, which does not round at all (exact). This module reproduces
 * both: `Dec` is a decimal.js clone with precision 34 / ROUND_DOWN, and `add` / `sub` compute exactly.
 *
 * Pure functions, no I/O.
 */
import Decimal from "decimal.js";
import { fastExp, fastLog10 } from "./fast-transcendental";

/** A decimal with the hub's precision: 34 significant digits, rounding down (toward zero). */
export const Dec = Decimal.clone({
  precision: 34,
  rounding: Decimal.ROUND_DOWN,
  // Never switch to exponential notation in toString(): values travel as plain decimal strings.
  toExpNeg: -9e15,
  toExpPos: 9e15,
  minE: -9e15,
  maxE: 9e15,
});
/** Instance type of {@link Dec}. */
export type Dec = InstanceType<typeof Dec>;

/**
 * Exact context for addition and subtraction (apd.BaseContext in the hub does not round).
 * decimal.js cannot be unlimited, 1e9 digits is its ceiling and far beyond anything we produce.
 */
const Exact = Decimal.clone({
  precision: 1e9,
  rounding: Decimal.ROUND_DOWN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
  minE: -9e15,
  maxE: 9e15,
});

/** Error thrown for any malformed or non-finite input to the synthesis engine. */
export class SynthesisInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SynthesisInputError";
  }
}

/** Error thrown when an arithmetic operation of the engine produces a non-finite value. */
export class SynthesisMathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SynthesisMathError";
  }
}

// Plain decimal or scientific notation, nothing else (no hex/binary/octal, no NaN/Infinity, no spaces).
const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses a decimal from a string such as `"2605.533879185080648394998043723508"` or `"-1.5e-3"`, or from a
 * finite JS number (converted through its shortest round-trip string; prefer strings for values that
 * travel). The value is kept exactly as written (no rounding on parse, as in the hub).
 *
 * @param s the text or number to parse
 * @param what a name for the value, used in the error message (e.g. `"inference of worker alice"`)
 * @throws SynthesisInputError naming `what` and the bad value for NaN, Infinity, empty or malformed input
 */
export function parseDec(s: string | number, what: string): Dec {
  if (typeof s === "number") {
    if (!Number.isFinite(s)) {
      throw new SynthesisInputError(`${what}: ${String(s)} is not a finite number; give a finite decimal`);
    }
    return new Dec(String(s));
  }
  if (typeof s !== "string") {
    throw new SynthesisInputError(
      `${what}: expected a decimal string or number, got ${s === null ? "null" : typeof s}`,
    );
  }
  if (s.length === 0) {
    throw new SynthesisInputError(`${what}: empty string is not a decimal; give e.g. "0.5"`);
  }
  if (!DECIMAL_RE.test(s)) {
    throw new SynthesisInputError(
      `${what}: ${JSON.stringify(s)} is not a finite decimal (NaN, Infinity, hex and spaces are rejected); give e.g. "12.5" or "-1e-3"`,
    );
  }
  return new Dec(s);
}

/** Throws a SynthesisInputError unless `x` is a finite Dec. */
export function requireFinite(x: Dec, what: string): Dec {
  if (!(x instanceof Dec) && !Decimal.isDecimal(x)) {
    throw new SynthesisInputError(`${what}: expected a Dec, got ${typeof x}`);
  }
  if (!x.isFinite()) {
    throw new SynthesisInputError(`${what}: ${x.toString()} is not a finite decimal`);
  }
  return x instanceof Dec ? x : new Dec(x);
}

function finite(x: Dec, op: string): Dec {
  if (!x.isFinite()) {
    throw new SynthesisMathError(`${op} produced ${x.toString()}`);
  }
  return x;
}

export const ZERO: Dec = new Dec(0);
export const ONE: Dec = new Dec(1);

/** Exact a + b (the hub's Add does not round). */
export function add(a: Dec, b: Dec): Dec {
  return new Dec(new Exact(a).plus(b));
}

/** Exact a - b (the hub's Sub does not round). */
export function sub(a: Dec, b: Dec): Dec {
  return new Dec(new Exact(a).minus(b));
}

/** a * b, 34 significant digits, rounded down. */
export function mul(a: Dec, b: Dec): Dec {
  // Static methods use Dec's configuration even if an operand comes from another decimal.js clone.
  return Dec.mul(a, b);
}

/** a / b, 34 significant digits, rounded down. Division by zero throws. */
export function quo(a: Dec, b: Dec): Dec {
  if (b.isZero()) {
    throw new SynthesisMathError(`division by zero (${a.toString()} / 0)`);
  }
  return finite(Dec.div(a, b), "quo");
}

/** e^x, 34 significant digits, rounded down. */
export function exp(x: Dec): Dec {
  // the BigInt path gives decimal.js's result, or undefined when only decimal.js can tell (fast-transcendental.ts)
  return finite(fastExp(x, Dec) ?? Dec.exp(x), `exp(${x.toString()})`);
}

/** log10(x) for x > 0, 34 significant digits, rounded down. */
export function log10(x: Dec): Dec {
  if (!x.isPositive() || x.isZero()) {
    throw new SynthesisMathError(`log10 of a non-positive value ${x.toString()}`);
  }
  return finite(fastLog10(x, Dec) ?? Dec.log10(x), `log10(${x.toString()})`);
}

/** sqrt(x) for x >= 0, 34 significant digits, rounded down. */
export function sqrt(x: Dec): Dec {
  if (x.isNegative() && !x.isZero()) {
    throw new SynthesisMathError(`sqrt of a negative value ${x.toString()}`);
  }
  return Dec.sqrt(x);
}

/** Sum of the values, each addition exact. */
export function sum(xs: readonly Dec[]): Dec {
  let acc = new Exact(0);
  for (const x of xs) acc = acc.plus(x);
  return new Dec(acc);
}

/** Minimum of a non-empty list. */
export function min(xs: readonly Dec[]): Dec {
  if (xs.length === 0) throw new SynthesisMathError("min of an empty list");
  let m = xs[0];
  for (const x of xs) if (x.lt(m)) m = x;
  return m;
}

/**
 * Sample standard deviation as the hub computes it (`math/utils.go` StdDev): 0 for a single value,
 * otherwise sqrt(sum((x - mean)^2) / (N - 1)) with mean = sum / N rounded to 34 digits.
 */
export function stdDev(xs: readonly Dec[]): Dec {
  if (xs.length === 0) throw new SynthesisMathError("standard deviation of an empty list");
  if (xs.length === 1) return ZERO;
  const n = new Dec(xs.length);
  const mean = quo(sum(xs), n);
  let acc = ZERO;
  for (const x of xs) {
    const d = sub(x, mean);
    acc = add(acc, mul(d, d));
  }
  return sqrt(quo(acc, sub(n, ONE)));
}

/** Median as the hub computes it: middle value, or the mean of the two middle values (34 digits). */
export function median(xs: readonly Dec[]): Dec {
  if (xs.length === 0) throw new SynthesisMathError("median of an empty list");
  const s = [...xs].sort((a, b) => a.comparedTo(b));
  const n = s.length;
  if (n % 2 === 1) return s[(n - 1) / 2];
  return quo(add(s[n / 2 - 1], s[n / 2]), new Dec(2));
}

/** Plain decimal string (never exponential notation), as the hub's Dec.String(). */
export function decString(x: Dec): string {
  return x.toFixed();
}

/**
 * Quantile q in [0, 1] as the chain computes it (`math/utils.go` GetQuantileOfDecs): the values sorted
 * from largest to smallest, position (1 - q)(n - 1), linear interpolation between the two neighbours
 * (34-digit products). Equals numpy's percentile(xs, 100 q). 0 for an empty list (as the chain).
 */
export function quantile(xs: readonly Dec[], q: Dec): Dec {
  if (xs.length === 0) return ZERO;
  const s = [...xs].sort((a, b) => b.comparedTo(a));
  const position = mul(sub(ONE, q), new Dec(s.length - 1));
  const lower = position.floor();
  const upper = position.ceil();
  // At lower == upper (a whole position) the interpolation adds 0 x 0 to s[lower]: no special case.
  const lo = s[lower.toNumber()];
  const hi = s[upper.toNumber()];
  return add(lo, mul(sub(position, lower), sub(hi, lo)));
}

/** Median absolute deviation: median(|x - median(xs)|), with the chain's median. */
export function medianAbsoluteDeviation(xs: readonly Dec[]): Dec {
  const m = median(xs);
  return median(xs.map((x) => sub(x, m).abs()));
}
