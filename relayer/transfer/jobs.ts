/**
 * Transfer job shapes and deterministic ids. A delivery to an EVM chain rides that chain's `post-<chain>`
 * queue (one submitter key and one nonce sequence per chain, shared with inference batches); payments out of
 * the hub escrow (releases, refunds) ride one `hub-escrow` queue processed in order (one account sequence).
 *
 * The id is derived from what the transfer is, never from when it was seen, so a watcher that sees it twice
 * (restart, back-fill, a second instance) adds nothing: BullMQ ignores an existing id.
 */
import type { SentTx } from "../submit/sender";

/** Where a transfer came from, so an attester can read it again from its own node. */
export type TransferOrigin =
  | { kind: "hub"; txHash: string; msgIndex: number; height: string }
  | { kind: "evm"; chain: string; txHash: string; blockNumber: number; logIndex: number };

/** An attested delivery (`AlloraBridge.deliver`) on an EVM chain. Numbers as decimal strings (JSON). */
export interface DeliverJobData {
  kind: "deliver";
  /** destination chain name (the queue's chain) */
  chain: string;
  sourceChain: string;
  /** bytes32 id of the sending bridge (lib/eip712/bridge.ts evmBridgeId / hubBridgeId) */
  sourceBridge: string;
  destinationChain: string;
  sequence: string;
  recipient: string;
  amount: string;
  transferId: string;
  origin: TransferOrigin;
  /** wall-clock ms when the source event was seen (latency) and the source block's time (s) */
  seenAt: number;
  sourceTime: number;
  sent?: SentTx[];
}

/** A payment out of the hub escrow: a release of an EVM -> hub transfer, or a refund of a refused deposit. */
export interface EscrowJobData {
  kind: "release" | "refund";
  /** release: the transfer id; refund: "<deposit tx hash>:<msg index>" */
  key: string;
  to: string;
  coins: { denom: string; amount: string }[];
  reason?: string;
  /** release only: the EVM transfer it pays (its id is derived from these) */
  transfer?: { sourceChain: string; sourceBridge: string; sequence: string };
  origin: TransferOrigin;
  seenAt: number;
  sourceTime: number;
}

export const ESCROW_QUEUE = "hub-escrow";
export const deliverJobId = (chain: string, transferId: string) => `${chain}.xfer.${transferId.toLowerCase()}`;
export const releaseJobId = (transferId: string) => `release.${transferId.toLowerCase()}`;
export const refundJobId = (depositTxHash: string, msgIndex: number) => `refund.${depositTxHash.toUpperCase()}.${msgIndex}`;
