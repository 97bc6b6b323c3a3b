/**
 * The explorer: a read-only page (static/index.html, app.js, style.css: plain files, no build step, nothing
 * from a CDN) and the JSON it polls, served by the relayer's HTTP server.
 *
 *   GET /explorer/                         the page
 *   GET /v1/explorer                       this list
 *   GET /v1/explorer/oracle                topics x chains: value, nonce, age, next due, recent values; health
 *   GET /v1/explorer/transfers?limit=50    per route counts, in flight, supply check, recent transfers with their
 *                                          timeline and a link per transaction
 *   GET /v1/explorer/transfer/<id>         one transfer (id as listed)
 *   GET /v1/explorer/tx/<place>/<hash>     one transaction as the chain ("base", ...) or the hub ("hub") has it
 *
 * Values on the page come from the chains (the watchers' on-chain cache, re-read every poll interval) and,
 * for transfers, from scans of the chains and the hub (transfers.ts), cached for REFRESH_MS and read by one
 * caller at a time, so any number of open pages costs one scan per REFRESH_MS. Recent values for the charts are
 * the ones this relayer saw since it started (history.ts).
 */
import fs from "node:fs";
import path from "node:path";
import type http from "node:http";
import type { Provider } from "ethers";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import { fromHex, toHex } from "@cosmjs/encoding";
import type { UpdatePolicy } from "../config/schema";
import type { OnChainInference } from "../evm/oracle";
import { statusRow, transfersStatus, type TransfersStatus } from "../status";
import { ValueHistory } from "./history";
import { txLink } from "./links";
import { BlockTimes, readTransfers, type TransfersReading, type TransfersSource } from "./transfers";

export interface ExplorerChain {
  name: string;
  chainId: number;
  /** the watcher's on-chain cache: topic -> the oracle's stored inference */
  onchain: ReadonlyMap<number, OnChainInference>;
  policy(topicId: number): UpdatePolicy;
  provider(): Provider;
}

export interface ExplorerDeps {
  instance: string;
  topics: readonly number[];
  chains: readonly ExplorerChain[];
  hub: { chainId: string; comet(): CometClient; head(): number };
  health(): { ok: boolean };
  /** the transfer section's sources, when the relayer carries transfers */
  transfers?: () => TransfersSource;
  /** where static/ is (default: found next to this module, or in the source tree when running from dist/) */
  staticDir?: string;
}

export interface Explorer {
  owns(urlPath: string): boolean;
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  /** the transfers section of /status (undefined when the relayer carries no transfers) */
  transfersStatus(): Promise<TransfersStatus | { error: string } | undefined>;
  close(): void;
}

const REFRESH_MS = 3_000;
const SAMPLE_MS = 1_000;
const STATIC_FILES: Readonly<Record<string, string>> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
};
const HUB_TX_HASH = /^[0-9A-Fa-f]{64}$/;
const EVM_TX_HASH = /^0x[0-9a-fA-F]{64}$/;

export const ENDPOINTS = {
  "/explorer/": "the page",
  "/v1/explorer/oracle": "topics x chains: value, nonce, age, next due and recent values; the relayer's health",
  "/v1/explorer/transfers?limit=50": "per route counts, in flight, the supply check and recent transfers (read from the chains and the hub)",
  "/v1/explorer/transfer/<id>": "one transfer: its route, amount, status and timeline",
  "/v1/explorer/tx/<place>/<hash>": "one transaction, as the hub (place 'hub') or a chain (its name) has it",
};

function findStaticDir(): string {
  const candidates = [path.join(__dirname, "static"), path.resolve(__dirname, "..", "..", "..", "relayer", "explorer", "static")];
  const found = candidates.find((d) => fs.existsSync(path.join(d, "index.html")));
  if (!found) throw new Error(`explorer: static files not found in ${candidates.join(" or ")}`);
  return found;
}

const toJson = (body: unknown) => JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v));

function send(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json", "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(toJson(body));
}

/** A cached value refreshed by one caller at a time, at most every `maxAgeMs`. */
function cached<T>(maxAgeMs: number, read: () => Promise<T>): () => Promise<{ value?: T; at: number; error?: string }> {
  let last: { value?: T; at: number; error?: string } | undefined;
  let running: Promise<void> | undefined;
  return async () => {
    if (last && Date.now() - last.at < maxAgeMs) return last;
    running ??= read()
      .then((value) => void (last = { value, at: Date.now() }))
      .catch((e: unknown) => void (last = { value: last?.value, at: Date.now(), error: (e as Error).message }))
      .finally(() => (running = undefined));
    await running;
    return last!;
  };
}

export function createExplorer(deps: ExplorerDeps): Explorer {
  const staticDir = deps.staticDir ?? findStaticDir();
  const history = new ValueHistory();
  const sample = () => {
    for (const c of deps.chains) {
      for (const t of deps.topics) {
        const v = c.onchain.get(t);
        if (v && v.nonce > 0n) history.record(c.name, t, { nonce: v.nonce.toString(), value: statusRow(c.name, t, v, c.policy(t), 0).value!, timestamp: v.timestamp });
      }
    }
  };
  sample();
  const sampler = setInterval(sample, SAMPLE_MS);
  sampler.unref();

  const times = new BlockTimes();
  const transfersSource = deps.transfers;
  const reading = transfersSource ? cached<TransfersReading>(REFRESH_MS, () => readTransfers(transfersSource(), times)) : undefined;
  const chainIdOf = (name: string) => deps.chains.find((c) => c.name === name)?.chainId;

  const oracle = () => {
    const now = Math.floor(Date.now() / 1000);
    return {
      instance: deps.instance,
      at: now,
      hub: { chainId: deps.hub.chainId, height: deps.hub.head() },
      health: deps.health(),
      /** whether /v1/explorer/transfers has anything to say (the relayer carries transfers) */
      transfers: reading !== undefined,
      chains: deps.chains.map((c) => ({ name: c.name, chainId: c.chainId })),
      topics: deps.topics,
      rows: deps.chains.flatMap((c) =>
        deps.topics.map((t) => {
          const p = c.policy(t);
          return { ...statusRow(c.name, t, c.onchain.get(t), p, now), heartbeatSeconds: p.heartbeatSeconds, deviationBps: p.deviationBps, history: history.of(c.name, t) };
        }),
      ),
    };
  };

  const withLinks = (r: TransfersReading, limit: number) => ({
    source: "chains and hub",
    at: r.at,
    hubHeight: r.hubHeight,
    routes: r.routes,
    inFlight: r.inFlight,
    reconciliation: r.reconciliation,
    total: r.transfers.length,
    recent: r.transfers.slice(0, limit).map((t) => ({ ...t, timeline: t.timeline.map((e) => ({ ...e, url: txLink(e.place, e.txHash, chainIdOf) })) })),
  });

  const tx = async (place: string, hash: string): Promise<[number, unknown]> => {
    if (place === "hub") {
      if (!HUB_TX_HASH.test(hash)) return [400, { error: "a hub tx hash is 64 hex digits (no 0x)" }];
      const t = await deps.hub.comet().tx({ hash: fromHex(hash) }).catch(() => undefined);
      if (!t) return [404, { error: `no hub transaction ${hash}` }];
      return [200, { place, hash: toHex(t.hash).toUpperCase(), height: t.height, index: t.index, code: t.result.code, log: t.result.log, gasWanted: t.result.gasWanted, gasUsed: t.result.gasUsed, events: t.result.events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value })) })) }];
    }
    const chain = deps.chains.find((c) => c.name === place);
    if (!chain) return [404, { error: `unknown place ${place}: use "hub" or one of ${deps.chains.map((c) => c.name).join(", ")}` }];
    if (!EVM_TX_HASH.test(hash)) return [400, { error: "an EVM tx hash is 0x + 64 hex digits" }];
    const p = chain.provider();
    const [t, receipt] = await Promise.all([p.getTransaction(hash), p.getTransactionReceipt(hash)]);
    if (!t) return [404, { error: `no transaction ${hash} on ${place}` }];
    return [
      200,
      {
        place,
        chainId: chain.chainId,
        hash: t.hash,
        from: t.from,
        to: t.to,
        nonce: t.nonce,
        value: t.value,
        data: t.data,
        blockNumber: t.blockNumber,
        status: receipt?.status ?? null,
        gasUsed: receipt?.gasUsed ?? null,
        logs: receipt?.logs.map((l) => ({ address: l.address, topics: l.topics, data: l.data, index: l.index })) ?? [],
      },
    ];
  };

  const transfersEndpoint = async (limit: number): Promise<[number, unknown]> => {
    if (!reading) return [404, { error: "this relayer carries no transfers (no enabled `transfers` section in its config)" }];
    const r = await reading();
    if (!r.value) return [503, { error: `reading the transfers failed: ${r.error}` }];
    return [200, { ...withLinks(r.value, limit), error: r.error }];
  };

  return {
    owns: (p) => p === "/explorer" || p.startsWith("/explorer/") || p === "/v1/explorer" || p.startsWith("/v1/explorer/"),
    handle: async (req, res) => {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { "content-type": "application/json", allow: "GET, HEAD" });
        res.end(JSON.stringify({ error: "the explorer is read-only" }));
        return;
      }
      const url = new URL(req.url ?? "/", "http://x");
      const p = url.pathname;
      if (p === "/explorer") {
        res.writeHead(301, { location: "/explorer/" });
        res.end();
        return;
      }
      if (p.startsWith("/explorer/")) {
        const name = p.slice("/explorer/".length) || "index.html";
        const type = STATIC_FILES[name];
        if (!type) return send(res, 404, { error: `no file ${name} in the explorer` });
        res.writeHead(200, {
          "content-type": type,
          "cache-control": "no-cache",
          "x-content-type-options": "nosniff",
          // Only our own files and our own JSON: a value from a chain can never bring a script in.
          "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
        });
        res.end(await fs.promises.readFile(path.join(staticDir, name)));
        return;
      }
      const rest = p.slice("/v1/explorer".length).split("/").filter(Boolean).map(decodeURIComponent);
      if (rest.length === 0) return send(res, 200, { endpoints: ENDPOINTS });
      if (rest[0] === "oracle" && rest.length === 1) return send(res, 200, oracle());
      if (rest[0] === "transfers" && rest.length === 1) {
        const limit = Math.min(500, Math.max(1, Number(url.searchParams.get("limit") ?? 50) || 50));
        return send(res, ...(await transfersEndpoint(limit)));
      }
      if (rest[0] === "transfer" && rest.length === 2) {
        const [code, body] = await transfersEndpoint(500);
        if (code !== 200) return send(res, code, body);
        const r = (await reading!()).value!;
        const t = r.transfers.find((x) => x.id.toLowerCase() === rest[1].toLowerCase());
        if (!t) return send(res, 404, { error: `no transfer ${rest[1]} (give its id as /v1/explorer/transfers lists it)` });
        return send(res, 200, withLinks({ ...r, transfers: [t] }, 1).recent[0]);
      }
      if (rest[0] === "tx" && rest.length === 3) return send(res, ...(await tx(rest[1], rest[2])));
      send(res, 404, { error: `not found; the explorer's endpoints: ${Object.keys(ENDPOINTS).join(", ")}` });
    },
    transfersStatus: async () => {
      if (!reading) return undefined;
      const r = await reading();
      return r.value ? transfersStatus(r.value) : { error: `reading the transfers failed: ${r.error}` };
    },
    close: () => clearInterval(sampler),
  };
}
