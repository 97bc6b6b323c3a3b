/** ALLO amounts: 18 decimals on the chains and on the hub (1 ALLO = 10^18 uallo). */
import { formatUnits, parseUnits } from "ethers";
import { CliError } from "./errors";

export const ALLO_DECIMALS = 18;

/** "12.5" -> 12.5e18 base units; refuses anything that is not a positive decimal with at most 18 places. */
export function parseAmount(raw: string, decimals = ALLO_DECIMALS): bigint {
  const m = /^\s*(\d*)(?:\.(\d*))?\s*$/.exec(raw);
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) {
    throw new CliError(`--amount "${raw}" is not an amount`, "give a decimal number of ALLO such as 12.5 (no units, no commas, no exponent)");
  }
  const fraction = m[2] ?? "";
  if (fraction.length > decimals) {
    throw new CliError(
      `--amount "${raw}" has ${fraction.length} decimal places, but ALLO has ${decimals}`,
      `round it to at most ${decimals} decimal places (the smallest amount is ${formatUnits(1n, decimals)} ALLO)`,
    );
  }
  const amount = parseUnits(`${m[1] || "0"}.${fraction || "0"}`, decimals);
  if (amount <= 0n) throw new CliError(`--amount "${raw}" is zero`, "send more than zero ALLO");
  return amount;
}

/** 12500000000000000000n -> "12.5" (no trailing ".0" for whole amounts). */
export function formatAllo(amount: bigint): string {
  const s = formatUnits(amount, ALLO_DECIMALS);
  return s.endsWith(".0") ? s.slice(0, -2) : s;
}

/** Seconds in words for estimates: "45 s", "3 min 20 s", "2 h 5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.round((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ""}`;
}
