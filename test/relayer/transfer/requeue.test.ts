/**
 * Re-enqueueing transfers in flight from the truth (relayer/transfer/requeue.ts): the pure decision, then
 * ensureJob against a real Redis and real BullMQ queues holding the states a tampered Redis can show
 * (nothing, completed, failed, forged data, a delay far in the future, an unreadable job).
 */
import { expect } from "chai";
import IORedis, { type Redis } from "ioredis";
import { Queue, Worker } from "bullmq";
import { ensureJob, jobDataDiffers, jobIdOf, requeueDecision, requeueInFlight, type RequeueContext } from "../../../relayer/transfer/requeue";
import type { DeliverJobData, EscrowJobData } from "../../../relayer/transfer/jobs";
import { captureLogger, dropPrefixes, REDIS_URL, uniquePrefix, waitFor } from "../helpers";

const ID = "0x" + "ab".repeat(32);
const deliver: DeliverJobData = {
  kind: "deliver",
  chain: "bnb",
  sourceChain: "31337",
  sourceBridge: "0x" + "11".repeat(32),
  destinationChain: "31338",
  sequence: "4",
  recipient: "0x8ba1f109551bD432803012645Ac136ddd64DBA72",
  amount: "3000000000000000000",
  transferId: ID,
  origin: { kind: "evm", chain: "ethereum", txHash: "0x" + "22".repeat(32), blockNumber: 40, logIndex: 1 },
  seenAt: 1,
  sourceTime: 0,
};
const refund: EscrowJobData = {
  kind: "refund",
  key: "A1B2:0",
  to: "allo1sender",
  coins: [{ denom: "uallo", amount: "123" }],
  reason: "malformed_memo",
  origin: { kind: "hub", txHash: "A1B2", msgIndex: 0, height: "17" },
  seenAt: 1,
  sourceTime: 0,
};
const NOW = 1_000_000;
const ctx: RequeueContext = { now: NOW, truthReadAt: NOW - 2_000, maxDelayMs: 300_000 };

describe("relayer transfer: re-enqueue from the truth (decision)", () => {
  it("adds a missing job and keeps live ones of the same transfer", () => {
    expect(requeueDecision(deliver, undefined, ctx).action).to.equal("add");
    for (const state of ["waiting", "prioritized", "active", "waiting-children"]) expect(requeueDecision(deliver, { state, data: deliver }, ctx).action, state).to.equal("keep");
    expect(requeueDecision(deliver, { state: "delayed", data: deliver, delayUntil: NOW + 1_000 }, ctx).action).to.equal("keep");
  });

  it("replaces a completed job of a transfer still in flight (stale), unless it finished after the truth was read", () => {
    expect(requeueDecision(deliver, { state: "completed", data: deliver, finishedOn: NOW - 60_000 }, ctx)).to.include({ action: "replace", alert: "stale_job" });
    expect(requeueDecision(deliver, { state: "completed", data: deliver }, ctx)).to.include({ action: "replace" });
    expect(requeueDecision(deliver, { state: "completed", data: deliver, finishedOn: NOW - 1_000 }, ctx).action).to.equal("keep");
    // a finish time in the future is itself forged: not trusted
    expect(requeueDecision(deliver, { state: "completed", data: deliver, finishedOn: NOW + 10_000_000 }, ctx).action).to.equal("replace");
  });

  it("replaces failed jobs, jobs delayed beyond any backoff, unknown states and unreadable jobs", () => {
    expect(requeueDecision(refund, { state: "failed", data: refund, finishedOn: NOW - 1 }, ctx).action).to.equal("replace");
    expect(requeueDecision(refund, { state: "delayed", data: refund, delayUntil: NOW + 10 * 86_400_000 }, ctx)).to.include({ action: "replace", alert: "stale_job" });
    expect(requeueDecision(refund, { state: "unknown", data: refund }, ctx).action).to.equal("replace");
    expect(requeueDecision(refund, "unreadable", ctx)).to.include({ action: "replace", alert: "forged_job" });
  });

  it("replaces a job whose data is not the transfer's (forged), but leaves an active one to be refused", () => {
    const forged = { ...deliver, amount: "3000000000000000000000", recipient: "0x000000000000000000000000000000000000dEaD" };
    const r = requeueDecision(deliver, { state: "waiting", data: forged }, ctx);
    expect(r).to.include({ action: "replace", alert: "forged_job" });
    expect(r.why).to.match(/amount/);
    expect(requeueDecision(deliver, { state: "active", data: forged }, ctx)).to.include({ action: "keep", alert: "forged_job" });
    expect(requeueDecision(deliver, { state: "completed", data: forged, finishedOn: NOW - 1 }, ctx)).to.include({ action: "replace", alert: "forged_job" });
  });

  it("compares every field that makes the transfer, case-insensitively for hex, and ignores times and the journal", () => {
    expect(jobDataDiffers(deliver, { ...deliver, recipient: deliver.recipient.toLowerCase(), transferId: ID.toUpperCase().replace("0X", "0x"), seenAt: 99, sourceTime: 5, sent: [] })).to.equal(undefined);
    for (const [k, v] of Object.entries({ chain: "base", sourceChain: "1", sourceBridge: "0x" + "12".repeat(32), destinationChain: "1", sequence: "5", recipient: "0x" + "00".repeat(19) + "01", amount: "1", transferId: "0x" + "cd".repeat(32), kind: "refund" })) {
      expect(jobDataDiffers(deliver, { ...deliver, [k]: v }), k).to.match(new RegExp(`^${k}`));
    }
    expect(jobDataDiffers(deliver, { ...deliver, origin: { ...deliver.origin, logIndex: 2 } })).to.match(/^origin/);
    expect(jobDataDiffers(refund, { ...refund, to: "allo1thief" })).to.match(/^to/);
    expect(jobDataDiffers(refund, { ...refund, coins: [{ denom: "uallo", amount: "124" }] })).to.match(/^coins/);
    expect(jobDataDiffers(refund, null)).to.equal("not an object");
    const rq = { kind: "releaseQueued" as const, chain: "bnb", transferId: ID };
    expect(jobDataDiffers(rq, { ...rq })).to.equal(undefined);
    expect(jobDataDiffers(rq, { ...rq, transferId: "0x" + "cd".repeat(32) })).to.match(/^transferId/);
  });
});

describe("relayer transfer: re-enqueue from the truth (BullMQ on a real Redis)", function () {
  const prefix = uniquePrefix("requeue");
  let redis: Redis;
  let queue: Queue;
  const { log, lines } = captureLogger();
  const deps = () => ({ redis, prefix, log });
  const live = (): RequeueContext => ({ now: Date.now(), truthReadAt: Date.now(), maxDelayMs: 300_000 });

  before(async () => {
    redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue("xfer-bnb", { connection: new IORedis(REDIS_URL, { maxRetriesPerRequest: null }), prefix });
  });
  after(async () => {
    await queue.close();
    redis.disconnect();
    await dropPrefixes([prefix]);
  });

  /** Runs a worker that completes (or fails) every job now waiting, as a forger with Redis access could. */
  async function finishAll(fail = false): Promise<void> {
    const w = new Worker("xfer-bnb", async () => {
      if (fail) throw new Error("forged failure");
      return { state: "delivered" };
    }, { connection: new IORedis(REDIS_URL, { maxRetriesPerRequest: null }), prefix });
    await waitFor("queue drained", async () => ((await queue.getJobCounts("waiting", "active")).waiting + (await queue.getJobCounts("active")).active === 0 ? true : undefined), 10_000, 50);
    await w.close();
  }

  it("adds a job that is missing, and keeps it on the next pass (no duplicate)", async () => {
    const id = jobIdOf(deliver);
    expect((await ensureJob(queue, "deliver", id, deliver, live(), deps())).action).to.equal("add");
    expect((await ensureJob(queue, "deliver", id, deliver, live(), deps())).action).to.equal("keep");
    expect(await queue.getJobCounts("waiting")).to.deep.equal({ waiting: 1 });
    expect(lines.filter((l) => l.jobId === id && l.msg === "re-added the job of a transfer in flight").length).to.equal(1);
    await queue.obliterate({ force: true });
    // the ordinary add of a caller (a queued release falling due) is not reported as a repair
    await ensureJob(queue, "deliver", id, deliver, live(), deps(), { routineAdd: true });
    expect(lines.filter((l) => l.jobId === id && l.msg === "re-added the job of a transfer in flight").length).to.equal(1);
    expect(lines.some((l) => l.jobId === id && l.msg === "transfer job added")).to.equal(true);
    await queue.obliterate({ force: true });
  });

  it("keeps a job that completes between the read of the job and the read of its state (not stale)", async () => {
    // CI saw this: a delivery's job read while active (no finishedOn) then "completed" by getState, and the
    // pass replaced a job that had just done its work. The queue below hands out that active snapshot first.
    const id = jobIdOf(deliver);
    await queue.add("deliver", deliver, { jobId: id });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const w = new Worker("xfer-bnb", async () => {
      await held;
      return { state: "delivered" };
    }, { connection: new IORedis(REDIS_URL, { maxRetriesPerRequest: null }), prefix });
    await waitFor("the job active", async () => ((await queue.getJobCounts("active")).active === 1 ? true : undefined), 10_000, 20);
    const truthReadAt = Date.now();
    const activeSnapshot = await queue.getJob(id);
    expect(activeSnapshot?.finishedOn).to.equal(undefined);
    release();
    await waitFor("the job completed", async () => ((await queue.getJobCounts("completed")).completed === 1 ? true : undefined), 10_000, 20);
    await w.close();
    let first = true;
    const racing = new Proxy(queue, {
      get(target, prop, receiver) {
        if (prop === "getJob") {
          return async (jobId: string) => {
            if (first) {
              first = false;
              return activeSnapshot;
            }
            return target.getJob(jobId);
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const action = await ensureJob(racing as Queue, "deliver", id, deliver, { now: Date.now(), truthReadAt, maxDelayMs: 300_000 }, deps());
    expect(action).to.deep.include({ action: "keep", why: "completed after the chains were read" });
    expect(await (await queue.getJob(id))!.getState()).to.equal("completed");
    await queue.obliterate({ force: true });
  });

  it("replaces a forged completed job and a failed one with a fresh waiting job of the truth's data", async () => {
    const id = jobIdOf(deliver);
    // with a journal of a sent transaction (which may have reverted): the replacement must not follow it
    await queue.add("deliver", { ...deliver, sent: [{ hash: "0x" + "33".repeat(32), from: deliver.recipient, nonce: 7, raw: "0x00", fees: {}, sentAt: 1 }] as unknown as DeliverJobData["sent"] }, { jobId: id });
    await finishAll();
    expect(await (await queue.getJob(id))!.getState()).to.equal("completed");
    // the source's own add is now a no-op: this is what made a forged completed job hide a transfer
    await queue.add("deliver", deliver, { jobId: id });
    expect(await (await queue.getJob(id))!.getState()).to.equal("completed");
    const r = await ensureJob(queue, "deliver", id, deliver, { ...live(), truthReadAt: Date.now() + 1 }, deps());
    expect(r).to.include({ action: "replace", alert: "stale_job" });
    const job = (await queue.getJob(id))!;
    expect(await job.getState()).to.equal("waiting");
    expect(job.data).to.deep.include({ transferId: ID, amount: deliver.amount });
    expect(job.data.sent).to.equal(undefined);

    await finishAll(true);
    expect(await (await queue.getJob(id))!.getState()).to.equal("failed");
    expect((await ensureJob(queue, "deliver", id, deliver, live(), deps())).action).to.equal("replace");
    expect(await (await queue.getJob(id))!.getState()).to.equal("waiting");
    await queue.obliterate({ force: true });
  });

  it("replaces forged data under the real id and alerts, and replaces a job parked far in the future", async () => {
    const id = jobIdOf(deliver);
    await queue.add("deliver", { ...deliver, recipient: "0x000000000000000000000000000000000000dEaD", amount: "1" + "0".repeat(24) }, { jobId: id });
    const r = await ensureJob(queue, "deliver", id, deliver, live(), deps());
    expect(r).to.include({ action: "replace", alert: "forged_job" });
    expect((await queue.getJob(id))!.data).to.deep.include({ recipient: deliver.recipient, amount: deliver.amount });
    expect(lines.some((l) => l.alert === "forged_job" && l.jobId === id)).to.equal(true);
    await queue.obliterate({ force: true });

    await queue.add("deliver", deliver, { jobId: id, delay: 30 * 86_400_000 });
    expect(await (await queue.getJob(id))!.getState()).to.equal("delayed");
    expect((await ensureJob(queue, "deliver", id, deliver, live(), deps())).action).to.equal("replace");
    expect(await (await queue.getJob(id))!.getState()).to.equal("waiting");
    await queue.obliterate({ force: true });
  });

  it("replaces an unreadable job (data that is not JSON)", async () => {
    const id = jobIdOf(deliver);
    await redis.hset(`${prefix}:xfer-bnb:${id}`, { name: "deliver", data: "{not json", opts: "{}", timestamp: String(Date.now()), delay: "0", priority: "0", atm: "0" });
    await redis.rpush(`${prefix}:xfer-bnb:wait`, id);
    expect(await ensureJob(queue, "deliver", id, deliver, live(), deps())).to.include({ action: "replace", alert: "forged_job" });
    expect((await queue.getJob(id))!.data).to.deep.include({ transferId: ID });
    await queue.obliterate({ force: true });
  });

  it("requeueInFlight routes deliveries to their chain's queue and escrow payments to the escrow queue", async () => {
    const escrow = new Queue("hub-escrow", { connection: new IORedis(REDIS_URL, { maxRetriesPerRequest: null }), prefix });
    const r = await requeueInFlight(
      [
        { stage: "sent, not delivered", job: deliver },
        { stage: "refund pending", job: refund },
        { stage: "sent, not delivered", job: { ...deliver, chain: "elsewhere" } },
      ],
      live(),
      { ...deps(), deliverQueue: (c) => (c === "bnb" ? queue : undefined), escrowQueue: escrow },
    );
    expect(r).to.deep.equal({ added: 2, replaced: 0 });
    expect((await escrow.getJob(jobIdOf(refund)))!.data).to.deep.include({ key: refund.key, to: refund.to });
    expect(jobIdOf(refund)).to.equal("refund.A1B2.0");
    await escrow.obliterate({ force: true });
    await escrow.close();
    await queue.obliterate({ force: true });
  });
});
