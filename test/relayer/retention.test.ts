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
import { REDIS_URL, account, deployOracle, freePort, sleep, startHardhat, type HardhatNode } from "./helpers";

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

  it("keeps the key count flat from 4x to 8x the completed jobs kept, and reports it on /metrics", async () => {
    await waitLanded(4 * KEEP_COMPLETED);
    const early = await countKeys(redis, prefix);
    const early2 = await metricKeys();
    await waitLanded(8 * KEEP_COMPLETED);
    const late = await countKeys(redis, prefix);
    const keys = await redis.keys(`${prefix}:*`);
    const jobHashes = keys.filter((k) => /^[^:]+:post-ethereum:[^:]+$/.test(k) && !/:(id|meta|events|completed|wait|active|failed|delayed|paused|prioritized|marker|pc|stalled-check|limiter|waiting-children|de)$/.test(k));
    const sigs = keys.filter((k) => k.includes(":sigs:"));
    console.log(`      keys: ${early} after ${4 * KEEP_COMPLETED} batches, ${late} after ${8 * KEEP_COMPLETED} (job hashes ${jobHashes.length}, signature hashes ${sigs.length}); /metrics said ${early2}`);
    // Completed jobs are trimmed to the count; at most a couple more are in flight.
    expect(jobHashes.length).to.be.at.most(KEEP_COMPLETED + 3);
    // A landed batch's signatures are deleted: only in-flight digests have any.
    expect(sigs.length).to.be.at.most(3);
    // Flat: 20 more batches added (almost) no keys.
    expect(late - early).to.be.at.most(4);
    // The metric counts the same keys (it may be up to 10 s old: compare with the early count's range).
    expect(Math.abs(early2 - early)).to.be.at.most(4);
  });
});
