/**
 * The optional queue dashboard: bull-board over the relayer's own BullMQ queues, served by the relayer's
 * HTTP server under one path (default /queues). bull-board's Hono adapter is bridged to node:http with
 * @hono/node-server, which costs a handful of small packages where Express would bring about seventy.
 *
 * Read-only by default: bull-board then answers every action (retry, remove, clean, pause, add, ...) with
 * 405 for our queues. It has no authentication of its own; see relayer/README.md before making it writable.
 */
import type http from "node:http";
import type { Queue } from "bullmq";

export interface DashboardOptions {
  /** URL path it is served under, e.g. /queues (validated by the config schema: leading /, no trailing /) */
  path: string;
  readOnly: boolean;
  /** the page title, e.g. "Allora relayer local-1" */
  title: string;
  /** every queue the relayer creates (one `post-<chain>` per chain) */
  queues: readonly Queue[];
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
      if (isCrossSiteWrite(req)) {
        res.writeHead(403, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "cross-site requests may not change the queues" }));
        return;
      }
      await listener(req, res);
    },
  };
}
