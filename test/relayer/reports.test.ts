/**
 * The signed-report service against a real Hardhat chain, a real AlloraOracle and real Redis: attesters sign
 * single reports into the store, the service checks them against the chain's set and serves them with calldata
 * that the oracle accepts; forged store entries are never served; errors name the problem.
 */
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Contract, NonceManager, Wallet } from "ethers";
import { Redis } from "ioredis";
import pino from "pino";
import { ReportDemand, ReportStore } from "../../relayer/reports/store";
import { AttesterSetCache, ReportSigner, type ReportChain } from "../../relayer/reports/signer";
import { ReportService } from "../../relayer/reports/service";
import { singleReportDigest } from "../../relayer/reports/attested";
import { signDigest } from "../../lib/eip712/signatures";
import { REDIS_URL, ROOT, account, deployOracle, dropPrefixes, readArtifact, startHardhat, uniquePrefix, type HardhatNode } from "./helpers";
import { AlloraReportClient, AlloraReportError } from "../../packages/contracts/client";
import { ContractFactory } from "ethers";
import { AlloraAPIClient, ChainSlug, type SignatureFormat } from "@alloralabs/allora-sdk";
import fs from "node:fs";
import path from "node:path";

const ONE = 10n ** 18n;
const ORACLE_ABI = [
  "function latestInference(uint64) view returns (int256, uint64, uint64)",
];

describe("relayer/reports: the signed-report service (pull mode)", function () {
  this.timeout(180_000);
  let node: HardhatNode;
  let redis: Redis;
  let server: http.Server;
  let base: string;
  let chain: ReportChain;
  let signer: ReportSigner;
  let store: ReportStore;
  const prefix = uniquePrefix("reports");
  const attesters = [account(11), account(12), account(13)].map((a) => new Wallet(a.privateKey));
  const outsider = new Wallet(account(14).privateKey);
  let now: bigint;

  before(async function () {
    node = await startHardhat(31337);
    const oracle = await deployOracle(node, attesters, 2);
    redis = new Redis(REDIS_URL);
    store = new ReportStore(redis, prefix);
    chain = { name: "ethereum", chainId: 31337, oracle, provider: () => node.provider };
    const sets = new AttesterSetCache(0);
    // This instance holds two of the three keys: enough for the threshold of 2.
    signer = new ReportSigner({ chains: [chain], attesters: attesters.slice(0, 2), store, sets, log: pino({ level: "silent" }) });
    const service = new ReportService({ chains: [chain], topics: [1, 2], hubChainId: "allora-devnet-1", store, sets, streamPollMs: 100 });
    server = http.createServer((req, res) => void service.handle(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    now = BigInt((await node.provider.getBlock("latest"))!.timestamp);
  });

  after(async function () {
    server?.close();
    await dropPrefixes([prefix]);
    redis?.disconnect();
    node?.stop();
  });

  const get = async (p: string) => {
    const res = await fetch(`${base}${p}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("names every problem: missing or unknown chain, bad or unrelayed topics, no report yet", async function () {
    expect(await get("/v1/reports/latest?topics=1")).to.deep.include({ status: 400 });
    expect((await get("/v1/reports/latest?topics=1")).body.error).to.match(/missing chain: add \?chain=<name or chain id> \(ethereum \(31337\)\)/);
    expect((await get("/v1/reports/latest?chain=base&topics=1")).body.error).to.equal('unknown chain "base": this relayer serves ethereum (31337)');
    expect((await get("/v1/reports/latest?chain=ethereum&topics=x")).body.error).to.match(/"x" is not a topic id/);
    const notRelayed = await get("/v1/reports/latest?chain=ethereum&topics=9");
    expect(notRelayed.status).to.equal(404);
    expect(notRelayed.body.error).to.match(/topic 9 is not relayed by this relayer \(relayed: 1, 2\)/);
    const none = await get("/v1/reports/latest?chain=31337&topics=1");
    expect(none.status).to.equal(503);
    expect(none.body.error).to.match(/no attested report yet for topic 1 on ethereum/);
    expect((await get("/v1/nothing")).status).to.equal(404);
  });

  it("serves what the set signed, with calldata the oracle accepts (verifyAndStore stores it)", async function () {
    await signer.sign({ topicId: 1n, value: 3_000n * ONE + 5n, nonce: 100n, timestamp: now });
    const { status, body } = await get("/v1/reports/latest?chain=ethereum&topics=1,2");
    expect(status).to.equal(200);
    const [r] = body.reports as Record<string, unknown>[];
    expect(r).to.deep.include({ chain: "ethereum", topic_id: 1, value: (3_000n * ONE + 5n).toString(), value_decimal: "3000.000000000000000005", nonce: 100, attester_set_id: 1 });
    expect((r.signers as string[]).map((s) => s.toLowerCase()).sort()).to.deep.equal(attesters.slice(0, 2).map((a) => a.address.toLowerCase()).sort());
    expect(body.errors).to.deep.equal([{ topic: 2, error: "no attested report yet for topic 2 on ethereum: the attesters sign each new hub inference; retry in a few seconds" }]);
    // A user's transaction carrying the served calldata.
    const user = new NonceManager(new Wallet(account(3).privateKey, node.provider));
    const calldata = r.calldata as Record<string, string>;
    await (await user.sendTransaction({ to: chain.oracle, data: calldata.verifyAndStore })).wait();
    const oracle = new Contract(chain.oracle, ORACLE_ABI, node.provider);
    expect(await oracle.latestInference(1n)).to.deep.equal([3_000n * ONE + 5n, 100n, now]);
    // And a one-report submit with the same signatures is accepted too (a newer report of the same set).
    await signer.sign({ topicId: 1n, value: 2_999n * ONE, nonce: 101n, timestamp: now });
    const next = ((await get("/v1/reports/latest?chain=ethereum&topics=1")).body.reports as Record<string, Record<string, string>>[])[0];
    await (await user.sendTransaction({ to: chain.oracle, data: next.calldata.submit })).wait();
    expect((await oracle.latestInference(1n))[1]).to.equal(101n);
  });

  it("never serves what Redis says alone: forged, foreign or altered signatures are dropped", async function () {
    const key = `${prefix}:reports:ethereum:2`;
    const report = { topicId: 2n, value: 7n * ONE, nonce: 50n, timestamp: now };
    const digest = singleReportDigest(31337n, chain.oracle, 1n, report);
    const json = JSON.stringify({ topicId: "2", value: report.value.toString(), nonce: "50", timestamp: now.toString(), setId: "1" });
    // One real member's signature and one outsider's: below the threshold of real members.
    await redis.hset(key, "report", json, `sig:${attesters[0].address.toLowerCase()}`, signDigest(attesters[0].privateKey, digest), `sig:${outsider.address.toLowerCase()}`, signDigest(outsider.privateKey, digest));
    const forged = await get("/v1/reports/latest?chain=ethereum&topics=2");
    expect(forged.status).to.equal(503);
    expect(forged.body.error).to.match(/topic 2 on ethereum: .*waiting for more attesters to sign/);
    // Members' signatures of one value, stored next to another value: neither verifies.
    const altered = JSON.stringify({ topicId: "2", value: (8n * ONE).toString(), nonce: "50", timestamp: now.toString(), setId: "1" });
    await redis.hset(key, "report", altered, `sig:${attesters[1].address.toLowerCase()}`, signDigest(attesters[1].privateKey, digest));
    expect((await get("/v1/reports/latest?chain=ethereum&topics=2")).status).to.equal(503);
    // Garbage in the hash reads as no report.
    await redis.hset(key, "report", "{not json");
    expect((await get("/v1/reports/latest?chain=ethereum&topics=2")).body.error).to.match(/no attested report yet/);
  });

  it("keeps only the newest report: an older one signed later does not replace it (and garbage does not block)", async function () {
    // The previous case left an unreadable entry for topic 2: the next signed report replaces it.
    await signer.sign({ topicId: 2n, value: 1n * ONE, nonce: 60n, timestamp: now });
    await signer.sign({ topicId: 2n, value: 9n * ONE, nonce: 59n, timestamp: now });
    const r = ((await get("/v1/reports/latest?chain=ethereum&topics=2")).body.reports as Record<string, unknown>[])[0];
    expect(r).to.deep.include({ nonce: 60, value: ONE.toString() });
  });

  it("streams the current report, then each new one, as server-sent events", async function () {
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/reports/stream?chain=ethereum&topics=1`, { signal: controller.signal });
    expect(res.headers.get("content-type")).to.equal("text/event-stream");
    const reader = res.body!.getReader();
    const events: Record<string, unknown>[] = [];
    let buffer = "";
    const readUntil = async (n: number) => {
      while (events.length < n) {
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffer += new TextDecoder().decode(value);
        for (let i = buffer.indexOf("\n\n"); i >= 0; i = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const data = block.split("\n").find((l) => l.startsWith("data: "));
          if (block.includes("event: report") && data) events.push(JSON.parse(data.slice(6)) as Record<string, unknown>);
        }
      }
    };
    await readUntil(1);
    expect(events[0]).to.deep.include({ topic_id: 1, nonce: 101 });
    await signer.sign({ topicId: 1n, value: 3_001n * ONE, nonce: 102n, timestamp: now });
    await readUntil(2);
    expect(events[1]).to.deep.include({ topic_id: 1, nonce: 102 });
    controller.abort();
  });

  it("answers Allora's consumer API paths and shapes under /v2", async function () {
    const ok = await get("/v2/allora/consumer/ethereum-31337?allora_topic_id=1&inference_value_type=uint256");
    expect(ok.status).to.equal(200);
    expect(ok.body.status).to.equal(true);
    const data = ok.body.data as { signature: string; inference_data: Record<string, unknown>; allora_evm: Record<string, unknown> };
    expect(data.inference_data).to.deep.include({ topic_id: "1", network_inference: (3_001n * ONE).toString(), network_inference_normalized: "3001" });
    expect(data.signature).to.equal(data.allora_evm.signatures);
    const topics = await get("/v2/allora/allora-devnet-1/topics");
    expect((topics.body.data as { topics: { topic_id: number }[] }).topics.map((t) => t.topic_id)).to.deep.equal([1, 2]);
    const wrongHub = await get("/v2/allora/allora-testnet-1/topics");
    expect(wrongHub.status).to.equal(404);
    expect(wrongHub.body).to.deep.include({ status: false, apiResponseMessage: "this relayer relays the hub allora-devnet-1, not allora-testnet-1" });
    expect((await get("/v2/allora/consumer/sepolia?allora_topic_id=1")).body.apiResponseMessage).to.match(/expected <chain>-<chain id>, e.g. ethereum-31337/);
  });

  it("the integrators' client fetches a report and a consumer contract uses it in the user's transaction", async function () {
    const client = new AlloraReportClient({ baseUrl: base });
    const report = await client.latest("ethereum", 1);
    expect(report).to.deep.include({ topic_id: 1, nonce: 102 });
    // The example lending market (examples/lending) borrows against the pulled report.
    const user = new NonceManager(new Wallet(account(4).privateKey, node.provider));
    const token = readArtifact("test/OracleMockAllo.sol/OracleMockAllo");
    // One after the other: an automining node refuses a nonce that arrives before the one below it.
    const deployToken = async () => {
      const c = await new ContractFactory(token.abi, token.bytecode, user).deploy();
      await c.waitForDeployment();
      return c as unknown as Contract;
    };
    const collateral = await deployToken();
    const debt = await deployToken();
    const marketArtifact = JSON.parse(fs.readFileSync(path.join(ROOT, "artifacts/examples/lending/contracts/MiniLendingMarket.sol/MiniLendingMarket.json"), "utf8")) as { abi: []; bytecode: string };
    const market = (await new ContractFactory(marketArtifact.abi, marketArtifact.bytecode, user).deploy(chain.oracle, 1n, 3_600n, await collateral.getAddress(), await debt.getAddress())) as unknown as Contract;
    await market.waitForDeployment();
    await (await collateral.mint(await user.getAddress(), ONE)).wait();
    await (await debt.mint(await market.getAddress(), 10_000n * ONE)).wait();
    await (await collateral.approve(await market.getAddress(), ONE)).wait();
    await (await market.deposit(ONE)).wait();
    // 1 collateral at 3,001 x 75%.
    await (await market.borrowWithReport(2_250n * ONE, ...client.reportArgs(report))).wait();
    expect(await debt.balanceOf(await user.getAddress())).to.equal(2_250n * ONE);
    expect(client.verifyAndStoreTx(report)).to.deep.equal({ to: chain.oracle, data: report.calldata.verifyAndStore });
    // Errors carry the service's status and message.
    const err = await client.latest("base", 1).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AlloraReportError);
    expect(err).to.deep.include({ status: 404, message: 'unknown chain "base": this relayer serves ethereum (31337)' });
    const down = await new AlloraReportClient({ baseUrl: "http://127.0.0.1:1" }).latest("ethereum", 1).catch((e: unknown) => e as Error);
    expect((down as Error).message).to.match(/did not answer .*is the relayer running/);
  });

  it("serves an app written against @alloralabs/allora-sdk, unmodified, through baseAPIUrl", async function () {
    // The published package, as installed from npm: only its baseAPIUrl points at this relayer.
    const sdk = new AlloraAPIClient({ chainSlug: ChainSlug.TESTNET, baseAPIUrl: `${base}/v2` });
    const inference = await sdk.getInferenceByTopicID(1, "ethereum-31337" as SignatureFormat);
    expect(inference.inference_data.topic_id).to.equal("1");
    expect(inference.inference_data.network_inference).to.equal((3_001n * ONE).toString());
    expect(inference.signature).to.match(/^0x[0-9a-f]+$/);
    // The SDK asks for the topics of the hub its chainSlug names; this service relays allora-devnet-1.
    const err = await sdk.getAllTopics().catch((e: unknown) => e as Error);
    expect((err as Error).message).to.match(/status=404.*this relayer relays the hub allora-devnet-1, not allora-testnet-1/s);
    // Unknown chain in the signature format: the SDK surfaces the service's message.
    const unknown = await sdk.getInferenceByTopicID(1, "base-8453" as SignatureFormat).catch((e: unknown) => e as Error);
    expect((unknown as Error).message).to.match(/status=404.*unknown chain \\?"8453/s);
  });

  it("signs on demand: only asked-for topics are signed each block, and a first request is signed at once", async function () {
    const demandPrefix = uniquePrefix("reports-demand");
    const dStore = new ReportStore(redis, demandPrefix);
    const demand = new ReportDemand(redis, demandPrefix);
    const sets = new AttesterSetCache(0);
    const dSigner = new ReportSigner({ chains: [chain], attesters: attesters.slice(0, 2), store: dStore, sets, demand, topics: [1, 2], log: pino({ level: "silent" }) });
    const service = new ReportService({ chains: [chain], topics: [1, 2], hubChainId: "allora-devnet-1", store: dStore, sets, demand, signer: dSigner });
    const srv = http.createServer((req, res) => void service.handle(req, res));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      // Inferences arrive; nobody asked: nothing is signed.
      await dSigner.observe([
        { topicId: 1n, value: 5n * ONE, nonce: 300n, timestamp: now },
        { topicId: 2n, value: 6n * ONE, nonce: 300n, timestamp: now },
      ]);
      expect(await dStore.get("ethereum", 1)).to.equal(undefined);
      // A first request for topic 1 is signed at once from the newest inference seen.
      const first = await fetch(`${url}/v1/reports/latest?chain=ethereum&topics=1`);
      expect(first.status).to.equal(200);
      expect(((await first.json()) as { reports: { nonce: number }[] }).reports[0].nonce).to.equal(300);
      // From then on each new inference of topic 1 is signed as it arrives; topic 2 still is not.
      await dSigner.observe([
        { topicId: 1n, value: 7n * ONE, nonce: 301n, timestamp: now },
        { topicId: 2n, value: 8n * ONE, nonce: 301n, timestamp: now },
      ]);
      expect((await dStore.get("ethereum", 1))?.report.nonce).to.equal(301n);
      expect(await dStore.get("ethereum", 2)).to.equal(undefined);
      expect(await redis.ttl(`${demandPrefix}:reports:wanted:ethereum:1`)).to.be.within(1, 600);
    } finally {
      srv.close();
      await dropPrefixes([demandPrefix]);
    }
  });
});
