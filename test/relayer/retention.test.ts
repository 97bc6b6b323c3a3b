/**
 * A long-running relayer's Redis stays bounded (issue 15, item 2): with completed jobs kept by count, and the
 * signatures of a landed batch deleted, the keys under the relayer's prefix stop growing however many batches
 * land; `relayer_redis_keys` on /metrics reports the same count. Real parts: the hub devnet (in-process), a
 * Hardhat node (child process) with the real AlloraOracle, real Redis, and the relayer (startRelayer).
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import IORedis from "ioredis";
import YAML from "yaml";
import type { JsonRpcProvider } from "ethers";
import { startHubDevnet, HubDevnet } from "../../devnet/hub/node";
import { startRelayer } from "../../relayer/app";
import { loadConfig } from "../../relayer/config/load";
import { countKeys } from "../../relayer/metrics/metrics";
import { REDIS_URL, account, deployOracle, freePort, sleep, startHardhat, waitFor, type HardhatNode } from "./helpers";

/** Completed jobs kept (queue.keepCompletedCount): small, so the test passes it many times over. */
const KEEP_COMPLETED = 5;

describe("relayer retention: Redis keys stay bounded while batches keep landing", function () {
  this.timeout(300_000);
  let hub: HubDevnet;
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let redis: IORedis;
  let relayer: Awaited<ReturnType<typeof startRelayer>> | undefined;
  const prefix = `test-retention-${randomBytes(5).toString("hex")}`;

  before(async () => {
    hub = await startHubDevnet({ port: 0, blockTimeMs: 250, quiet: true });
    node = await startHardhat();
    provider = node.provider;
    const attesters = [account(1), account(2)];
    const oracle = await deployOracle(node, attesters, 2);
    const httpPort = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "relayer-retention-"));
    const file = path.join(dir, "relayer.yaml");
    fs.writeFileSync(
      file,
      YAML.stringify({
        instance: "retention-1",
        redis: { url: REDIS_URL, prefix },
        hub: { rpcUrls: [hub.rpcUrl], chainId: hub.chainId, topics: [1, 2], websocket: true, pollIntervalMs: 100 },
        chains: [
          {
            name: "ethereum",
            chainId: 31337,
            rpcUrls: [node.url],
            oracle,
            confirmations: 0,
            fees: { strategy: "eip1559", maxFeePerGasGwei: 500, maxPriorityFeePerGasGwei: 5 },
            submitter: { env: "RELAYER_SUBMITTER_KEY" },
            pollIntervalMs: 100,
            replaceAfterMs: 5_000,
            receiptTimeoutMs: 30_000,
          },
        ],
        policy: { default: { deviationBps: 0, heartbeatSeconds: 60 } },
        attesters: [{ env: "RELAYER_ATTESTER_KEY_1" }, { env: "RELAYER_ATTESTER_KEY_2" }],
        signatureWaitMs: 5_000,
        http: { host: "127.0.0.1", port: httpPort },
        log: { level: "warn" },
        queue: { attempts: 8, backoffMs: 300, keepCompletedSeconds: 3600, keepCompletedCount: KEEP_COMPLETED, keepFailedSeconds: 3600, lockDurationMs: 3_000 },
      }),
    );
    const env = {
      ...process.env,
      RELAYER_SUBMITTER_KEY: account(11).privateKey,
      RELAYER_ATTESTER_KEY_1: attesters[0].privateKey,
      RELAYER_ATTESTER_KEY_2: attesters[1].privateKey,
    };
    redis = new IORedis(REDIS_URL);
    relayer = await startRelayer(loadConfig(file, env), { env });
  });

  after(async () => {
    await relayer?.stop();
    node?.stop();
    await hub?.stop();
    if (redis) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });

  /** Oracle transactions so far (one per landed batch). */
  const landed = async (): Promise<number> =>
    new Set((await provider.getLogs({ fromBlock: 0, toBlock: "latest" })).map((l) => l.transactionHash)).size;

  const waitLanded = async (n: number): Promise<void> => {
    for (const deadline = Date.now() + 180_000; (await landed()) < n; await sleep(250)) {
      if (Date.now() > deadline) throw new Error(`fewer than ${n} batches landed in 180 s`);
    }
  };

  const metricKeys = async (): Promise<number> => {
    const text = await (await fetch(`${relayer!.httpUrl}/metrics`)).text();
    const m = /^relayer_redis_keys\{[^}]*\} (\d+)$/m.exec(text);
    if (!m) throw new Error(`no relayer_redis_keys in /metrics:\n${text.slice(0, 500)}`);
    return Number(m[1]);
  };

  /** The queue's keys: BullMQ's own (per queue) and one hash (plus a `:lock` while active) per job. */
  const queueKey = () => `${prefix}:post-ethereum`;
  /** BullMQ's lists and sets of job ids, which exist only while they hold one (and the stall check's key, which expires). */
  const TRANSIENT = /:(wait|active|paused|delayed|prioritized|waiting-children|marker|stalled|stalled-check|limiter)$/;

  /**
   * All keys under the prefix and the queue's job states, read in one MULTI so they agree with each other
   * (the relayer keeps moving jobs between states meanwhile).
   */
  const snapshot = async () => {
    const q = queueKey();
    const res = (await redis
      .multi()
      .keys(`${prefix}:*`)
      .zrange(`${q}:completed`, "0", "-1")
      .zrange(`${q}:failed`, "0", "-1")
      .lrange(`${q}:wait`, 0, -1)
      .lrange(`${q}:active`, 0, -1)
      .lrange(`${q}:paused`, 0, -1)
      .zrange(`${q}:delayed`, "0", "-1")
      .zrange(`${q}:prioritized`, "0", "-1")
      .exec())!.map(([err, v]) => {
      if (err) throw err;
      return v as string[];
    });
    const [keys, completed, failed, ...liveLists] = res;
    const live = liveLists.flat();
    const jobKey = new RegExp(`^${q}:(ethereum\\.[^:]+)(:lock|:logs)?$`);
    const jobKeys = keys.filter((k) => jobKey.test(k));
    const jobIds = new Set(jobKeys.map((k) => jobKey.exec(k)![1]));
    const sigs = keys.filter((k) => k.startsWith(`${prefix}:sigs:`));
    // Everything else: BullMQ's fixed per-queue keys, claims, lease, checkpoints. Bounded by chains x topics.
    const fixed = keys.filter((k) => !jobKey.test(k) && !sigs.includes(k) && !TRANSIENT.test(k)).sort();
    return { total: keys.length, completed, failed, live, jobIds: [...jobIds], sigs, fixed };
  };
  type Snapshot = Awaited<ReturnType<typeof snapshot>>;

  /** What holds in any snapshot: no job is kept beyond its state, completed ones are trimmed to the count. */
  const expectBounded = (s: Snapshot, when: string) => {
    const known = new Set([...s.completed, ...s.failed, ...s.live]);
    expect(s.jobIds.filter((id) => !known.has(id)), `${when}: job keys of jobs in no state (leaked)`).to.deep.equal([]);
    expect(s.completed.length, `${when}: completed jobs kept`).to.be.at.most(KEEP_COMPLETED);
    // A digest's signatures live while its batch is in flight: at most one per job not yet done.
    expect(s.sigs.length, `${when}: signature hashes`).to.be.at.most(s.live.length);
  };

  /**
   * Stops the hub's blocks and waits until the relayer has nothing in flight, so that what stays in Redis
   * is only what it keeps (however fast it kept up while blocks came: on a loaded machine a backlog builds).
   */
  const drained = async (when: string): Promise<Snapshot> => {
    await hub.pauseBlocks();
    for (const deadline = Date.now() + 120_000; ; await sleep(100)) {
      const s = await snapshot();
      // Settled, not just empty for an instant: the relayer may still be reading a block made before the
      // pause (on a loaded machine it lags), and its job would appear after an empty snapshot (seen: 3 keys
      // more at the final count, a job's hash, lock and list).
      if (s.live.length === 0) {
        await sleep(2_000);
        const again = await snapshot();
        if (again.live.length === 0 && again.total === s.total) return again;
      }
      if (Date.now() > deadline) throw new Error(`${when}: the relayer did not finish its ${s.live.length} jobs in flight within 120 s`);
    }
  };

  it("keeps the key count flat from 4x to 8x the completed jobs kept, and reports it on /metrics", async () => {
    await waitLanded(4 * KEEP_COMPLETED);
    expectBounded(await snapshot(), "running, 4x");
    const early = await drained("4x");
    expectBounded(early, "drained, 4x");
    hub.resumeBlocks();
    await waitLanded(8 * KEEP_COMPLETED);
    expectBounded(await snapshot(), "running, 8x");
    const late = await drained("8x");
    expectBounded(late, "drained, 8x");
    console.log(
      `      keys when drained: ${early.total} after ${4 * KEEP_COMPLETED} batches, ${late.total} after ${8 * KEEP_COMPLETED} ` +
        `(completed jobs ${early.completed.length} / ${late.completed.length}, failed ${early.failed.length} / ${late.failed.length}, signature hashes ${early.sigs.length} / ${late.sigs.length})`,
    );
    // Nothing in flight: every landed batch's signatures are gone, only the completed jobs kept remain.
    expect(late.sigs).to.deep.equal([]);
    expect(late.jobIds.length).to.equal(late.completed.length + late.failed.length);
    expect(late.completed.length).to.equal(KEEP_COMPLETED);
    // Flat: 20 more batches added no key besides the jobs kept (the same count) and failures.
    expect(late.fixed).to.deep.equal(early.fixed);
    // The metric counts the same keys. It rescans at most every 10 s; with the chain standing still the
    // count stays put, so the metric reaches it.
    const count = await countKeys(redis, prefix);
    expect(count).to.equal(late.total);
    await waitFor("relayer_redis_keys to report the key count", async () => ((await metricKeys()) === count ? true : undefined), 60_000, 500);
  });
});
