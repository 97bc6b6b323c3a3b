/**
 * DEVNET ONLY: the stand-in's status endpoint, the local counterpart of Axelar's APIs for the relayer
 * (`transfers.axelar.environment: local`, read by relayer/transfer/axelar/http.ts). It answers the same
 * {@link AxelarGmp} questions from the local chains, as JSON (bigints as decimal strings):
 *   GET /status/<source tx hash>                            -> GmpStatus
 *   GET /fee?sourceChain=&destinationChain=&gasLimit=       -> FeeQuote
 * Bound to 127.0.0.1 only.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { AxelarGmp } from "../../relayer/transfer/axelar/gmp";
import type { EvmChainName } from "../../lib/chains";

export interface GmpEndpoint {
  /** e.g. http://127.0.0.1:41234 (the relayer config's `statusUrl`) */
  url: string;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}

/** Serves `gmp` on 127.0.0.1:`port` (0: a free port). */
export async function serveGmp(gmp: AxelarGmp, port = 0): Promise<GmpEndpoint> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const answer = async (): Promise<unknown> => {
      const status = /^\/status\/([^/]+)$/.exec(url.pathname);
      if (req.method === "GET" && status) return gmp.status(decodeURIComponent(status[1]));
      if (req.method === "GET" && url.pathname === "/fee") {
        const [sourceChain, destinationChain, gas] = ["sourceChain", "destinationChain", "gasLimit"].map((k) => url.searchParams.get(k));
        if (!sourceChain || !destinationChain || !gas || !/^\d+$/.test(gas)) {
          throw Object.assign(new Error("give sourceChain, destinationChain (ethereumLocal, bnbLocal, baseLocal) and gasLimit (an integer)"), { status: 400 });
        }
        return gmp.quoteFee({ sourceChain: sourceChain as EvmChainName, destinationChain: destinationChain as EvmChainName, gasLimit: BigInt(gas) });
      }
      throw Object.assign(new Error("GET /status/<source tx hash> or /fee?sourceChain=&destinationChain=&gasLimit="), { status: 404 });
    };
    answer().then(
      (body) => send(res, 200, body),
      (err: Error & { status?: number }) => send(res, err.status ?? 400, { error: err.message }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
