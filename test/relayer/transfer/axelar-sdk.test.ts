/**
 * relayer/transfer/axelar: the stage mapping, and the SDK implementation of AxelarGmp driving the real
 * @axelar-network/axelarjs-sdk against a local HTTP fake of Axelar's APIs (test/relayer/transfer/axelar-api-fake.ts).
 * The real APIs are not reachable from here: what is tested is that our module calls the SDK correctly,
 * routes its requests, maps its answers and explains its failures. The SDK's own fee arithmetic runs for real
 * on the fake's numbers, and the expected fee below is computed by hand from them.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { AxelarApiError, GMP_STAGES, stageOfAxelarStatus } from "../../../relayer/transfer/axelar/gmp";
import { AxelarSdkGmp, rewriteUrl } from "../../../relayer/transfer/axelar/sdk";
import { AxelarApiFake, FakeGmpRecord, GMP_HOST, S3_HOST, startAxelarApiFake } from "./axelar-api-fake";

const TX = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function rejectionOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

describe("relayer/transfer/axelar: stages", function () {
  it("maps Axelar's status words (after the SDK's parseGMPStatus) and the gas status to our stages", function () {
    const cases: [string, string | undefined, string][] = [
      ["source_gateway_called", "gas_paid", "sent"],
      ["confirming", undefined, "sent"],
      ["confirmed", "gas_paid_enough_gas", "confirmed"],
      ["approving", undefined, "confirmed"],
      ["destination_gateway_approved", "gas_paid", "approved"],
      ["executing", undefined, "executing"],
      ["destination_executed", "gas_paid", "executed"],
      ["express_executed", undefined, "executed"],
      ["error", "gas_paid", "error"],
      ["insufficient_fee", undefined, "insufficient_fee"],
      // Underpaid before execution waits for gas, whatever the progress; executed is executed.
      ["destination_gateway_approved", "gas_paid_not_enough_gas", "insufficient_fee"],
      ["source_gateway_called", "gas_unpaid", "insufficient_fee"],
      ["destination_executed", "gas_paid_not_enough_gas", "executed"],
      ["cannot_fetch_status", undefined, "not_found"],
      ["something_new", undefined, "unknown"],
    ];
    for (const [raw, gas, stage] of cases) {
      expect(stageOfAxelarStatus(raw, gas), `${raw} / ${gas}`).to.equal(stage);
      expect(GMP_STAGES).to.include(stage);
    }
  });

  it("rewrites Axelar's URLs under a base URL, keeping host, path and query", function () {
    expect(rewriteUrl("https://api.gmp.axelarscan.io?method=searchGMP&txHash=0x1", "http://127.0.0.1:9/x/")).to.equal(
      "http://127.0.0.1:9/x/api.gmp.axelarscan.io/?method=searchGMP&txHash=0x1",
    );
  });
});

describe("relayer/transfer/axelar: AxelarSdkGmp (the SDK against a local fake of Axelar's APIs)", function () {
  this.timeout(30_000);
  let fake: AxelarApiFake;
  let gmp: AxelarSdkGmp;
  let sdkLoadedBefore = false;

  before(async function () {
    sdkLoadedBefore = require.cache[require.resolve("@axelar-network/axelarjs-sdk")] !== undefined;
    fake = await startAxelarApiFake();
    gmp = new AxelarSdkGmp({ environment: "mainnet", apiBaseUrl: fake.url, timeoutMs: 2000 });
  });
  after(async function () {
    await fake?.close();
  });
  beforeEach(function () {
    fake.requests.length = 0;
    fake.gmpHttpStatus = undefined;
  });

  it("quotes the fee for the adapter's execute gas: the SDK's sum of base fee and execution fee with its multiplier", async function () {
    const quote = await gmp.quoteFee({ sourceChain: "ethereum", destinationChain: "bnb", gasLimit: 200_000n });
    // By hand from the fake's numbers: execution = 200,000 gas x 0.000000025 ETH = 5e15 wei, x 1.1 = 5.5e15;
    // base fee 0.0004 ETH = 4e14; no L1 fee (the destination has no l1_gas_price_in_units).
    expect(quote).to.deep.equal({
      fee: 5_900_000_000_000_000n,
      baseFee: 400_000_000_000_000n,
      executionFee: 5_500_000_000_000_000n,
      l1ExecutionFee: 0n,
      gasMultiplier: 1.1,
      gasLimit: 200_000n,
    });
    // The first use in this process loads the asset list (awaited before the SDK's constructor, which would
    // fetch it unawaited) and the chain list (to validate the names), both through the base URL.
    if (!sdkLoadedBefore) {
      // (The SDK validates both chain names at once, so a cold cache fetches the chain list twice.)
      expect([...new Set(fake.requests.map((r) => r.path))]).to.deep.equal([
        `/${S3_HOST}/mainnet-asset-config.json`,
        `/${S3_HOST}/configs/mainnet-config-1.x.json`,
        `/${GMP_HOST}/`,
      ]);
    }
    // The SDK asked the GMP API with Axelar's chain names from lib/chains.ts.
    const fees = fake.requests.filter((r) => r.body?.method === "getFees");
    expect(fees).to.have.length(1);
    expect(fees[0]).to.include({ method: "POST", path: `/${GMP_HOST}/` });
    expect(fees[0].body).to.include({ sourceChain: "Ethereum", destinationChain: "binance" });

    // A different gas limit and multiplier change the quote the way the SDK computes it.
    fake.fees.multiplier = 1.5;
    const bigger = await gmp.quoteFee({ sourceChain: "ethereum", destinationChain: "base", gasLimit: 300_000n });
    expect(bigger.executionFee).to.equal(300_000n * 25_000_000_000n * 3n / 2n);
    expect(bigger.fee).to.equal(bigger.executionFee + 400_000_000_000_000n);
    fake.fees.multiplier = 1.1;
  });

  it("a second client reuses the SDK's cached asset and chain lists: one request per quote", async function () {
    const fresh = await startAxelarApiFake();
    try {
      const client = new AxelarSdkGmp({ environment: "mainnet", apiBaseUrl: fresh.url });
      await client.quoteFee({ sourceChain: "bnb", destinationChain: "ethereum", gasLimit: 1n });
      const paths = fresh.requests.map((r) => r.path);
      // Cached by the SDK (module-level, per environment) after the first client: only the fee request.
      expect(paths).to.deep.equal([`/${GMP_HOST}/`]);
    } finally {
      await fresh.close();
    }
  });

  describe("status: the SDK's queryTransactionStatus mapped to our stages", function () {
    const record = (tx: string, over: Partial<FakeGmpRecord>): FakeGmpRecord => ({
      id: `${tx}_3`,
      call: {
        transactionHash: tx,
        logIndex: 3,
        chain: "ethereum",
        transaction: { hash: tx },
        returnValues: { destinationChain: "binance" },
      },
      status: "called",
      gas_status: "gas_paid",
      ...over,
    });

    it("goes through sent, confirmed, approved, executing, executed with the transactions known at each", async function () {
      const tx = TX(1);
      const seen: string[] = [];
      const steps: Partial<FakeGmpRecord>[] = [
        { status: "called" },
        { status: "confirmed" },
        { status: "approved", approved: { transactionHash: TX(2) } },
        { status: "executing", approved: { transactionHash: TX(2) } },
        { status: "executed", approved: { transactionHash: TX(2) }, executed: { transactionHash: TX(3) } },
      ];
      for (const step of steps) {
        fake.gmp.set(tx, record(tx, step));
        const status = await gmp.status(tx);
        seen.push(`${status.stage}:${status.raw}`);
        expect(status.sourceTxHash).to.equal(tx);
        expect(status.messageId).to.equal(`${tx}-3`);
        if (step.approved) expect(status.approvalTxHash).to.equal(TX(2));
        if (step.executed) expect(status.executionTxHash).to.equal(TX(3));
      }
      expect(seen).to.deep.equal([
        "sent:source_gateway_called",
        "confirmed:confirmed",
        "approved:destination_gateway_approved",
        "executing:executing",
        "executed:destination_executed",
      ]);
      const searches = fake.requests.filter((r) => r.query.method === "searchGMP");
      expect(searches).to.have.length(steps.length);
      expect(searches[0].query.txHash).to.equal(tx);
    });

    it("reports an execution error with Axelar's message, an underpaid call as insufficient_fee, an unknown one as not_found", async function () {
      const failed = TX(10);
      fake.gmp.set(
        failed,
        record(failed, {
          status: "error",
          approved: { transactionHash: TX(11) },
          error: { chain: "binance", error: { message: "execution reverted: EnforcedPause()", transactionHash: TX(12) } },
        }),
      );
      const e = await gmp.status(failed);
      expect(e).to.deep.include({ stage: "error", raw: "error", error: "execution reverted: EnforcedPause()" });

      const poor = TX(20);
      fake.gmp.set(poor, record(poor, { status: "called", gas_status: "gas_paid_not_enough_gas", is_insufficient_fee: true }));
      const p = await gmp.status(poor);
      expect(p.stage).to.equal("insufficient_fee");
      expect(p.error).to.equal("Insufficient fee");

      const none = await gmp.status(TX(99));
      expect(none).to.deep.equal({ stage: "not_found", raw: "cannot_fetch_status", sourceTxHash: TX(99) });
    });

    it("an API that answers an HTTP error is an error naming the URL, not a 'not found'", async function () {
      fake.gmpHttpStatus = 503;
      const err = await rejectionOf(gmp.status(TX(1)));
      expect(err).to.be.instanceOf(AxelarApiError);
      expect(err.message).to.match(/status of 0x0+1: Axelar's API did not answer: https:\/\/api\.gmp\.axelarscan\.io\?method=searchGMP/);
      expect(err.message).to.include(`(sent to ${fake.url}/${GMP_HOST}/?method=searchGMP`);
      expect(err.message).to.match(/HTTP 503/);
      expect((err as AxelarApiError).url).to.match(/^https:\/\/api\.gmp\.axelarscan\.io/);
    });
  });

  it("an API that cannot be reached: a clear error naming the URL and what to check", async function () {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const client = new AxelarSdkGmp({ environment: "mainnet", apiBaseUrl: closed, timeoutMs: 2000 });
    for (const call of [
      client.status(TX(1)),
      client.quoteFee({ sourceChain: "ethereum", destinationChain: "bnb", gasLimit: 200_000n }),
    ]) {
      const err = await rejectionOf(call);
      expect(err).to.be.instanceOf(AxelarApiError);
      expect(err.message).to.match(/Axelar's API did not answer: https:\/\/(api\.gmp\.axelarscan\.io|axelar-mainnet\.s3)/);
      expect(err.message).to.match(/ECONNREFUSED/);
      expect(err.message).to.include(`and that ${closed} forwards to it`);
    }
  });

  it("a cold start with Axelar unreachable: a clear error, and no unhandled rejection from the SDK's constructor", async function () {
    // In a fresh process (the SDK caches its lists per process): the SDK's AxelarQueryAPI constructor fetches
    // the asset list without awaiting it; sdk.ts loads that list first so a failure is its error, not a crash.
    // The child is not made to exit after the rejection: it ends when nothing is left to run, so a stray
    // request of the SDK's has settled (and a rejection of it been reported) before the exit code is read.
    const closed = `http://127.0.0.1:${await freePort()}`;
    const script = `
      process.on("unhandledRejection", (e) => { console.log("UNHANDLED " + (e && e.message)); process.exit(3); });
      const { AxelarSdkGmp } = require("./relayer/transfer/axelar/sdk");
      new AxelarSdkGmp({ environment: "mainnet", apiBaseUrl: ${JSON.stringify(closed)}, timeoutMs: 2000 })
        .quoteFee({ sourceChain: "ethereum", destinationChain: "bnb", gasLimit: 1n })
        .then(() => process.exit(4), (e) => console.log("REJECTED " + e.name + ": " + e.message));`;
    const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
      const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
        cwd: path.resolve(__dirname, "../../.."),
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.on("exit", (c) => resolve({ stdout: out, code: c }));
    });
    expect(stdout).not.to.include("UNHANDLED");
    expect(stdout).to.match(
      /REJECTED AxelarApiError: fee quote ethereum -> bnb: Axelar's API did not answer: https:\/\/axelar-mainnet\.s3\.us-east-2\.amazonaws\.com\/mainnet-asset-config\.json .*ECONNREFUSED/,
    );
    expect(code).to.equal(0);
  });

  it("an API that accepts and never answers: each request times out, the call fails within its bound", async function () {
    const sockets = new Set<net.Socket>();
    const silent = http.createServer(() => {}); // never answers
    silent.on("connection", (s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
      const client = new AxelarSdkGmp({ environment: "mainnet", apiBaseUrl: url, timeoutMs: 300 });
      const err = await rejectionOf(client.status(TX(1)));
      expect(err).to.be.instanceOf(AxelarApiError);
      // "network timeout" is node-fetch's per-request timeout: the request was ended by it, not left hanging
      // (the call's own deadline would say "no answer from Axelar's API within 900 ms").
      expect(err.message).to.match(/did not answer: https:\/\/api\.gmp\.axelarscan\.io.*network timeout/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it("refuses what it cannot answer: local chains, the other environment, a malformed hash, a zero gas limit", async function () {
    const msg = async (p: Promise<unknown>) => (await rejectionOf(p)).message;
    expect(await msg(gmp.quoteFee({ sourceChain: "ethereumLocal", destinationChain: "bnb", gasLimit: 1n }))).to.match(
      /ethereumLocal is a local chain: .*devnet stand-in/,
    );
    expect(await msg(gmp.quoteFee({ sourceChain: "sepolia", destinationChain: "bnb", gasLimit: 1n }))).to.match(
      /sepolia is a testnet chain but this client is for Axelar mainnet/,
    );
    expect(await msg(gmp.quoteFee({ sourceChain: "ethereum", destinationChain: "bnb", gasLimit: 0n }))).to.match(/gasLimit 0/);
    expect(await msg(gmp.status("0x1234"))).to.match(/not a transaction hash/);
    expect(() => new AxelarSdkGmp({ environment: "devnet" as "mainnet" })).to.throw(/use "mainnet" or "testnet"/);
    expect(fake.requests).to.deep.equal([]); // refused before any request
  });
});
