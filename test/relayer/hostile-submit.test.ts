/**
 * Hostile Redis, submit side: an attacker with write access to Redis adds post jobs and journal entries
 * of their own making. Real parts throughout: the hub devnet (in-process), a Hardhat node with the real
 * AlloraOracle, real Redis and BullMQ, the relayer itself (in-process, startRelayer). The jobs carry
 * values that are TRUE on the hub, so the hub check alone would let them through; what must stop them
 * is the relayer's own view of what it would build and pay for (issue 19, findings 1 and 2).
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import IORedis, { Redis } from "ioredis";
import { Job, Queue } from "bullmq";
import pino from "pino";
import { HDNodeWallet, JsonRpcProvider, Transaction, Wallet, keccak256, parseUnits } from "ethers";
import { startHubDevnet, HubDevnet } from "../../devnet/hub/node";
import { startRelayer, RelayerHandle } from "../../relayer/app";
import { parseConfig } from "../../relayer/config/load";
import { HubWatcher } from "../../relayer/hub/watcher";
import { JobReport, PostJobData } from "../../relayer/queue/jobs";
import { oracleInterface } from "../../relayer/evm/oracle";
import { REDIS_URL, account, deployOracle, startHardhat, waitFor, type HardhatNode } from "./helpers";

const silent = pino({ level: "silent" });

describe("hostile Redis: post jobs and journal entries written by an attacker", function () {
  this.timeout(300_000);
  let hub: HubDevnet;
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let oracle: string;
  let relayer: RelayerHandle;
  let redis: Redis;
  let queue: Queue<PostJobData>;
  let hubReader: HubWatcher;
  const prefix = `test-hostile-submit-${randomBytes(5).toString("hex")}`;
  const submitter = account(12);
  const attesters = [account(1), account(2), account(3)];
  const lines: Record<string, unknown>[] = [];
  const extraPrefixes: string[] = [];
  let rpcUrl: string;

  /**
   * A relayer that serves topic 1 only (the hub also has topic 2: true values, but not ours), posts the
   * start-up sweep and then stays quiet (huge deviation, hour heartbeat): every later transaction from
   * its submitter is one an injected job caused.
   */
  async function launch(redisPrefix: string, key: HDNodeWallet, chainOver: Record<string, unknown>, sinkLines: Record<string, unknown>[]): Promise<RelayerHandle> {
    const env = { SUBMITTER: key.privateKey, A1: attesters[0].privateKey, A2: attesters[1].privateKey };
    const raw = {
      instance: `hostile-${redisPrefix.slice(-4)}`,
      redis: { url: REDIS_URL, prefix: redisPrefix },
      hub: { rpcUrls: [hub.rpcUrl], chainId: hub.chainId, topics: [1], websocket: true, pollIntervalMs: 250 },
      chains: [
        {
          name: "ethereum",
          chainId: 31337,
          rpcUrls: [rpcUrl],
          oracle,
          confirmations: 0,
          fees: { strategy: "eip1559", maxFeePerGasGwei: 500, maxPriorityFeePerGasGwei: 5 },
          submitter: { env: "SUBMITTER" },
          pollIntervalMs: 100,
          replaceAfterMs: 2_000,
          receiptTimeoutMs: 20_000,
          ...chainOver,
        },
      ],
      policy: { default: { deviationBps: 1_000_000, heartbeatSeconds: 3_600 } },
      attesters: [{ env: "A1" }, { env: "A2" }],
      signatureWaitMs: 3_000,
      http: { host: "127.0.0.1", port: 0 },
      queue: { attempts: 2, backoffMs: 200, keepCompletedSeconds: 3600, keepFailedSeconds: 3600, lockDurationMs: 3_000 },
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-submit-"));
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split("\n").filter(Boolean)) sinkLines.push(JSON.parse(l));
        cb();
      },
    });
    return startRelayer(parseConfig(raw, env, "hostile.yaml", dir), { logger: pino({ level: "info" }, sink), env });
  }

  before(async () => {
    hub = await startHubDevnet({ port: 0, blockTimeMs: 500, quiet: true });
    node = await startHardhat();
    provider = node.provider;
    oracle = await deployOracle(node, attesters, 2);

    rpcUrl = node.url;
    relayer = await launch(prefix, submitter, {}, lines);
    await waitFor("the start-up sweep on chain", async () => ((await onchainNonce(1)) > 0n ? true : undefined), 60_000);

    redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue<PostJobData>("post-ethereum", { connection: redis, prefix });
    hubReader = new HubWatcher({ rpcUrls: [hub.rpcUrl], websocket: false, pollIntervalMs: 250, topics: [1, 2] }, silent);
    await hubReader.connect();
  });

  after(async () => {
    await relayer?.stop();
    await queue?.close();
    await hubReader?.stop();
    node?.stop();
    await hub?.stop();
    if (redis) {
      for (const p of [prefix, ...extraPrefixes]) {
        const keys = await redis.keys(`${p}:*`);
        if (keys.length) await redis.del(...keys);
      }
      redis.disconnect();
    }
  });

  async function onchainNonce(topic: number): Promise<bigint> {
    const [, nonce] = oracleInterface.decodeFunctionResult("latestInference", await provider.call({ to: oracle, data: oracleInterface.encodeFunctionData("latestInference", [topic]) }));
    return BigInt(nonce);
  }

  /** What the hub says for these topics at `height`: values an attester's hub check accepts. */
  async function trueReports(height: number, topics: number[]): Promise<JobReport[]> {
    const block = await hubReader.block(height);
    return topics.map((t) => {
      const inf = block.inferences.find((i) => i.topicId === t)!;
      return { topicId: t, value: inf.value.toString(), nonce: inf.nonce.toString(), timestamp: inf.timestamp, paid: "0" };
    });
  }

  /** True reports of topic 1 newer than the chain's (the quiet relayer leaves the chain behind the hub). */
  async function freshReports(): Promise<JobReport[]> {
    const stored = await onchainNonce(1);
    await hub.waitForHeight(Number(stored) + 2, 30_000);
    const reports = await trueReports(hub.height() - 1, [1]);
    expect(BigInt(reports[0].nonce) > stored).to.equal(true);
    return reports;
  }

  async function inject(id: string, data: Partial<PostJobData> & { reports: JobReport[] }): Promise<void> {
    await queue.add("post", { chain: "ethereum", hubHeight: hub.height(), seenAt: Date.now(), ...data }, { jobId: `ethereum.evil.${id}`, priority: 1_000, attempts: 2, backoff: 200 });
  }

  async function finished(id: string): Promise<Job<PostJobData>> {
    const found = await waitFor(
      `job ${id} to finish`,
      async () => {
        const j = await Job.fromId<PostJobData>(queue, `ethereum.evil.${id}`);
        const state = await j?.getState();
        // read again: the object above may predate the state change
        return state === "completed" || state === "failed" ? Job.fromId<PostJobData>(queue, `ethereum.evil.${id}`) : undefined;
      },
      90_000,
    );
    const job = found!;
    // RELAYER_TEST_VERBOSE=1: what each injected job cost (run against an older relayer to see the damage)
    if (process.env.RELAYER_TEST_VERBOSE) console.log(`      job ${id}: ${await job.getState()}, gasUsed ${job.returnvalue?.gasUsed ?? 0}, ${job.returnvalue?.updated ?? 0} updated, ${job.returnvalue?.skipped ?? 0} skipped`);
    return job;
  }

  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const text = await (await fetch(`${relayer.httpUrl}/metrics`)).text();
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
    return line ? Number(line.split(" ").pop()) : 0;
  }

  const sentBy = () => provider.getTransactionCount(submitter.address, "latest");

  it("a job of 400 copies of a topic this relayer does not serve is refused, and so is a single one: nothing signed, nothing sent", async () => {
    const height = hub.height() - 1;
    const [foreign] = await trueReports(height, [2]);
    const before = await sentBy();
    await inject("foreign400", { reports: Array.from({ length: 400 }, () => foreign) });
    await inject("foreign1", { reports: [foreign] });
    const [many, one] = [await finished("foreign400"), await finished("foreign1")];
    expect(await many.getState()).to.equal("failed");
    expect(many.failedReason).to.match(/400 reports, more than maxBatchSize 100/);
    expect(await one.getState()).to.equal("failed");
    expect(one.failedReason).to.match(/topic 2 is not served by this relayer/);
    expect([many.attemptsMade, one.attemptsMade], "refused for good, not retried").to.deep.equal([1, 1]);
    expect(await sentBy(), "transactions from the submitter").to.equal(before);
    expect(await onchainNonce(2)).to.equal(0n);
    expect(await metric("relayer_jobs_refused_total", { reason: "oversize" })).to.be.at.least(1);
    expect(await metric("relayer_jobs_refused_total", { reason: "foreign_topic" })).to.be.at.least(1);
    expect(lines.some((l) => l.alert === "hostile_job" && l.reason === "foreign_topic")).to.equal(true);
  });

  it("stale reports with a fake `sent` entry buy nothing: 400 copies are refused, one stale report is dropped after re-reading the chain", async () => {
    const stored = await onchainNonce(1);
    const [stale] = await trueReports(Number(stored), [1]);
    const fake = { hash: keccak256(randomBytes(32)), from: Wallet.createRandom().address, nonce: 0, raw: "0x02deadbeef", fees: { type: "2", maxFeePerGas: "1", maxPriorityFeePerGas: "1" }, sentAt: Date.now() };
    const before = await sentBy();
    await inject("stale400", { reports: Array.from({ length: 400 }, () => stale), sent: [fake] });
    await inject("stale1", { reports: [stale], sent: [fake] });
    const [many, one] = [await finished("stale400"), await finished("stale1")];
    expect(await many.getState()).to.equal("failed");
    expect(many.failedReason).to.match(/400 reports, more than maxBatchSize 100|topic 1 appears more than once/);
    expect(await one.getState()).to.equal("completed");
    expect(one.returnvalue).to.deep.include({ txHash: "", updated: 0, skipped: 1 });
    expect(await sentBy(), "transactions from the submitter").to.equal(before);
    expect(await metric("relayer_journal_entries_rejected_total", { reason: "undecodable" })).to.be.at.least(1);
  });

  it("a forged journal entry in the submitter's name is never a template: the job goes out with locally derived gas and fees", async () => {
    const reports = await freshReports();
    const nonce = await provider.getTransactionCount(submitter.address, "pending");
    // Signed by someone else, 29M gas, 420 gwei: what the attacker wants our key to copy at our next nonce.
    const attacker = Wallet.createRandom();
    const raw = await attacker.signTransaction(
      Transaction.from({ to: oracle, data: "0x", nonce, gasLimit: 29_000_000n, chainId: 31337n, type: 2, maxFeePerGas: parseUnits("420", "gwei"), maxPriorityFeePerGas: parseUnits("4.4", "gwei"), value: 0n }),
    );
    const forged = { hash: keccak256(raw), from: submitter.address, nonce, raw, fees: { type: "2", maxFeePerGas: parseUnits("420", "gwei").toString(), maxPriorityFeePerGas: parseUnits("4.4", "gwei").toString() }, sentAt: Date.now() - 60_000 };
    const suggested = (await provider.getFeeData()).maxFeePerGas!;
    await inject("forged", { reports, sent: [forged] });
    const job = await finished("forged");
    expect(await job.getState(), String(job.failedReason)).to.equal("completed");
    expect(await onchainNonce(1)).to.equal(BigInt(reports[0].nonce));
    // every transaction our key signed for this job: within the gas cap, at fees near the node's suggestion
    const ours = (job.data.sent ?? []).map((t) => Transaction.from(t.raw)).filter((t) => t.from === submitter.address);
    expect(ours.length).to.be.at.least(1);
    for (const t of ours) {
      expect(t.gasLimit <= 200_000n, `gas limit ${t.gasLimit} (one report needs ~50,000; the cap is 2,750,000)`).to.equal(true);
      expect(t.maxFeePerGas! <= suggested * 2n, `maxFeePerGas ${t.maxFeePerGas} (node suggested ${suggested})`).to.equal(true);
    }
    const mined = await provider.getTransaction(job.returnvalue.txHash);
    expect(mined!.from).to.equal(submitter.address);
    expect(mined!.gasLimit <= 200_000n).to.equal(true);
    expect(await metric("relayer_journal_entries_rejected_total", { reason: "work" })).to.be.at.least(1);
    expect(lines.some((l) => l.alert === "journal_entry_rejected" && l.reason === "work")).to.equal(true);
  });

  it("the spend budget and the gas cap bite before anything is signed, with an alert and a metric", async () => {
    for (const [limit, over, key] of [
      ["spend_budget", { maxSpendPerHour: "0.000000001" }, account(13)],
      ["gas_cap", { maxGasPerTx: 30_000 }, account(14)],
    ] as const) {
      const own: Record<string, unknown>[] = [];
      const p = `test-hostile-limit-${randomBytes(5).toString("hex")}`;
      extraPrefixes.push(p);
      const before = await provider.getTransactionCount(key.address, "latest");
      const r = await launch(p, key, over, own);
      const q = new Queue<PostJobData>("post-ethereum", { connection: redis, prefix: p });
      try {
        // a job the scheduler could have made (a true value of topic 1, newer than the chain) meets the limit
        await q.add("post", { chain: "ethereum", hubHeight: hub.height(), seenAt: Date.now(), reports: await freshReports() }, { jobId: `ethereum.limit.${limit}` });
        const alert = await waitFor(`the ${limit} alert`, async () => own.find((l) => l.alert === limit), 30_000);
        expect(alert.level).to.equal(50);
        const text = await (await fetch(`${r.httpUrl}/metrics`)).text();
        expect(text).to.match(new RegExp(`relayer_submit_limit_hits_total\\{[^}]*limit="${limit}"[^}]*\\} [1-9]`));
        expect(text).to.match(new RegExp(`relayer_update_attempts_total\\{[^}]*outcome="${limit}"[^}]*\\} [1-9]`));
        expect(await provider.getTransactionCount(key.address, "pending"), "nothing signed").to.equal(before);
      } finally {
        await q.close();
        await r.stop();
      }
    }
  });
});
