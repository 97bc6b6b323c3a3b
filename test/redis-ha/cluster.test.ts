/**
 * The relayer's Redis machinery on a real three-master Redis Cluster (started by this test on 127.0.0.1:
 * 16381-16383): BullMQ queues and workers with the relayer's hash-tagged prefix, the submitter lease, the hub
 * checkpoint, the claims, the quarantine's MULTI and the orphan requeue, without a CROSSSLOT error; every
 * key in one slot; the key count and the settings check visit every master. And the control: a prefix
 * without a hash tag does fail on the cluster (so the test can tell).
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import pino from "pino";
import { redisSchema } from "../../relayer/config/redis";
import { redisConnection, dataNodes } from "../../relayer/redis/connect";
import { checkRedisSettings } from "../../relayer/redis/settings";
import { countKeys } from "../../relayer/metrics/metrics";
import { ChainLease } from "../../relayer/queue/lease";
import { HubCheckpoint } from "../../relayer/hub/checkpoint";
import { ClaimTable } from "../../relayer/queue/claims";
import { quarantineCorruptJobs, deadLetterKey } from "../../relayer/queue/quarantine";
import { requeueOrphans } from "../../relayer/queue/orphans";
import { queueName } from "../../relayer/queue/jobs";
import { killAll, RedisProc, requireRedisBinaries, startCluster } from "./servers";

const PORTS = [16381, 16382, 16383];
const silent = pino({ level: "silent" });

describe("Redis Cluster: the relayer's queue machinery", function () {
  this.timeout(120_000);
  let nodes: RedisProc[] = [];
  const open: Array<{ close(): Promise<unknown> } | { disconnect(): void }> = [];
  const conn = (prefix?: string): Redis => {
    const cfg = redisSchema.parse({ cluster: PORTS.map((port) => ({ host: "127.0.0.1", port })), ...(prefix ? { prefix } : {}) });
    const r = redisConnection(cfg);
    open.push(r);
    return r;
  };

  before(async function () {
    requireRedisBinaries();
    nodes = await startCluster(PORTS);
  });

  after(async function () {
    for (const o of open.reverse()) {
      if ("close" in o) await o.close().catch(() => undefined);
      else o.disconnect();
    }
    await killAll(nodes);
  });

  it("a cluster config defaults to a hash-tag prefix and refuses a plain one", () => {
    const nodesCfg = PORTS.map((port) => ({ host: "127.0.0.1", port }));
    expect(redisSchema.parse({ cluster: nodesCfg }).prefix).to.equal("{allora-relayer}");
    const bad = redisSchema.safeParse({ cluster: nodesCfg, prefix: "relayer-a" });
    expect(bad.success).to.equal(false);
    expect(JSON.stringify(bad.error?.issues)).to.contain("{relayer-a}").and.contain("CROSSSLOT");
  });

  it("queues, workers, lease, checkpoint, claims, quarantine and orphan requeue work without CROSSSLOT; all keys in one slot", async () => {
    const prefix = `{ha-test-${randomBytes(4).toString("hex")}}`;
    const redis = conn(prefix);
    await redis.ping();
    const opts = { connection: conn(prefix), prefix };
    const name = queueName("ethereum");
    const queue = new Queue(name, opts);
    open.push(queue);

    // Jobs in, a worker with retries: one job fails once and is retried (moveToFailed, delayed, promote).
    const seen: string[] = [];
    let failedOnce = false;
    const worker = new Worker(
      name,
      async (job) => {
        if (job.id === "j2" && !failedOnce) {
          failedOnce = true;
          throw new Error("first attempt fails");
        }
        seen.push(job.id!);
      },
      { connection: conn(prefix), prefix, concurrency: 2 },
    );
    open.push(worker);
    for (let i = 1; i <= 5; i++) await queue.add("post", { i }, { jobId: `j${i}`, attempts: 3, backoff: { type: "fixed", delay: 100 }, removeOnComplete: { count: 100 } });
    const end = Date.now() + 20_000;
    while (seen.length < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(seen.sort()).to.deep.equal(["j1", "j2", "j3", "j4", "j5"]);
    expect(failedOnce).to.equal(true);
    await worker.close();

    // The submitter lease (SET NX PX, Lua renew/release).
    const changes: boolean[] = [];
    const lease = new ChainLease(redis, `${prefix}:lease:ethereum`, "test", 2_000, (held) => changes.push(held));
    expect(await lease.tick()).to.equal(true);
    expect(await lease.tick()).to.equal(true); // renewal
    await lease.stop();
    expect(await redis.exists(`${prefix}:lease:ethereum`)).to.equal(0);

    // The hub checkpoint (Lua raise-only and reset-if).
    const cp = new HubCheckpoint(redis, prefix);
    expect(await cp.raise(10)).to.equal(10);
    expect(await cp.raise(5)).to.equal(10);
    expect(await cp.resetIf("10", 3)).to.equal(true);

    // Claims (Lua over one hash).
    const claims = new ClaimTable(redis, prefix);
    const claimed = await claims.claim("ethereum", "j10", [{ topicId: 1, nonce: 10n, value: 1n, timestamp: 1 }]);
    expect([...claimed]).to.deep.equal([1]);

    // The quarantine: a corrupt job moved to the dead letters in a MULTI over several keys.
    await queue.add("post", { i: 99 }, { jobId: "bad" });
    await redis.hset(`${prefix}:${name}:bad`, "data", "{not json");
    const moved = await quarantineCorruptJobs(queue, redis, prefix);
    expect(moved.map((m) => m.jobId)).to.deep.equal(["bad"]);
    expect(await redis.llen(deadLetterKey(prefix, name))).to.equal(1);

    // An orphan (active, no lock) goes back to wait.
    await queue.add("post", { i: 7 }, { jobId: "orphan" });
    const taker = new Worker(name, null, { connection: conn(prefix), prefix });
    open.push(taker);
    const job = await taker.getNextJob("token-1");
    expect(job?.id).to.equal("orphan");
    await redis.del(`${prefix}:${name}:orphan:lock`);
    expect(await requeueOrphans(queue, redis, prefix, 0, silent)).to.equal(1);
    expect(await queue.getJobState("orphan")).to.equal("waiting");

    // Every key of this prefix hashes to one slot, and the key count finds them on whichever master holds it.
    const keys: string[] = [];
    for (const node of dataNodes(redis)) {
      let cursor = "0";
      do {
        const [next, ks] = await node.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
        cursor = next;
        keys.push(...ks);
      } while (cursor !== "0");
    }
    expect(keys.length).to.be.greaterThan(5);
    const slots = new Set<number>();
    for (const k of keys) slots.add(Number(await redis.call("CLUSTER", "KEYSLOT", k)));
    expect([...slots]).to.have.length(1);
    expect(await countKeys(redis, prefix)).to.equal(keys.length);
    await queue.obliterate({ force: true });
  });

  it("the control: without a hash tag, BullMQ's multi-key scripts fail with CROSSSLOT on the cluster", async () => {
    const prefix = `ha-plain-${randomBytes(4).toString("hex")}`;
    // Straight through ioredis' Cluster (the schema would refuse this prefix).
    const cfg = { ...redisSchema.parse({ cluster: PORTS.map((port) => ({ host: "127.0.0.1", port })) }), prefix };
    const connection = redisConnection(cfg);
    open.push(connection);
    const queue = new Queue("plain", { connection, prefix });
    queue.on("error", () => undefined); // the CROSSSLOT answers, expected here
    open.push(queue);
    let err: Error | undefined;
    for (let i = 0; i < 5 && !err; i++) await queue.add("x", { i }).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/CROSSSLOT|slot/i);
  });

  it("the settings check reads every master (appendonly yes, noeviction here: no warning)", async () => {
    const warnings: string[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => void (JSON.parse(line).level === 40 && warnings.push(line)) });
    const redis = conn();
    await redis.ping();
    const got = await checkRedisSettings(redis, log);
    expect(got.map((s) => s.node).sort()).to.deep.equal(PORTS.map((p) => `127.0.0.1:${p}`));
    expect(got.every((s) => s.appendonly === "yes" && s.maxmemoryPolicy === "noeviction")).to.equal(true);
    expect(warnings).to.deep.equal([]);
  });
});
