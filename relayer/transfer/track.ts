/**
 * One transfer's stages, read from the chains and the hub (Redis only for the count of signatures gathered):
 * sent -> confirmed k/N -> attested k/n -> delivered | queued -> released. Found by transfer id (0x + 64 hex),
 * EVM tx hash (0x + 64 hex; tried as a source tx first) or hub deposit tx hash (64 hex, no 0x).
 */
import type { Provider } from "ethers";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import { fromHex, toHex } from "@cosmjs/encoding";
import { evmBridgeId, hubBridgeId, transferId as idOf } from "../../lib/eip712/bridge";
import { bridgeInterface } from "./deliver";
import { decodeTransferSent, TRANSFER_SENT_TOPIC, type SentTransfer } from "./evm-source";
import { assignSequences, type DepositRules } from "./deposits";
import { scanDeposits, scanEscrowSends } from "./hub-ledger";
import { escrowLedger, refundKey } from "./release";
import type { AxelarAdapterRef } from "./axelar/config";
import type { AxelarGmp } from "./axelar/gmp";
import { trackAxelarSend } from "./axelar/track";

export interface TrackChain {
  name: string;
  chainId: bigint;
  provider: Provider;
  bridge: string;
  startBlock: number;
  confirmations: number;
}

export interface Stage {
  stage: "sent" | "confirmed" | "delivered" | "queued" | "released" | "refunded" | "approved" | "executed" | "error" | "insufficient_fee";
  done: boolean;
  detail: string;
  txHash?: string;
  time?: number;
}

export interface TrackResult {
  transferId: string;
  route: string;
  amount: bigint;
  recipient: string;
  stages: Stage[];
  final: boolean;
  /** What the attesters sign for it (absent when found by its destination logs only, or a refund). */
  source?: { chain: bigint; bridge: string; sequence: bigint; destinationChain: bigint };
}

export interface TrackInput {
  comet: CometClient;
  hubChain: bigint;
  hubPrefix: string;
  escrow: string;
  startHeight: bigint;
  rules: DepositRules;
  chains: readonly TrackChain[];
  /** transfers.axelar: adapter sends are tracked through Axelar's status (`gmp`, made on first need). */
  axelar?: { adapters: Readonly<Record<string, AxelarAdapterRef>>; gmp: () => AxelarGmp };
}

const DELIVERED = bridgeInterface.getEvent("TransferDelivered")!.topicHash;
const QUEUED = bridgeInterface.getEvent("TransferQueued")!.topicHash;
const RELEASED = bridgeInterface.getEvent("QueuedTransferReleased")!.topicHash;

async function findLog(c: TrackChain, topic: string, id: string) {
  const logs = await c.provider.getLogs({ address: c.bridge, fromBlock: c.startBlock, toBlock: "latest", topics: [topic, id] });
  return logs[0];
}

async function evmDestinationStages(dest: TrackChain, id: string): Promise<Stage[]> {
  const stages: Stage[] = [];
  const delivered = await findLog(dest, DELIVERED, id);
  const queued = await findLog(dest, QUEUED, id);
  const released = queued ? await findLog(dest, RELEASED, id) : undefined;
  const time = async (n: number) => (await dest.provider.getBlock(n))?.timestamp;
  if (queued) stages.push({ stage: "queued", done: true, detail: `over ${dest.name}'s inbound limit`, txHash: queued.transactionHash, time: await time(queued.blockNumber) });
  if (released) stages.push({ stage: "released", done: true, detail: `minted on ${dest.name}`, txHash: released.transactionHash, time: await time(released.blockNumber) });
  else if (queued) stages.push({ stage: "released", done: false, detail: "waiting for the limit to refill (anyone may call releaseQueued)" });
  if (delivered) stages.push({ stage: "delivered", done: true, detail: `minted on ${dest.name}`, txHash: delivered.transactionHash, time: await time(delivered.blockNumber) });
  if (!delivered && !queued) stages.push({ stage: "delivered", done: false, detail: `waiting for the attesters and a submitter on ${dest.name}` });
  return stages;
}

/** Tracks an EVM-sourced transfer from its TransferSent. */
async function trackSent(input: TrackInput, src: TrackChain, t: SentTransfer): Promise<TrackResult> {
  const head = await src.provider.getBlockNumber();
  const depth = head - t.blockNumber + 1;
  const stages: Stage[] = [
    { stage: "sent", done: true, detail: `burned on ${src.name} by ${t.sender}`, txHash: t.txHash, time: (await src.provider.getBlock(t.blockNumber))?.timestamp },
    { stage: "confirmed", done: depth >= src.confirmations, detail: `${Math.min(depth, src.confirmations)}/${src.confirmations} blocks` },
  ];
  let route: string;
  if (t.destinationChain === input.hubChain) {
    route = `${src.name}->hub`;
    const ledger = escrowLedger(await scanEscrowSends(input.comet, input.escrow), input.hubChain);
    const paid = ledger.released.get(t.transferId);
    stages.push(paid ? { stage: "released", done: true, detail: "paid from the hub escrow", txHash: paid } : { stage: "released", done: false, detail: "waiting for the escrow's signers" });
  } else {
    const dest = input.chains.find((c) => c.chainId === t.destinationChain);
    route = `${src.name}->${dest?.name ?? t.destinationChain}`;
    if (dest) stages.push(...(await evmDestinationStages(dest, t.transferId)));
  }
  const source = { chain: t.sourceChain, bridge: evmBridgeId(t.bridge), sequence: t.sequence, destinationChain: t.destinationChain };
  return { transferId: t.transferId, route, amount: t.amount, recipient: t.recipient.address, stages, final: stages.every((s) => s.done), source };
}

export async function trackTransfer(input: TrackInput, ref: string): Promise<TrackResult | undefined> {
  // A hub deposit tx hash.
  if (/^[0-9A-Fa-f]{64}$/.test(ref)) {
    const tx = await input.comet.tx({ hash: fromHex(ref) }).catch(() => undefined);
    if (!tx) return undefined;
    const deposits = await scanDeposits(input.comet, input.escrow, input.startHeight, BigInt(tx.height));
    const { decided } = assignSequences(deposits.deposits, input.rules);
    const d = decided.find((x) => x.deposit.txHash === toHex(tx.hash).toUpperCase());
    if (!d) return undefined;
    const sent: Stage = { stage: "sent", done: true, detail: `deposited on the hub by ${d.deposit.sender}`, txHash: d.deposit.txHash };
    if (d.kind === "refund") {
      const ledger = escrowLedger(await scanEscrowSends(input.comet, input.escrow), input.hubChain);
      const paid = ledger.refunded.get(refundKey(d.deposit.txHash, d.deposit.msgIndex));
      const amount = d.coins.reduce((s, c) => s + c.amount, 0n);
      return {
        transferId: refundKey(d.deposit.txHash, d.deposit.msgIndex),
        route: "hub-refund",
        amount,
        recipient: d.deposit.sender,
        stages: [sent, paid ? { stage: "refunded", done: true, detail: `refunded: ${d.reason}`, txHash: paid } : { stage: "refunded", done: false, detail: `to be refunded: ${d.reason} (${d.detail})` }],
        final: paid !== undefined,
      };
    }
    const dest = input.chains.find((c) => c.chainId === d.destinationChain);
    const id = idOf(input.hubChain, hubBridgeId(input.escrow), d.destinationChain, d.sequence);
    const stages: Stage[] = [sent, { stage: "confirmed", done: true, detail: "final on the hub" }];
    if (dest) stages.push(...(await evmDestinationStages(dest, id)));
    const source = { chain: input.hubChain, bridge: hubBridgeId(input.escrow), sequence: d.sequence, destinationChain: d.destinationChain };
    return { transferId: id, route: `hub->${dest?.name ?? d.destinationChain}`, amount: d.amount, recipient: d.recipient, stages, final: stages.every((s) => s.done), source };
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(ref)) throw new Error(`${ref} is neither a transfer id / EVM tx hash (0x + 64 hex) nor a hub tx hash (64 hex)`);
  // An EVM source tx hash.
  for (const c of input.chains) {
    const receipt = await c.provider.getTransactionReceipt(ref).catch(() => null);
    const log = receipt?.logs.find((l) => l.topics[0] === TRANSFER_SENT_TOPIC && l.address.toLowerCase() === c.bridge.toLowerCase());
    if (log) return trackSent(input, c, decodeTransferSent(log, c.chainId, c.bridge, input.hubChain, input.hubPrefix));
  }
  // An Axelar adapter's send (route 4).
  if (input.axelar) {
    const sent = await trackAxelarSend(input.chains, input.axelar.adapters, input.axelar.gmp, ref);
    if (sent) return sent;
  }
  // A transfer id: its TransferSent is indexed by id.
  for (const c of input.chains) {
    const logs = await c.provider.getLogs({ address: c.bridge, fromBlock: c.startBlock, toBlock: "latest", topics: [TRANSFER_SENT_TOPIC, ref.toLowerCase()] });
    if (logs[0]) return trackSent(input, c, decodeTransferSent(logs[0], c.chainId, c.bridge, input.hubChain, input.hubPrefix));
  }
  // A hub -> EVM transfer id: search the destinations' delivery logs.
  for (const c of input.chains) {
    const stages = await evmDestinationStages(c, ref.toLowerCase());
    if (stages.some((s) => s.done)) return { transferId: ref.toLowerCase(), route: `hub->${c.name}`, amount: 0n, recipient: "", stages, final: stages.every((s) => s.done) };
  }
  return undefined;
}
