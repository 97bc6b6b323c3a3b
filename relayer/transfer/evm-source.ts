/**
 * EVM-sourced transfers: `TransferSent` logs of one chain's AlloraBridge, scanned in bounded block ranges from
 * a checkpoint, and re-read at depth before anyone signs: the receipt is fetched again from the attester's own
 * RPC, its block must still be canonical, and the log must still say exactly what the job says. A burn that a
 * reorg removed is never paid.
 */
import { getAddress, Interface, type Log, type Provider } from "ethers";
import { fromBech32 } from "@cosmjs/encoding";
import { BoundedMemo } from "../attest/bounded";

export const BRIDGE_EVENTS_ABI = [
  "event TransferSent(bytes32 indexed transferId, uint64 indexed destinationChain, uint64 indexed sequence, address sender, bytes recipient, uint256 amount, uint256 fee)",
];
export const bridgeEvents = new Interface(BRIDGE_EVENTS_ABI);
export const TRANSFER_SENT_TOPIC = bridgeEvents.getEvent("TransferSent")!.topicHash;

/** Where the tokens go: a hub account (bech32 as ASCII bytes in the event) or an EVM address (20 bytes). */
export type Recipient = { kind: "hub"; address: string } | { kind: "evm"; address: string };

/** One outbound transfer as its source chain recorded it. */
export interface SentTransfer {
  sourceChain: bigint;
  /** the emitting bridge, checksummed */
  bridge: string;
  transferId: string;
  destinationChain: bigint;
  sequence: bigint;
  sender: string;
  recipient: Recipient;
  amount: bigint;
  fee: bigint;
  blockNumber: number;
  blockHash: string;
  txHash: string;
  logIndex: number;
}

export class MalformedTransferLogError extends Error {
  constructor(readonly txHash: string, readonly logIndex: number, reason: string) {
    super(`TransferSent in ${txHash} (log ${logIndex}) ${reason}`);
    this.name = "MalformedTransferLogError";
  }
}

/** Reads the recipient bytes the bridge recorded, as the destination will need them. */
export function decodeRecipient(bytes: string, destinationIsHub: boolean, hubPrefix: string): Recipient | undefined {
  const hex = bytes.startsWith("0x") ? bytes.slice(2) : bytes;
  if (!destinationIsHub) {
    if (hex.length !== 40) return undefined;
    return { kind: "evm", address: getAddress("0x" + hex) };
  }
  const ascii = Buffer.from(hex, "hex").toString("latin1");
  try {
    const { prefix, data } = fromBech32(ascii);
    if (prefix !== hubPrefix || (data.length !== 20 && data.length !== 32)) return undefined;
  } catch {
    return undefined;
  }
  return { kind: "hub", address: ascii };
}

/**
 * Decodes a TransferSent log of `bridge` on `sourceChain`. Throws MalformedTransferLogError on a log that is
 * not one (wrong emitter, wrong event, undecodable, unusable recipient): an RPC that serves such a thing is
 * reported, never followed.
 */
export function decodeTransferSent(log: Log, sourceChain: bigint, bridge: string, hubChain: bigint, hubPrefix: string): SentTransfer {
  // The reconciliation reads every TransferSent since the bridge's start each pass: ~5 % of the relayer's CPU
  // went to decoding the same logs again (bridge bench profile). The key is everything the result depends on.
  const key = `${sourceChain}|${bridge}|${hubChain}|${hubPrefix}|${log.address}|${log.blockNumber}|${log.blockHash}|${log.transactionHash}|${log.index}|${log.topics.join(",")}|${log.data}`;
  const decoded = decodedSends.get(key, () => decodeTransferSentUncached(log, sourceChain, bridge, hubChain, hubPrefix));
  return { ...decoded, recipient: { ...decoded.recipient } }; // a copy: callers may change what they get
}

const decodedSends = new BoundedMemo<string, SentTransfer>(20_000);

function decodeTransferSentUncached(log: Log, sourceChain: bigint, bridge: string, hubChain: bigint, hubPrefix: string): SentTransfer {
  const fail = (why: string) => new MalformedTransferLogError(log.transactionHash, log.index, why);
  if (getAddress(log.address) !== getAddress(bridge)) throw fail(`was emitted by ${log.address}, not the bridge ${bridge}`);
  if (log.topics[0] !== TRANSFER_SENT_TOPIC) throw fail("is not a TransferSent log");
  let parsed;
  try {
    parsed = bridgeEvents.parseLog({ topics: [...log.topics], data: log.data });
  } catch (e) {
    throw fail(`does not decode: ${(e as Error).message}`);
  }
  if (!parsed) throw fail("does not decode");
  const destinationChain = parsed.args.destinationChain as bigint;
  const recipient = decodeRecipient(parsed.args.recipient as string, destinationChain === hubChain, hubPrefix);
  if (!recipient) throw fail(`has a recipient that is not a valid ${destinationChain === hubChain ? "hub" : "EVM"} address`);
  return {
    sourceChain,
    bridge: getAddress(bridge),
    transferId: (parsed.args.transferId as string).toLowerCase(),
    destinationChain,
    sequence: parsed.args.sequence as bigint,
    sender: getAddress(parsed.args.sender as string),
    recipient,
    amount: parsed.args.amount as bigint,
    fee: parsed.args.fee as bigint,
    blockNumber: log.blockNumber,
    blockHash: log.blockHash,
    txHash: log.transactionHash,
    logIndex: log.index,
  };
}

export interface SourceChain {
  chainId: bigint;
  bridge: string;
  hubChain: bigint;
  hubPrefix: string;
}

/**
 * Every TransferSent of the bridge in [fromBlock, toBlock], in chain order, fetched `maxRange` blocks at a
 * time (RPCs cap getLogs ranges). `onMalformed` hears about logs that do not decode.
 */
export async function scanTransferSent(
  provider: Provider,
  src: SourceChain,
  fromBlock: number,
  toBlock: number,
  maxRange = 2_000,
  onMalformed: (e: MalformedTransferLogError) => void = () => {},
): Promise<SentTransfer[]> {
  const out: SentTransfer[] = [];
  for (let from = fromBlock; from <= toBlock; from += maxRange) {
    const to = Math.min(toBlock, from + maxRange - 1);
    const logs = await provider.getLogs({ address: src.bridge, fromBlock: from, toBlock: to, topics: [TRANSFER_SENT_TOPIC] });
    for (const log of logs) {
      try {
        out.push(decodeTransferSent(log, src.chainId, src.bridge, src.hubChain, src.hubPrefix));
      } catch (e) {
        if (e instanceof MalformedTransferLogError) onMalformed(e);
        else throw e;
      }
    }
  }
  return out.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

export type Confirmation =
  | { state: "confirmed"; transfer: SentTransfer; depth: number }
  | { state: "pending"; depth: number; needed: number }
  | { state: "gone"; why: string }
  | { state: "mismatch"; why: string };

function sameTransfer(a: SentTransfer, b: SentTransfer): string | undefined {
  // What a delivery or release carries; the sender and the relayer fee do not travel (and are not signed).
  const fields: (keyof SentTransfer)[] = ["transferId", "destinationChain", "sequence", "amount", "bridge", "sourceChain"];
  for (const f of fields) if (String(a[f]) !== String(b[f])) return `${f} is ${String(b[f])} on chain, ${String(a[f])} in the job`;
  if (a.recipient.kind !== b.recipient.kind || a.recipient.address !== b.recipient.address) return "recipient differs";
  return undefined;
}

/**
 * Re-reads a transfer from the chain before signing: the receipt (by tx hash), its status, its block still
 * canonical (the block at that height has the receipt's hash), the log with the same content, and the depth.
 */
export async function confirmTransfer(provider: Provider, src: SourceChain, claimed: SentTransfer, confirmations: number): Promise<Confirmation> {
  const receipt = await provider.getTransactionReceipt(claimed.txHash);
  if (!receipt) return { state: "gone", why: `no receipt for ${claimed.txHash} (reorged out or never mined)` };
  if (receipt.status !== 1) return { state: "gone", why: `transaction ${claimed.txHash} reverted` };
  // The block and the head in one round trip (ethers batches concurrent calls).
  const [block, head] = await Promise.all([provider.getBlock(receipt.blockNumber), provider.getBlockNumber()]);
  if (!block || block.hash !== receipt.blockHash) return { state: "gone", why: `block ${receipt.blockNumber} was replaced (reorg)` };
  const candidates = receipt.logs.filter((l) => l.topics[0] === TRANSFER_SENT_TOPIC && getAddress(l.address) === getAddress(src.bridge));
  let onChain: SentTransfer | undefined;
  for (const l of candidates) {
    const t = decodeTransferSent(l, src.chainId, src.bridge, src.hubChain, src.hubPrefix);
    if (t.transferId === claimed.transferId.toLowerCase()) onChain = t;
  }
  if (!onChain) return { state: "mismatch", why: `transaction ${claimed.txHash} has no TransferSent ${claimed.transferId}` };
  const diff = sameTransfer(claimed, onChain);
  if (diff) return { state: "mismatch", why: diff };
  const depth = head - receipt.blockNumber + 1;
  if (depth < confirmations) return { state: "pending", depth, needed: confirmations };
  return { state: "confirmed", transfer: onChain, depth };
}
