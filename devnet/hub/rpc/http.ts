/**
 * CometBFT JSON-RPC over HTTP: POST / with a JSON-RPC request (or a batch), GET /<method>?args (URI
 * form: strings quoted, bytes as 0x-hex), and the websocket upgrade on /websocket.
 */
import http from "node:http";
import type { Logger } from "pino";
import { RpcError, RpcMethods, Params } from "./methods";
import { createWsServer, EventBus } from "./ws";

const MAX_BODY = 10 * 1024 * 1024;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "access-control-allow-origin": "*",
    "access-control-allow-headers": "content-type",
  });
  res.end(text);
}

function errorBody(id: unknown, e: unknown) {
  const err = e instanceof RpcError ? e : RpcError.internal((e as Error).message);
  return { jsonrpc: "2.0", id, error: { code: err.code, message: err.message, data: err.data } };
}

async function handleOne(methods: RpcMethods, req: unknown): Promise<unknown> {
  if (!req || typeof req !== "object" || Array.isArray(req)) {
    return errorBody(-1, new RpcError(-32600, "Invalid Request", "expected a JSON-RPC request object"));
  }
  const r = req as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
  const id = r.id ?? -1;
  if (r.jsonrpc !== "2.0") return errorBody(id, new RpcError(-32600, "Invalid Request", 'jsonrpc must be "2.0"'));
  if (typeof r.method !== "string") return errorBody(id, new RpcError(-32600, "Invalid Request", "method must be a string"));
  if (r.method === "subscribe" || r.method === "unsubscribe" || r.method === "unsubscribe_all") {
    return errorBody(id, RpcError.methodNotFound());
  }
  try {
    return { jsonrpc: "2.0", id, result: await methods.call(r.method, r.params as Params, "json") };
  } catch (e) {
    return errorBody(id, e);
  }
}

export function createHttpServer(methods: RpcMethods, bus: EventBus, log?: Logger): http.Server {
  const wss = createWsServer(bus, methods, log);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "OPTIONS") {
      send(res, 200, {});
      return;
    }
    if (req.method === "POST") {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          send(res, 413, errorBody(-1, new RpcError(-32600, "Invalid Request", "request body too large")));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      const onEnd = async () => {
        if (res.writableEnded) return;
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch (e) {
          send(res, 200, { jsonrpc: "2.0", id: -1, error: { code: -32700, message: "Parse error", data: (e as Error).message } });
          return;
        }
        if (Array.isArray(body)) {
          if (body.length === 0) {
            send(res, 200, errorBody(-1, new RpcError(-32600, "Invalid Request", "empty batch")));
            return;
          }
          send(res, 200, await Promise.all(body.map((b) => handleOne(methods, b))));
        } else {
          send(res, 200, await handleOne(methods, body));
        }
      };
      req.on("end", () => void onEnd().catch((e: unknown) => (res.headersSent ? res.destroy() : send(res, 500, errorBody(-1, e)))));
      return;
    }
    if (req.method === "GET") {
      const method = url.pathname.replace(/^\//, "");
      if (method === "") {
        res.writeHead(200, { "content-type": "text/html" });
        res.end(
          `<html><body>Allora hub devnet (CometBFT JSON-RPC subset). Endpoints:<br>${Object.keys(methods.specs)
            .map((m) => `<a href="/${m}">/${m}</a>`)
            .join("<br>")}<br>/websocket</body></html>`,
        );
        return;
      }
      if (!methods.has(method)) {
        send(res, 404, errorBody(-1, RpcError.methodNotFound()));
        return;
      }
      const params: Record<string, unknown> = {};
      for (const [k, v] of url.searchParams) params[k] = v;
      methods
        .call(method, params, "uri")
        .then((result) => send(res, 200, { jsonrpc: "2.0", id: -1, result }))
        .catch((e) => send(res, e instanceof RpcError && e.code === -32602 ? 200 : 500, errorBody(-1, e)));
      return;
    }
    send(res, 405, errorBody(-1, new RpcError(-32600, "Invalid Request", `HTTP method ${req.method} not allowed`)));
  });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/websocket") {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });
  server.on("close", () => wss.close());
  return server;
}
