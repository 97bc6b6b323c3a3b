/**
 * exp and log10 to 34 significant digits, rounded down, computed in BigInt fixed point: the same results as
 * decimal.js (`Dec.exp`, `Dec.log10`), about ten times faster. They were most of the hub devnet's synthesis
 * time (reputer losses take log10 of every value, weights take exp of every normalized regret).
 *
 * Why the results are the same: decimal.js rounds exp and log10 correctly (the value first computed exactly,
 * then cut to 34 digits; its sources say so). Here the value is computed to ~100 digits with a known error
 * bound, and it is cut to 34 digits only when every value within the bound cuts to the same 34 digits; when
 * it is that close to a cut (an exact power of ten, a result within 1e-60 of a 34-digit number) the
 * functions return undefined and the caller asks decimal.js.
 *
 * Pure functions, no I/O.
 */
import Decimal from "decimal.js";

/** The output precision, as the hub's decimal128 context: 34 significant digits. */
const PRECISION = 34;
/** Working precision: binary fixed point, a value v is the BigInt v x 2^BITS (340 bits, ~102 digits). */
const BITS = 340n;
const ONE = 1n << BITS;
/** Decimal digits of the results before the cut to 34 (units of 10^-WORK). */
const WORK = 100;

const pow10cache = new Map<number, bigint>();
const pow10 = (n: number): bigint => {
  let p = pow10cache.get(n);
  if (p === undefined) pow10cache.set(n, (p = 10n ** BigInt(n)));
  return p;
};

/** Constants to more digits than the working precision, from decimal.js itself (computed once). */
const Wide = Decimal.clone({ precision: 140, rounding: Decimal.ROUND_DOWN });
const fixed = (x: Decimal): bigint => BigInt(x.times(new Wide(2).pow(Number(BITS))).toFixed(0, Decimal.ROUND_DOWN));
const LN2 = fixed(Wide.ln(2));
const LN10 = fixed(Wide.ln(10));
/** The digits and exponent of a finite non-zero decimal: |x| = coefficient x 10^exponent. */
function decompose(x: Decimal): { coefficient: bigint; exponent: number; digits: number } {
  // decimal.js's documented fields: d, base-1e7 digit groups (the first unpadded); e, the first digit's exponent
  let s = String(x.d[0]);
  for (let i = 1; i < x.d.length; i++) s += String(x.d[i]).padStart(7, "0");
  return { coefficient: BigInt(s), exponent: x.e - (s.length - 1), digits: s.length };
}

/** coefficient x 10^exponent in fixed point (truncated). */
function toFixedPoint(coefficient: bigint, exponent: number): bigint {
  return exponent >= 0 ? (coefficient * pow10(exponent)) << BITS : (coefficient << BITS) / pow10(-exponent);
}

/** a x b in fixed point (floored). */
const fmul = (a: bigint, b: bigint): bigint => (a * b) >> BITS;

/** ln(y) for y (fixed point) in [1, 1 + 1/16): 2 atanh((y - 1) / (y + 1)), |z| < 0.031. */
function lnNearOne(y: bigint): bigint {
  const z = ((y - ONE) << BITS) / (y + ONE);
  const z2 = fmul(z, z);
  let term = z;
  let sum = z;
  for (let n = 3n; term !== 0n; n += 2n) {
    term = fmul(term, z2);
    sum += term / n;
  }
  return 2n * sum;
}

/** ln(j / 16) for j = 16..159, to bring a mantissa in [1, 10) within 1/16 of 1: each from the one before. */
// Stryker disable next-line ArrayDeclaration: equivalent; an element at index 0 is never read (j is 16..159)
const LN_SIXTEENTHS: bigint[] = [];
LN_SIXTEENTHS[16] = 0n;
// Stryker disable next-line EqualityOperator: equivalent; `<=` also fills index 160, which no mantissa below 10 reads
for (let j = 16; j < 159; j++) LN_SIXTEENTHS[j + 1] = LN_SIXTEENTHS[j] + lnNearOne((BigInt(j + 1) << BITS) / BigInt(j));

/**
 * Cuts `value` x 10^-`scaleDigits` (value a BigInt, may be negative) to PRECISION significant digits toward
 * zero, or undefined when a value within `err` units of `value` could cut differently.
 */
function roundDown(value: bigint, err: bigint, scaleDigits: number, Ctor: typeof Decimal): Decimal | undefined {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const text = abs.toString();
  const cut = text.length - PRECISION;
  if (cut < 20) return undefined; // too few digits beyond the 34th to decide the cut
  const rem = BigInt(text.slice(PRECISION));
  if (rem < err || rem + err >= pow10(cut)) return undefined;
  return new Ctor(`${negative ? "-" : ""}${text.slice(0, PRECISION)}e${cut - scaleDigits}`);
}

/** log10(x) for finite x > 0, or undefined when decimal.js must decide (see the module comment). */
export function fastLog10(x: Decimal, Ctor: typeof Decimal): Decimal | undefined {
  if (!x.isFinite() || !x.isPositive() || x.isZero()) return undefined;
  const { coefficient, exponent, digits } = decompose(x);
  // x = m x 10^e10 with m in [1, 10)
  const e10 = exponent + digits - 1;
  const m = toFixedPoint(coefficient, -(digits - 1));
  const j = Number((m * 16n) >> BITS); // 16..159
  const y = (m * 16n) / BigInt(j); // m / (j / 16), in [1, 1 + 1/16)
  const log10M = ((LN_SIXTEENTHS[j] + lnNearOne(y)) << BITS) / LN10;
  const value = ((BigInt(e10) << BITS) + log10M) * pow10(WORK);
  // absolute error: under a thousand units of 2^-340 (the table adds up 143 series), e10 is exact
  return roundDown(value >> BITS, pow10(15), WORK, Ctor);
}

/** e^x for finite x, or undefined when decimal.js must decide (see the module comment). */
export function fastExp(x: Decimal, Ctor: typeof Decimal): Decimal | undefined {
  if (!x.isFinite() || x.isZero()) return undefined;
  const { coefficient, exponent, digits } = decompose(x);
  const magnitude = exponent + digits; // |x| < 10^magnitude
  if (magnitude > 4 || magnitude < -30) return undefined; // outside the engine's range: decimal.js
  const X = x.isNegative() ? -toFixedPoint(coefficient, exponent) : toFixedPoint(coefficient, exponent);
  // x = k ln2 + r, |r| <= ln2 / 2; e^r = (e^(r / 256))^256
  const k = Math.round(x.toNumber() / Math.LN2);
  const small = (X - BigInt(k) * LN2) >> 8n;
  let term = ONE;
  let sum = ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = fmul(term, small) / n;
    sum += term;
  }
  for (let i = 0; i < 8; i++) sum = fmul(sum, sum);
  // e^x = sum x 2^k, in units of 10^-scaleDigits (more digits for small results)
  const scaleDigits = WORK + (k < 0 ? Math.ceil(-k * Math.log10(2)) : 0);
  const shift = BITS - BigInt(k);
  const scaled = sum * pow10(scaleDigits);
  const value = shift >= 0n ? scaled >> shift : scaled << -shift;
  // relative error: the reduction, the series and 8 squarings lose well under 15 of ~102 digits
  const err = value / pow10(WORK - 15) + 1000n;
  return roundDown(value, err, scaleDigits, Ctor);
}
