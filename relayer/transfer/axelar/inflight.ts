/**
 * Axelar transfers in flight, for the supply check (relayer/transfer/inflight.ts): ALLO burned by an adapter's
 * `send` (AxelarTransferSent) and not yet minted by the destination adapter's `execute`
 * (AxelarTransferReceived). Read from the chains only, never from Axelar's APIs: the chains are the truth.
 *
 * Matching. A received event carries the source chain, sender, recipient and amount, not the source
 * transaction (Axelar's command id is Axelar's). So sends and receipts are matched as multisets on
 * (source chain, destination chain, sender, recipient, amount): every receipt takes one send with the same
 * key, and the sends left over are in flight. Which of two identical sends is the one still travelling cannot
 * be told, and need not be: they carry the same amount. A receipt with no send (a mint the adapters' own sends
 * do not explain) takes nothing, so the supply it minted shows as a non-zero delta; it is returned as
 * `unexplained` for the log. (Netting the adapters' `netBridgedIn` counters instead would hide such a mint.)
 */
import { Interface, type Provider } from "ethers";
import type { InFlight } from "../reconcile";
import type { AxelarAdapterRef } from "./config";

export const adapterEvents = new Interface([
  "event AxelarTransferSent(uint64 indexed destinationChain, address indexed sender, address indexed recipient, uint256 amount, uint256 gasPaid)",
  "event AxelarTransferReceived(bytes32 indexed commandId, uint64 indexed sourceChain, address indexed recipient, address sender, uint256 amount)",
]);
export const AXELAR_SENT_TOPIC = adapterEvents.getEvent("AxelarTransferSent")!.topicHash;
const RECEIVED_TOPIC = adapterEvents.getEvent("AxelarTransferReceived")!.topicHash;

/** One adapter `send`, as its source chain logged it. */
export interface AxelarSend {
  sourceChain: bigint;
  destinationChain: bigint;
  sender: string;
  recipient: string;
  amount: bigint;
  txHash: string;
  logIndex: number;
}

/** One adapter `execute` that minted, as its destination chain logged it. */
export interface AxelarReceipt {
  sourceChain: bigint;
  destinationChain: bigint;
  sender: string;
  recipient: string;
  amount: bigint;
  txHash: string;
}

const keyOf = (t: { sourceChain: bigint; destinationChain: bigint; sender: string; recipient: string; amount: bigint }): string =>
  `${t.sourceChain}>${t.destinationChain}:${t.sender.toLowerCase()}:${t.recipient.toLowerCase()}:${t.amount}`;

/** The sends no receipt accounts for (in flight), and the receipts no send accounts for. Pure. */
export function matchAxelarTransfers(
  sends: readonly AxelarSend[],
  receipts: readonly AxelarReceipt[],
): { inFlight: AxelarSend[]; unexplained: AxelarReceipt[] } {
  const pending = new Map<string, AxelarSend[]>();
  for (const s of sends) {
    const k = keyOf(s);
    pending.set(k, [...(pending.get(k) ?? []), s]);
  }
  const unexplained: AxelarReceipt[] = [];
  for (const r of receipts) {
    const list = pending.get(keyOf(r));
    // The oldest send of that key is taken: Axelar executes in any order, and equal keys carry equal amounts.
    if (list?.length) list.shift();
    else unexplained.push(r);
  }
  return { inFlight: [...pending.values()].flat(), unexplained };
}

export interface AxelarChain {
  name: string;
  chainId: bigint;
  provider: Provider;
}

/** The adapters' sends and receipts, from each adapter's start block to the chain's head. */
export async function scanAxelarTransfers(
  chains: readonly AxelarChain[],
  adapters: Readonly<Record<string, AxelarAdapterRef>>,
): Promise<{ sends: AxelarSend[]; receipts: AxelarReceipt[] }> {
  const sends: AxelarSend[] = [];
  const receipts: AxelarReceipt[] = [];
  for (const c of chains) {
    const adapter = adapters[c.name];
    if (!adapter) continue;
    const logs = await c.provider.getLogs({ address: adapter.address, fromBlock: adapter.startBlock, toBlock: "latest", topics: [[AXELAR_SENT_TOPIC, RECEIVED_TOPIC]] });
    for (const l of logs) {
      const e = adapterEvents.parseLog(l)!;
      if (e.name === "AxelarTransferSent") {
        sends.push({ sourceChain: c.chainId, destinationChain: e.args.destinationChain as bigint, sender: e.args.sender as string, recipient: e.args.recipient as string, amount: e.args.amount as bigint, txHash: l.transactionHash, logIndex: l.index });
      } else {
        receipts.push({ sourceChain: e.args.sourceChain as bigint, destinationChain: c.chainId, sender: e.args.sender as string, recipient: e.args.recipient as string, amount: e.args.amount as bigint, txHash: l.transactionHash });
      }
    }
  }
  return { sends, receipts };
}

/** The Axelar transfers in flight, as rows of the supply check (route `<source>-><destination> (axelar)`). */
export async function axelarInFlight(
  chains: readonly AxelarChain[],
  adapters: Readonly<Record<string, AxelarAdapterRef>>,
): Promise<{ inFlight: InFlight[]; unexplained: AxelarReceipt[] }> {
  const { sends, receipts } = await scanAxelarTransfers(chains, adapters);
  const matched = matchAxelarTransfers(sends, receipts);
  const nameOf = (id: bigint) => chains.find((c) => c.chainId === id)?.name ?? String(id);
  const withAdapter = (id: bigint) => chains.some((c) => c.chainId === id && adapters[c.name]);
  return {
    inFlight: matched.inFlight.map((s) => ({
      transferId: `${s.txHash}-${s.logIndex}`,
      route: `${nameOf(s.sourceChain)}->${nameOf(s.destinationChain)} (axelar)`,
      amount: s.amount,
      stage: withAdapter(s.destinationChain) ? "sent over Axelar, not executed" : "sent over Axelar to a chain without an adapter configured here",
    })),
    unexplained: matched.unexplained,
  };
}
