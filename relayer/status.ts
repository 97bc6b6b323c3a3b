/**
 * The status table (topics x chains: value, nonce, age, next due) and the transfers section, shared by the
 * daemon's /status and the `status` command.
 */
import { int256ToDec } from "./convert/dec";
import { UpdatePolicy } from "./config/schema";
import { OnChainInference } from "./evm/oracle";
import { formatAllo } from "./transfer/reconcile";
import type { TransferView, TransfersReading } from "./explorer/transfers";

export interface StatusRow {
  chain: string;
  topicId: number;
  /** decimal, or null when the chain has no value */
  value: string | null;
  nonce: string;
  /** hub time of the stored value, Unix seconds (0 when none) */
  timestamp: number;
  ageSeconds: number | null;
  /** Unix seconds when the heartbeat makes the topic due (null: due now / no value) */
  nextDueAt: number | null;
  /** the hub's latest nonce for the topic, when known */
  hubNonce?: string;
}

export function statusRow(chain: string, topicId: number, v: OnChainInference | undefined, policy: UpdatePolicy, nowSeconds: number, hubNonce?: bigint): StatusRow {
  const has = v !== undefined && v.nonce > 0n;
  return {
    chain,
    topicId,
    value: has ? int256ToDec(v.value) : null,
    nonce: has ? v.nonce.toString() : "0",
    timestamp: has ? v.timestamp : 0,
    ageSeconds: has ? nowSeconds - v.timestamp : null,
    nextDueAt: has ? v.timestamp + policy.heartbeatSeconds : null,
    hubNonce: hubNonce?.toString(),
  };
}

/** A plain-text table for terminals. */
export function formatStatusTable(rows: readonly StatusRow[], nowSeconds: number): string {
  const header = ["topic", "chain", "value", "nonce", "hub nonce", "age", "next due"];
  const fmtAge = (s: number | null) => (s === null ? "-" : s < 120 ? `${s}s` : s < 7200 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h`);
  const lines = rows.map((r) => [
    String(r.topicId),
    r.chain,
    r.value === null ? "(none)" : r.value.length > 24 ? r.value.slice(0, 24) + "…" : r.value,
    r.nonce,
    r.hubNonce ?? "?",
    fmtAge(r.ageSeconds),
    r.nextDueAt === null ? "now" : r.nextDueAt <= nowSeconds ? "now (heartbeat)" : `in ${fmtAge(r.nextDueAt - nowSeconds)} or on deviation`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)].join("\n");
}

/**
 * The transfers section of /status and `relayer status`: per route counts, what is in flight, the last supply
 * check and the most recent transfers with their status. Everything in it is read from the chains and the hub
 * (explorer/transfers.ts); `source` says so, so nobody mistakes it for the relayer's queues.
 */
export interface TransfersStatus {
  source: "chains and hub";
  /** Unix seconds of the reading */
  at: number;
  hubHeight: number;
  routes: TransfersReading["routes"];
  inFlight: TransfersReading["inFlight"];
  /** escrow balance, float, per chain totalSupply (at the block read), in flight, delta; all base units */
  reconciliation: TransfersReading["reconciliation"] & { at: number; hubHeight: number };
  recent: Array<Pick<TransferView, "id" | "route" | "amount" | "recipient" | "status"> & { sentAt: number | null; stages: string[] }>;
}

export function transfersStatus(reading: TransfersReading, recent = 10): TransfersStatus {
  return {
    source: "chains and hub",
    at: reading.at,
    hubHeight: reading.hubHeight,
    routes: reading.routes,
    inFlight: reading.inFlight,
    reconciliation: { ...reading.reconciliation, at: reading.at, hubHeight: reading.hubHeight },
    recent: reading.transfers.slice(0, recent).map((t) => ({
      id: t.id,
      route: t.route,
      amount: t.amount,
      recipient: t.recipient,
      status: t.status,
      sentAt: t.timeline[0]?.time ?? null,
      stages: t.timeline.map((e) => e.stage),
    })),
  };
}

const fmtAgeOf = (s: number | null) => (s === null ? "-" : s < 120 ? `${s}s` : s < 7200 ? `${Math.floor(s / 60)}m` : `${Math.floor(s / 3600)}h`);

function table(header: string[], lines: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...lines.map(fmt)];
}

/** The transfers section as plain text for terminals. */
export function formatTransfersSection(s: TransfersStatus, nowSeconds: number): string {
  const r = s.reconciliation;
  const out = [`transfers (read from the chains and the hub at hub height ${s.hubHeight})`, ""];
  const routes = Object.entries(s.routes).sort(([a], [b]) => a.localeCompare(b));
  out.push(
    ...(routes.length === 0
      ? ["no transfers yet"]
      : table(["route", "seen", "delivered", "queued", "released", "refunded"], routes.map(([k, c]) => [k, String(c.seen), String(c.delivered), String(c.queued), String(c.released), String(c.refunded)]))),
  );
  out.push("", `in flight: ${s.inFlight.count} transfers, ${formatAllo(BigInt(s.inFlight.value))} ALLO, oldest ${fmtAgeOf(s.inFlight.oldestAgeSeconds)}${s.inFlight.oldestId ? ` (${s.inFlight.oldestId})` : ""}`);
  out.push(
    "",
    `supply check ${fmtAgeOf(nowSeconds - r.at)} ago: ${r.ok ? "balanced" : "MISMATCH"}`,
    ...table(
      ["what", "ALLO"],
      [
        ["hub escrow balance", formatAllo(BigInt(r.escrowBalance))],
        ["- escrow float", formatAllo(BigInt(r.escrowFloat))],
        ...r.supplies.map((x) => [`${x.chain} totalSupply (block ${x.block})`, formatAllo(BigInt(x.totalSupply))]),
        ["in flight", formatAllo(BigInt(r.inFlight))],
        ["delta", formatAllo(BigInt(r.delta))],
      ],
    ),
  );
  if (s.recent.length) {
    out.push(
      "",
      "recent transfers",
      ...table(
        ["sent", "route", "ALLO", "status", "stages", "id"],
        s.recent.map((t) => [t.sentAt === null ? "-" : `${fmtAgeOf(nowSeconds - t.sentAt)} ago`, t.route, formatAllo(BigInt(t.amount)), t.status, t.stages.join(" > "), t.id]),
      ),
    );
  }
  return out.join("\n");
}
