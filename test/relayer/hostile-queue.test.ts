/**
 * Hostile Redis (issue 19 findings 4 and 5): an attacker with write access to the relayer's Redis writes
 * the keys the queue side reads (job hashes, the claim table, the hub checkpoint, the submitter lease, the
 * EVM watcher's scan checkpoint). On real parts: the hub devnet, a Hardhat node with the real AlloraOracle,
 * real Redis, the relayer in-process (startRelayer). Each test asserts what the chain shows: the relayer
 * keeps posting, and the corrupt state is logged, counted and reset. Before the fixes every one of these
 * stalled or crashed.
 */
import { expect } from "chai";
import IORedis, { Redis } from "ioredis";
import { startHubDevnet, HubDevnet } from "../../devnet/hub/node";
import { parseConfig } from "../../relayer/config/load";
import { startRelayer, RelayerHandle } from "../../relayer/app";
import { deadLetterKey } from "../../relayer/queue/quarantine";
import { account, captureLogger, deployOracle, dropPrefixes, HardhatNode, maxNonce, REDIS_URL, startHardhat, uniquePrefix, waitFor } from "./helpers";

describe("hostile Redis: the queue side (claims, checkpoint, lease, unreadable jobs)", function () {
  this.timeout(240_000);
  let hub: HubDevnet;
  let chain: HardhatNode;
  let redis: Redis;
  const prefixes: string[] = [];
  const running: RelayerHandle[] = [];
  const attesters = [account(1), account(2), account(3)];
  const unhandled: unknown[] = [];
  const onUnhandled = (r: unknown) => unhandled.push(r);

  before(async () => {
    [hub, chain] = await Promise.all([startHubDevnet({ port: 0, blockTimeMs: 500, quiet: true }), startHardhat()]);
    redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    process.on("unhandledRejection", onUnhandled);
  });

  after(async () => {
    process.off("unhandledRejection", onUnhandled);
    for (const r of running) await r.stop().catch(() => undefined);
    chain?.stop();
    await hub?.stop();
    await dropPrefixes(prefixes);
    redis?.disconnect();
  });

  afterEach(async () => {
    for (const r of running.splice(0)) await r.stop();
    expect(unhandled.map(String), "unhandled promise rejections").to.deep.equal([]);
  });

  async function start(prefix: string, oracle: string, opts: { attesters?: boolean } = {}) {
    const env = {
      SUBMITTER: account(10).privateKey,
      ATTESTER_1: attesters[0].privateKey,
      ATTESTER_2: attesters[1].privateKey,
    };
    const config = parseConfig(
      {
        instance: "hostile",
        redis: { url: REDIS_URL, prefix },
        hub: { rpcUrls: [hub.rpcUrl], chainId: hub.chainId, topics: [1, 2], websocket: false, pollIntervalMs: 200 },
        chains: [
          {
            name: "ethereum",
            chainId: 31337,
            rpcUrls: [chain.url],
            oracle,
            confirmations: 0,
            fees: { strategy: "eip1559", maxFeePerGasGwei: 500, maxPriorityFeePerGasGwei: 5 },
            submitter: { env: "SUBMITTER" },
            pollIntervalMs: 100,
            receiptTimeoutMs: 30_000,
          },
        ],
        policy: { default: { deviationBps: 0, heartbeatSeconds: 60 } },
        attesters: opts.attesters === false ? [] : [{ env: "ATTESTER_1" }, { env: "ATTESTER_2" }],
        signatureWaitMs: 5_000,
        http: { host: "127.0.0.1", port: 0 },
        queue: { attempts: 3, backoffMs: 200, lockDurationMs: 2_000 },
      },
      env,
      "hostile-queue.test",
      __dirname,
    );
    const { log, lines } = captureLogger();
    const relayer = await startRelayer(config, { logger: log, env });
    running.push(relayer);
    return { relayer, lines };
  }

  /** A job hash as BullMQ stores it, with data that is not JSON. */
  async function writeUnreadableJob(prefix: string, jobId: string, list: "active" | "prioritized") {
    const base = `${prefix}:post-ethereum`;
    await redis.hset(`${base}:${jobId}`, { name: "post", data: "{not json", opts: "{}", timestamp: String(Date.now()), priority: "1000", delay: "0", atm: "0" });
    if (list === "active") await redis.rpush(`${base}:active`, jobId);
    else await redis.zadd(`${base}:prioritized`, String(1000 * 2 ** 32), jobId);
  }

  it("starts and posts despite an unreadable active job, a checkpoint above the hub head and a lease that never expires", async () => {
    const prefix = uniquePrefix("hostile-start");
    prefixes.push(prefix);
    const oracle = await deployOracle(chain, attesters);
    await writeUnreadableJob(prefix, "ethereum.h1", "active");
    await redis.set(`${prefix}:hub:checkpoint`, "999999999");
    await redis.set(`${prefix}:lease:ethereum`, "attacker:0"); // no expiry
    await redis.set(`${prefix}:evm:ethereum:scanned`, "999999999"); // the EVM watcher's scan checkpoint

    const { relayer, lines } = await start(prefix, oracle);
    const from = hub.height();
    await waitFor("both topics posted past the start height", async () => ((await maxNonce(chain.provider, oracle, 1)) > BigInt(from) && (await maxNonce(chain.provider, oracle, 2)) > BigInt(from) ? true : undefined), 60_000);

    expect(lines.find((l) => l.msg === "unreadable job moved to the dead-letter list")).to.include({ jobId: "ethereum.h1", reason: "data is not JSON", alert: "job_quarantined" });
    const dead = (await redis.lrange(deadLetterKey(prefix, "post-ethereum"), 0, -1)).map((e) => JSON.parse(e));
    expect(dead.map((d) => [d.jobId, d.data])).to.deep.equal([["ethereum.h1", "{not json"]]);
    expect(await redis.exists(`${prefix}:post-ethereum:ethereum.h1`)).to.equal(0);

    expect(lines.find((l) => String(l.msg).startsWith("impossible hub checkpoint"))).to.include({ checkpoint: "999999999", alert: "corrupt_state" });
    expect(Number(await redis.get(`${prefix}:hub:checkpoint`))).to.be.below(999999999);
    expect(lines.find((l) => String(l.msg).startsWith("the submitter lease in Redis"))).to.include({ holder: "attacker:0", ttlMs: -1 });
    expect(lines.find((l) => String(l.msg).startsWith("impossible EVM scan checkpoint"))).to.include({ scanned: "999999999", alert: "corrupt_state" });
    await waitFor("the EVM watcher to scan again", async () => (Number(await redis.get(`${prefix}:evm:ethereum:scanned`)) <= (await chain.provider.getBlockNumber()) ? true : undefined), 20_000);

    const metrics = await (await fetch(`${relayer.httpUrl}/metrics`)).text();
    expect(metrics).to.match(/relayer_quarantined_jobs_total\{chain="ethereum",instance="hostile"\} 1/);
    expect(metrics).to.match(/relayer_corrupt_state_total\{kind="checkpoint",instance="hostile"\} 1/);
    expect(metrics).to.match(/relayer_corrupt_state_total\{kind="lease",instance="hostile"\} 1/);
  });

  it("keeps a topic flowing past a claim far in the future, a checkpoint and a lease overwritten at run time, and quarantines an unreadable job added at run time", async () => {
    const prefix = uniquePrefix("hostile-run");
    prefixes.push(prefix);
    const oracle = await deployOracle(chain, attesters);
    const { lines } = await start(prefix, oracle);
    await waitFor("first posts", async () => ((await maxNonce(chain.provider, oracle, 1)) > 0n ? true : undefined), 60_000);

    await redis.hset(`${prefix}:claims:ethereum`, "1", "999999999999|attacker|1|1");
    await writeUnreadableJob(prefix, "ethereum.h999999", "prioritized");
    await redis.set(`${prefix}:hub:checkpoint`, "999999999");
    await redis.set(`${prefix}:lease:ethereum`, "attacker:1"); // taken from the holder, no expiry
    const injectedAt = hub.height();
    await waitFor("topic 1 to move 3 epochs past the injection", async () => ((await maxNonce(chain.provider, oracle, 1)) >= BigInt(injectedAt + 3) ? true : undefined), 60_000);

    expect(lines.find((l) => String(l.msg).startsWith("impossible claim in Redis"))).to.include({ topicId: 1, alert: "corrupt_state" });
    expect((await redis.hget(`${prefix}:claims:ethereum`, "1"))?.startsWith("999999999999|")).to.equal(false);
    expect(lines.find((l) => String(l.msg).startsWith("impossible hub checkpoint in Redis; reset to the block just processed"))).to.include({ checkpoint: 999999999 });
    expect(Number(await redis.get(`${prefix}:hub:checkpoint`))).to.be.below(999999999);
    expect(lines.find((l) => String(l.msg).startsWith("the submitter lease in Redis"))).to.include({ holder: "attacker:1", ttlMs: -1 });
    expect(lines.filter((l) => l.msg === "submitter lease acquired").length, "the lease was taken back").to.equal(2);
    await waitFor("the runtime job to be quarantined", async () => lines.find((l) => l.msg === "unreadable job moved to the dead-letter list" && l.jobId === "ethereum.h999999"), 20_000);
    expect(await redis.zscore(`${prefix}:post-ethereum:prioritized`, "ethereum.h999999")).to.equal(null);
  });

  it("a submit-only instance (no attest poll) quarantines an unreadable job its worker fetched", async () => {
    const prefix = uniquePrefix("hostile-worker");
    prefixes.push(prefix);
    const oracle = await deployOracle(chain, attesters);
    const { lines } = await start(prefix, oracle, { attesters: false });
    await waitFor("the lease", async () => lines.find((l) => l.msg === "submitter lease acquired"), 20_000);
    await writeUnreadableJob(prefix, "ethereum.h999998", "prioritized");
    await waitFor("the worker's fetch to fail and the job to be quarantined", async () => lines.find((l) => l.msg === "unreadable job moved to the dead-letter list" && l.jobId === "ethereum.h999998"), 30_000);
    expect(lines.some((l) => l.msg === "worker error")).to.equal(true);
    const dead = (await redis.lrange(deadLetterKey(prefix, "post-ethereum"), 0, -1)).map((e) => JSON.parse(e).jobId);
    expect(dead).to.deep.equal(["ethereum.h999998"]);
    expect(await redis.lrange(`${prefix}:post-ethereum:active`, 0, -1)).to.not.include("ethereum.h999998");
  });
});
