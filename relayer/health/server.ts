/**
 * The HTTP endpoints: /metrics (Prometheus), /healthz (200 or 503 with the stale pairs), /status (JSON).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { HealthReport } from "./health";

export interface HttpDeps {
  registry: Registry;
  health(): HealthReport;
  status(): Promise<unknown>;
}

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
        json(res, 200, await deps.status());
      } else {
        json(res, 404, { error: "not found; try /metrics, /healthz or /status" });
      }
    })().catch((e) => json(res, 500, { error: (e as Error).message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
