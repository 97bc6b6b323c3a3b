/**
 * Every transfer and where it stands, read from the truth: hub deposits and the escrow's own sends (tx_search),
 * each bridge's TransferSent / TransferDelivered / TransferQueued / QueuedTransferReleased logs, the tokens'
 * totalSupply and the escrow's balance. Nothing comes from Redis. `buildTransfers`, `routeCounts`,
 * `inFlightSummary` and `reconcileViews` are pure; `readTransfers` does the reads.
 *
 * Used by the daemon's /status and explorer (cached, see service.ts) and by `relayer status`. Each read scans
 * from the bridges' start: fine for the local network and a young deployment; a long history wants the scans
 * made incremental (the EVM ones take block ranges already).
 */
import { Contract, type Provider } from "ethers";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import { StargateClient } from "@cosmjs/stargate";
import { hubBridgeId, transferId } from "../../lib/eip712/bridge";
import { assignSequences, type DepositRules, type SequencedDeposit } from "../transfer/deposits";
import { bridgeInterface } from "../transfer/deliver";
import { scanTransferSent, type SentTransfer } from "../transfer/evm-source";
import { scanDeposits, scanEscrowSends } from "../transfer/hub-ledger";
import { escrowLedger, feesPaid, refundKey, type EscrowSend } from "../transfer/release";
import { reconcile, type Reconciliation } from "../transfer/reconcile";

/** Where a transfer stands. "delivered": minted on its EVM destination (directly or out of the queue) or paid on the hub. */
export type TransferStatus = "sent" | "queued" | "delivered" | "refund pending" | "refunded";

/** One event of a transfer, where it happened ("hub" or a chain name) and in which transaction. */
export interface TimelineEntry {
  stage: "sent" | "queued" | "released" | "delivered" | "paid" | "refunded";
  place: string;
  txHash: string;
  /** block number (EVM) or height (hub) */
  block: number;
  /** block time, Unix seconds, when read */
  time?: number;
}

export interface TransferView {
  /** the bridge's transfer id (0x + 64 hex), or "<deposit tx hash>:<msg index>" for a refund */
  id: string;
  /** e.g. hub->base, ethereum->bnb, base->hub, hub-refund */
  route: string;
  source: string;
  destination: string;
  /** base units (18 decimals), decimal string */
  amount: string;
  sender: string;
  recipient: string;
  status: TransferStatus;
  /** refunds: why */
  reason?: string;
  timeline: TimelineEntry[];
}

export interface RouteCounts {
  seen: number;
  delivered: number;
  queued: number;
  released: number;
  refunded: number;
}

/** A bridge log that matters here, by transfer id. */
export interface EventRef {
  txHash: string;
  block: number;
}

export interface ChainScan {
  name: string;
  chainId: bigint;
  sent: SentTransfer[];
  delivered: Map<string, EventRef>;
  queued: Map<string, EventRef>;
  released: Map<string, EventRef>;
}

export interface ScanResult {
  hubChain: bigint;
  escrow: string;
  denom: string;
  deposits: SequencedDeposit[];
  escrowSends: EscrowSend[];
  chains: ChainScan[];
}

const IN_FLIGHT: ReadonlySet<TransferStatus> = new Set(["sent", "queued", "refund pending"]);
export const isInFlight = (t: TransferView): boolean => IN_FLIGHT.has(t.status);

/** The EVM side of a transfer at its destination: queued / released / delivered entries and the status. */
function destinationPart(dest: ChainScan | undefined, id: string): { status: TransferStatus; entries: TimelineEntry[] } {
  if (!dest) return { status: "sent", entries: [] };
  const entries: TimelineEntry[] = [];
  const queued = dest.queued.get(id);
  const released = dest.released.get(id);
  const delivered = dest.delivered.get(id);
  if (queued) entries.push({ stage: "queued", place: dest.name, ...queued });
  if (released) entries.push({ stage: "released", place: dest.name, ...released });
  if (delivered) entries.push({ stage: "delivered", place: dest.name, ...delivered });
  const status: TransferStatus = delivered || released ? "delivered" : queued ? "queued" : "sent";
  return { status, entries };
}

/** Every transfer the scan shows, in source order per source (hub first, then each chain). Pure. */
export function buildTransfers(scan: ScanResult): TransferView[] {
  const byId = new Map(scan.chains.map((c) => [c.chainId, c]));
  const ledger = escrowLedger(scan.escrowSends, scan.hubChain);
  const heightOf = new Map(scan.escrowSends.map((s) => [s.txHash, Number(s.height)]));
  const hubId = hubBridgeId(scan.escrow);
  const out: TransferView[] = [];

  for (const d of scan.deposits) {
    const sent: TimelineEntry = { stage: "sent", place: "hub", txHash: d.deposit.txHash, block: Number(d.deposit.height) };
    if (d.kind === "refund") {
      const key = refundKey(d.deposit.txHash, d.deposit.msgIndex);
      const paid = ledger.refunded.get(key);
      out.push({
        id: key,
        route: "hub-refund",
        source: "hub",
        destination: "hub",
        amount: d.coins.filter((c) => c.denom === scan.denom).reduce((s, c) => s + c.amount, 0n).toString(),
        sender: d.deposit.sender,
        recipient: d.deposit.sender,
        status: paid ? "refunded" : "refund pending",
        reason: d.reason,
        timeline: paid ? [sent, { stage: "refunded", place: "hub", txHash: paid, block: heightOf.get(paid) ?? 0 }] : [sent],
      });
      continue;
    }
    const dest = byId.get(d.destinationChain);
    const id = transferId(scan.hubChain, hubId, d.destinationChain, d.sequence);
    const part = destinationPart(dest, id);
    out.push({
      id,
      route: `hub->${dest?.name ?? d.destinationChain}`,
      source: "hub",
      destination: dest?.name ?? d.destinationChain.toString(),
      amount: d.amount.toString(),
      sender: d.deposit.sender,
      recipient: d.recipient,
      status: part.status,
      timeline: [sent, ...part.entries],
    });
  }

  for (const c of scan.chains) {
    for (const t of c.sent) {
      const sent: TimelineEntry = { stage: "sent", place: c.name, txHash: t.txHash, block: t.blockNumber };
      const base = { id: t.transferId, source: c.name, amount: t.amount.toString(), sender: t.sender, recipient: t.recipient.address };
      if (t.destinationChain === scan.hubChain) {
        const paid = ledger.released.get(t.transferId);
        out.push({
          ...base,
          route: `${c.name}->hub`,
          destination: "hub",
          status: paid ? "delivered" : "sent",
          timeline: paid ? [sent, { stage: "paid", place: "hub", txHash: paid, block: heightOf.get(paid) ?? 0 }] : [sent],
        });
        continue;
      }
      const dest = byId.get(t.destinationChain);
      const part = destinationPart(dest, t.transferId);
      out.push({ ...base, route: `${c.name}->${dest?.name ?? t.destinationChain}`, destination: dest?.name ?? t.destinationChain.toString(), status: part.status, timeline: [sent, ...part.entries] });
    }
  }
  return out;
}

/** Per route: found at the source, delivered straight, queued by the inbound limit, released from the queue, refunded. Pure. */
export function routeCounts(transfers: readonly TransferView[]): Record<string, RouteCounts> {
  const out: Record<string, RouteCounts> = {};
  for (const t of transfers) {
    const r = (out[t.route] ??= { seen: 0, delivered: 0, queued: 0, released: 0, refunded: 0 });
    r.seen++;
    const has = (s: TimelineEntry["stage"]) => t.timeline.some((e) => e.stage === s);
    if (has("delivered") || has("paid")) r.delivered++;
    if (has("queued")) r.queued++;
    if (has("released")) r.released++;
    if (has("refunded")) r.refunded++;
  }
  return out;
}

export interface InFlightSummary {
  count: number;
  /** base units, decimal string */
  value: string;
  /** seconds since the oldest in-flight transfer was sent (null when none, or its block time is unknown) */
  oldestAgeSeconds: number | null;
  oldestId: string | null;
}

/** Count, value and the oldest of the transfers still in flight. Pure. */
export function inFlightSummary(transfers: readonly TransferView[], nowSeconds: number): InFlightSummary {
  const open = transfers.filter(isInFlight);
  let oldest: TransferView | undefined;
  for (const t of open) {
    const at = t.timeline[0]?.time;
    if (at !== undefined && (oldest === undefined || at < (oldest.timeline[0].time ?? Infinity))) oldest = t;
  }
  return {
    count: open.length,
    value: open.reduce((s, t) => s + BigInt(t.amount), 0n).toString(),
    oldestAgeSeconds: oldest ? Math.max(0, nowSeconds - oldest.timeline[0].time!) : null,
    oldestId: oldest?.id ?? null,
  };
}

/** The supply check over these views: escrow balance - (float - fees paid) = EVM supply + in flight. Pure. */
export function reconcileViews(args: { transfers: readonly TransferView[]; escrowBalance: bigint; float: bigint; escrowSends: readonly EscrowSend[]; supplies: readonly { chain: string; totalSupply: bigint }[] }): Reconciliation {
  const inFlight = args.transfers.filter(isInFlight).map((t) => ({ transferId: t.id, route: t.route, amount: BigInt(t.amount), stage: t.status }));
  return reconcile({ escrowBalance: args.escrowBalance, escrowFloat: args.float - feesPaid(args.escrowSends), supplies: args.supplies, inFlight });
}

// ---------------------------------------------------------------------------------------------------------
// Reads.

export interface TransfersChain {
  name: string;
  chainId: bigint;
  provider: Provider;
  bridge: string;
  startBlock: number;
}

export interface TransfersSource {
  comet: CometClient;
  hubChain: bigint;
  hubPrefix: string;
  escrow: string;
  denom: string;
  startHeight: bigint;
  /** uallo in the escrow backing nothing at startHeight */
  float: bigint;
  rules: DepositRules;
  chains: readonly TransfersChain[];
}

export interface TransfersReading {
  /** Unix seconds of the reading */
  at: number;
  hubHeight: number;
  /** newest first */
  transfers: TransferView[];
  routes: Record<string, RouteCounts>;
  inFlight: InFlightSummary;
  reconciliation: {
    escrowBalance: string;
    escrowFloat: string;
    supplies: { chain: string; block: number; totalSupply: string }[];
    inFlight: string;
    delta: string;
    ok: boolean;
  };
}

const TOKEN_ABI = ["function totalSupply() view returns (uint256)"];
const MAX_RANGE = 2_000;
const EVENT_TOPICS = {
  delivered: bridgeInterface.getEvent("TransferDelivered")!.topicHash,
  queued: bridgeInterface.getEvent("TransferQueued")!.topicHash,
  released: bridgeInterface.getEvent("QueuedTransferReleased")!.topicHash,
};

async function eventsById(provider: Provider, bridge: string, topic: string, from: number, to: number): Promise<Map<string, EventRef>> {
  const out = new Map<string, EventRef>();
  for (let a = from; a <= to; a += MAX_RANGE) {
    const logs = await provider.getLogs({ address: bridge, fromBlock: a, toBlock: Math.min(to, a + MAX_RANGE - 1), topics: [topic] });
    for (const l of logs) if (l.topics[1] && !out.has(l.topics[1].toLowerCase())) out.set(l.topics[1].toLowerCase(), { txHash: l.transactionHash, block: l.blockNumber });
  }
  return out;
}

/** Block times are immutable once final: remembered here (bounded) so a refresh reads only new blocks. */
export class BlockTimes {
  private readonly times = new Map<string, number>();
  constructor(private readonly max = 20_000) {}

  async of(key: string, read: () => Promise<number | undefined>): Promise<number | undefined> {
    const known = this.times.get(key);
    if (known !== undefined) return known;
    const t = await read();
    if (t !== undefined) {
      if (this.times.size >= this.max) this.times.delete(this.times.keys().next().value as string);
      this.times.set(key, t);
    }
    return t;
  }
}

/** How many of each source's newest transfers get their block times read (the rest sort after them). */
const TIMED_PER_SOURCE = 100;

/**
 * The transfers whose block times are worth reading: each source's newest TIMED_PER_SOURCE (views are in
 * source order per source) and every one in flight (for the oldest's age). Bounds the reads on a long history.
 */
export function timedOnes(views: readonly TransferView[]): TransferView[] {
  const bySource = new Map<string, TransferView[]>();
  for (const v of views) {
    const list = bySource.get(v.source);
    if (list) list.push(v);
    else bySource.set(v.source, [v]);
  }
  const out = new Set<TransferView>(views.filter(isInFlight));
  for (const list of bySource.values()) for (const v of list.slice(-TIMED_PER_SOURCE)) out.add(v);
  return [...out];
}

async function scanOnce(src: TransfersSource, query: StargateClient): Promise<{ scan: ScanResult; supplies: { chain: string; block: number; totalSupply: bigint }[]; head: number; balanceBefore: bigint; balanceAfter: bigint }> {
  const balance = async () => BigInt((await query.getBalance(src.escrow, src.denom)).amount);
  const balanceBefore = await balance();
  const head = (await src.comet.status()).syncInfo.latestBlockHeight;
  const escrowSends = await scanEscrowSends(src.comet, src.escrow, 1n, src.denom);
  const deposits = await scanDeposits(src.comet, src.escrow, src.startHeight, BigInt(head));
  const { decided } = assignSequences(deposits.deposits, src.rules);
  const chains: ChainScan[] = [];
  const supplies: { chain: string; block: number; totalSupply: bigint }[] = [];
  for (const c of src.chains) {
    const to = await c.provider.getBlockNumber();
    const bridge = new Contract(c.bridge, bridgeInterface, c.provider);
    const token = new Contract((await bridge.token()) as string, TOKEN_ABI, c.provider);
    supplies.push({ chain: c.name, block: to, totalSupply: (await token.totalSupply({ blockTag: to })) as bigint });
    chains.push({
      name: c.name,
      chainId: c.chainId,
      sent: await scanTransferSent(c.provider, { chainId: c.chainId, bridge: c.bridge, hubChain: src.hubChain, hubPrefix: src.hubPrefix }, c.startBlock, to),
      delivered: await eventsById(c.provider, c.bridge, EVENT_TOPICS.delivered, c.startBlock, to),
      queued: await eventsById(c.provider, c.bridge, EVENT_TOPICS.queued, c.startBlock, to),
      released: await eventsById(c.provider, c.bridge, EVENT_TOPICS.released, c.startBlock, to),
    });
  }
  const balanceAfter = await balance();
  return { scan: { hubChain: src.hubChain, escrow: src.escrow, denom: src.denom, deposits: decided, escrowSends, chains }, supplies, head, balanceBefore, balanceAfter };
}

/**
 * One reading. The chains are read one after another, so a transfer that lands between two reads can show
 * twice or not at all for a moment: the reading is taken again (up to `attempts` times) while the escrow's
 * balance moved under it or the books do not balance, and says `ok: false` only when that persists.
 */
export async function readTransfers(src: TransfersSource, times: BlockTimes, nowSeconds = () => Math.floor(Date.now() / 1000), attempts = 3): Promise<TransfersReading> {
  const query = StargateClient.create(src.comet);
  let last: { views: TransferView[]; r: Reconciliation; o: Awaited<ReturnType<typeof scanOnce>> } | undefined;
  for (let i = 0; i < attempts; i++) {
    const o = await scanOnce(src, query);
    const views = buildTransfers(o.scan);
    const r = reconcileViews({ transfers: views, escrowBalance: o.balanceAfter, float: src.float, escrowSends: o.scan.escrowSends, supplies: o.supplies });
    last = { views, r, o };
    if (o.balanceBefore === o.balanceAfter && r.ok) break;
  }
  const { views, r, o } = last!;
  const providerOf = new Map(src.chains.map((c) => [c.name, c.provider]));
  for (const t of timedOnes(views)) {
    for (const e of t.timeline) {
      e.time = await times.of(`${e.place}:${e.block}`, async () => {
        if (e.place === "hub") return e.block > 0 ? Math.floor(new Date((await src.comet.block(e.block)).block.header.time.toISOString()).getTime() / 1000) : undefined;
        return (await providerOf.get(e.place)?.getBlock(e.block))?.timestamp;
      });
    }
  }
  views.sort((a, b) => (b.timeline[0].time ?? 0) - (a.timeline[0].time ?? 0));
  const now = nowSeconds();
  return {
    at: now,
    hubHeight: o.head,
    transfers: views,
    routes: routeCounts(views),
    inFlight: inFlightSummary(views, now),
    reconciliation: {
      escrowBalance: r.escrowBalance.toString(),
      escrowFloat: r.escrowFloat.toString(),
      supplies: o.supplies.map((s) => ({ chain: s.chain, block: s.block, totalSupply: s.totalSupply.toString() })),
      inFlight: r.inFlight.toString(),
      delta: r.delta.toString(),
      ok: r.ok,
    },
  };
}
