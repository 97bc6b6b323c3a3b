/**
 * Queued deliveries (over the destination's inbound limit): which to release now, oldest first, and when the
 * next one will fit. Mirrors the contract's linear refill (contracts/utils/RateLimit.sol `refilled`):
 * available(t) = min(capacity, available0 + capacity * elapsed / window), integer division.
 */

export interface QueuedTransfer {
  transferId: string;
  amount: bigint;
  /** when the bridge queued it (block time, seconds) */
  queuedAt: bigint;
}

export interface InboundLimit {
  capacity: bigint;
  /** available at `at` (the block the view was read at) */
  available: bigint;
  at: bigint;
  window: bigint;
}

/** The contract's refill at time `t` (seconds), for a limit read at `limit.at`. */
export function availableAt(limit: InboundLimit, t: bigint): bigint {
  const elapsed = t > limit.at ? t - limit.at : 0n;
  // (The contract also returns the capacity from a full window on; the cap below gives the same from there.)
  if (limit.window === 0n) return limit.capacity;
  const total = limit.available + (limit.capacity * elapsed) / limit.window;
  return total > limit.capacity ? limit.capacity : total;
}

/**
 * The earliest time at which `amount` fits, or undefined when it never will (above the capacity: the admin
 * must raise the limit). Rounded up to whole seconds, as the contract reads block.timestamp.
 */
export function fitsAt(limit: InboundLimit, amount: bigint): bigint | undefined {
  if (amount > limit.capacity) return undefined;
  if (amount <= limit.available) return limit.at;
  // The smallest elapsed e with available + floor(capacity * e / window) >= amount. As `missing` is a whole
  // number, floor(x) >= missing exactly when x >= missing, so e = ceil(missing * window / capacity); capacity
  // is at least 1 here (available < amount <= capacity).
  const missing = amount - limit.available;
  return limit.at + (missing * limit.window + limit.capacity - 1n) / limit.capacity;
}

/**
 * Which queued transfers to release at `now`, oldest first, each no earlier than its minimum wait. Strict FIFO: when the oldest does not fit, nothing
 * behind it overtakes it (a large transfer is not starved by a stream of small ones). Returns the releases and,
 * when some remain, when the next one fits (undefined if it never will at the current capacity).
 */
export function dueReleases(
  queued: readonly QueuedTransfer[],
  limit: InboundLimit,
  now: bigint,
  /** the bridge's minimum wait after queuing (a queued transfer is releasable from queuedAt + minDelay) */
  minDelay = 0n,
): { release: QueuedTransfer[]; nextAt: bigint | undefined; blocked: QueuedTransfer | undefined } {
  const ordered = [...queued].sort((a, b) =>
    a.queuedAt < b.queuedAt ? -1 : a.queuedAt > b.queuedAt ? 1 : a.transferId < b.transferId ? -1 : a.transferId > b.transferId ? 1 : 0,
  );
  let available = availableAt(limit, now);
  const release: QueuedTransfer[] = [];
  for (const q of ordered) {
    const readyAt = q.queuedAt + minDelay;
    if (q.amount > available || readyAt > now) {
      const after: InboundLimit = { ...limit, available, at: now };
      const fits = fitsAt(after, q.amount);
      const nextAt = fits === undefined ? undefined : fits > readyAt ? fits : readyAt;
      return { release, nextAt, blocked: q.amount > limit.capacity ? q : undefined };
    }
    available -= q.amount;
    release.push(q);
  }
  return { release, nextAt: undefined, blocked: undefined };
}
