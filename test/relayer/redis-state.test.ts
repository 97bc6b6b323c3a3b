/**
 * Claims, requests, signature pool, checkpoint and the scheduler against a real Redis (unique prefix per
 * test, deleted afterwards) and real BullMQ queues.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import IORedis, { Redis } from "ioredis";
import { Queue } from "bullmq";
import { Wallet } from "ethers";
import pino from "pino";
import { ClaimTable } from "../../relayer/queue/claims";
import { RequestBook } from "../../relayer/queue/requests";
import { SignaturePool } from "../../relayer/attest/pool";
import { reportBatchDigest, signDigest } from "../../relayer/attest/eip712";
import { splitSignatures, recoverSignature } from "../../lib/eip712/signatures";
import { HubCheckpoint } from "../../relayer/hub/checkpoint";
import { Scheduler, SchedulerChain } from "../../relayer/queue/scheduler";
import { PostJobData, queueName } from "../../relayer/queue/jobs";
import { OnChainInference } from "../../relayer/evm/oracle";
import { HubInference } from "../../relayer/hub/events";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const E18 = 10n ** 18n;
const silent = pino({ level: "silent" });

describe("relayer state in Redis", function () {
  let redis: Redis;
  let prefix: string;
  const queues: Queue[] = [];

  beforeEach(() => {
    redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    prefix = `test-relayer-${randomBytes(6).toString("hex")}`;
  });

  afterEach(async () => {
    for (const q of queues.splice(0)) await q.obliterate({ force: true }).catch(() => undefined).then(() => q.close());
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  const inf = (topicId: number, nonce: bigint, value = E18, timestamp = 1_700_000_000): HubInference => ({ topicId, nonce, raw: "1", value, timestamp });

  describe("ClaimTable", () => {
    it("gives each (topic, nonce) to one job; newer nonces and the same job may claim again", async () => {
      const a = new ClaimTable(redis, prefix);
      const b = new ClaimTable(redis, prefix);
      const reports = [inf(1, 10n), inf(2, 10n)];
      const [ra, rb] = await Promise.all([a.claim("eth", "eth.h10", reports), b.claim("eth", "eth.sweep.10", reports)]);
      expect(ra.size + rb.size).to.equal(2); // every topic exactly once, whoever ran first
      expect([...ra].filter((t) => rb.has(t))).to.deep.equal([]);
      const winner = ra.size ? "eth.h10" : "eth.sweep.10";
      expect([...(await a.claim("eth", winner, reports))].sort()).to.deep.equal([1, 2]); // same job re-claims (crash recovery)
      expect((await a.claim("eth", "eth.h9", [inf(1, 9n)])).size).to.equal(0); // older
      expect([...(await a.claim("eth", "eth.h11", [inf(1, 11n)]))]).to.deep.equal([1]); // newer
      expect([...(await a.claim("bnb", "bnb.h10", reports))].sort()).to.deep.equal([1, 2]); // chains are separate
      const all = await a.all("eth");
      expect(all.get(1)).to.deep.include({ nonce: 11n, jobId: "eth.h11", value: E18 });
      expect(all.get(2)?.nonce).to.equal(10n);
    });

    it("releases only the claims a failed job still holds", async () => {
      const t = new ClaimTable(redis, prefix);
      await t.claim("c", "j10", [inf(1, 10n), inf(2, 10n)]);
      await t.claim("c", "j11", [inf(2, 11n)]);
      expect(await t.release("c", "j10", [1, 2])).to.equal(1);
      const all = await t.all("c");
      expect(all.has(1)).to.equal(false);
      expect(all.get(2)?.jobId).to.equal("j11");
    });

    it("compares nonces as integers, not strings (9 < 10 < 100)", async () => {
      const t = new ClaimTable(redis, prefix);
      expect((await t.claim("c", "j9", [inf(1, 9n)])).size).to.equal(1);
      expect((await t.claim("c", "j10", [inf(1, 10n)])).size).to.equal(1);
      expect((await t.claim("c", "j100", [inf(1, 100n)])).size).to.equal(1);
      expect((await t.claim("c", "j99", [inf(1, 99n)])).size).to.equal(0);
    });
  });

  describe("RequestBook", () => {
    it("sums unserved payments per topic (amounts beyond 64 bits), dedupes by request id, clears served topics", async () => {
      const book = new RequestBook(redis, prefix);
      const big = 5n * 10n ** 30n;
      await book.add("eth", 1, 1n, big);
      await book.add("eth", 1, 1n, big); // the same event seen twice
      await book.add("eth", 1, 2n, 3n);
      await book.add("eth", 2, 3n, 7n);
      expect(await book.totals("eth")).to.deep.equal(new Map([[1, big + 3n], [2, 7n]]));
      await book.served("eth", [1]);
      expect(await book.totals("eth")).to.deep.equal(new Map([[2, 7n]]));
    });
  });

  describe("HubCheckpoint", () => {
    it("only ever rises", async () => {
      const cp = new HubCheckpoint(redis, prefix);
      expect(await cp.get()).to.equal(undefined);
      expect(await cp.raise(10)).to.equal(10);
      expect(await cp.raise(7)).to.equal(10);
      expect(await cp.get()).to.equal(10);
    });
  });

  describe("SignaturePool (Redis is untrusted)", () => {
    const oracle = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    const wallets = [1, 2, 3, 4].map(() => Wallet.createRandom());
    const members = wallets.slice(0, 3).map((w) => w.address);
    const digest = reportBatchDigest(31337, oracle, 1n, [{ topicId: 1n, value: E18, nonce: 5n, timestamp: 1_700_000_000n }]);

    it("combines exactly the threshold of valid member signatures, ascending by signer", async () => {
      const pool = new SignaturePool(redis, prefix);
      for (const w of wallets.slice(0, 3)) await pool.put(digest, w.address, signDigest(w.signingKey, digest));
      const got = await pool.waitForThreshold(digest, members, 2, 1_000);
      expect(got?.count).to.equal(2);
      const signers = splitSignatures(got!.signatures).map((s) => recoverSignature(digest, s).signer);
      const expected = [...members].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)).slice(0, 2);
      expect(signers).to.deep.equal(expected);
    });

    it("ignores garbage, signatures filed under the wrong signer, non-members and other digests", async () => {
      const pool = new SignaturePool(redis, prefix);
      const other = reportBatchDigest(31337, oracle, 2n, [{ topicId: 1n, value: E18, nonce: 5n, timestamp: 1_700_000_000n }]);
      await pool.put(digest, wallets[0].address, "0xdeadbeef");
      await pool.put(digest, wallets[1].address, signDigest(wallets[3].signingKey, digest)); // non-member key under a member's name
      await pool.put(digest, wallets[2].address, signDigest(wallets[2].signingKey, other)); // signed another digest
      expect((await pool.valid(digest, members)).size).to.equal(0);
      expect(await pool.waitForThreshold(digest, members, 1, 150, 25)).to.equal(undefined);
      await pool.put(digest, wallets[0].address, signDigest(wallets[0].signingKey, digest));
      expect([...(await pool.valid(digest, members)).keys()]).to.deep.equal([wallets[0].address]);
      // a signature made in-process (pool.sign) is known without recovery, and still checked for membership
      const outsider = new SignaturePool(redis, prefix);
      await outsider.sign(digest, wallets[3]);
      expect([...(await outsider.valid(digest, members)).keys()]).to.deep.equal([wallets[0].address]);
      await outsider.sign(digest, wallets[1]);
      expect([...(await outsider.valid(digest, members)).keys()].sort()).to.deep.equal([wallets[0].address, wallets[1].address].sort());
    });

    it("signs only as many keys as the threshold still needs, lowest address first; a forged entry does not count", async () => {
      const d = reportBatchDigest(31337, oracle, 3n, [{ topicId: 1n, value: E18, nonce: 6n, timestamp: 1_700_000_000n }]);
      const mine = wallets.slice(0, 3);
      const lowestFirst = [...mine].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
      const pool = new SignaturePool(redis, prefix);
      expect(await pool.signToThreshold(d, mine, members, 2)).to.equal(2);
      expect([...(await pool.valid(d, members)).keys()].sort()).to.deep.equal(lowestFirst.slice(0, 2).map((w) => w.address).sort());
      expect(await pool.signToThreshold(d, mine, members, 2)).to.equal(0); // met: nothing more
      // another instance's valid signature counts toward the threshold
      const d2 = reportBatchDigest(31337, oracle, 4n, [{ topicId: 1n, value: E18, nonce: 6n, timestamp: 1_700_000_000n }]);
      await pool.put(d2, lowestFirst[2].address, signDigest(lowestFirst[2].signingKey, d2));
      expect(await pool.signToThreshold(d2, mine, members, 2)).to.equal(1);
      expect((await pool.valid(d2, members)).has(lowestFirst[0].address)).to.equal(true);
      // garbage filed under our lowest key is not a signature: that key signs (and replaces it)
      const d3 = reportBatchDigest(31337, oracle, 5n, [{ topicId: 1n, value: E18, nonce: 6n, timestamp: 1_700_000_000n }]);
      await pool.put(d3, lowestFirst[0].address, "0xdeadbeef");
      expect(await pool.signToThreshold(d3, mine, members, 1)).to.equal(1);
      expect([...(await pool.valid(d3, members)).keys()]).to.deep.equal([lowestFirst[0].address]);
    });
  });

  describe("Scheduler", () => {
    function chain(name: string, onchain = new Map<number, OnChainInference>(), maxBatchSize = 100): SchedulerChain {
      const q = new Queue<PostJobData>(queueName(name), { connection: redis, prefix });
      queues.push(q);
      return { name, maxBatchSize, onchain, queue: q };
    }
    const policy = { deviationBps: 100, heartbeatSeconds: 3600 };

    it("two instances scheduling the same hub block create one job per chain, holding every due topic once", async () => {
      const eth = chain("eth");
      const mk = () => new Scheduler({ chains: [eth], claims: new ClaimTable(redis, prefix), requests: new RequestBook(redis, prefix), policyFor: () => policy, log: silent, nowSeconds: () => 1_700_000_010 });
      const block = [inf(1, 20n), inf(2, 20n), inf(3, 20n)];
      await Promise.all([mk().schedule(block, 20, "epoch", Date.now()), mk().schedule(block, 20, "epoch", Date.now())]);
      const jobs = await eth.queue.getJobs(["prioritized", "waiting"]);
      expect(jobs.map((j) => j.id)).to.deep.equal(["eth.h20"]);
      expect(jobs[0].data.reports.map((r) => r.topicId)).to.deep.equal([1, 2, 3]);
      // a restarted instance re-processing the block adds nothing new
      await mk().schedule(block, 20, "epoch", Date.now());
      expect(await eth.queue.getJobCounts("prioritized", "waiting")).to.deep.equal({ prioritized: 1, waiting: 0 });
    });

    it("more due topics than one transaction holds: consecutive batches, each topic in one job, the same jobs from two instances", async () => {
      const eth = chain("eth", new Map(), 4);
      const mk = () => new Scheduler({ chains: [eth], claims: new ClaimTable(redis, prefix), requests: new RequestBook(redis, prefix), policyFor: () => policy, log: silent, nowSeconds: () => 1_700_000_010 });
      const block = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((t) => inf(t, 40n));
      await Promise.all([mk().schedule(block, 40, "epoch", Date.now()), mk().schedule(block, 40, "epoch", Date.now())]);
      const jobs = (await eth.queue.getJobs(["prioritized", "waiting"])).sort((a, b) => String(a.id).localeCompare(String(b.id)));
      expect(jobs.map((j) => [j.id, j.data.reports.map((r) => r.topicId)])).to.deep.equal([
        ["eth.h40", [1, 2, 3, 4]],
        ["eth.h40.1", [5, 6, 7, 8]],
        ["eth.h40.2", [9, 10]],
      ]);
      // a restarted instance re-processing the block (its claims in place) adds nothing new
      await mk().schedule(block, 40, "epoch", Date.now());
      expect((await eth.queue.getJobCounts("prioritized", "waiting")).prioritized).to.equal(3);
      // the next block's batches are separate jobs (the claims of h40 are older)
      await mk().schedule(block.map((i) => inf(i.topicId, 41n, 2n * E18)), 41, "epoch", Date.now());
      expect((await eth.queue.getJobCounts("prioritized", "waiting")).prioritized).to.equal(6);
    });

    it("applies the policy against the newer of on-chain and last scheduled, and serves paid topics first", async () => {
      const onchain = new Map<number, OnChainInference>([
        [1, { value: 100n * E18, nonce: 10n, timestamp: 1_700_000_000 }],
        [2, { value: 100n * E18, nonce: 10n, timestamp: 1_700_000_000 }],
      ]);
      const eth = chain("eth", onchain);
      const requests = new RequestBook(redis, prefix);
      const s = new Scheduler({ chains: [eth], claims: new ClaimTable(redis, prefix), requests, policyFor: () => policy, log: silent, nowSeconds: () => 1_700_000_010 });
      // topic 1 moved 2 % (due), topic 2 moved 0.5 % (not due)
      await s.schedule([inf(1, 11n, 102n * E18), inf(2, 11n, 1005n * E18 / 10n)], 11, "epoch", Date.now());
      let jobs = await eth.queue.getJobs(["prioritized"]);
      expect(jobs.map((j) => [j.id, j.data.reports.map((r) => r.topicId)])).to.deep.equal([["eth.h11", [1]]]);
      // topic 1 at 102 is now the reference: 102.5 is within 1 % of it, so not due; topic 2 gets a paid request
      await requests.add("eth", 2, 77n, 5n * E18);
      await s.schedule([inf(1, 12n, 1025n * E18 / 10n), inf(2, 12n, 100n * E18)], 12, "epoch", Date.now());
      jobs = await eth.queue.getJobs(["prioritized"], 0, -1, true);
      const j12 = jobs.find((j) => j.id === "eth.h12")!;
      expect(j12.data.reports.map((r) => [r.topicId, r.paid])).to.deep.equal([[2, (5n * E18).toString()]]);
      expect(j12.opts.priority).to.equal(1);
      expect(await requests.totals("eth")).to.deep.equal(new Map()); // served
    });

    it("a paid request for a topic whose newest hub value is not on the chain yet is posted at once, in its own job", async () => {
      const eth = chain("eth");
      const claims = new ClaimTable(redis, prefix);
      const s = new Scheduler({ chains: [eth], claims, requests: new RequestBook(redis, prefix), policyFor: () => ({ deviationBps: 50_000, heartbeatSeconds: 3600 }), log: silent, nowSeconds: () => 1_700_000_010 });
      await s.schedule([inf(1, 30n)], 30, "epoch", Date.now()); // first value: due
      await s.schedule([inf(1, 31n, 2n * E18)], 31, "epoch", Date.now()); // 500 % deviation needed: not due
      expect((await eth.queue.getJobs(["prioritized"])).map((j) => j.id)).to.deep.equal(["eth.h30"]);
      await s.onRequest("eth", 9n, 1, 1n);
      const req = await eth.queue.getJob("eth.req.9");
      expect(req?.data.reports.map((r) => [r.topicId, r.nonce])).to.deep.equal([[1, "31"]]);
      expect(req?.opts.priority).to.equal(1);
      // the same request seen by a second instance adds nothing
      await s.onRequest("eth", 9n, 1, 1n);
      expect((await eth.queue.getJobs(["prioritized"])).length).to.equal(2);
    });
  });
});
