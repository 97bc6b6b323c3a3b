/** `allo track <ref>` and `allo transfers [--address A]`: from chain and hub data alone (no relayer needed). */
import { assignSequences } from "../../relayer/transfer/deposits";
import { scanTransferSent } from "../../relayer/transfer/evm-source";
import { scanDeposits } from "../../relayer/transfer/hub-ledger";
import { trackTransfer, type TrackResult } from "../../relayer/transfer/track";
import { formatAllo } from "../amount";
import { Clients } from "../clients";
import { CliError } from "../errors";
import { follow } from "../follow";
import { followAxelar, gmpFor } from "./bridge";
import type { Network } from "../network";
import { table } from "../terminal";

export function checkRef(ref: string): string {
  if (/^0x[0-9a-fA-F]{64}$/.test(ref) || /^[0-9A-Fa-f]{64}$/.test(ref)) return ref;
  throw new CliError(`"${ref}" is not a transfer reference`, "give a transfer id or an EVM source tx hash (0x + 64 hex), or a hub deposit tx hash (64 hex, no 0x)");
}

export async function trackCommand(net: Network, ref: string, o: { json?: boolean; follow?: boolean; timeout: string }): Promise<void> {
  checkRef(ref);
  const clients = new Clients(net);
  try {
    const input = await clients.trackInput();
    const now = await trackTransfer(input, ref);
    if (!now && /^0x/.test(ref) && net.chains.some((c) => c.axelarAdapter)) {
      // Not a bridge transfer: perhaps a send over Axelar, whose own status is the truth.
      const gmp = await gmpFor(net);
      const status = await gmp.status(ref).catch(() => undefined);
      if (status && status.stage !== "not_found") {
        await followAxelar(gmp, ref, o, Date.now(), o.follow ? Number(o.timeout) : 0, `allo track ${ref}${net.selector} --follow`).catch((err: unknown) => {
          if (!o.follow && err instanceof CliError && err.exitCode === 4) return;
          throw err;
        });
        return;
      }
    }
    if (!now) throw new CliError(`no transfer found for ${ref} on the ${net.name} network`, "check the network (--network / --state-dir) and the reference: a transfer id, the source tx hash on an EVM chain, or the hub deposit's tx hash");
    const firstTime = now.stages.find((s) => s.time)?.time;
    const startedAt = firstTime ? firstTime * 1000 : Date.now();
    if (!o.follow || now.final) {
      await follow(clients, { ref, json: Boolean(o.json), timeoutSeconds: 0, startedAt, resume: `allo track ${ref}${net.selector}` }).catch((err: unknown) => {
        // Not following: a transfer in flight is a state, not an error.
        if (err instanceof CliError && err.exitCode === 4) return;
        throw err;
      });
      return;
    }
    await follow(clients, { ref, json: Boolean(o.json), timeoutSeconds: Number(o.timeout), startedAt, resume: `allo track ${ref}${net.selector}` });
  } finally {
    await clients.close();
  }
}

export interface TransferRow {
  ref: string;
  route: string;
  from: string;
  to: string;
  amount: bigint;
  /** block time of the send, seconds since the epoch (orders transfers across the hub and the chains) */
  at: number;
}

/** Every transfer sent from the hub and the chains (optionally only those from or to `address`), oldest first. */
export async function listTransfers(clients: Clients, address?: string): Promise<TransferRow[]> {
  const net = clients.net;
  const times = new Map<string, Promise<number>>();
  const timeOf = (key: string, read: () => Promise<number>) => {
    let t = times.get(key);
    if (!t) times.set(key, (t = read()));
    return t;
  };
  const match = (a: string, b: string) => !address || a.toLowerCase() === address.toLowerCase() || b.toLowerCase() === address.toLowerCase();
  const rows: TransferRow[] = [];
  const comet = await clients.hub();
  const head = BigInt((await comet.status()).syncInfo.latestBlockHeight);
  const deposits = await scanDeposits(comet, net.hub.escrow, BigInt(net.hub.startHeight), head);
  const rules = (await clients.trackInput()).rules;
  for (const d of assignSequences(deposits.deposits, rules).decided) {
    const to = d.kind === "refund" ? d.deposit.sender : d.recipient;
    if (!match(d.deposit.sender, to)) continue;
    const dest = d.kind === "refund" ? "refund" : (net.chains.find((c) => BigInt(c.chainId) === d.destinationChain)?.name ?? String(d.destinationChain));
    const amount = d.kind === "refund" ? d.coins.reduce((s, c) => s + c.amount, 0n) : d.amount;
    const at = await timeOf(`hub:${d.deposit.height}`, async () => (await comet.block(Number(d.deposit.height))).block.header.time.getTime() / 1000);
    rows.push({ ref: d.deposit.txHash, route: `hub->${dest}`, from: d.deposit.sender, to, amount, at });
  }
  for (const c of net.chains) {
    const provider = await clients.evm(c);
    const sent = await scanTransferSent(provider, { chainId: BigInt(c.chainId), bridge: c.bridge, hubChain: net.hub.bridgeChainId, hubPrefix: net.hub.prefix }, c.startBlock, await provider.getBlockNumber());
    for (const t of sent) {
      if (!match(t.sender, t.recipient.address)) continue;
      const dest = t.destinationChain === net.hub.bridgeChainId ? "hub" : (net.chains.find((x) => BigInt(x.chainId) === t.destinationChain)?.name ?? String(t.destinationChain));
      const at = await timeOf(`${c.name}:${t.blockNumber}`, async () => (await provider.getBlock(t.blockNumber))?.timestamp ?? 0);
      rows.push({ ref: t.transferId, route: `${c.name}->${dest}`, from: t.sender, to: t.recipient.address, amount: t.amount, at });
    }
  }
  return rows.sort((a, b) => a.at - b.at);
}

export async function transfersCommand(net: Network, o: { address?: string; limit: string; json?: boolean }): Promise<void> {
  const clients = new Clients(net);
  try {
    const rows = (await listTransfers(clients, o.address)).slice(-Number(o.limit));
    const input = await clients.trackInput();
    const out: { row: TransferRow; track?: TrackResult }[] = [];
    for (const row of rows) out.push({ row, track: await trackTransfer(input, row.ref) });
    const stageOf = (t?: TrackResult) => (!t ? "unknown" : t.final ? (t.stages.some((s) => s.stage === "refunded") ? "refunded" : "done") : `${t.stages.filter((s) => s.done).pop()?.stage ?? "sent"}, waiting`);
    if (o.json) {
      for (const { row, track } of out) process.stdout.write(JSON.stringify({ ...row, amount: row.amount.toString(), transferId: track?.transferId, stage: stageOf(track), final: track?.final ?? false }) + "\n");
      return;
    }
    if (out.length === 0) {
      process.stdout.write(`no transfers${o.address ? ` from or to ${o.address}` : ""} on the ${net.name} network\n`);
      return;
    }
    process.stdout.write(table(["route", "ALLO", "to", "stage", "track with"], out.map(({ row, track }) => [row.route, formatAllo(row.amount), row.to, stageOf(track), row.ref])) + "\n");
  } finally {
    await clients.close();
  }
}
