/**
 * The status table (topics x chains: value, nonce, age, next due), shared by the daemon's /status and
 * the `status` command.
 */
import { int256ToDec } from "./convert/dec";
import { UpdatePolicy } from "./config/schema";
import { OnChainInference } from "./evm/oracle";

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
