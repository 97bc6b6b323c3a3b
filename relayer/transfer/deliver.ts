/**
 * Delivering a transfer to an EVM chain's AlloraBridge: the chain's replay state first (a delivered or queued
 * transfer is done, whatever Redis says), then this instance's attesters check the job against their own
 * sources and sign the EIP-712 `Transfer`, the signatures meet in the pool (verified against the bridge's
 * current set), and the submitter sends `deliver`. The receipt says Minted, Queued, or AlreadyDelivered
 * (another instance won the race): all three are success.
 */
import { Contract, Interface, getAddress, type Provider, type TransactionReceipt, type Wallet } from "ethers";
import type { Logger } from "pino";
import { fastTransferDigest } from "../attest/fast-digest";
import type { SignaturePool } from "../attest/pool";
import type { TxIntent } from "../submit/intent";
import type { DeliverJobData } from "./jobs";
import { SignedTransfers, type Verdict } from "./verify";

export const BRIDGE_ABI = [
  "function deliver(uint64 sourceChain, bytes32 sourceBridge, uint64 sequence, address recipient, uint256 amount, bytes signatures) returns (uint8 status)",
  "function releaseQueued(bytes32 transferId)",
  "function multicall(bytes[] data) returns (bytes[] results)",
  "function isDelivered(uint64 sourceChain, bytes32 sourceBridge, uint64 sequence) view returns (bool)",
  "function queuedTransfer(bytes32 transferId) view returns ((address recipient, uint96 amount, uint64 sourceChain, uint64 sequence, uint32 queuedAt, bool held))",
  "function limits(uint64 chain) view returns (uint256 outboundCapacity, uint256 outboundAvailable, uint256 inboundCapacity, uint256 inboundAvailable)",
  "function limitWindow() view returns (uint256)",
  "function attesterSet() view returns (uint64 setId, address[] signers, uint8 threshold)",
  "function netBridgedIn(uint64 chain) view returns (int256)",
  "function token() view returns (address)",
  "event TransferDelivered(bytes32 indexed transferId, uint64 indexed sourceChain, uint64 indexed sequence, address recipient, uint256 amount)",
  "event TransferQueued(bytes32 indexed transferId, uint64 indexed sourceChain, uint64 indexed sequence, address recipient, uint256 amount)",
  "event QueuedTransferReleased(bytes32 indexed transferId, address indexed recipient, uint256 amount)",
  "error UnknownSourceBridge(uint64 chain, bytes32 sourceBridge)",
  "error SourceNotEnabled(uint64 chain)",
  "error DirectionIsPaused(uint8 direction, uint64 chain)",
  "error AmountTooLarge(uint256 amount)",
  "error ZeroRecipient()",
  "error ZeroAmount()",
  "error ZeroSequence()",
  "error InboundLimitExceeded(uint64 chain, uint256 amount, uint256 available)",
  "error QueuedTransferNotReady(bytes32 transferId, uint256 releasableAt)",
  "error QueuedTransferIsHeld(bytes32 transferId)",
  "error NotQueued(bytes32 transferId)",
  "error TooFewSignatures(uint256 given, uint256 threshold)",
  "error InvalidSignature(uint256 index)",
  "error UnknownSigner(address signer)",
  "error DuplicateSigner(address signer)",
  "error SignersNotSorted(address previous, address next)",
];
export const bridgeInterface = new Interface(BRIDGE_ABI);
const TRANSFER_DELIVERED_TOPIC = bridgeInterface.getEvent("TransferDelivered")!.topicHash;
const TRANSFER_QUEUED_TOPIC = bridgeInterface.getEvent("TransferQueued")!.topicHash;

export function deliverCalldata(job: DeliverJobData, signatures: string): string {
  return bridgeInterface.encodeFunctionData("deliver", [
    BigInt(job.sourceChain),
    job.sourceBridge,
    BigInt(job.sequence),
    getAddress(job.recipient),
    BigInt(job.amount),
    signatures,
  ]);
}

/** The transfer a `deliver` calldata carries (source chain, source bridge, sequence, recipient, amount). */
function deliveryKey(calldata: string): string {
  return bridgeInterface.decodeFunctionData("deliver", calldata).slice(0, 5).map(String).join("|").toLowerCase();
}

/** Whether `data` delivers the transfer `key`: a `deliver` of it, or a `multicall` with one among its calls. */
export function deliversTransfer(data: string, key: string): boolean {
  try {
    const fn = bridgeInterface.parseTransaction({ data })?.name;
    if (fn === "deliver") return deliveryKey(data) === key;
    if (fn !== "multicall") return false;
    const calls = bridgeInterface.decodeFunctionData("multicall", data)[0] as string[];
    return calls.some((c) => {
      try {
        return deliveryKey(c) === key;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * The submitter's intent for a delivery: any `deliver` of this same transfer is this job's work (a retry may
 * carry other signatures, e.g. after a rotation), and so is a batch (`multicall`, batcher.ts) that contains
 * one: a successful batch delivered every transfer in it (or found it delivered). Nothing else is.
 */
export function deliverIntent(bridge: string, calldata: string): TxIntent {
  const key = deliveryKey(calldata);
  return { to: bridge, data: calldata, sameWork: (data) => deliversTransfer(data, key) };
}

export type DeliveryOutcome =
  | { state: "delivered" | "queued"; txHash: string; blockNumber: number; gasUsed: bigint }
  | { state: "already"; queued: boolean }
  | { state: "waiting"; why: string }
  | { state: "refused"; problem: string };

/** What the receipt of a `deliver` says about this transfer. */
export function deliveryFromReceipt(receipt: TransactionReceipt, bridge: string, transferId: string): "delivered" | "queued" | "already" {
  // By topic, in lower case: a batch's receipt has two logs per delivery and every job of the batch reads it,
  // so checksumming each log's address (a keccak) and ABI-parsing it cost more than the rest of the check.
  const emitter = bridge.toLowerCase();
  const id = transferId.toLowerCase();
  for (const l of receipt.logs) {
    if (l.address.toLowerCase() !== emitter || l.topics[1]?.toLowerCase() !== id) continue;
    if (l.topics[0] === TRANSFER_DELIVERED_TOPIC) return "delivered";
    if (l.topics[0] === TRANSFER_QUEUED_TOPIC) return "queued";
  }
  return "already";
}

export interface DeliverDeps {
  chainId: bigint;
  bridge: string;
  provider: Provider;
  /** this instance's attester keys (may be none) */
  attesters: readonly Wallet[];
  /** the job's check against this instance's own sources */
  verify(job: DeliverJobData): Promise<Verdict>;
  pool: SignaturePool;
  signatureWaitMs: number;
  signed: SignedTransfers;
  /** sends through the chain's TxSender (journal, nonce order, fee bumps) and returns the receipt */
  send(to: string, calldata: string): Promise<TransactionReceipt>;
  log: Logger;
  aborted?: () => boolean;
}

type AttestDeps = Pick<DeliverDeps, "chainId" | "bridge" | "provider" | "attesters" | "verify" | "pool" | "signed">;

export type AttestOutcome =
  | { state: "attested"; digest: string; signers: string[]; threshold: number; setId: bigint }
  | { state: "already"; queued: boolean }
  | { state: "waiting"; why: string }
  | { state: "refused"; problem: string };

/**
 * The attester's part of a delivery, which every instance runs for every delivery job it sees (its keys may
 * be the ones the submitting instance lacks): the chain's replay state, then this instance's own check of the
 * job, then a signature per local key in the bridge's current set.
 */
export async function attestDelivery(job: DeliverJobData, deps: AttestDeps): Promise<AttestOutcome> {
  if (BigInt(job.destinationChain) !== deps.chainId) return { state: "refused", problem: `job for chain ${job.destinationChain} on chain ${deps.chainId}` };
  const bridge = new Contract(deps.bridge, bridgeInterface, deps.provider);
  // Both reads at once (one round trip; ethers batches concurrent calls).
  const [delivered, set] = await Promise.all([
    bridge.isDelivered(BigInt(job.sourceChain), job.sourceBridge, BigInt(job.sequence)) as Promise<boolean>,
    bridge.attesterSet() as Promise<[bigint, string[], bigint]>,
  ]);
  if (delivered) {
    const q = (await bridge.queuedTransfer(job.transferId)) as { amount: bigint };
    return { state: "already", queued: q.amount > 0n };
  }
  const [setId, signers, threshold] = set;
  const digest = fastTransferDigest(
    { chainId: deps.chainId, verifyingContract: deps.bridge },
    {
      setId,
      sourceChain: BigInt(job.sourceChain),
      sourceBridge: job.sourceBridge,
      sequence: BigInt(job.sequence),
      recipient: getAddress(job.recipient),
      amount: BigInt(job.amount),
    },
  );
  const members = new Set(signers.map((s) => getAddress(s)));
  const mine = deps.attesters.filter((w) => members.has(getAddress(w.address)));
  if (mine.length > 0) {
    const verdict = await deps.verify(job);
    if (!verdict.ok) return verdict.retry ? { state: "waiting", why: verdict.problem } : { state: "refused", problem: verdict.problem };
    const conflict = deps.signed.check(job);
    if (conflict) return { state: "refused", problem: conflict };
    await deps.pool.signToThreshold(digest, mine, signers, Number(threshold));
  }
  return { state: "attested", digest, signers, threshold: Number(threshold), setId };
}

/** One attempt at a delivery. "waiting" means retry later; "refused" must be alerted and never retried. */
export async function deliverOnce(job: DeliverJobData, deps: DeliverDeps): Promise<DeliveryOutcome> {
  const a = await attestDelivery(job, deps);
  if (a.state !== "attested") return a;
  const { digest, signers, threshold, setId } = a;
  const sigs = await deps.pool.waitForThreshold(digest, signers, Number(threshold), deps.signatureWaitMs, 50, deps.aborted);
  if (!sigs) return { state: "waiting", why: `fewer than ${threshold} valid signatures for ${job.transferId} (set ${setId})` };
  // One line per transfer and stage (seen, attested, delivered): the bridge bench computes stage latencies from them.
  deps.log.info({ stage: "attested", id: job.transferId, signatures: sigs.count }, "transfer attested");
  const receipt = await deps.send(deps.bridge, deliverCalldata(job, sigs.signatures));
  const what = deliveryFromReceipt(receipt, deps.bridge, job.transferId);
  if (what === "already") return { state: "already", queued: false };
  return { state: what, txHash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed };
}
