import { expect } from "chai";
import { Queue, Worker } from "bullmq";
import IORedis from "ioredis";
import { OneRunPerJob } from "../../relayer/queue/one-run";
import { REDIS_URL, dropPrefixes, uniquePrefix, waitFor } from "./helpers";

/** A promise settled from outside. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("OneRunPerJob: a job handed out again while its first run goes on is not worked twice", () => {
  it("a second run of a running job id waits for the first and returns its result", async () => {
    let joined = 0;
    const one = new OneRunPerJob(() => joined++);
    const gate = deferred<string>();
    let calls = 0;
    const first = one.run("j", () => (calls++, gate.promise));
    const second = one.run("j", async () => (calls++, "second"));
    gate.resolve("first");
    expect(await Promise.all([first, second])).to.deep.equal(["first", "first"]);
    expect([calls, joined]).to.deep.equal([1, 1]);
  });

  it("if the first run fails, the waiting run does the work itself", async () => {
    const one = new OneRunPerJob();
    const gate = deferred<string>();
    const first = one.run("j", () => gate.promise);
    const second = one.run("j", async () => "second");
    gate.reject(new Error("Missing lock for job j"));
    await first.then(
      () => expect.fail("the first run's failure is its own"),
      (e: Error) => expect(e.message).to.match(/Missing lock/),
    );
    expect(await second).to.equal("second");
  });

  it("other ids, later runs of a finished id and runs without an id all work", async () => {
    const one = new OneRunPerJob();
    let calls = 0;
    const gate = deferred<number>();
    const a = one.run("a", () => (calls++, gate.promise));
    const b = one.run("b", async () => (calls++, 2));
    const none = [one.run(undefined, async () => (calls++, 3)), one.run(undefined, async () => (calls++, 4))];
    gate.resolve(1);
    expect(await Promise.all([a, b, ...none])).to.deep.equal([1, 2, 3, 4]);
    expect(await one.run("a", async () => (calls++, 5))).to.equal(5);
    expect(calls).to.equal(5);
  });

  it("on a real BullMQ worker: a job whose lock lapsed mid-run is handed out again, and its work runs once", async function () {
    this.timeout(30_000);
    const prefix = uniquePrefix("one-run");
    const connection = () => new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue("q", { connection: connection(), prefix });
    const one = new OneRunPerJob();
    const release = deferred<string>();
    let handedOut = 0;
    let worked = 0;
    // Short locks and a fast stalled check: deleting the lock key below is what a loop held past the renewal does.
    const worker = new Worker(
      "q",
      async (job) => {
        handedOut++;
        return one.run(job.id, () => (worked++, release.promise));
      },
      { connection: connection(), prefix, concurrency: 2, lockDuration: 1_000, stalledInterval: 300, maxStalledCount: 10 },
    );
    worker.on("error", () => undefined); // the first run's lock renewal and completion fail: expected here
    const done = new Promise<string>((resolve) => worker.on("completed", (_job, value: string) => resolve(value)));
    const redis = connection();
    try {
      await queue.add("work", {}, { jobId: "t1" });
      await waitFor("the first run", async () => (worked === 1 ? true : undefined), 10_000, 20);
      await redis.del(`${prefix}:q:t1:lock`);
      await waitFor("the job handed out a second time", async () => (handedOut >= 2 ? true : undefined), 15_000, 20);
      release.resolve("delivered");
      expect(await done).to.equal("delivered");
      expect(worked, "the work ran once").to.equal(1);
      expect(await (await queue.getJob("t1"))!.isCompleted()).to.equal(true);
    } finally {
      await worker.close(true);
      await queue.close();
      redis.disconnect();
      await dropPrefixes([prefix]);
    }
  });
});
