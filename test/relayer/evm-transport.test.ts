/**
 * The relayer's EVM JSON-RPC transport (relayer/evm/transport.ts) against a real HTTP server on an ephemeral
 * port: answers decoded like ethers' (a large body in many chunks, multi-byte characters split between them,
 * gzip), and every failure shaped so that FailoverRpc reads it as ethers' own transport's (a status, a body
 * that is not JSON, a refused connection, a hung server) while 429 is retried and a JSON-RPC error still
 * becomes ethers' mapped error.
 */
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { JsonRpcProvider, Network } from "ethers";
import { NodeJsonRpcProvider } from "../../relayer/evm/transport";
import { isTransportError } from "../../relayer/evm/rpc";

type Handler = (body: { id: number; method: string }, res: http.ServerResponse) => void;

describe("relayer: EVM JSON-RPC transport (Node http, ethers' error shapes)", function () {
  this.timeout(20_000);
  let server: http.Server;
  let url = "";
  let handler: Handler = () => undefined;
  let requests = 0;
  const network = Network.from(31337);
  const providers: JsonRpcProvider[] = [];
  const ours = (timeoutMs?: number) => {
    const p = new NodeJsonRpcProvider(url, network, { staticNetwork: network, batchMaxCount: 1, cacheTimeout: -1 }, timeoutMs);
    providers.push(p);
    return p;
  };
  const ethers = () => {
    const p = new JsonRpcProvider(url, network, { staticNetwork: network, batchMaxCount: 1, cacheTimeout: -1 });
    providers.push(p);
    return p;
  };
  const failure = async (p: JsonRpcProvider, method = "eth_blockNumber"): Promise<Error & { code?: string }> => {
    try {
      await p.send(method, []);
    } catch (e) {
      return e as Error & { code?: string };
    }
    throw new Error("expected the call to fail");
  };

  before(async () => {
    server = http.createServer((req, res) => {
      requests++;
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => handler(JSON.parse(raw) as { id: number; method: string }, res));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    requests = 0;
  });
  after(async () => {
    for (const p of providers) p.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("decodes a large answer sent in many chunks, a multi-byte character split between two of them", async function () {
    const value = "é€😀".repeat(40_000); // 2 + 3 + 4 bytes: chunks of 1,000 bytes split characters
    handler = (body, res) => {
      const bytes = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: body.id, result: value }));
      res.writeHead(200, { "content-type": "application/json" });
      for (let i = 0; i < bytes.length; i += 1_000) res.write(bytes.subarray(i, i + 1_000));
      res.end();
    };
    expect(await ours().send("eth_value", [])).to.equal(value);
    expect(await ethers().send("eth_value", [])).to.equal(value);
  });

  it("reads a gzip body, as ethers does", async function () {
    handler = (body, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(gzipSync(JSON.stringify({ jsonrpc: "2.0", id: body.id, result: "0x2a" })));
    };
    expect(await ours().getBlockNumber()).to.equal(42);
  });

  it("a status other than 2xx is a SERVER_ERROR naming it, a transport error as with ethers", async function () {
    handler = (_b, res) => {
      res.writeHead(503, "Service Unavailable");
      res.end("down for maintenance");
    };
    const e = await failure(ours());
    expect(e.code).to.equal("SERVER_ERROR");
    expect(e.message).to.contain("503");
    expect(isTransportError(e)).to.equal(true);
    expect(isTransportError(await failure(ethers()))).to.equal(true);
  });

  it("a body that is not JSON is UNSUPPORTED_OPERATION bodyJson, a transport error as with ethers", async function () {
    handler = (_b, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>502 Bad Gateway</html>");
    };
    const e = (await failure(ours())) as Error & { code?: string; operation?: string };
    expect([e.code, e.operation]).to.deep.equal(["UNSUPPORTED_OPERATION", "bodyJson"]);
    expect(isTransportError(e)).to.equal(true);
    const theirs = (await failure(ethers())) as Error & { code?: string; operation?: string };
    expect([theirs.code, theirs.operation]).to.deep.equal(["UNSUPPORTED_OPERATION", "bodyJson"]);
  });

  it("429 is retried (Retry-After honoured) and then answered", async function () {
    let throttled = 0;
    handler = (body, res) => {
      if (throttled++ < 2) {
        res.writeHead(429, { "retry-after": "1" }); // ethers reads Retry-After as milliseconds
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, result: "0x7" }));
    };
    expect(await ours().getBlockNumber()).to.equal(7);
    expect(requests).to.equal(3);
  });

  it("a JSON-RPC error is mapped by ethers as before (a revert stays a contract error, not a transport error)", async function () {
    handler = (body, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, error: { code: 3, message: "execution reverted", data: "0x" } }));
    };
    const e = await failure(ours(), "eth_call");
    expect(isTransportError(e), e.message).to.equal(false);
  });

  it("a server that never answers is a TIMEOUT after the timeout, not a hang", async function () {
    handler = () => undefined; // accepts, never answers
    const t0 = Date.now();
    const e = await failure(ours(300));
    expect(e.code).to.equal("TIMEOUT");
    expect(isTransportError(e)).to.equal(true);
    expect(Date.now() - t0).to.be.lessThan(5_000);
  });

  it("a kept-alive socket the server closed under a request is retried once on a new socket", async function () {
    const served = new WeakMap<object, number>();
    let dropped = 0;
    handler = (body, res) => {
      const n = (served.get(res.socket!) ?? 0) + 1;
      served.set(res.socket!, n);
      if (n === 2) {
        dropped++;
        res.socket!.destroy(); // as a server whose keep-alive timeout fired just as the request came in
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, result: "0x1" }));
    };
    const p = ours();
    expect(await p.getBlockNumber()).to.equal(1);
    expect(await p.getBlockNumber(), "the second call, on the reused socket").to.equal(1);
    expect(dropped).to.equal(1);
    expect(requests).to.equal(3);
  });

  it("a receipt reads as ethers reads it (logs formatted here with a memo of checksums), a malformed log refused as by ethers", async function () {
    const h = (n: number) => "0x" + n.toString(16).padStart(64, "0");
    const oracle = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512";
    const log = (i: number, address = oracle) => ({
      address,
      topics: [h(0xabc), "0x" + "AB".repeat(32)],
      data: "0x" + "0F".repeat(96),
      blockNumber: "0x10",
      blockHash: h(16),
      transactionHash: h(99),
      transactionIndex: "0x0",
      logIndex: "0x" + i.toString(16),
      removed: false,
    });
    let logs: unknown[] = [log(0), log(1), log(2, "0x15D34AAF54267DB7D7C367839AAF71A00A2C6A65"), log(3)];
    handler = (body, res) => {
      const receipt = {
        transactionHash: h(99), transactionIndex: "0x0", blockHash: h(16), blockNumber: "0x10",
        from: "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc", to: oracle, cumulativeGasUsed: "0xc0ffee", gasUsed: "0xc0ffee",
        contractAddress: null, logs, logsBloom: "0x" + "00".repeat(256), type: "0x2", status: "0x1", effectiveGasPrice: "0x3b9aca00",
      };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, result: receipt }));
    };
    const mine = await ours().getTransactionReceipt(h(99));
    const theirs = await ethers().getTransactionReceipt(h(99));
    expect(JSON.stringify(mine!.toJSON(), null, 1)).to.equal(JSON.stringify(theirs!.toJSON(), null, 1));
    expect(mine!.logs.map((l) => l.address)).to.deep.equal(theirs!.logs.map((l) => l.address));
    expect(mine!.logs[0].address).to.equal("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
    expect(mine!.logs[3].transactionHash).to.equal(h(99));

    logs = [log(0), { ...log(1), address: "0x1234" }];
    const bad = await ours().getTransactionReceipt(h(99)).then(() => undefined, (e: Error) => e);
    const badToo = await ethers().getTransactionReceipt(h(99)).then(() => undefined, (e: Error) => e);
    expect(bad, "a log address that is not 20 bytes").to.be.instanceOf(Error);
    expect(badToo, "ethers refuses it too").to.be.instanceOf(Error);
    logs = [{ ...log(0), topics: ["0x12"] }];
    expect(await ours().getTransactionReceipt(h(99)).then(() => undefined, (e: Error) => e), "a topic that is not 32 bytes").to.be.instanceOf(Error);
  });

  it("follows a redirect on the same protocol; one to another protocol fails as its status, a transport error", async function () {
    handler = (body, res) => {
      if (requests === 1) {
        res.writeHead(307, { location: "/moved" });
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, result: "0x5" }));
    };
    expect(await ours().getBlockNumber()).to.equal(5);
    expect(requests).to.equal(2);

    handler = (_b, res) => {
      res.writeHead(301, { location: "https://127.0.0.1:1/" });
      res.end();
    };
    const e = await failure(ours());
    expect(e.code).to.equal("SERVER_ERROR");
    expect(e.message).to.contain("301");
    expect(isTransportError(e)).to.equal(true);
  });

  it("a refused connection is Node's error, a transport error", async function () {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const p = new NodeJsonRpcProvider(`http://127.0.0.1:${port}`, network, { staticNetwork: network, batchMaxCount: 1 });
    providers.push(p);
    const e = await failure(p);
    expect(e.message).to.match(/ECONNREFUSED/);
    expect(isTransportError(e)).to.equal(true);
  });
});
