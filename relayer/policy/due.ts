/**
 * The update policy, as pure functions (Pyth price pusher / Chainlink style): a new inference is due on a
 * chain when it deviates from the reference value by at least `deviationBps`, when the reference is older
 * than `heartbeatSeconds`, when the chain has no value yet, or when someone paid for it on that chain.
 * Never due when it is not newer than the reference (nonces only increase per topic).
 */
import { UpdatePolicy } from "../config/schema";

/** A value on a chain (or already scheduled to it): 18-decimal fixed point, hub nonce, hub timestamp (s). */
export interface PostedValue {
  value: bigint;
  nonce: bigint;
  timestamp: number;
}

export interface Candidate {
  topicId: number;
  value: bigint;
  nonce: bigint;
  timestamp: number;
}

export type DueReason = "first" | "deviation" | "heartbeat" | "paid";
export type NotDueReason = "not-newer" | "within-policy";
export type DueDecision = { due: true; reason: DueReason } | { due: false; reason: NotDueReason };

/**
 * |candidate - reference| * 10,000 >= deviationBps * |reference|, exactly in bigint. A zero reference deviates on
 * any change. Compared squared (both sides are non-negative, so the order is the same): no absolute values, whose
 * sign tests at 0 are a choice without consequence (-0n is 0n).
 */
export function deviatesEnough(candidate: bigint, reference: bigint, deviationBps: number): boolean {
  const diff = candidate - reference;
  if (reference === 0n) return diff !== 0n || deviationBps === 0;
  const bps = BigInt(deviationBps);
  return diff * diff * 100_000_000n >= bps * bps * reference * reference;
}

/**
 * Decides whether `candidate` is due on a chain.
 * @param reference the newest of the on-chain value and the last one scheduled to the chain (undefined: none)
 * @param paidAmount the total unserved payment for this topic on this chain (0n: none)
 */
export function isDue(
  candidate: Candidate,
  reference: PostedValue | undefined,
  policy: UpdatePolicy,
  nowSeconds: number,
  paidAmount: bigint = 0n,
): DueDecision {
  if (reference === undefined || reference.nonce === 0n) return { due: true, reason: "first" };
  if (candidate.nonce <= reference.nonce) return { due: false, reason: "not-newer" };
  if (paidAmount > 0n) return { due: true, reason: "paid" };
  if (nowSeconds - reference.timestamp >= policy.heartbeatSeconds) return { due: true, reason: "heartbeat" };
  if (deviatesEnough(candidate.value, reference.value, policy.deviationBps)) return { due: true, reason: "deviation" };
  return { due: false, reason: "within-policy" };
}

/** When the reference stops satisfying the heartbeat (Unix seconds); the deviation rule may fire sooner. */
export function nextHeartbeatAt(reference: PostedValue | undefined, policy: UpdatePolicy): number | undefined {
  if (reference === undefined || reference.nonce === 0n) return undefined;
  return reference.timestamp + policy.heartbeatSeconds;
}
