/**
 * Pure decisions on the bridge's rate limits and pause switches, from values read off the contracts
 * (`limits(chain)`, `remoteChain(chain)`, `limitWindow()`), so the CLI refuses what the contract would revert
 * and says when a transfer would be queued at the destination, before anything is signed.
 */
import { fitsAt } from "../relayer/transfer/queued";
import { formatAllo, formatDuration } from "./amount";
import { CliError } from "./errors";

/** One direction of a remote chain on one bridge: enabled, paused, capacity and what is available now. */
export interface DirectionState {
  enabled: boolean;
  paused: boolean;
  capacity: bigint;
  available: bigint;
  /** seconds over which an empty limit refills completely */
  window: bigint;
}

/** Seconds until `amount` fits the limit (0: now), or undefined when it never will (above the capacity). */
export function secondsUntilFits(limit: DirectionState, amount: bigint): number | undefined {
  const at = fitsAt({ capacity: limit.capacity, available: limit.available, at: 0n, window: limit.window }, amount);
  return at === undefined ? undefined : Number(at);
}

/** The source bridge must take the send now: enabled, not paused, and within the outbound limit. */
export function checkOutbound(from: string, to: string, state: DirectionState, amount: bigint): void {
  if (!state.enabled) {
    throw new CliError(`${from}'s bridge does not send to ${to} (the route is not enabled)`, `pick another destination; the bridge admin enables routes`);
  }
  if (state.paused) {
    throw new CliError(`${from}'s bridge has paused outbound transfers`, `wait until its guardian unpauses them (nothing was sent), or bridge from another chain`);
  }
  if (amount > state.available) {
    const wait = secondsUntilFits(state, amount);
    const fix =
      wait === undefined
        ? `send at most ${formatAllo(state.capacity)} ALLO per transfer (the limit's capacity), in several transfers`
        : `send at most ${formatAllo(state.available)} ALLO now, or wait ${formatDuration(wait)} until the limit has refilled enough for ${formatAllo(amount)}`;
    throw new CliError(`${formatAllo(amount)} ALLO is over ${from}'s outbound limit to ${to}: ${formatAllo(state.available)} ALLO available now`, fix);
  }
}

export interface InboundOutlook {
  /** true when the destination will queue it instead of minting at once */
  queued: boolean;
  /** seconds from delivery until it can be released (queued only; at least the window) */
  releaseAfter?: number;
  note?: string;
}

/**
 * What the destination bridge will do with the delivery. Over its inbound limit a delivery is queued, not
 * refused: the CLI warns and adds the wait to the estimate. Paused or disabled: refuse before burning.
 */
export function checkInbound(from: string, to: string, state: DirectionState, amount: bigint): InboundOutlook {
  if (!state.enabled) {
    throw new CliError(`${to}'s bridge does not take transfers from ${from}`, "pick another destination; the bridge admin enables routes");
  }
  if (state.paused) {
    throw new CliError(`${to}'s bridge has paused inbound transfers`, "wait until its guardian unpauses them: sending now would leave the ALLO waiting in flight");
  }
  if (amount <= state.available) return { queued: false };
  const wait = secondsUntilFits(state, amount);
  if (wait === undefined) {
    throw new CliError(
      `${formatAllo(amount)} ALLO is over ${to}'s inbound capacity from ${from} (${formatAllo(state.capacity)} ALLO): it would wait in the queue for the admin`,
      `send at most ${formatAllo(state.capacity)} ALLO per transfer`,
    );
  }
  // A queued transfer waits at least one window after it was queued, and until the limit has refilled.
  const releaseAfter = Math.max(wait, Number(state.window));
  return {
    queued: true,
    releaseAfter,
    note: `${to}'s inbound limit from ${from} has ${formatAllo(state.available)} ALLO available now: the transfer will be queued there and released after about ${formatDuration(releaseAfter)}`,
  };
}
