/**
 * The queue side's decisions against a real Redis only (no chain, no hub): the claim table's rules and its
 * stored form, the submitter lease's acquire / renew / give-up / corrupt-lease rules, and when the orphan
 * requeue stops waiting. Written for the `relayer-queue` mutation area (tools/mutation/ts-areas.json): each
 * test names the mistake it catches. Runs in about a second, so the area no longer needs the relayer-level
 * hostile-queue tests (hub devnet, Hardhat, relayers) to judge a mutant.
 */
import { expect } from "chai";
import IORedis, { Redis } from "ioredis";
import { Queue, Worker } from "bullmq";
import pino from "pino";
import { ClaimTable } from "../../relayer/queue/claims";
import { ChainLease } from "../../relayer/queue/lease";
import { requeueOrphans } from "../../relayer/queue/orphans";
import { REDIS_URL, captureLogger, dropPrefixes, uniquePrefix, waitFor } from "./helpers";

const silent = pino({ level: "silent" });

describe("relayer queue decisions (real Redis)", function () {
  let redis: Redis;
  let prefix: string;
  const prefixes: string[] = [];

  beforeEach(() => {
    redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    prefix = uniquePrefix("queue-mut");
    prefixes.push(prefix);
  });

  afterEach(() => redis.disconnect());
  after(() => dropPrefixes(prefixes));

  /** A client that refuses every command at once: shows that a call needed no Redis round trip at all. */
  function offlineRedis(): Redis {
    return new IORedis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  }

  describe("ClaimTable", () => {
    const report = (topicId: number, nonce: bigint, value = 7n, timestamp = 1_700_000_000) => ({ topicId, nonce, value, timestamp });

    it("stores nonce, job, value and timestamp, and reads them back as numbers (all)", async () => {
      const t = new ClaimTable(redis, prefix);
      expect([...(await t.claim("eth", "eth.h12", [report(3, 12n, 10n ** 30n, 1_700_000_123)]))]).to.deep.equal([3]);
      expect(await redis.hget(`${prefix}:claims:eth`, "3")).to.equal(`12|eth.h12|${10n ** 30n}|1700000123`);
      const all = await t.all("eth");
      expect([...all.keys()]).to.deep.equal([3]);
      expect(all.get(3)).to.deep.equal({ nonce: 12n, jobId: "eth.h12", value: 10n ** 30n, timestamp: 1_700_000_123, raw: `12|eth.h12|${10n ** 30n}|1700000123` });
      expect((await t.all("bnb")).size, "another chain's table").to.equal(0);
    });

    it("refuses the same nonce for another job, takes it again for the same job, and overwrites an entry it cannot read", async () => {
      const t = new ClaimTable(redis, prefix);
      await t.claim("eth", "eth.h10", [report(1, 10n)]);
      expect((await t.claim("eth", "eth.sweep.10", [report(1, 10n)])).size, "same nonce, other job").to.equal(0);
      expect((await t.claim("eth", "eth.h9", [report(1, 9n)])).size, "older nonce").to.equal(0);
      expect([...(await t.claim("eth", "eth.h10", [report(1, 10n, 8n)]))], "same nonce, same job (a restart)").to.deep.equal([1]);
      expect((await t.all("eth")).get(1)?.value, "the re-claim stores its payload").to.equal(8n);
      // an entry the script cannot parse belongs to nobody: the next claim replaces it
      await redis.hset(`${prefix}:claims:eth`, "2", "garbage");
      expect([...(await t.claim("eth", "eth.h5", [report(2, 5n)]))]).to.deep.equal([2]);
      // a longer nonce is newer even when it sorts lower as a string ("100" < "99")
      await t.claim("eth", "eth.h99", [report(4, 99n)]);
      expect([...(await t.claim("eth", "eth.h100", [report(4, 100n)]))]).to.deep.equal([4]);
      expect((await t.claim("eth", "eth.h98", [report(4, 98n)])).size, "a shorter nonce is older").to.equal(0);
    });

    it("claims each topic of a job on its own: the newer topics are taken, an older one is not", async () => {
      const t = new ClaimTable(redis, prefix);
      await t.claim("eth", "eth.h20", [report(2, 20n)]);
      const got = await t.claim("eth", "eth.h15", [report(1, 15n), report(2, 15n), report(3, 15n)]);
      expect([...got].sort()).to.deep.equal([1, 3]);
    });

    it("release forgets only the given job's claims and says how many; dropIf deletes only the exact entry read", async () => {
      const t = new ClaimTable(redis, prefix);
      await t.claim("eth", "j10", [report(1, 10n), report(2, 10n), report(3, 10n)]);
      await t.claim("eth", "j11", [report(2, 11n)]);
      expect(await t.release("eth", "j10", [1, 2])).to.equal(1);
      expect([...(await t.all("eth")).keys()].sort()).to.deep.equal([2, 3]);
      expect(await t.release("eth", "j10", [1, 2])).to.equal(0);

      const raw = (await t.all("eth")).get(3)!.raw;
      expect(await t.dropIf("eth", 3, `${raw}x`), "a changed entry stays").to.equal(false);
      expect(await redis.hexists(`${prefix}:claims:eth`, "3")).to.equal(1);
      expect(await t.dropIf("eth", 3, raw)).to.equal(true);
      expect(await redis.hexists(`${prefix}:claims:eth`, "3")).to.equal(0);
      expect(await t.dropIf("eth", 3, raw), "already gone").to.equal(false);
    });

    it("all skips an entry that does not parse and keeps the others", async () => {
      const t = new ClaimTable(redis, prefix);
      await t.claim("eth", "j1", [report(1, 1n)]);
      await redis.hset(`${prefix}:claims:eth`, "2", "x|y|not-a-number|z");
      expect([...(await t.all("eth")).keys()]).to.deep.equal([1]);
    });

    it("nothing to claim or release asks Redis nothing (an empty block schedules while Redis is away)", async () => {
      const offline = offlineRedis();
      const t = new ClaimTable(offline, prefix);
      expect((await t.claim("eth", "j1", [])).size).to.equal(0);
      expect(await t.release("eth", "j1", [])).to.equal(0);
      const refused = await t.claim("eth", "j1", [report(1, 1n)]).then(() => "answered", (e: Error) => e.message);
      expect(refused, "a real claim does need Redis").to.not.equal("answered");
      offline.disconnect();
    });
  });

  describe("ChainLease", () => {
    const TTL = 60_001; // long: nothing here waits for an expiry unless it says so; 0.9 TTL is not a whole number

    function lease(key: string, instance: string, ttl = TTL, r: Redis = redis) {
      const changes: boolean[] = [];
      const corrupt: { holder: string; ttlMs: number }[] = [];
      const l = new ChainLease(r, key, instance, ttl, (held) => changes.push(held), (found) => corrupt.push(found));
      return { l, changes, corrupt };
    }

    /**
     * Runs `fn` with Date.now frozen and records the delays of the timers it arms and the timers it clears
     * (then restores both): the give-up timer's delay is then exact, with no clock involved.
     */
    async function watchTimers<T>(fn: () => Promise<T>): Promise<{ result: T; armed: { delay: number; handle: NodeJS.Timeout }[]; cleared: unknown[] }> {
      const realSet = global.setTimeout;
      const realClear = global.clearTimeout;
      const realNow = Date.now;
      const armed: { delay: number; handle: NodeJS.Timeout }[] = [];
      const cleared: unknown[] = [];
      const frozen = realNow();
      Date.now = () => frozen;
      global.setTimeout = ((cb: () => void, delay?: number) => {
        const handle = realSet(cb, delay);
        armed.push({ delay: delay ?? 0, handle });
        return handle;
      }) as typeof setTimeout;
      global.clearTimeout = ((h: NodeJS.Timeout) => {
        cleared.push(h);
        realClear(h);
      }) as typeof clearTimeout;
      try {
        return { result: await fn(), armed, cleared };
      } finally {
        global.setTimeout = realSet;
        global.clearTimeout = realClear;
        Date.now = realNow;
      }
    }

    it("one holder at a time: the first tick takes a free lease, another instance stands by", async () => {
      const key = `${prefix}:lease:eth`;
      const a = lease(key, "a");
      const b = lease(key, "b");
      expect(await a.l.tick()).to.equal(true);
      expect(a.l.isHeld).to.equal(true);
      expect(a.changes).to.deep.equal([true]);
      expect(await redis.get(key)).to.equal(a.l.token);
      expect(a.l.token.startsWith("a:")).to.equal(true);
      expect(await b.l.tick()).to.equal(false);
      expect(b.l.isHeld).to.equal(false);
      expect(b.changes, "no change to report").to.deep.equal([]);
      expect(b.corrupt, "a live holder's lease is not corrupt").to.deep.equal([]);
      expect(await a.l.tick(), "the holder renews").to.equal(true);
      expect(a.changes, "renewing is no change").to.deep.equal([true]);
      expect(lease(key, "a").l.token, "each lease object has its own token").to.not.equal(a.l.token);
    });

    it("a renewal resets the expiry to one TTL; a holder whose key was taken loses the lease and says so", async () => {
      const key = `${prefix}:lease:eth`;
      const a = lease(key, "a");
      await a.l.tick();
      await redis.pexpire(key, 5_000);
      await a.l.tick();
      expect(await redis.pttl(key)).to.be.greaterThan(5_000);
      await redis.set(key, "someone-else", "PX", TTL);
      expect(await a.l.tick()).to.equal(false);
      expect(a.l.isHeld).to.equal(false);
      expect(a.changes).to.deep.equal([true, false]);
      expect(await redis.get(key), "the other holder's key stays").to.equal("someone-else");
    });

    it("arms the give-up 0.9 TTL after the renewal was sent, replaces it on each renewal, and keeps it while held", async () => {
      const key = `${prefix}:lease:eth`;
      const a = lease(key, "a");
      const first = await watchTimers(() => a.l.tick());
      expect(first.armed.map((t) => t.delay)).to.deep.equal([Math.floor(TTL * 0.9)]);
      expect(first.cleared, "acquiring keeps the give-up it just armed").to.not.include(first.armed[0].handle);
      const second = await watchTimers(() => a.l.tick());
      expect(second.armed.map((t) => t.delay)).to.deep.equal([Math.floor(TTL * 0.9)]);
      expect(second.cleared, "the previous give-up is replaced, not left to fire").to.include(first.armed[0].handle);
      expect(second.cleared).to.not.include(second.armed[0].handle);
      await a.l.stop();
    });

    it("gives the lease up by itself when no renewal follows (the renewal hung in a Redis failover, say)", async () => {
      const key = `${prefix}:lease:eth`;
      const ttl = 300;
      const a = lease(key, "a", ttl);
      expect(await a.l.tick()).to.equal(true);
      await waitFor("the give-up", async () => (a.changes.length === 2 ? true : undefined), 30_000, 20);
      expect(a.changes).to.deep.equal([true, false]);
      expect(a.l.isHeld).to.equal(false);
    });

    it("deletes a lease no live holder could have written (no expiry, or over 3 TTLs) and reports it; a longer-lived real one stays", async () => {
      const key = `${prefix}:lease:eth`;
      const a = lease(key, "a");
      await redis.set(key, "attacker:0");
      expect(await a.l.tick(), "the tick that finds it does not take it yet").to.equal(false);
      expect(a.corrupt).to.deep.equal([{ holder: "attacker:0", ttlMs: -1 }]);
      expect(await redis.exists(key)).to.equal(0);
      expect(await a.l.tick(), "the next tick takes the lease").to.equal(true);

      await redis.set(key, "attacker:1", "PX", TTL * 10);
      const b = lease(key, "b");
      await b.l.tick();
      expect(b.corrupt.map((c) => c.holder)).to.deep.equal(["attacker:1"]);
      expect(b.corrupt[0].ttlMs).to.be.greaterThan(TTL * 3);

      await redis.set(key, "slow-holder:2", "PX", TTL * 2); // a live holder with a longer lockDuration: not corrupt
      const c = lease(key, "c");
      expect(await c.l.tick()).to.equal(false);
      expect(c.corrupt).to.deep.equal([]);
      expect(await redis.get(key)).to.equal("slow-holder:2");
    });

    it("stop releases a held lease at once (the next instance need not wait a TTL) and never another holder's", async () => {
      const key = `${prefix}:lease:eth`;
      const a = lease(key, "a");
      await a.l.tick();
      await a.l.stop();
      expect(a.l.isHeld).to.equal(false);
      expect(await redis.exists(key)).to.equal(0);

      const b = lease(key, "b");
      await b.l.tick();
      const c = lease(key, "c");
      await c.l.tick();
      await c.l.stop();
      expect(await redis.get(key), "c never held it").to.equal(b.l.token);
      await b.l.stop();
    });

    it("start acquires and keeps renewing; a failing Redis counts as not holding", async () => {
      const key = `${prefix}:lease:eth`;
      const a = lease(key, "a", 600);
      a.l.start();
      await waitFor("the lease", async () => (a.l.isHeld ? true : undefined), 30_000, 20);
      // renewals keep it alive across several TTLs: its expiry keeps being pushed back
      await redis.pexpire(key, 100_000);
      await waitFor("a renewal", async () => ((await redis.pttl(key)) <= 600 ? true : undefined), 30_000, 20);
      expect(a.l.isHeld).to.equal(true);
      await a.l.stop();

      // b holds the lease, then its Redis goes away: the loop's failing tick counts as not holding at once
      // (its TTL is long: the give-up, 54 s away, is not what ends it)
      const failing = new IORedis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
      await failing.connect();
      const b = lease(key, "b", TTL, failing);
      expect(await b.l.tick()).to.equal(true);
      failing.disconnect();
      b.l.start();
      await waitFor("the failed renewal", async () => (b.changes.length === 2 ? true : undefined), 30_000, 20);
      expect(b.changes).to.deep.equal([true, false]);
      await b.l.stop();
    });

    it("start ticks again a third of a TTL later (at least 50 ms); stop before start, or during its first tick, ends the loop", async () => {
      const key = `${prefix}:lease:eth`;
      const held = (l: ReturnType<typeof lease>) => waitFor("the lease", async () => (l.l.isHeld ? true : undefined), 30_000, 20);
      // the loop's next-tick timer is the one armed with neither the give-up's delay nor waitFor's poll
      const loopDelays = (armed: { delay: number }[], ttl: number) => armed.map((t) => t.delay).filter((d) => d !== Math.floor(ttl * 0.9) && d !== 20);

      const a = lease(key, "a");
      const started = await watchTimers(async () => {
        a.l.start();
        await held(a);
      });
      expect(loopDelays(started.armed, TTL)).to.deep.equal([Math.floor(TTL / 3)]);
      await a.l.stop();

      const short = lease(key, "short", 90);
      const shortRun = await watchTimers(async () => {
        short.l.start();
        await held(short);
      });
      expect(loopDelays(shortRun.armed, 90)).to.deep.equal([50]);
      await short.l.stop();

      // stopped before it started: start sends nothing (its SET would be queued ahead of this GET on the same connection)
      const early = lease(key, "early");
      await early.l.stop();
      early.l.start();
      expect(await redis.get(key)).to.equal(null);
      expect(early.changes).to.deep.equal([]);

      // stopped while its first tick is in flight: that tick completes, and no next tick is armed
      const racing = lease(key, "racing");
      const raced = await watchTimers(async () => {
        racing.l.start();
        await racing.l.stop();
        await held(racing).catch(() => undefined); // the in-flight SET may take the lease: wait for its answer
      });
      expect(loopDelays(raced.armed, TTL), "no next tick after stop").to.deep.equal([]);
      await racing.l.stop();
    });
  });

  describe("requeueOrphans", () => {
    it("waits for locks to expire while they are held, then requeues; stops waiting when told to", async () => {
      const queue = new Queue("post-x", { connection: redis, prefix });
      const worker = new Worker("post-x", undefined, { connection: redis.duplicate(), prefix, autorun: false, lockDuration: 60_000 });
      try {
        await queue.add("post", { h: 1 }, { jobId: "x.h1" });
        await worker.getNextJob("token-a");
        const lockKey = `${prefix}:post-x:x.h1:lock`;
        // told to stop after the first pass: the locked job stays active, nothing moved
        let asked = 0;
        expect(await requeueOrphans(queue, redis, prefix, 60_000, silent, () => ++asked > 0)).to.equal(0);
        expect(asked).to.equal(1);
        // the lock lapses while it waits (deleted on its first look at `stopping`): the next pass requeues it
        let passes = 0;
        const moved = await requeueOrphans(queue, redis, prefix, 60_000, silent, () => {
          if (++passes === 1) void redis.del(lockKey);
          return false;
        });
        expect(moved).to.equal(1);
        expect(passes).to.equal(1);
        expect((await queue.getActive()).length).to.equal(0);
        // nothing active: one pass, no wait
        expect(await requeueOrphans(queue, redis, prefix, 60_000, silent)).to.equal(0);
        // a lock that stays past the deadline: it gives up waiting and leaves the job alone
        await worker.getNextJob("token-b");
        expect(await requeueOrphans(queue, redis, prefix, 0, silent)).to.equal(0);
        expect((await queue.getActive()).map((j) => j.id)).to.deep.equal(["x.h1"]);
      } finally {
        await worker.close(true);
        await queue.obliterate({ force: true });
        await queue.close();
      }
    });

    it("by default waits for a held lock to lapse (no stop asked), then requeues", async () => {
      const queue = new Queue("post-y", { connection: redis, prefix });
      const worker = new Worker("post-y", undefined, { connection: redis.duplicate(), prefix, autorun: false, lockDuration: 60_000 });
      try {
        await queue.add("post", { h: 1 }, { jobId: "y.h1" });
        await worker.getNextJob("token-a");
        // the lock lapses just before the second look at the active jobs
        let looks = 0;
        const watched = Object.assign(Object.create(queue) as Queue, {
          getActive: async () => {
            if (++looks === 2) await redis.del(`${prefix}:post-y:y.h1:lock`);
            return queue.getActive();
          },
        });
        expect(await requeueOrphans(watched, redis, prefix, 60_000, silent)).to.equal(1);
        expect(looks).to.equal(2);
      } finally {
        await worker.close(true);
        await queue.obliterate({ force: true });
        await queue.close();
      }
    });

    it("skips entries that vanished from the active list, and a job that cannot be moved is logged while the others move", async () => {
      const { log, lines } = captureLogger();
      const moved: string[] = [];
      const job = (id: string, fails: boolean) => ({
        id,
        moveToWait: async () => {
          if (fails) throw new Error("Missing key for job");
          moved.push(id);
        },
      });
      // BullMQ's getActive returns undefined for a job removed between listing and reading it
      const queue = { name: "post-z", getActive: async () => [undefined, job("z.h1", true), job("z.h2", false)] } as unknown as Queue;
      expect(await requeueOrphans(queue, redis, prefix, 60_000, log)).to.equal(1);
      expect(moved).to.deep.equal(["z.h2"]);
      const warnings = lines.filter((l) => l.msg === "could not requeue an orphaned job").map(({ level, queue: q, jobId, err }) => ({ level, queue: q, jobId, err }));
      expect(warnings).to.deep.equal([{ level: 40, queue: "post-z", jobId: "z.h1", err: "Missing key for job" }]);
    });
  });
});
