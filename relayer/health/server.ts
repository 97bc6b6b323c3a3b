/**
 * The HTTP endpoints: /metrics (Prometheus), /healthz (200 or 503 with the stale pairs), /status (JSON:
 * `topics`, the topics x chains rows, and `transfers`, the transfers section when the relayer carries them),
 * the signed-report service (/v1/reports/..., /v2/allora/..., ../reports/service.ts) when given, the explorer
 * (/explorer/ and /v1/explorer/..., ../explorer/service.ts) when given, and the queue dashboard
 * under its own path when one is given (dashboard.ts).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { HealthReport } from "./health";
import type { Dashboard } from "./dashboard";
import type { Explorer } from "../explorer/service";
import type { ReportService } from "../reports/service";

export interface HttpDeps {
  registry: Registry;
  health(): HealthReport;
  status(): Promise<unknown>;
  dashboard?: Dashboard;
  explorer?: Explorer;
  /** the signed-report service (pull mode): /v1/reports/... and Allora's consumer API under /v2/allora/... */
  reports?: Pick<ReportService, "owns" | "handle">;
}

/** How long close() lets requests in flight finish before it cuts their connections. */
const CLOSE_GRACE_MS = 2_000;

const json = (res: http.ServerResponse, code: number, body: unknown) => {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
};

export async function startHttp(host: string, port: number, deps: HttpDeps): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    (async () => {
      if (path === "/metrics") {
        res.writeHead(200, { "content-type": deps.registry.contentType });
        res.end(await deps.registry.metrics());
      } else if (path === "/healthz") {
        const h = deps.health();
        json(res, h.ok ? 200 : 503, h);
      } else if (path === "/status") {
        const [topics, transfers] = await Promise.all([deps.status(), deps.explorer?.transfersStatus()]);
        json(res, 200, { topics, transfers });
      } else if (deps.reports?.owns(path)) {
        await deps.reports.handle(req, res);
      } else if (deps.explorer?.owns(path)) {
        await deps.explorer.handle(req, res);
      } else if (deps.dashboard?.owns(path)) {
        await deps.dashboard.handle(req, res);
      } else {
        json(res, 404, { error: `not found; try /metrics, /healthz, /status${deps.reports ? ", /v1/reports/latest?chain=…&topics=…" : ""}${deps.explorer ? ", /explorer/" : ""}${deps.dashboard ? ` or ${deps.dashboard.path}` : ""}` });
      }
    })().catch((e) => {
      if (res.headersSent) res.destroy();
      else json(res, 500, { error: (e as Error).message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}`,
    // close() stops accepting and drops idle keep-alive connections (a dashboard tab keeps some open);
    // a request still running after the grace period has its connection cut, so a stop never hangs.
    close: () =>
      new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
