/**
 * What an attester checks before it signs a transfer: it reads the transfer again from its own source node
 * (its hub node's deposit table, or its own RPC of the source chain at depth) and compares every field the
 * job carries. A job is data from Redis; nothing in it is believed. Pure over the lookups it is given.
 */
import { getAddress } from "ethers";
import { evmBridgeId, hubBridgeId, transferId } from "../../lib/eip712/bridge";
import type { SequencedDeposit } from "./deposits";
import type { Confirmation, SentTransfer } from "./evm-source";
import type { DeliverJobData, EscrowJobData, TransferOrigin } from "./jobs";

export type Verdict = { ok: true } | { ok: false; retry: boolean; problem: string };

const refuse = (problem: string): Verdict => ({ ok: false, retry: false, problem });
const later = (problem: string): Verdict => ({ ok: false, retry: true, problem });

export interface HubSide {
  hubChain: bigint;
  escrow: string;
  /** this attester's decision for a deposit, or undefined when its scan has not reached it */
  lookup(txHash: string, msgIndex: number): SequencedDeposit | undefined;
  scannedHeight: bigint;
}

/** A delivery of a hub deposit, against this attester's own deposit table. */
export function verifyHubDelivery(job: DeliverJobData, hub: HubSide): Verdict {
  if (job.origin.kind !== "hub") return refuse("origin is not the hub");
  if (BigInt(job.sourceChain) !== hub.hubChain) return refuse(`sourceChain ${job.sourceChain} is not the hub (${hub.hubChain})`);
  if (job.sourceBridge.toLowerCase() !== hubBridgeId(hub.escrow)) return refuse("sourceBridge is not the hub escrow");
  const d = hub.lookup(job.origin.txHash, job.origin.msgIndex);
  if (!d) {
    return BigInt(job.origin.height) > hub.scannedHeight
      ? later(`deposit ${job.origin.txHash}:${job.origin.msgIndex} not scanned yet (at ${hub.scannedHeight})`)
      : refuse(`no deposit ${job.origin.txHash}:${job.origin.msgIndex} on the hub`);
  }
  if (d.kind !== "transfer") return refuse(`deposit ${job.origin.txHash}:${job.origin.msgIndex} is a refund (${d.reason})`);
  const want: [string, string, string][] = [
    ["destinationChain", String(d.destinationChain), job.destinationChain],
    ["sequence", String(d.sequence), job.sequence],
    ["recipient", d.recipient, safeAddress(job.recipient)],
    ["amount", String(d.amount), job.amount],
    ["height", String(d.deposit.height), job.origin.height],
    ["transferId", transferId(hub.hubChain, hubBridgeId(hub.escrow), d.destinationChain, d.sequence), job.transferId.toLowerCase()],
  ];
  for (const [field, truth, claimed] of want) if (truth !== claimed) return refuse(`${field} is ${truth} on the hub, ${claimed} in the job`);
  return { ok: true };
}

function safeAddress(a: string): string {
  try {
    return getAddress(a);
  } catch {
    return a;
  }
}

/** What an EVM-sourced job claims about its transfer: compared field by field with the source chain. */
export interface EvmClaim {
  origin: TransferOrigin;
  sourceChain: bigint;
  sourceBridge: string;
  destinationChain: bigint;
  sequence: bigint;
  recipient: SentTransfer["recipient"];
  amount: bigint;
  transferId: string;
}

export function deliverClaim(job: DeliverJobData): EvmClaim {
  return {
    origin: job.origin,
    sourceChain: BigInt(job.sourceChain),
    sourceBridge: job.sourceBridge,
    destinationChain: BigInt(job.destinationChain),
    sequence: BigInt(job.sequence),
    recipient: { kind: "evm", address: safeAddress(job.recipient) },
    amount: BigInt(job.amount),
    transferId: job.transferId,
  };
}

/** A release job's claim, or a problem when it is not one (a refund, or no transfer fields). */
export function releaseClaim(job: EscrowJobData, hubChain: bigint, denom: string): EvmClaim | string {
  if (job.kind !== "release" || !job.transfer) return "not a release of an EVM transfer";
  if (job.coins.length !== 1 || job.coins[0].denom !== denom) return `a release pays exactly one coin of ${denom}`;
  return {
    origin: job.origin,
    sourceChain: BigInt(job.transfer.sourceChain),
    sourceBridge: job.transfer.sourceBridge,
    destinationChain: hubChain,
    sequence: BigInt(job.transfer.sequence),
    recipient: { kind: "hub", address: job.to },
    amount: BigInt(job.coins[0].amount),
    transferId: job.key,
  };
}

/**
 * Checks an EVM-sourced claim: ids first (cheap refusals), then the source chain itself at depth through
 * `confirm` (evm-source.ts confirmTransfer on this attester's own RPC).
 */
export async function verifyEvmClaim(
  claim: EvmClaim,
  src: { chainId: bigint; bridge: string },
  confirm: (claimed: SentTransfer) => Promise<Confirmation>,
): Promise<Verdict> {
  if (claim.origin.kind !== "evm") return refuse("origin is not an EVM chain");
  if (claim.sourceChain !== src.chainId) return refuse(`sourceChain ${claim.sourceChain} is not ${src.chainId}`);
  if (claim.sourceBridge.toLowerCase() !== evmBridgeId(src.bridge)) return refuse("sourceBridge is not the source chain's bridge");
  const id = transferId(src.chainId, evmBridgeId(src.bridge), claim.destinationChain, claim.sequence);
  if (id !== claim.transferId.toLowerCase()) return refuse(`transferId ${claim.transferId} is not the id of (${claim.sourceChain}, ${claim.sequence})`);
  return confirmationVerdict(
    await confirm({
      sourceChain: src.chainId,
      bridge: getAddress(src.bridge),
      transferId: id,
      destinationChain: claim.destinationChain,
      sequence: claim.sequence,
      sender: "",
      recipient: claim.recipient,
      amount: claim.amount,
      fee: 0n,
      blockNumber: claim.origin.blockNumber,
      blockHash: "",
      txHash: claim.origin.txHash,
      logIndex: claim.origin.logIndex,
    }),
  );
}

/** Turns a re-read of the source chain into a verdict. */
export function confirmationVerdict(c: Confirmation): Verdict {
  switch (c.state) {
    case "confirmed":
      return { ok: true };
    case "pending":
      return later(`${c.depth} of ${c.needed} confirmations`);
    case "gone":
      return refuse(c.why);
    case "mismatch":
      return refuse(c.why);
  }
}

/**
 * Remembers what this attester signed per (source, bridge, destination, sequence): a second request for the
 * same slot with other content is refused and must be alerted (it can only come from a forged job or a bug).
 */
export class SignedTransfers {
  private readonly signed = new Map<string, string>();

  constructor(private readonly max = 100_000) {}

  /** Undefined when the content may be signed (first time, or the same content again); else the problem. */
  check(job: DeliverJobData): string | undefined {
    const slot = `${job.sourceChain}|${job.sourceBridge.toLowerCase()}|${job.destinationChain}|${job.sequence}`;
    const content = `${safeAddress(job.recipient)}|${job.amount}|${job.transferId.toLowerCase()}`;
    const prev = this.signed.get(slot);
    if (prev !== undefined && prev !== content) return `already signed other content for ${slot}: ${prev}, now asked ${content}`;
    if (prev === undefined) {
      this.signed.set(slot, content);
      if (this.signed.size > this.max) this.signed.delete(this.signed.keys().next().value as string);
    }
    return undefined;
  }
}
