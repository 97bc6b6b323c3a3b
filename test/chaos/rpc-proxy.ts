/**
 * A real HTTP server the chaos tests put between the relayer and a real node (a Hardhat chain or the hub
 * devnet's CometBFT RPC), switchable between ways of answering badly. It is not a mock of the relayer: the
 * relayer talks HTTP (and websockets, piped through untouched) to it as it would to any RPC endpoint, and
 * by default every request goes to the real node and back.
 *
 * Modes:
 * - `pass`: forward to the target and answer with its response;
 * - `hang`: take requests and answer nothing (a stopped node: the TCP connection stays open); websocket
 *   traffic stops both ways. When the mode changes the held requests are forwarded and answered, as a node
 *   that was stopped and resumed answers what it had been sent;
 * - `garbage`: HTTP 200, `application/json`, a body that is not JSON;
 * - `error`: HTTP 200 with a JSON-RPC error (-32603 internal error) for every request;
 * - `malformed-protobuf`: forward, but replace the protobuf bytes of every `abci_query` answer (the hub's
 *   gRPC-over-ABCI queries) with bytes that do not decode;
 * - `oversized`: HTTP 200 with a JSON body of `oversizedBytes` (default 64 MiB) that a careful client refuses.
 *
 * The target can be switched too (`setTarget`): an RPC URL that serves another chain after a failover.
 */
import http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";

export type ProxyMode = "pass" | "hang" | "garbage" | "error" | "malformed-protobuf" | "oversized";

interface Held {
  req: http.IncomingMessage;
  body: Buffer;
  res: http.ServerResponse;
}

export class RpcProxy {
  private server?: http.Server;
  private modeNow: ProxyMode = "pass";
  private held: Held[] = [];
  private readonly tunnels = new Set<{ client: Duplex; upstream: net.Socket }>();
  /** requests answered per mode (what the relayer really got) */
  readonly answered: Record<ProxyMode, number> = { pass: 0, hang: 0, garbage: 0, error: 0, "malformed-protobuf": 0, oversized: 0 };
  oversizedBytes = 64 * 1024 * 1024;

  constructor(
    readonly port: number,
    private target: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get mode(): ProxyMode {
    return this.modeNow;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => this.handle({ req, body: Buffer.concat(chunks), res }));
    });
    server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.tunnel(req, socket, head));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
  }

  /** Switches the way requests are answered from now on (held requests are forwarded when leaving `hang`). */
  setMode(mode: ProxyMode): void {
    const was = this.modeNow;
    this.modeNow = mode;
    if (was === "hang" && mode !== "hang") {
      const held = this.held;
      this.held = [];
      for (const h of held) this.handle(h);
      for (const t of this.tunnels) this.pipe(t);
    }
    if (mode === "hang" && was !== "hang") for (const t of this.tunnels) this.unpipe(t);
  }

  /** Points the proxy at another node (e.g. one serving another chain id). */
  setTarget(target: string): void {
    this.target = target;
  }

  async stop(): Promise<void> {
    for (const h of this.held) h.res.destroy();
    this.held = [];
    for (const t of this.tunnels) {
      t.client.destroy();
      t.upstream.destroy();
    }
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private handle(h: Held): void {
    const mode = this.modeNow;
    if (mode === "hang") {
      this.held.push(h);
      return;
    }
    this.answered[mode]++;
    switch (mode) {
      case "garbage":
        return void h.res.writeHead(200, { "content-type": "application/json" }).end("<html><body>502 upstream {{not json");
      case "error":
        return void h.res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jsonRpcErrors(h.body)));
      case "oversized":
        return this.oversized(h);
      default:
        return this.forward(h, mode === "malformed-protobuf" ? corruptAbciQuery : undefined);
    }
  }

  private forward(h: Held, rewrite?: (body: Buffer, request: Buffer) => Buffer): void {
    const target = new URL(h.req.url ?? "/", this.target);
    const up = http.request(target, { method: h.req.method, headers: { ...h.req.headers, host: target.host } }, (r) => {
      const chunks: Buffer[] = [];
      r.on("data", (c: Buffer) => chunks.push(c));
      r.on("end", () => {
        const raw = Buffer.concat(chunks);
        const body = rewrite ? rewrite(raw, h.body) : raw;
        const headers = { ...r.headers, "content-length": String(body.length) };
        delete headers["transfer-encoding"];
        h.res.writeHead(r.statusCode ?? 502, headers).end(body);
      });
      r.on("error", () => h.res.destroy());
    });
    up.on("error", () => h.res.destroy());
    up.end(h.body);
  }

  private oversized(h: Held): void {
    const id = firstId(h.body);
    const head = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"pad":"`;
    const tail = `"}}`;
    const total = this.oversizedBytes;
    h.res.writeHead(200, { "content-type": "application/json", "content-length": String(head.length + total + tail.length) });
    h.res.write(head);
    const chunk = Buffer.alloc(1024 * 1024, "A");
    let left = total;
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!h.res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void h.res.once("drain", pump);
      }
      h.res.end(tail);
    };
    h.res.on("error", () => undefined);
    pump();
  }

  /** Websockets: a raw TCP tunnel to the target, paused while the mode is `hang`. */
  private tunnel(req: http.IncomingMessage, client: Duplex, head: Buffer): void {
    const target = new URL(this.target);
    const upstream = net.connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${k === "host" ? target.host : String(v)}`)];
      upstream.write(lines.join("\r\n") + "\r\n\r\n");
      if (head.length) upstream.write(head);
      const t = { client, upstream };
      this.tunnels.add(t);
      if (this.modeNow !== "hang") this.pipe(t);
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      for (const t of this.tunnels) if (t.client === client) this.tunnels.delete(t);
    };
    upstream.on("error", close);
    upstream.on("close", close);
    client.on("error", close);
    client.on("close", close);
  }

  private pipe(t: { client: Duplex; upstream: net.Socket }): void {
    t.client.pipe(t.upstream);
    t.upstream.pipe(t.client);
  }

  private unpipe(t: { client: Duplex; upstream: net.Socket }): void {
    t.client.unpipe(t.upstream);
    t.upstream.unpipe(t.client);
    t.client.pause();
    t.upstream.pause();
  }
}

function parse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

function firstId(body: Buffer): unknown {
  const p = parse(body);
  const first = Array.isArray(p) ? p[0] : p;
  return (first as { id?: unknown } | undefined)?.id ?? null;
}

/** One JSON-RPC internal error per request of the body (a batch gets a batch). */
function jsonRpcErrors(body: Buffer): unknown {
  const p = parse(body);
  const one = (r: unknown) => ({ jsonrpc: "2.0", id: (r as { id?: unknown } | undefined)?.id ?? null, error: { code: -32603, message: "internal error (chaos proxy)" } });
  return Array.isArray(p) ? p.map(one) : one(p);
}

/**
 * An `abci_query` answer whose protobuf bytes do not decode: a field tag with wire type 7 (there is none)
 * followed by a length that runs past the end. Other methods pass unchanged.
 */
function corruptAbciQuery(body: Buffer, request: Buffer): Buffer {
  const req = parse(request) as { method?: string } | undefined;
  if (req?.method !== "abci_query") return body;
  const res = parse(body) as { result?: { response?: { value?: string; code?: number } } } | undefined;
  if (!res?.result?.response) return body;
  res.result.response.value = Buffer.from([0x0f, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a, 0xff, 0x01]).toString("base64");
  res.result.response.code = 0;
  return Buffer.from(JSON.stringify(res));
}
