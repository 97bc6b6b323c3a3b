/**
 * The status of a running local network as data (collectStatus) and as a table (renderStatus):
 * one row per topic, the hub's latest inference and, per chain, the oracle's stored one.
 * Used by `npm start` (live table) and `npm run status` (once, or --watch).
 */
import { ethers } from "ethers";
import { HubInference, hubHeight, latestHubInference } from "./hub";
import { isUnreachable, Manifest } from "./manifest";
import { formatValue, OnChainInference, oracleAt, readInference } from "./oracle";
import { decToInt256, int256ToDec } from "../../relayer/convert/dec";

export interface ChainStatus {
  block?: number;
  error?: string;
  /** Nothing answers at the chain's RPC address (connection refused). */
  down?: boolean;
  /** topic id -> stored inference (undefined where the read failed). */
  topics: Map<number, OnChainInference>;
}

export interface StatusSnapshot {
  at: Date;
  hubHeight?: bigint;
  hubError?: string;
  /** Nothing answers at the hub's RPC address (connection refused). */
  hubDown?: boolean;
  hub: Map<number, HubInference>;
  chains: Map<string, ChainStatus>;
}

const providers = new Map<string, ethers.JsonRpcProvider>();
function provider(rpc: string, chainId: number): ethers.JsonRpcProvider {
  let p = providers.get(rpc);
  if (!p) {
    p = new ethers.JsonRpcProvider(rpc, chainId, { staticNetwork: true });
    providers.set(rpc, p);
  }
  return p;
}

function short(err: unknown): string {
  const msg = (err as Error)?.message ?? String(err);
  return msg.length > 60 ? `${msg.slice(0, 57)}...` : msg;
}

export async function collectStatus(manifest: Manifest): Promise<StatusSnapshot> {
  const snapshot: StatusSnapshot = { at: new Date(), hub: new Map(), chains: new Map() };
  const topics = manifest.hub.topics;
  const hubPart = async (): Promise<void> => {
    if (!manifest.hub.rpc) return;
    try {
      snapshot.hubHeight = await hubHeight(manifest.hub.rpc);
      const values = await Promise.all(topics.map((t) => latestHubInference(manifest.hub.rpc, t)));
      for (const v of values) if (v) snapshot.hub.set(v.topicId, v);
    } catch (err) {
      snapshot.hubError = short(err);
      snapshot.hubDown = isUnreachable(err);
    }
  };
  const chainPart = async (
    name: string,
    rpc: string,
    chainId: number,
    oracleAddress?: string,
  ): Promise<void> => {
    const status: ChainStatus = { topics: new Map() };
    snapshot.chains.set(name, status);
    try {
      const p = provider(rpc, chainId);
      status.block = await p.getBlockNumber();
      if (!oracleAddress) return;
      const oracle = oracleAt(oracleAddress, p);
      const values = await Promise.all(topics.map((t) => readInference(oracle, t)));
      values.forEach((v, i) => status.topics.set(topics[i], v));
    } catch (err) {
      status.error = short(err);
      status.down = isUnreachable(err);
    }
  };
  await Promise.all([
    hubPart(),
    ...manifest.chains.map((c) => chainPart(c.name, c.rpc, c.chainId, c.contracts.oracle)),
  ]);
  return snapshot;
}

/** True when neither the hub nor any chain of the manifest answers: the network is not running. */
export function networkDown(manifest: Manifest, s: StatusSnapshot): boolean {
  return (
    (s.hubDown === true || !manifest.hub.rpc) && manifest.chains.every((c) => s.chains.get(c.name)?.down === true)
  );
}

/** How many topics each chain has at the hub's latest nonce. */
export function currentCounts(manifest: Manifest, s: StatusSnapshot): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of manifest.chains) {
    let n = 0;
    for (const t of manifest.hub.topics) {
      const hub = s.hub.get(t);
      const onChain = s.chains.get(c.name)?.topics.get(t);
      if (hub && onChain && onChain.nonce >= hub.height) n++;
    }
    out.set(c.name, n);
  }
  return out;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n) : s + " ".repeat(n - s.length);
}

/** The table as lines. At most `maxRows` topic rows; a summary line covers the rest. */
export function renderStatus(manifest: Manifest, s: StatusSnapshot, maxRows = 20): string[] {
  const colW = 24;
  const lines: string[] = [];
  const hubText = s.hubDown
    ? "hub: not answering"
    : s.hubError
    ? `hub: ${s.hubError}`
    : manifest.hub.rpc
      ? `hub height ${s.hubHeight ?? "?"}`
      : "hub: not started";
  lines.push(`${s.at.toISOString().slice(11, 19)}  ${hubText}`);
  const header = [pad("topic", 6), pad("hub (nonce value)", colW)];
  const blocks = [pad("", 6), pad("", colW)];
  for (const c of manifest.chains) {
    header.push(pad(`${c.name} (${c.chainId})`, colW));
    const cs = s.chains.get(c.name);
    blocks.push(
      pad(
        cs?.down ? "! not answering" : cs?.error ? `! ${cs.error}` : `block ${cs?.block ?? "?"}${c.contracts.oracle ? "" : ", no oracle"}`,
        colW,
      ),
    );
  }
  lines.push(header.join(" | "));
  lines.push(blocks.join(" | "));
  lines.push("-".repeat(header.join(" | ").length));
  const topics = manifest.hub.topics;
  for (const t of topics.slice(0, maxRows)) {
    const hub = s.hub.get(t);
    const row = [pad(String(t), 6), pad(hub ? `${hub.height} ${hub.value.slice(0, 14)}` : "-", colW)];
    for (const c of manifest.chains) {
      const v = s.chains.get(c.name)?.topics.get(t);
      let cell = "-";
      if (v && v.nonce > 0n) {
        const lag = hub ? hub.height - v.nonce : 0n;
        const mark = !hub ? "" : lag <= 0n ? " ok" : ` -${lag}`;
        cell = `${v.nonce} ${formatValue(v.value)}${mark}`;
      }
      row.push(pad(cell, colW));
    }
    lines.push(row.join(" | "));
  }
  const counts = currentCounts(manifest, s);
  const summary = manifest.chains.map((c) => `${c.name} ${counts.get(c.name)}/${topics.length}`).join(", ");
  if (topics.length > maxRows) lines.push(`... ${topics.length - maxRows} more topics`);
  lines.push(`at the hub's latest nonce: ${summary}`);
  return lines;
}

/**
 * An inference value in both forms, labelled, the same for the hub and the chains: `value` is a decimal
 * string, `fixed18` the 18-decimal integer the oracle stores (for the hub: what the relayer will post, the
 * hub's decimal truncated toward zero past 18 digits; null when the hub's value is malformed).
 */
export interface JsonValue {
  value: string;
  fixed18: string | null;
}

function hubJsonValue(dec: string): JsonValue {
  try {
    return { value: dec, fixed18: decToInt256(dec).toString() };
  } catch {
    return { value: dec, fixed18: null };
  }
}

/** `npm run status -- --json`: one object; values as {@link JsonValue} for the hub and every chain alike. */
export function statusJson(manifest: Manifest, s: StatusSnapshot): Record<string, unknown> {
  return {
    at: s.at.toISOString(),
    hub: { height: s.hubHeight?.toString(), error: s.hubError, down: s.hubDown || undefined },
    chains: Object.fromEntries(
      manifest.chains.map((c) => {
        const cs = s.chains.get(c.name);
        return [c.name, { block: cs?.block, error: cs?.error, down: cs?.down || undefined }];
      }),
    ),
    topics: manifest.hub.topics.map((t) => {
      const hub = s.hub.get(t);
      return {
        topic: t,
        hub: hub && { nonce: hub.height.toString(), ...hubJsonValue(hub.value) },
        chains: Object.fromEntries(
          manifest.chains.map((c) => {
            const v = s.chains.get(c.name)?.topics.get(t);
            return [
              c.name,
              v && {
                nonce: v.nonce.toString(),
                value: int256ToDec(v.value),
                fixed18: v.value.toString(),
                timestamp: Number(v.timestamp),
              },
            ];
          }),
        ),
      };
    }),
    current: Object.fromEntries(currentCounts(manifest, s)),
  };
}
