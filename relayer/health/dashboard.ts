/**
 * The optional queue dashboard: bull-board over the relayer's own BullMQ queues, served by the relayer's
 * HTTP server under one path (default /queues). bull-board's Hono adapter is bridged to node:http with
 * @hono/node-server, which costs a handful of small packages where Express would bring about seventy.
 *
 * Read-only by default: every request that could change something (any method but GET, HEAD, OPTIONS) is
 * answered 405 here, before bull-board sees it and before its body is read (bull-board itself read any
 * body first: a 300 MiB POST raised RSS by 918 MiB before its 405, and it answered some actions 200 while
 * doing nothing; issue 19 finding 6). Writable, a body is refused above MAX_BODY_BYTES (413) or without a
 * Content-Length (411), again unread. With a token, every request needs it (HTTP Basic with the token as
 * password, or a Bearer token); the config requires one on a non-loopback address. See relayer/README.md.
 */
import type http from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { Queue } from "bullmq";

/** The largest request body a writable dashboard accepts (its actions send a few hundred bytes of JSON). */
export const MAX_BODY_BYTES = 64 * 1024;

export interface DashboardOptions {
  /** URL path it is served under, e.g. /queues (validated by the config schema: leading /, no trailing /) */
  path: string;
  readOnly: boolean;
  /** the page title, e.g. "Allora relayer local-1" */
  title: string;
  /** every queue the relayer creates (one `post-<chain>` per chain) */
  queues: readonly Queue[];
  /** when set, every request must carry it (Basic password or Bearer); required off loopback */
  token?: string;
}

export interface Dashboard {
  readonly path: string;
  readonly readOnly: boolean;
  /** whether a request path (without the query) belongs to the dashboard */
  owns(urlPath: string): boolean;
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A request a browser made on behalf of another site: it carries that site's Origin, or says so in
 * Sec-Fetch-Site. Refused for every method that can change something, because a page on any site can send
 * a form POST to http://127.0.0.1:<port> without the user's knowledge and bull-board parses any body as
 * JSON. (Read-only mode refuses those calls anyway; this matters when an operator makes it writable.)
 */
export function isCrossSiteWrite(req: http.IncomingMessage): boolean {
  if (SAFE_METHODS.has(req.method ?? "GET")) return false;
  const site = req.headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false; // not a browser (curl, scripts): nothing to forge
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true; // "null" (sandboxed frames, file://) or junk
  }
}

/** Whether the request carries `token` as a Bearer token or as the password of HTTP Basic auth. */
export function hasToken(req: http.IncomingMessage, token: string): boolean {
  const auth = req.headers.authorization ?? "";
  let given: string | undefined;
  if (/^Bearer /i.test(auth)) given = auth.slice(7).trim();
  else if (/^Basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), "base64").toString("utf8");
    given = decoded.slice(decoded.indexOf(":") + 1);
  }
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Answers without reading the request body, and closes the connection so the body is never read. */
function refuse(res: http.ServerResponse, status: number, error: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", connection: "close", ...headers });
  res.end(JSON.stringify({ error }));
}

/** Why a request must be refused before bull-board sees it (status, message), or undefined. */
function gate(req: http.IncomingMessage, readOnly: boolean): [number, string] | undefined {
  const method = req.method ?? "GET";
  if (SAFE_METHODS.has(method)) return undefined;
  if (readOnly) return [405, "the dashboard is read-only (http.dashboard.readOnly); nothing can be changed through it"];
  if (isCrossSiteWrite(req)) return [403, "cross-site requests may not change the queues"];
  const length = req.headers["content-length"];
  if (length === undefined) {
    if (req.headers["transfer-encoding"] !== undefined) return [411, "send a Content-Length"];
    return undefined;
  }
  if (!/^\d+$/.test(length) || Number(length) > MAX_BODY_BYTES) return [413, `request bodies are limited to ${MAX_BODY_BYTES} bytes`];
  return undefined;
}

export async function createDashboard(opts: DashboardOptions): Promise<Dashboard> {
  // Loaded here, not at the top of the file: a relayer without the dashboard (the mainnet and testnet
  // default) keeps these modules out of its memory.
  const [{ createBullBoard }, { BullMQAdapter }, { HonoAdapter }, { Hono }, { getRequestListener }, { serveStatic }] = await Promise.all([
    import("@bull-board/api"),
    import("@bull-board/api/bullMQAdapter"),
    import("@bull-board/hono"),
    import("hono"),
    import("@hono/node-server"),
    import("@hono/node-server/serve-static"),
  ]);
  const board = new HonoAdapter(serveStatic);
  board.setBasePath(opts.path);
  createBullBoard({
    queues: opts.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: opts.readOnly })),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: opts.title } },
  });
  // strict: false so /queues and /queues/ both open the board.
  const app = new Hono({ strict: false });
  app.route(opts.path, board.registerPlugin());
  // overrideGlobalObjects: false keeps @hono/node-server from replacing the process-wide Request and
  // Response, which the rest of the relayer does not expect.
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  return {
    path: opts.path,
    readOnly: opts.readOnly,
    owns: (urlPath) => urlPath === opts.path || urlPath.startsWith(`${opts.path}/`),
    handle: async (req, res) => {
      if (opts.token !== undefined && !hasToken(req, opts.token)) {
        refuse(res, 401, "the dashboard needs its token (HTTP Basic, any user, the token as password; or Authorization: Bearer)", {
          "www-authenticate": 'Basic realm="relayer dashboard", charset="UTF-8"',
        });
        return;
      }
      const refusal = gate(req, opts.readOnly);
      if (refusal) {
        refuse(res, ...refusal);
        return;
      }
      await listener(req, res);
    },
  };
}
