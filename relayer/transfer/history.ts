/**
 * The bridge's history as the reconciliation reads it (hub deposits and escrow sends, each chain's TransferSent
 * and its deliveries), read incrementally: what lies at a depth no reorg or index lag reaches is kept in this
 * process's memory (never Redis) and not read again; each pass reads only the blocks since. Without a memory
 * every read starts from the bridge's start. NOT USED by the daemon yet: the one bench run with a memory kept
 * across passes restored 234 jobs of transfers already delivered or released (its incremental reads missed
 * them; cause not found yet), so the pipeline reads everything each pass (a fresh memory per read).
 *
 * Deliveries are read from the destination bridge's logs, not with two calls per transfer in flight: the
 * bridge sets a transfer's replay bit in the same call that emits TransferDelivered or TransferQueued (and only
 * there), so "has one of those logs" is `isDelivered`. A pass during a burst made ~1,400 calls per attempt, up
 * to five attempts, against the chains the deliveries need (measured: one pass ran 131 s).
 */
import { type Provider } from "ethers";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import type { HubDeposit } from "./deposits";
import type { EscrowSend } from "./release";
import { scanDeposits, scanEscrowSends } from "./hub-ledger";
import { scanTransferSent, type SentTransfer, type SourceChain } from "./evm-source";
import { bridgeInterface } from "./deliver";

const DELIVERED_TOPIC = bridgeInterface.getEvent("TransferDelivered")!.topicHash;
const QUEUED_TOPIC = bridgeInterface.getEvent("TransferQueued")!.topicHash;
const LOG_RANGE = 2_000;

/** Transfer ids (lower case) a bridge delivered (minted or queued), and those it queued. */
export interface Deliveries {
  delivered: Set<string>;
  queued: Set<string>;
}

/** Reads the deliveries of `bridge` at blocks [fromBlock, toBlock] into `into`, in bounded ranges. */
export async function scanDeliveries(provider: Provider, bridge: string, fromBlock: number, toBlock: number, into: Deliveries): Promise<void> {
  for (let from = fromBlock; from <= toBlock; from += LOG_RANGE) {
    const to = Math.min(toBlock, from + LOG_RANGE - 1);
    const logs = await provider.getLogs({ address: bridge, fromBlock: from, toBlock: to, topics: [[DELIVERED_TOPIC, QUEUED_TOPIC]] });
    for (const l of logs) {
      const id = l.topics[1]?.toLowerCase();
      if (!id || l.address.toLowerCase() !== bridge.toLowerCase()) continue; // an RPC's stray log is not a delivery
      into.delivered.add(id);
      if (l.topics[0] === QUEUED_TOPIC) into.queued.add(id);
    }
  }
}

interface ChainMemory {
  /** TransferSent read through this block (final), and what it found */
  sentTo: number;
  sent: SentTransfer[];
  /** deliveries read through this block (final) */
  deliveredTo: number;
  deliveries: Deliveries;
  token?: string;
}

/**
 * What one process keeps between reconciliation passes. `finalHubLag` blocks below the hub's head (its tx
 * index may lag) and a chain's confirmations below its head count as final.
 */
export class ReconcileMemory {
  private hubTo = 0n;
  private deposits: HubDeposit[] = [];
  private sends: EscrowSend[] = [];
  private readonly chains = new Map<string, ChainMemory>();

  constructor(private readonly finalHubLag = 2) {}

  /** Drops everything: the next pass reads all history again. */
  clear(): void {
    this.hubTo = 0n;
    this.deposits = [];
    this.sends = [];
    this.chains.clear();
  }

  /** Escrow deposits at [startHeight, head] and escrow sends at [1, ...], the final part from memory. */
  async hub(comet: CometClient, escrow: string, denom: string, startHeight: bigint, head: bigint): Promise<{ deposits: HubDeposit[]; sends: EscrowSend[]; unreadable: number }> {
    const from = this.hubTo + 1n > startHeight ? this.hubTo + 1n : startHeight;
    const [dep, sends] = await Promise.all([scanDeposits(comet, escrow, from, head), scanEscrowSends(comet, escrow, this.hubTo + 1n, denom)]);
    const final = head - BigInt(this.finalHubLag);
    const deposits = [...this.deposits, ...dep.deposits];
    const allSends = [...this.sends, ...sends];
    if (final > this.hubTo) {
      this.deposits = deposits.filter((d) => d.height <= final);
      this.sends = allSends.filter((s) => s.height <= final);
      this.hubTo = final;
    }
    return { deposits, sends: allSends, unreadable: dep.unreadable.length };
  }

  private chain(name: string, startBlock: number): ChainMemory {
    let m = this.chains.get(name);
    if (!m) this.chains.set(name, (m = { sentTo: startBlock - 1, sent: [], deliveredTo: startBlock - 1, deliveries: { delivered: new Set(), queued: new Set() } }));
    return m;
  }

  /** The bridge's token address (immutable in the bridge), read once. */
  async token(name: string, startBlock: number, read: () => Promise<string>): Promise<string> {
    const m = this.chain(name, startBlock);
    return (m.token ??= await read());
  }

  /** TransferSent of `src` at [startBlock, head]; blocks `confirmations` deep are kept. */
  async sent(name: string, provider: Provider, src: SourceChain, startBlock: number, head: number, confirmations: number): Promise<SentTransfer[]> {
    const m = this.chain(name, startBlock);
    const fresh = await scanTransferSent(provider, src, m.sentTo + 1, head);
    const all = [...m.sent, ...fresh];
    const final = head - Math.max(confirmations, 1);
    if (final > m.sentTo) {
      m.sent = all.filter((t) => t.blockNumber <= final);
      m.sentTo = final;
    }
    return all;
  }

  /** The deliveries of `bridge` at [startBlock, head]; blocks `confirmations` deep are kept. */
  async deliveries(name: string, provider: Provider, bridge: string, startBlock: number, head: number, confirmations: number): Promise<Deliveries> {
    const m = this.chain(name, startBlock);
    const fresh: Deliveries = { delivered: new Set(), queued: new Set() };
    const final = head - Math.max(confirmations, 1);
    // The final part first (kept), then the rest (this pass only).
    if (final > m.deliveredTo) {
      await scanDeliveries(provider, bridge, m.deliveredTo + 1, final, m.deliveries);
      m.deliveredTo = final;
    }
    await scanDeliveries(provider, bridge, m.deliveredTo + 1, head, fresh);
    return { delivered: new Set([...m.deliveries.delivered, ...fresh.delivered]), queued: new Set([...m.deliveries.queued, ...fresh.queued]) };
  }
}
