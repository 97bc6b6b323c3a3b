/**
 * CometBFT JSON-RPC methods served by the devnet (the same for HTTP POST, HTTP URI and websocket),
 * plus the devnet-only `devnet_injectFault`.
 */
import { toBase64, toHex } from "@cosmjs/encoding";
import { HubApp } from "../chain/app";
import { BlockRecord } from "../chain/blocks";
import { HubConfig } from "../config";
import { EmissionsModule, FAULT_KINDS, FaultKind } from "../modules/emissions";
import {
  blockIdJSON,
  blockJSON,
  blockResultsJSON,
  commitJSON,
  FormatContext,
  headerJSON,
  nodeId,
  txJSON,
  txResultJSON,
  validatorJSON,
} from "./format";
import { addEventTags, matches, parseQuery, QueryParseError, Tags } from "./query";

export const COMET_VERSION = "0.38.17";

/** A JSON-RPC error with CometBFT's codes. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: string,
  ) {
    super(message);
  }
  static invalidParams(detail: string): RpcError {
    return new RpcError(-32602, "Invalid params", `error converting json params to arguments: ${detail}`);
  }
  static internal(detail: string): RpcError {
    return new RpcError(-32603, "Internal error", detail);
  }
  static methodNotFound(): RpcError {
    return new RpcError(-32601, "Method not found", "");
  }
}

export interface NodeCore {
  cfg: HubConfig;
  app: HubApp;
  emissions: EmissionsModule;
  genesisTime: Date;
  rpcListenAddr: string;
  broadcast(tx: Uint8Array): Promise<{ code: number; codespace: string; log: string; hash: string }>;
  waitForTx(hash: string, timeoutMs: number): Promise<{ height: number; index: number } | undefined>;
}

type PType = "int" | "string" | "bool" | "bytes" | "hexbytes";
type Spec = [name: string, type: PType][];

export type Params = Record<string, unknown> | unknown[] | undefined;

/** Whether params came from the URI form (all strings, strings quoted, bytes 0x-hex). */
export type ParamForm = "json" | "uri";

function coerce(name: string, type: PType, v: unknown, form: ParamForm): unknown {
  if (v === undefined || v === null || v === "") return undefined;
  const bad = (what: string) => RpcError.invalidParams(`${name}: ${what}, got ${JSON.stringify(v)}`);
  if (form === "uri" && typeof v === "string") {
    const quoted = /^"(.*)"$/s.exec(v);
    switch (type) {
      case "int":
        return coerce(name, type, quoted ? quoted[1] : v, "json");
      case "bool":
        return v === "true" ? true : v === "false" ? false : (() => { throw bad("expected true or false"); })();
      case "string":
        return quoted ? quoted[1] : v;
      case "bytes":
      case "hexbytes":
        if (/^0x[0-9a-fA-F]*$/.test(v)) return new Uint8Array(Buffer.from(v.slice(2), "hex"));
        if (quoted) return new Uint8Array(Buffer.from(quoted[1], "utf8"));
        throw bad("expected 0x-prefixed hex or a quoted string");
    }
  }
  switch (type) {
    case "int": {
      const s = typeof v === "number" ? String(v) : v;
      if (typeof s !== "string" || !/^-?\d+$/.test(s)) throw bad("expected an integer");
      return Number(s);
    }
    case "bool":
      if (typeof v !== "boolean") throw bad("expected a boolean");
      return v;
    case "string":
      if (typeof v !== "string") throw bad("expected a string");
      return v;
    case "bytes":
      if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw bad("expected base64");
      return new Uint8Array(Buffer.from(v, "base64"));
    case "hexbytes":
      if (typeof v !== "string" || !/^(0x)?[0-9a-fA-F]*$/.test(v) || v.replace(/^0x/, "").length % 2 !== 0)
        throw bad("expected hex");
      return new Uint8Array(Buffer.from(v.replace(/^0x/, ""), "hex"));
  }
}

function bind(spec: Spec, params: Params, form: ParamForm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Array.isArray(params)) {
    if (params.length > spec.length) throw RpcError.invalidParams(`expected at most ${spec.length} params, got ${params.length}`);
    spec.forEach(([n, t], i) => (out[n] = coerce(n, t, params[i], form)));
  } else if (params && typeof params === "object") {
    for (const [n, t] of spec) out[n] = coerce(n, t, (params as Record<string, unknown>)[n], form);
  } else if (params !== undefined && params !== null) {
    throw RpcError.invalidParams("params must be an object or an array");
  }
  return out;
}

export class RpcMethods {
  readonly specs: Record<string, Spec> = {
    health: [],
    status: [],
    abci_info: [],
    net_info: [],
    genesis: [],
    num_unconfirmed_txs: [],
    abci_query: [
      ["path", "string"],
      ["data", "hexbytes"],
      ["height", "int"],
      ["prove", "bool"],
    ],
    block: [["height", "int"]],
    block_by_hash: [["hash", "bytes"]],
    block_results: [["height", "int"]],
    commit: [["height", "int"]],
    header: [["height", "int"]],
    validators: [
      ["height", "int"],
      ["page", "int"],
      ["per_page", "int"],
    ],
    blockchain: [
      ["minHeight", "int"],
      ["maxHeight", "int"],
    ],
    tx: [
      ["hash", "bytes"],
      ["prove", "bool"],
    ],
    tx_search: [
      ["query", "string"],
      ["prove", "bool"],
      ["page", "int"],
      ["per_page", "int"],
      ["order_by", "string"],
    ],
    block_search: [
      ["query", "string"],
      ["page", "int"],
      ["per_page", "int"],
      ["order_by", "string"],
    ],
    broadcast_tx_sync: [["tx", "bytes"]],
    broadcast_tx_async: [["tx", "bytes"]],
    broadcast_tx_commit: [["tx", "bytes"]],
    check_tx: [["tx", "bytes"]],
    devnet_injectFault: [
      ["topic_id", "int"],
      ["kind", "string"],
      ["count", "int"],
    ],
  };

  constructor(private readonly core: NodeCore) {}

  private get ctx(): FormatContext {
    const app = this.core.app;
    return {
      chainId: this.core.cfg.chainId,
      validatorAddress: app.validatorAddress,
      validatorPubKey: app.validatorPubKey,
      getBlock: (h) => app.blocks.get(h),
    };
  }

  has(method: string): boolean {
    return method in this.specs;
  }

  async call(method: string, params: Params, form: ParamForm = "json"): Promise<unknown> {
    const spec = this.specs[method];
    if (!spec) throw RpcError.methodNotFound();
    const p = bind(spec, params, form);
    switch (method) {
      case "health":
        return {};
      case "status":
        return this.status();
      case "abci_info":
        return {
          response: {
            data: "allora-hub-devnet",
            version: "v0.15.0-devnet",
            app_version: "0",
            last_block_height: String(this.core.app.height),
            last_block_app_hash: toBase64(Buffer.from(this.core.app.currentAppHash, "hex")),
          },
        };
      case "net_info":
        return { listening: true, listeners: [this.core.rpcListenAddr], n_peers: "0", peers: [] };
      case "genesis":
        return this.genesis();
      case "num_unconfirmed_txs": {
        const bytes = this.core.app.mempool.reduce((n, t) => n + t.bytes.length, 0);
        const n = String(this.core.app.mempool.length);
        return { n_txs: n, total: n, total_bytes: String(bytes), txs: null };
      }
      case "abci_query":
        return this.abciQuery(p);
      case "block": {
        const b = this.blockAt(p.height as number | undefined);
        return { block_id: blockIdJSON(b.hash), block: blockJSON(this.ctx, b) };
      }
      case "block_by_hash": {
        const hash = toHex(p.hash as Uint8Array).toUpperCase();
        for (let h = this.core.app.blocks.latestHeight; h >= this.core.app.blocks.earliestHeight; h--) {
          const b = this.core.app.blocks.get(h);
          if (b?.hash === hash) return { block_id: blockIdJSON(b.hash), block: blockJSON(this.ctx, b) };
        }
        return { block_id: blockIdJSON(""), block: null };
      }
      case "header": {
        const b = this.blockAt(p.height as number | undefined);
        return { header: headerJSON(this.ctx, b) };
      }
      case "block_results": {
        const b = this.blockAt(p.height as number | undefined);
        const next = this.core.app.blocks.get(b.height + 1);
        return blockResultsJSON(b, next ? next.appHash : this.core.app.currentAppHash);
      }
      case "commit": {
        const b = this.blockAt(p.height as number | undefined);
        return {
          signed_header: { header: headerJSON(this.ctx, b), commit: commitJSON(this.ctx, b) },
          canonical: b.height < this.core.app.height,
        };
      }
      case "validators":
        this.blockAt(p.height as number | undefined);
        return {
          block_height: String(p.height ?? this.core.app.height),
          validators: [validatorJSON(this.ctx)],
          count: "1",
          total: "1",
        };
      case "blockchain":
        return this.blockchain(p.minHeight as number | undefined, p.maxHeight as number | undefined);
      case "tx": {
        if (!p.hash) throw RpcError.invalidParams("hash: required");
        const hash = toHex(p.hash as Uint8Array).toUpperCase();
        const loc = this.core.app.blocks.findTx(hash);
        const b = loc && this.core.app.blocks.get(loc.height);
        if (!loc || !b) throw RpcError.internal(`tx (${hash}) not found`);
        return txJSON(b, loc.index);
      }
      case "tx_search":
        return this.txSearch(p);
      case "block_search":
        return this.blockSearch(p);
      case "broadcast_tx_sync":
      case "broadcast_tx_async":
      case "check_tx":
      case "broadcast_tx_commit":
        return this.broadcast(method, p.tx as Uint8Array | undefined);
      case "devnet_injectFault":
        return this.injectFault(p);
    }
    throw RpcError.methodNotFound();
  }

  private status() {
    const app = this.core.app;
    const latest = app.blocks.latest();
    const earliest = app.blocks.get(app.blocks.earliestHeight);
    return {
      node_info: {
        protocol_version: { p2p: "8", block: "11", app: "0" },
        id: nodeId(this.core.cfg.chainId),
        listen_addr: "tcp://0.0.0.0:26656",
        network: this.core.cfg.chainId,
        version: COMET_VERSION,
        channels: "40202122233038606100",
        moniker: "allora-hub-devnet",
        other: { tx_index: "on", rpc_address: this.core.rpcListenAddr },
      },
      sync_info: {
        latest_block_hash: latest?.hash ?? "",
        latest_app_hash: app.currentAppHash,
        latest_block_height: String(app.height),
        latest_block_time: (latest?.time ?? this.core.genesisTime).toISOString(),
        earliest_block_hash: earliest?.hash ?? "",
        earliest_app_hash: earliest?.appHash ?? "",
        earliest_block_height: String(app.blocks.earliestHeight),
        earliest_block_time: (earliest?.time ?? this.core.genesisTime).toISOString(),
        catching_up: false,
      },
      validator_info: {
        address: app.validatorAddress,
        pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(app.validatorPubKey) },
        voting_power: "10",
      },
    };
  }

  private genesis() {
    const app = this.core.app;
    return {
      genesis: {
        genesis_time: this.core.genesisTime.toISOString(),
        chain_id: this.core.cfg.chainId,
        initial_height: "1",
        consensus_params: {
          block: { max_bytes: "22020096", max_gas: "-1" },
          evidence: { max_age_num_blocks: "100000", max_age_duration: "172800000000000", max_bytes: "1048576" },
          validator: { pub_key_types: ["ed25519"] },
          version: { app: "0" },
        },
        validators: [
          {
            address: app.validatorAddress,
            pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(app.validatorPubKey) },
            power: "10",
            name: "allora-hub-devnet",
          },
        ],
        app_hash: "",
        app_state: { note: "devnet: see devnet/hub.config.json" },
      },
    };
  }

  /** Height rules of CometBFT's getHeight (rpc/core/blocks.go). */
  private blockAt(height: number | undefined): BlockRecord {
    const blocks = this.core.app.blocks;
    const latest = blocks.latestHeight;
    if (height === undefined || height === 0) {
      if (height === 0) throw RpcError.internal("height must be greater than 0, but got 0");
      const b = blocks.latest();
      if (!b) throw RpcError.internal("no blocks yet");
      return b;
    }
    if (height < 0) throw RpcError.internal(`height must be greater than 0, but got ${height}`);
    if (height > latest)
      throw RpcError.internal(`height ${height} must be less than or equal to the current blockchain height ${latest}`);
    if (height < blocks.earliestHeight)
      throw RpcError.internal(`height ${height} is not available, lowest height is ${blocks.earliestHeight}`);
    return blocks.get(height)!;
  }

  private blockchain(min: number | undefined, max: number | undefined) {
    const blocks = this.core.app.blocks;
    const latest = blocks.latestHeight;
    let hi = max === undefined || max === 0 ? latest : Math.min(max, latest);
    let lo = min === undefined || min === 0 ? 1 : min;
    if (lo < 0 || hi < 0) throw RpcError.internal("heights must be non-negative");
    lo = Math.max(lo, blocks.earliestHeight, hi - 19);
    if (lo > hi) throw RpcError.internal(`min height ${lo} can't be greater than max height ${hi}`);
    const metas = [];
    for (let h = hi; h >= lo; h--) {
      const b = blocks.get(h)!;
      metas.push({
        block_id: blockIdJSON(b.hash),
        block_size: String(b.size),
        header: headerJSON(this.ctx, b),
        num_txs: String(b.txs.length),
      });
    }
    hi = latest;
    return { last_height: String(hi), block_metas: metas };
  }

  private async abciQuery(p: Record<string, unknown>) {
    const path = p.path as string | undefined;
    if (!path) throw RpcError.invalidParams("path: required");
    if (p.height !== undefined && (p.height as number) > this.core.app.height) {
      throw RpcError.internal(
        `height ${p.height as number} must be less than or equal to the current blockchain height ${this.core.app.height}`,
      );
    }
    // height 0 (cosmjs's default) means the latest state
    const at = typeof p.height === "number" && p.height > 0 ? p.height : undefined;
    const r = await this.core.app.query(path, (p.data as Uint8Array | undefined) ?? new Uint8Array(), at);
    return {
      response: {
        code: r.code,
        log: r.log,
        info: "",
        index: "0",
        key: null,
        value: r.value.length ? toBase64(r.value) : null,
        proofOps: null,
        height: String(r.height),
        codespace: r.codespace,
      },
    };
  }

  private paginate<T>(items: T[], p: Record<string, unknown>): { page: T[]; total: number } {
    const perPageRaw = (p.per_page as number | undefined) ?? 30;
    const perPage = perPageRaw <= 0 ? 30 : Math.min(perPageRaw, 100);
    const pages = Math.max(1, Math.ceil(items.length / perPage));
    const page = (p.page as number | undefined) ?? 1;
    if (page < 1 || page > pages) throw RpcError.internal(`page should be within [1, ${pages}] range, given ${page}`);
    return { page: items.slice((page - 1) * perPage, page * perPage), total: items.length };
  }

  private order(p: Record<string, unknown>): "asc" | "desc" {
    const o = (p.order_by as string | undefined) ?? "";
    if (o === "" || o === "asc") return "asc";
    if (o === "desc") return "desc";
    throw RpcError.internal("expected order_by to be either `asc` or `desc` or empty");
  }

  private conds(p: Record<string, unknown>) {
    const q = p.query as string | undefined;
    if (!q) throw RpcError.invalidParams("query: required");
    try {
      return parseQuery(q);
    } catch (e) {
      if (e instanceof QueryParseError) throw RpcError.internal(`failed to parse query: ${e.message}`);
      throw e;
    }
  }

  private txSearch(p: Record<string, unknown>) {
    const conds = this.conds(p);
    const order = this.order(p);
    const found: { block: BlockRecord; index: number }[] = [];
    // Only the heights a tx.height condition allows (a real node's index does not look at the others): the
    // relayer's incremental scans (tx.height>=N) would otherwise read the whole chain's events every time.
    let from = -Infinity;
    let to = Infinity;
    for (const c of conds) {
      if (c.key !== "tx.height" || !c.numeric) continue;
      const n = Number(c.operand);
      if (c.op === ">=" || c.op === "=") from = Math.max(from, Math.ceil(n));
      if (c.op === ">") from = Math.max(from, Math.floor(n) + 1);
      if (c.op === "<=" || c.op === "=") to = Math.min(to, Math.floor(n));
      if (c.op === "<") to = Math.min(to, Math.ceil(n) - 1);
    }
    for (const t of this.core.app.blocks.allTxs(from, to)) {
      const tags: Tags = new Map([
        ["tx.hash", [t.block.txHashes[t.index]]],
        ["tx.height", [String(t.block.height)]],
      ]);
      addEventTags(tags, t.block.txResults[t.index].events);
      if (matches(conds, tags)) found.push(t);
    }
    if (order === "desc") found.reverse();
    const { page, total } = this.paginate(found, p);
    return { txs: page.map((t) => txJSON(t.block, t.index)), total_count: String(total) };
  }

  private blockSearch(p: Record<string, unknown>) {
    const conds = this.conds(p);
    const order = this.order(p);
    const blocks = this.core.app.blocks;
    const found: BlockRecord[] = [];
    for (let h = blocks.earliestHeight; h <= blocks.latestHeight; h++) {
      const b = blocks.get(h);
      if (!b) continue;
      const tags: Tags = new Map([["block.height", [String(h)]]]);
      addEventTags(tags, b.finalizeEvents);
      if (matches(conds, tags)) found.push(b);
    }
    if (order === "desc") found.reverse();
    const { page, total } = this.paginate(found, p);
    return {
      blocks: page.map((b) => ({ block_id: blockIdJSON(b.hash), block: blockJSON(this.ctx, b) })),
      total_count: String(total),
    };
  }

  private async broadcast(method: string, tx: Uint8Array | undefined) {
    if (!tx || tx.length === 0) throw RpcError.invalidParams("tx: required");
    if (method === "broadcast_tx_async") {
      const { txHash } = await import("../chain/blocks");
      const hash = txHash(tx);
      void this.core.broadcast(tx).catch(() => undefined);
      return { code: 0, data: "", log: "", codespace: "", hash };
    }
    const r = await this.core.broadcast(tx);
    const check = { code: r.code, data: "", log: r.log, codespace: r.codespace, hash: r.hash };
    if (method === "broadcast_tx_sync" || method === "check_tx") return check;
    const checkTx = { ...check, gas_wanted: "0", gas_used: "0", events: [] };
    if (r.code !== 0) {
      return { check_tx: checkTx, tx_result: txResultJSON({ code: 0, codespace: "", log: "", data: new Uint8Array(), gasWanted: 0n, gasUsed: 0n, events: [] }), hash: r.hash, height: "0" };
    }
    const loc = await this.core.waitForTx(r.hash, 10_000);
    if (!loc) throw RpcError.internal("timed out waiting for tx to be included in a block");
    const b = this.core.app.blocks.get(loc.height)!;
    return { check_tx: checkTx, tx_result: txResultJSON(b.txResults[loc.index]), hash: r.hash, height: String(loc.height) };
  }

  private injectFault(p: Record<string, unknown>) {
    const topicId = p.topic_id as number | undefined;
    const kind = p.kind as string | undefined;
    const count = (p.count as number | undefined) ?? 1;
    if (topicId === undefined) throw RpcError.invalidParams("topic_id: required");
    if (!FAULT_KINDS.includes(kind as FaultKind)) throw RpcError.invalidParams(`kind: expected one of ${FAULT_KINDS.map((k) => JSON.stringify(k)).join(", ")}, got ${JSON.stringify(kind)}`);
    if (!(count >= 1 && count <= 1_000_000)) throw RpcError.invalidParams(`count: expected 1..1000000, got ${count}`);
    try {
      const pending = this.core.emissions.injectFault(BigInt(topicId), kind as FaultKind, count);
      return { topic_id: String(topicId), kind, count, pending };
    } catch (e) {
      throw RpcError.internal((e as Error).message);
    }
  }
}
