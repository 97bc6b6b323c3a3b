/**
 * Fee strategy and bumping, as pure functions. EIP-1559: maxFeePerGas / maxPriorityFeePerGas from the
 * node's suggestion, capped. Legacy: gasPrice, capped. A replacement raises BOTH fees by at least
 * `bumpPercent` (nodes require >= 10 %, we use >= 12.5 %) and never above the caps; when the cap leaves
 * no room for a valid bump, the transaction is left to wait (bumpFees returns undefined).
 */
import { parseUnits } from "ethers";
import { FeeConfig } from "../config/schema";

export type Fees = { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { type: 0; gasPrice: bigint };

/** What the node suggests (ethers FeeData). */
export interface FeeSuggestion {
  gasPrice: bigint | null;
  maxFeePerGas: bigint | null;
  maxPriorityFeePerGas: bigint | null;
}

export interface FeeCaps {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export function feeCaps(cfg: FeeConfig): FeeCaps {
  const maxFee = parseUnits(cfg.maxFeePerGasGwei, "gwei");
  const maxPrio = cfg.maxPriorityFeePerGasGwei !== undefined ? parseUnits(cfg.maxPriorityFeePerGasGwei, "gwei") : maxFee;
  return { maxFeePerGas: maxFee, maxPriorityFeePerGas: maxPrio < maxFee ? maxPrio : maxFee };
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** First-send fees from the node's suggestion, within the caps. */
export function initialFees(cfg: FeeConfig, s: FeeSuggestion): Fees {
  const caps = feeCaps(cfg);
  if (cfg.strategy === "legacy") {
    const gp = s.gasPrice ?? s.maxFeePerGas;
    if (gp === null) throw new Error("the node suggested no gas price; use fees.strategy eip1559 or check the RPC");
    return { type: 0, gasPrice: min(gp, caps.maxFeePerGas) };
  }
  if (s.maxFeePerGas === null || s.maxPriorityFeePerGas === null) {
    throw new Error('the node suggested no EIP-1559 fees (pre-London chain?); set fees.strategy: "legacy"');
  }
  const prio = min(s.maxPriorityFeePerGas, caps.maxPriorityFeePerGas);
  const maxFee = min(max(s.maxFeePerGas, prio), caps.maxFeePerGas);
  return { type: 2, maxFeePerGas: maxFee, maxPriorityFeePerGas: min(prio, maxFee) };
}

/** x raised by at least `percent` % (rounded up, so the minimum bump is always met). */
export function raiseBy(x: bigint, percent: number): bigint {
  const ppm = BigInt(Math.round(percent * 10_000)); // percent with 4 decimals, as parts per million
  return x + (x * ppm + 999_999n) / 1_000_000n + (x === 0n ? 1n : 0n);
}

/**
 * Fees for a replacement with the same nonce: each at least `bumpPercent` above the previous one and at
 * least the node's current suggestion, within the caps. Undefined when the caps leave no valid bump.
 */
export function bumpFees(cfg: FeeConfig, previous: Fees, s: FeeSuggestion): Fees | undefined {
  const caps = feeCaps(cfg);
  if (previous.type === 0) {
    const wanted = max(raiseBy(previous.gasPrice, cfg.bumpPercent), s.gasPrice ?? 0n);
    if (wanted > caps.maxFeePerGas) return undefined;
    return { type: 0, gasPrice: wanted };
  }
  const prio = max(raiseBy(previous.maxPriorityFeePerGas, cfg.bumpPercent), s.maxPriorityFeePerGas ?? 0n);
  const maxFee = max(max(raiseBy(previous.maxFeePerGas, cfg.bumpPercent), s.maxFeePerGas ?? 0n), prio);
  if (maxFee > caps.maxFeePerGas || prio > caps.maxPriorityFeePerGas) return undefined;
  return { type: 2, maxFeePerGas: maxFee, maxPriorityFeePerGas: prio };
}
