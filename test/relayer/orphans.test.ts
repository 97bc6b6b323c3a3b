import { expect } from "chai";
import { randomBytes } from "node:crypto";
import IORedis from "ioredis";
import { Queue, Worker } from "bullmq";
import pino from "pino";
import { requeueOrphans } from "../../relayer/queue/orphans";

describe("relayer queue: jobs a dead worker left active go back to the front", () => {
  it("requeues an active job whose lock expired ahead of newer jobs, and leaves locked ones alone", async () => {
    const redis = new IORedis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
    const prefix = `test-relayer-orph-${randomBytes(5).toString("hex")}`;
    const queue = new Queue("post-x", { connection: redis, prefix });
    const worker = new Worker("post-x", undefined, { connection: redis.duplicate(), prefix, autorun: false, lockDuration: 60_000 });
    try {
      for (const h of [1, 2, 3]) await queue.add("post", { h }, { jobId: `x.h${h}`, priority: 1_000 });
      const first = await worker.getNextJob("token-a");
      const second = await worker.getNextJob("token-b");
      expect([first?.id, second?.id]).to.deep.equal(["x.h1", "x.h2"]);
      // the worker holding x.h1 dies: its lock expires; x.h2's owner is alive (lock kept)
      await redis.del(`${prefix}:post-x:x.h1:lock`);
      expect(await requeueOrphans(queue, redis, prefix, 300, pino({ level: "silent" }))).to.equal(1);
      expect((await queue.getActive()).map((j) => j.id)).to.deep.equal(["x.h2"]);
      const next = await worker.getNextJob("token-c");
      expect(next?.id, "the orphan comes before the newer x.h3").to.equal("x.h1");
    } finally {
      await worker.close(true);
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
    }
  });
});
