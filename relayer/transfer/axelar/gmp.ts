/**
 * The questions users and operators ask about an ALLO transfer over Axelar GMP (route 4, EVM -> EVM):
 * what to pay the gas service for the destination's `execute`, and where a sent message is. One small
 * interface, two implementations that answer it the same way:
 * - live networks: {@link AxelarSdkGmp} in ./sdk.ts (Axelar's own APIs through @axelar-network/axelarjs-sdk);
 * - the local network: the devnet Axelar stand-in (devnet/axelar/), which carries the messages itself.
 *
 * Only plain values (bigint, number, string) cross this interface: the SDK's ethers v5 objects stay in
 * ./sdk.ts, and callers never hand the SDK ethers v6 objects. Chains are our names from lib/chains.ts
 * (`ethereum`, `bnb`, `base`, ...); the implementations translate to Axelar's names from there only.
 */
import { EVM_CHAINS, type EvmChain, type EvmChainName } from "../../../lib/chains";

/**
 * Where a GMP message is, in our words. Axelar's own status word is kept in {@link GmpStatus.raw} for logs.
 * - `sent`: the source transaction called the gateway; Axelar has not confirmed it yet.
 * - `confirmed`: Axelar confirmed the source call (and is approving it on the destination).
 * - `approved`: the destination gateway approved the message; nobody has executed it yet.
 * - `executing`: an execution is under way on the destination.
 * - `executed`: the destination contract ran it (for the adapter: the ALLO is minted).
 * - `error`: the destination execution failed; {@link GmpStatus.error} says why. It can be retried.
 * - `insufficient_fee`: the gas paid on the source does not cover the execution: add gas (gas service).
 * - `not_found`: no GMP call is known for this transaction (not mined, no ContractCall, or not indexed yet).
 * - `unknown`: Axelar answered a status word this module does not know; see `raw`.
 */
export type GmpStage =
  | "sent"
  | "confirmed"
  | "approved"
  | "executing"
  | "executed"
  | "error"
  | "insufficient_fee"
  | "not_found"
  | "unknown";

export const GMP_STAGES: readonly GmpStage[] = [
  "sent",
  "confirmed",
  "approved",
  "executing",
  "executed",
  "error",
  "insufficient_fee",
  "not_found",
  "unknown",
];

export interface GmpStatus {
  stage: GmpStage;
  /** Axelar's status word for it (the SDK's `GMPStatus` value; the stand-in uses the same words). */
  raw: string;
  sourceTxHash: string;
  /** `<source tx hash>-<log index>` of the gateway's ContractCall, when known. */
  messageId?: string;
  /** The destination transaction that approved the message, when known. */
  approvalTxHash?: string;
  /** The destination transaction that executed it, when known. */
  executionTxHash?: string;
  /** Why it failed or waits (stage `error` or `insufficient_fee`). */
  error?: string;
}

export interface FeeQuoteArgs {
  sourceChain: EvmChainName;
  destinationChain: EvmChainName;
  /** Gas the destination's `execute` needs (the adapter's mint; see {@link ADAPTER_EXECUTE_GAS}). */
  gasLimit: bigint;
}

/** What to send as `msg.value` with the adapter's `send`, in wei of the SOURCE chain's native token. */
export interface FeeQuote {
  /** The total to pay: base fee + execution fee (with Axelar's multiplier) + any L1 data fee. */
  fee: bigint;
  /** Axelar's fixed part (its relayers' approval costs). */
  baseFee: bigint;
  /** `gasLimit` at the destination's gas price, in source wei, with the multiplier applied. */
  executionFee: bigint;
  /** For OP-stack destinations (Base): the L1 data fee of the execution, in source wei; 0 elsewhere. */
  l1ExecutionFee: bigint;
  /** The safety multiplier applied to the execution fee (1 = none). */
  gasMultiplier: number;
  gasLimit: bigint;
}

export interface AxelarGmp {
  /** The gas-service payment for a transfer from `sourceChain` to `destinationChain`. */
  quoteFee(args: FeeQuoteArgs): Promise<FeeQuote>;
  /** The stage of the (first) GMP call made by `sourceTxHash`. */
  status(sourceTxHash: string): Promise<GmpStatus>;
}

/**
 * Gas to quote for `AlloraAxelarAdapter.execute` on the destination (gateway validation, remote check, token
 * mint with its rate-limit bucket, event). Measured on local chains: 146,674 for the first transfer to a chain
 * whose token has no supply yet (every slot written from zero; test/devnet/axelar-standin.test.ts), 129,574 for
 * a first transfer in `npm start -- --axelar` (the faucet minted there before), 95,374 after; a third on top of
 * the highest for chains that price storage differently.
 */
export const ADAPTER_EXECUTE_GAS = 200_000n;

/** The registry entry of `name`, with an error listing the known names. */
export function evmChain(name: string): EvmChain {
  const chain = (EVM_CHAINS as Record<string, EvmChain | undefined>)[name];
  if (!chain) {
    throw new Error(`unknown chain "${name}": use one of ${Object.keys(EVM_CHAINS).join(", ")} (lib/chains.ts)`);
  }
  return chain;
}

/**
 * Our stage for Axelar's status word (`raw`, as the SDK's `queryTransactionStatus` returns it after its
 * own parseGMPStatus) and the gas status beside it. Pure, so the mapping is tested by itself.
 */
export function stageOfAxelarStatus(raw: string, gasStatus?: string): GmpStage {
  switch (raw) {
    case "destination_executed":
    case "express_executed":
    case "executed":
      return "executed";
    case "executing":
      return "executing";
    case "error":
    case "unknown_error":
      return "error";
    case "insufficient_fee":
    case "not_executed_without_gas_paid":
    case "forecalled_without_gas_paid":
      return "insufficient_fee";
    case "cannot_fetch_status":
      return "not_found";
  }
  // Before execution, an unpaid or underpaid call waits for gas whatever the message's progress.
  if (gasStatus === "gas_unpaid" || gasStatus === "gas_paid_not_enough_gas") return "insufficient_fee";
  switch (raw) {
    case "source_gateway_called":
    case "called":
    case "confirming":
      return "sent";
    case "confirmed":
    case "approving":
      return "confirmed";
    case "destination_gateway_approved":
    case "approved":
    case "not_executed":
      return "approved";
    default:
      return "unknown";
  }
}

/** A failure to reach or understand Axelar's API: names the URL, and what to check. */
export class AxelarApiError extends Error {
  constructor(
    message: string,
    /** The URL of Axelar's API that failed (before any rewrite to a mirror). */
    readonly url: string,
  ) {
    super(message);
    this.name = "AxelarApiError";
  }
}
