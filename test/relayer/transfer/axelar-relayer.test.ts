/**
 * The relayer's side of route 4 (EVM -> EVM over Axelar GMP), without chains: the `transfers.axelar` config
 * section and its errors, the adapters taken from deployments files, the matching of adapter sends with
 * destination mints (what the supply check counts in flight), the stages `relayer transfer` prints for each GMP
 * status, and the HTTP round trip to the devnet stand-in's status endpoint (devnet/axelar/http.ts served for
 * real on a local port; behind it, an AxelarGmp that answers what the test tells it: the stand-in's own status,
 * read from chains, is covered by test/devnet/axelar-standin.test.ts and test/e2e/axelar-relayer.test.ts).
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, parseConfig } from "../../../relayer/config/load";
import { matchAxelarTransfers, type AxelarReceipt, type AxelarSend } from "../../../relayer/transfer/axelar/inflight";
import { axelarStages } from "../../../relayer/transfer/axelar/track";
import { HttpAxelarGmp } from "../../../relayer/transfer/axelar/http";
import { AxelarApiError, type AxelarGmp, type GmpStatus } from "../../../relayer/transfer/axelar/gmp";
import { serveGmp } from "../../../devnet/axelar/http";
import { devnetEscrow } from "../../../scripts/devnet/transfers";
import { Registry } from "prom-client";
import { AxelarMetrics } from "../../../relayer/transfer/axelar/metrics";

const ORACLE = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const A1 = "0x1111111111111111111111111111111111111111";
const A2 = "0x2222222222222222222222222222222222222222";
const TX = `0x${"ab".repeat(32)}`;

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function base(axelar: unknown): Promise<Raw> {
  const escrow = await devnetEscrow();
  const chain = (name: string, chainId: number, extra: Raw = {}) => ({
    name,
    chainId,
    rpcUrls: ["http://127.0.0.1:8545"],
    oracle: ORACLE,
    fees: { strategy: "eip1559", maxFeePerGasGwei: 100, maxPriorityFeePerGasGwei: 2 },
    submitter: { env: "SUBMITTER" },
    ...extra,
  });
  return {
    redis: { url: "redis://127.0.0.1:6379" },
    hub: { rpcUrls: ["http://127.0.0.1:26657"], chainId: "allora-devnet-1", topics: [1] },
    chains: [chain("ethereum", 31337), chain("bnb", 31338), chain("base", 31339)],
    policy: { default: { deviationBps: 50, heartbeatSeconds: 3600 } },
    transfers: {
      startHeight: 1,
      escrow: { address: escrow.address, threshold: escrow.threshold, members: escrow.members, fee: { amount: "3000000", gas: "300000" } },
      bridges: { ethereum: { address: A1 }, bnb: { address: A2 } },
      axelar,
    },
  };
}

function issuesOf(raw: Raw, dir = os.tmpdir()): string[] {
  try {
    parseConfig(raw, {}, "test.yaml", dir);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
}

describe("relayer: transfers.axelar (route 4 over Axelar GMP)", () => {
  it("accepts the local stand-in's endpoint with adapters, and Axelar's environments without one", async () => {
    const local = parseConfig(
      await base({ environment: "local", statusUrl: "http://127.0.0.1:4000", adapters: { ethereum: { address: A1 }, base: { address: A2, startBlock: 7 } } }),
      {},
      "t",
      os.tmpdir(),
    );
    expect(local.transfers!.axelar!.adapters).to.deep.equal({ ethereum: { address: A1, startBlock: 0 }, base: { address: A2, startBlock: 7 } });
    expect(local.transfers!.axelar!.timeoutMs).to.equal(10_000);
    expect(issuesOf(await base({ environment: "mainnet", adapters: { ethereum: { address: A1 }, bnb: { address: A2 } } }))).to.deep.equal([]);
  });

  it("names the problem and the fix: environment, statusUrl, unknown chains, too few adapters, bad addresses", async () => {
    expect(issuesOf(await base({ environment: "devnet", adapters: {} })).join("\n")).to.match(/transfers\.axelar\.environment.*"mainnet", "testnet", "local"/);
    expect(issuesOf(await base({ environment: "local", adapters: { ethereum: { address: A1 }, bnb: { address: A2 } } })).join("\n")).to.match(
      /transfers\.axelar\.statusUrl: environment local needs statusUrl: the devnet Axelar stand-in's status endpoint/,
    );
    expect(issuesOf(await base({ environment: "testnet", statusUrl: "http://127.0.0.1:4000", adapters: {} })).join("\n")).to.match(/with environment testnet remove it/);
    expect(issuesOf(await base({ environment: "mainnet", adapters: { ethereum: { address: "0x12" } } })).join("\n")).to.match(/adapters\.ethereum\.address: must be a 0x-prefixed 20-byte hex address/);
    expect(issuesOf(await base({ environment: "mainnet", adapters: { ethereum: { address: A1 }, polygon: { address: A2 } } }))).to.deep.equal([
      'transfers.axelar.adapters.polygon: no chain named "polygon" in chains (known: ethereum, bnb, base)',
    ]);
    expect(issuesOf(await base({ environment: "mainnet", adapters: { ethereum: { address: A1 } } })).join("\n")).to.match(
      /1 chain\(s\) with an Axelar adapter \(ethereum\); the route needs two: give transfers\.axelar\.adapters\.<chain>\.address, or deployments files/,
    );
  });

  it("takes a chain's adapter (and its creation block) from its deployments file when the section does not list it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "axelar-cfg-"));
    try {
      const write = (file: string, chainId: number, contracts: Raw) => fs.writeFileSync(path.join(dir, file), JSON.stringify({ network: file, chainId, contracts }));
      write("bnb.json", 31338, { AlloraOracle: { address: ORACLE, blockNumber: 1 }, AlloraAxelarAdapter: { address: A2, blockNumber: 42 } });
      write("base.json", 31339, { AlloraOracle: { address: ORACLE, blockNumber: 1 } }); // no adapter: not on the route
      const raw = await base({ environment: "local", statusUrl: "http://127.0.0.1:4000", adapters: { ethereum: { address: A1 } } });
      raw.chains[1].deployments = "bnb.json";
      raw.chains[2].deployments = "base.json";
      const c = parseConfig(raw, {}, "t", dir);
      expect(c.transfers!.axelar!.adapters).to.deep.equal({ ethereum: { address: A1, startBlock: 0 }, bnb: { address: A2, startBlock: 42 } });
      write("bnb.json", 41338, { AlloraOracle: { address: ORACLE, blockNumber: 1 }, AlloraAxelarAdapter: { address: A2, blockNumber: 42 } });
      expect(issuesOf(raw, dir).join("\n")).to.include(`transfers.axelar.adapters.bnb: ${path.join(dir, "bnb.json")} is for chain id 41338, not 31338`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("in flight: adapter sends matched with destination mints", () => {
    const send = (amount: bigint, i: number, over: Partial<AxelarSend> = {}): AxelarSend => ({
      sourceChain: 1n, destinationChain: 2n, sender: A1, recipient: A2, amount, txHash: `0x${i}`, logIndex: 0, ...over,
    });
    const minted = (amount: bigint, over: Partial<AxelarReceipt> = {}): AxelarReceipt => ({
      sourceChain: 1n, destinationChain: 2n, sender: A1.toUpperCase().replace("0X", "0x"), recipient: A2, amount, txHash: "0xr", ...over,
    });

    it("a send with no mint is in flight; a mint takes one send of the same key (letter case of addresses aside)", () => {
      const r = matchAxelarTransfers([send(5n, 1), send(5n, 2), send(7n, 3)], [minted(5n), minted(7n)]);
      expect(r.inFlight.map((s) => [s.txHash, s.amount])).to.deep.equal([["0x2", 5n]]);
      expect(r.unexplained).to.deep.equal([]);
    });

    it("a mint no send explains (other source chain, other amount, more mints than sends) takes nothing and is reported", () => {
      const r = matchAxelarTransfers([send(5n, 1)], [minted(5n, { sourceChain: 3n }), minted(6n), minted(5n), minted(5n)]);
      expect(r.inFlight).to.deep.equal([]);
      expect(r.unexplained.map((m) => [m.sourceChain, m.amount])).to.deep.equal([[3n, 5n], [1n, 6n], [1n, 5n]]);
    });

    it("the in-flight sum plus the destinations' mints equals the sends, whatever the order of execution", () => {
      const sends = Array.from({ length: 40 }, (_, i) => send(BigInt((i % 4) + 1), i, { recipient: i % 3 ? A2 : A1 }));
      for (let seed = 1; seed <= 20; seed++) {
        const executed = sends.filter((_, i) => (i * 7 + seed) % 5 < 3).map((s) => minted(s.amount, { recipient: s.recipient })).reverse();
        const r = matchAxelarTransfers(sends, executed);
        const sum = (xs: { amount: bigint }[]) => xs.reduce((a, x) => a + x.amount, 0n);
        expect(sum(r.inFlight) + sum(executed)).to.equal(sum(sends));
        expect(r.inFlight.length + executed.length).to.equal(sends.length);
      }
    });
  });

  describe("`relayer transfer` stages for each GMP status", () => {
    const source = { chain: "ethereum", sender: A1, txHash: TX };
    const status = (s: Partial<GmpStatus>): GmpStatus => ({ stage: "sent", raw: "source_gateway_called", sourceTxHash: TX, ...s });
    const done = (st: ReturnType<typeof axelarStages>) => st.map((x) => `${x.stage}:${x.done ? "y" : "n"}`).join(" ");

    it("sent -> confirmed -> approved -> executed, each marked done as Axelar reaches it", () => {
      expect(done(axelarStages(status({}), source, "base"))).to.equal("sent:y confirmed:n approved:n executed:n");
      expect(done(axelarStages(status({ stage: "confirmed", raw: "confirmed" }), source, "base"))).to.equal("sent:y confirmed:y approved:n executed:n");
      expect(done(axelarStages(status({ stage: "approved", raw: "destination_gateway_approved", approvalTxHash: "0xa" }), source, "base"))).to.equal("sent:y confirmed:y approved:y executed:n");
      const executed = axelarStages(status({ stage: "executed", raw: "destination_executed", approvalTxHash: "0xa", executionTxHash: "0xe" }), source, "base");
      expect(done(executed)).to.equal("sent:y confirmed:y approved:y executed:y");
      expect(executed.at(-1)).to.deep.include({ txHash: "0xe", detail: "minted on base" });
    });

    it("error and insufficient_fee are stages of their own with Axelar's reason and the fix", () => {
      const err = axelarStages(status({ stage: "error", raw: "error", error: "EnforcedPause()" }), source, "base");
      expect(done(err)).to.equal("sent:y confirmed:y approved:y error:n executed:n");
      expect(err[3].detail).to.include("EnforcedPause()");
      const fee = axelarStages(status({ stage: "insufficient_fee", raw: "insufficient_fee", error: "no gas was paid" }), source, "base");
      expect(done(fee)).to.equal("sent:y confirmed:n approved:n insufficient_fee:n executed:n");
      expect(fee[3].detail).to.include("addNativeGas");
    });
  });

  describe("the stand-in's status endpoint (HTTP) and the relayer's client", () => {
    const answers = new Map<string, GmpStatus>();
    const fake: AxelarGmp = {
      status: async (hash) => {
        const s = answers.get(hash);
        if (!s) throw new Error(`"${hash}" is not a transaction hash (0x and 64 hex digits)`);
        return s;
      },
      quoteFee: async (args) => ({ fee: args.gasLimit * 3n, baseFee: 0n, executionFee: args.gasLimit * 3n, l1ExecutionFee: 0n, gasMultiplier: 1, gasLimit: args.gasLimit }),
    };

    it("status and fee quotes cross HTTP unchanged (bigints as strings); errors name the endpoint and the fix", async () => {
      const endpoint = await serveGmp(fake);
      try {
        const client = new HttpAxelarGmp(endpoint.url, 2_000);
        const want = status4();
        answers.set(TX, want);
        expect(await client.status(TX)).to.deep.equal(want);
        expect(await client.quoteFee({ sourceChain: "ethereumLocal", destinationChain: "baseLocal", gasLimit: 200_000n })).to.deep.equal({
          fee: 600_000n, baseFee: 0n, executionFee: 600_000n, l1ExecutionFee: 0n, gasMultiplier: 1, gasLimit: 200_000n,
        });
        const bad = await client.status("0x12").then(() => undefined, (e: Error) => e);
        expect(bad).to.be.instanceOf(AxelarApiError);
        expect(bad!.message).to.equal(`the Axelar stand-in answered HTTP 400: "0x12" is not a transaction hash (0x and 64 hex digits)`);
      } finally {
        await endpoint.close();
      }
      const gone = await new HttpAxelarGmp(endpoint.url, 2_000).status(TX).then(() => undefined, (e: AxelarApiError) => e);
      expect(gone).to.be.instanceOf(AxelarApiError);
      expect(gone!.message).to.match(/did not answer \((ECONNREFUSED|UND_ERR_SOCKET)\): is the local network running with --axelar \(npm start -- --axelar\)/);
      expect(gone!.url).to.equal(`${endpoint.url}/status/${TX}`);
    });

    function status4(): GmpStatus {
      return { stage: "executed", raw: "destination_executed", sourceTxHash: TX, messageId: `${TX}-3`, approvalTxHash: "0xa", executionTxHash: "0xe" };
    }
  });

  it("metrics: in flight per Axelar route after each supply check; a drained route reads 0", async () => {
    const registry = new Registry();
    const m = new AxelarMetrics(registry);
    const row = (route: string, amount: bigint) => ({ transferId: "x", route, amount, stage: "s" });
    m.observe([row("ethereum->base (axelar)", 2n * 10n ** 18n), row("ethereum->base (axelar)", 5n * 10n ** 17n), row("ethereum->base", 7n), row("bnb->ethereum (axelar)", 10n ** 18n)]);
    let text = await registry.metrics();
    expect(text).to.include('relayer_axelar_transfers_in_flight{route="ethereum->base"} 2');
    expect(text).to.include('relayer_axelar_transfers_in_flight_allo{route="ethereum->base"} 2.5');
    expect(text).to.include('relayer_axelar_transfers_in_flight{route="bnb->ethereum"} 1');
    m.observe([]);
    text = await registry.metrics();
    expect(text).to.include('relayer_axelar_transfers_in_flight{route="ethereum->base"} 0');
    expect(text).to.include('relayer_axelar_transfers_in_flight_allo{route="bnb->ethereum"} 0');
  });
});
