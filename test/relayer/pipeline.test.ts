/**
 * The relayer against real parts: the hub devnet (in-process), a real Hardhat node (child process) with
 * the real AlloraOracle, real Redis, and the relayer itself as a child process (`relayer/cli.ts start`),
 * so it can be SIGKILLed. Asserts what the chain shows: every hub nonce lands once, in order.
 */
import { expect } from "chai";
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import readline from "node:readline";
import IORedis from "ioredis";
import YAML from "yaml";
import { Contract, ContractFactory, InterfaceAbi, JsonRpcProvider, NonceManager as EthersNonceManager, Wallet, ZeroAddress, getAddress } from "ethers";
import { startHubDevnet, HubDevnet } from "../../devnet/hub/node";
import { account, freePort, REDIS_URL, ROOT, waitFor } from "./helpers";
import { oracleInterface } from "../../relayer/evm/oracle";

interface RelayerProc {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

function startRelayerProc(configFile: string, env: Record<string, string>): RelayerProc {
  const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "relayer/cli.ts", "start", "-c", configFile], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  readline.createInterface({ input: child.stdout! }).on("line", (l) => {
    try {
      lines.push(JSON.parse(l));
    } catch {
      lines.push({ msg: l });
    }
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  void exited.then(() => {
    if (stderr) lines.push({ msg: "stderr", stderr });
  });
  return { child, lines, exited };
}

describe("relayer pipeline: hub devnet -> relayer (child process) -> AlloraOracle on Hardhat", function () {
  this.timeout(300_000);
  let hub: HubDevnet;
  let hardhat: ChildProcess;
  let provider: JsonRpcProvider;
  let oracle: string;
  let configFile: string;
  let prefix: string;
  const attesters = [account(1), account(2), account(3)];
  const procs: RelayerProc[] = [];

  const relayerEnv = (instance: number): Record<string, string> => ({
    RELAYER_INSTANCE: `test-${instance}`,
    RELAYER_SUBMITTER_KEY: account(10 + instance).privateKey,
    RELAYER_ATTESTER_KEY_1: attesters[0].privateKey,
    RELAYER_ATTESTER_KEY_2: attesters[1].privateKey,
    RELAYER_HTTP_PORT: "0",
  });

  before(async () => {
    hub = await startHubDevnet({ port: 0, blockTimeMs: 1000, quiet: true });
    const port = await freePort();
    hardhat = spawn(process.execPath, [require.resolve("hardhat/internal/cli/cli"), "node", "--port", String(port)], {
      cwd: ROOT,
      env: { ...process.env, HARDHAT_CHAIN_ID: "31337", HARDHAT_BLOCK_TIME_MS: "0" },
      stdio: "ignore",
    });
    provider = new JsonRpcProvider(`http://127.0.0.1:${port}`, 31337, { staticNetwork: true, cacheTimeout: -1 });
    await waitFor("hardhat node", async () => (await provider.getBlockNumber()) >= 0 || undefined, 120_000, 500);
    deployer = new EthersNonceManager(new Wallet(account(0).privateKey, provider));
    // ALLO, the oracle's fee token: the real AlloToken, its admin account 0.
    const tokenArtifact = readArtifact("token/AlloToken.sol/AlloToken");
    const t = await new ContractFactory(tokenArtifact.abi, tokenArtifact.bytecode, deployer).deploy(account(0).address);
    await t.waitForDeployment();
    token = await t.getAddress();
    hardhatUrl = `http://127.0.0.1:${port}`;
    prefix = `test-relayer-pipe-${randomBytes(5).toString("hex")}`;
    oracle = await deployOracle();
    configFile = writeConfig(oracle, prefix, { deviationBps: 0, heartbeatSeconds: 60 });
  });

  let deployer: EthersNonceManager;
  let token: string;
  let hardhatUrl: string;
  const prefixes: string[] = [];

  function readArtifact(name: string): { abi: InterfaceAbi; bytecode: string } {
    return JSON.parse(fs.readFileSync(path.join(ROOT, "artifacts/contracts", `${name}.json`), "utf8"));
  }

  async function deployOracle(): Promise<string> {
    const artifact = readArtifact("oracle/AlloraOracle.sol/AlloraOracle");
    const signers = attesters.map((a) => getAddress(a.address)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const c = await new ContractFactory(artifact.abi, artifact.bytecode, deployer).deploy(account(0).address, account(0).address, token, 1, signers, 2, ZeroAddress, 0);
    await c.waitForDeployment();
    return c.getAddress();
  }

  function writeConfig(oracleAddress: string, redisPrefix: string, policy: { deviationBps: number; heartbeatSeconds: number }): string {
    prefixes.push(redisPrefix);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "relayer-pipe-"));
    const file = path.join(dir, "relayer.yaml");
    fs.writeFileSync(
      file,
      YAML.stringify({
        instance: "${RELAYER_INSTANCE}",
        redis: { url: REDIS_URL, prefix: redisPrefix },
        hub: { rpcUrls: [hub.rpcUrl], chainId: hub.chainId, topics: [1, 2], websocket: true, pollIntervalMs: 250 },
        chains: [
          {
            name: "ethereum",
            chainId: 31337,
            rpcUrls: [hardhatUrl],
            oracle: oracleAddress,
            confirmations: 0,
            fees: { strategy: "eip1559", maxFeePerGasGwei: 500, maxPriorityFeePerGasGwei: 5 },
            submitter: { env: "RELAYER_SUBMITTER_KEY" },
            pollIntervalMs: 100,
            replaceAfterMs: 5_000,
            receiptTimeoutMs: 30_000,
          },
        ],
        policy: { default: policy },
        attesters: [{ env: "RELAYER_ATTESTER_KEY_1" }, { env: "RELAYER_ATTESTER_KEY_2" }],
        signatureWaitMs: 5_000,
        http: { host: "127.0.0.1", port: "${RELAYER_HTTP_PORT}" },
        queue: { attempts: 8, backoffMs: 300, keepCompletedSeconds: 3600, keepFailedSeconds: 3600, lockDurationMs: 3_000 },
      }),
    );
    return file;
  }

  after(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    hardhat?.kill("SIGKILL");
    await hub?.stop();
    provider?.destroy();
    const redis = new IORedis(REDIS_URL);
    for (const p of prefixes) {
      const keys = await redis.keys(`${p}:*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
  });

  async function oracleEvents(address = oracle) {
    const logs = await provider.getLogs({ address, fromBlock: 0, toBlock: "latest" });
    const updated: Array<{ topic: number; nonce: bigint; tx: string; block: number }> = [];
    let skipped = 0;
    for (const l of logs) {
      const p = oracleInterface.parseLog(l);
      if (p?.name === "InferenceUpdated") updated.push({ topic: Number(p.args.topicId), nonce: BigInt(p.args.nonce), tx: l.transactionHash, block: l.blockNumber });
      if (p?.name === "ReportSkipped") skipped++;
    }
    return { updated, skipped };
  }

  it("posts, survives SIGKILL + restart with every nonce once, and a second instance adds no duplicates", async () => {
    // 1. one instance posts every topic
    const a = startRelayerProc(configFile, relayerEnv(1));
    procs.push(a);
    await waitFor("relayer ready", async () => a.lines.find((l) => l.msg === "relayer ready"), 120_000);
    await waitFor("10 batches", async () => (a.lines.filter((l) => l.msg === "batch posted").length >= 10 ? true : undefined), 60_000);

    // 2. SIGKILL mid-flight (batches are posted every hub block, so one is almost surely in progress), then restart
    a.child.kill("SIGKILL");
    await a.exited;
    const killedAtHeight = hub.height();
    await hub.waitForHeight(killedAtHeight + 3, 30_000); // hub blocks keep coming while the relayer is down
    const b = startRelayerProc(configFile, relayerEnv(1));
    procs.push(b);
    await waitFor("restarted relayer ready", async () => b.lines.find((l) => l.msg === "relayer ready"), 120_000);
    expect(b.lines.some((l) => l.msg === "hub: resuming from checkpoint")).to.equal(true);

    // 3. a second instance (other submitter key) on the same Redis; this one serves the queue dashboard
    const c = startRelayerProc(configFile, { ...relayerEnv(2), RELAYER_HTTP_DASHBOARD: "true" });
    procs.push(c);
    const cReady = await waitFor("second relayer ready", async () => c.lines.find((l) => l.msg === "relayer ready"), 120_000);
    const target = hub.height() + 8;
    await hub.waitForHeight(target, 60_000);
    await waitFor(
      "the chain to catch up with the hub",
      async () => {
        const { updated } = await oracleEvents();
        const max = updated.filter((u) => u.topic === 1).reduce((m, u) => (u.nonce > m ? u.nonce : m), 0n);
        return max >= BigInt(target) ? true : undefined;
      },
      60_000,
    );
    // 4. the instance holding the submitter lease dies; the standby takes over within a lease TTL
    b.child.kill("SIGKILL");
    await b.exited;
    const target2 = hub.height() + 6;
    await waitFor(
      "the standby instance to take over",
      async () => {
        const { updated } = await oracleEvents();
        const max = updated.filter((u) => u.topic === 1).reduce((m, u) => (u.nonce > m ? u.nonce : m), 0n);
        return max >= BigInt(target2) ? true : undefined;
      },
      90_000,
    );
    expect(c.lines.some((l) => l.msg === "submitter lease acquired")).to.equal(true);
    // the dashboard shows the relayer's queue with the jobs the instances worked, read-only; a SIGTERM
    // stops the relayer cleanly while the dashboard's keep-alive connection is still open
    expect(a.lines.find((l) => l.msg === "relayer ready")!.dashboardUrl).to.equal(undefined);
    const dashboardUrl = String(cReady.dashboardUrl);
    expect(dashboardUrl).to.equal(`${String(cReady.httpUrl)}/queues`);
    expect((await fetch(dashboardUrl)).headers.get("content-type")).to.match(/^text\/html/);
    const board = (await (await fetch(`${dashboardUrl}/api/queues`)).json()) as { queues: Array<{ name: string; counts: Record<string, number>; readOnlyMode: boolean }> };
    expect(board.queues.map((q) => q.name)).to.deep.equal(["post-ethereum"]);
    expect(board.queues[0].readOnlyMode).to.equal(true);
    expect(board.queues[0].counts.completed).to.be.greaterThan(10);
    expect((await fetch(`${dashboardUrl}/api/queues/post-ethereum/pause`, { method: "PUT" })).status).to.equal(405);
    c.child.kill("SIGTERM");
    expect(await c.exited).to.equal(0);

    const { updated, skipped } = await oracleEvents();
    for (const topic of [1, 2]) {
      const nonces = updated.filter((u) => u.topic === topic).map((u) => u.nonce);
      // strictly increasing: nothing posted twice, never backwards
      for (let i = 1; i < nonces.length; i++) expect(nonces[i] > nonces[i - 1], `topic ${topic}: ${nonces[i - 1]} then ${nonces[i]}`).to.equal(true);
      // no gap after the first post: every epoch nonce (epoch length 1 = every block) landed, across the kill
      const first = nonces[0];
      const last = nonces[nonces.length - 1];
      expect(last - first + 1n, `topic ${topic} nonces ${first}..${last}, ${nonces.length} posted`).to.equal(BigInt(nonces.length));
      expect(first <= BigInt(killedAtHeight) && last >= BigInt(target)).to.equal(true);
    }
    // reports are batched: transactions carry both topics' updates of a nonce. How many epochs make it into
    // one transaction depends on keeping up with 1 s blocks on this machine: that figure is bench:relay's
    // tx_per_epoch_per_chain, not an assertion here.
    const txOf = new Map<string, Set<string>>();
    for (const u of updated) (txOf.get(String(u.nonce)) ?? txOf.set(String(u.nonce), new Set()).get(String(u.nonce))!).add(u.tx);
    const epochsInOneTx = [...txOf.values()].filter((s) => s.size === 1).length;
    const topicsOfTx = new Map<string, Set<number>>();
    for (const u of updated) (topicsOfTx.get(u.tx) ?? topicsOfTx.set(u.tx, new Set()).get(u.tx)!).add(u.topic);
    expect([...topicsOfTx.values()].some((t) => t.size === 2), "a transaction with both topics").to.equal(true);
    // the second instance added no duplicate transactions: nothing was skipped on chain
    expect(skipped, "ReportSkipped events (duplicate submissions)").to.equal(0);
    const bySubmitter = new Map<string, number>();
    for (const tx of new Set(updated.map((u) => u.tx))) {
      const from = (await provider.getTransaction(tx))!.from;
      bySubmitter.set(from, (bySubmitter.get(from) ?? 0) + 1);
    }
    expect(bySubmitter.size, "transactions from both submitter keys (the standby took over)").to.equal(2);
    if (process.env.RELAYER_TEST_VERBOSE) {
      const errs = [...a.lines, ...b.lines, ...c.lines].filter((l) => Number(l.level) >= 40).map((l) => `${l.msg}: ${l.err ?? ""}`);
      const lat = [...a.lines, ...b.lines, ...c.lines].filter((l) => l.msg === "batch posted").map((l) => Number(l.latencyMs)).sort((x, y) => x - y);
      console.log({ latencyMs: { p50: lat[Math.floor(lat.length / 2)], p90: lat[Math.floor(lat.length * 0.9)], max: lat[lat.length - 1] }, updates: updated.length, txs: new Set(updated.map((u) => u.tx)).size, epochs: txOf.size, epochsInOneTx, bySubmitter, killedAtHeight, target, warnings: errs.slice(0, 20) });
    }
  });

  it("logs a malformed hub value with its topic and skips it while the other topic flows", async () => {
    const r = startRelayerProc(configFile, relayerEnv(3));
    procs.push(r);
    await waitFor("relayer ready", async () => r.lines.find((l) => l.msg === "relayer ready"), 120_000);
    const before = hub.height();
    hub.injectFault(2, "nan", 2);
    await hub.waitForHeight(before + 6, 30_000);
    const malformed = await waitFor("the malformed log line", async () => r.lines.find((l) => l.msg === "malformed inference skipped"), 30_000);
    expect(malformed).to.include({ topicId: 2, value: "NaN" });
    expect(String(malformed.err)).to.match(/topic 2/);
    const target = hub.height();
    await waitFor(
      "both topics to move past the fault",
      async () => {
        const { updated } = await oracleEvents(oracle);
        const max = (t: number) => updated.filter((u) => u.topic === t).reduce((m, u) => (u.nonce > m ? u.nonce : m), 0n);
        return max(1) >= BigInt(target) && max(2) >= BigInt(target) ? true : undefined;
      },
      60_000,
    );
    const { updated } = await oracleEvents();
    const t2 = new Set(updated.filter((u) => u.topic === 2).map((u) => Number(u.nonce)));
    const t1 = new Set(updated.filter((u) => u.topic === 1).map((u) => Number(u.nonce)));
    const skippedNonces = [...t1].filter((n) => n > before && !t2.has(n));
    expect(skippedNonces.length, "topic 2 nonces skipped as malformed").to.equal(2);
    expect(malformed.nonce).to.equal(String(skippedNonces[0]));
    r.child.kill("SIGTERM");
    expect(await r.exited).to.equal(0);
    if (process.env.RELAYER_TEST_VERBOSE) {
      const posted = r.lines.filter((l) => l.msg === "batch posted");
      const med = (k: string) => posted.map((l) => Number((l.stages as Record<string, number>)[k])).sort((x, y) => x - y)[Math.floor(posted.length / 2)];
      console.log({ batches: posted.length, median: { latencyMs: med("queued") + med("pickup") + med("attest") + med("send"), queued: med("queued"), pickup: med("pickup"), attest: med("attest"), send: med("send") } });
    }
  });

  it("a paid request gets its topic posted long before its heartbeat, the other topic stays quiet", async () => {
    const quietOracle = await deployOracle();
    const file = writeConfig(quietOracle, `test-relayer-paid-${randomBytes(5).toString("hex")}`, { deviationBps: 1_000_000, heartbeatSeconds: 3_600 });
    const r = startRelayerProc(file, relayerEnv(4));
    procs.push(r);
    await waitFor("relayer ready", async () => r.lines.find((l) => l.msg === "relayer ready"), 120_000);
    // the start-up sweep posts both topics once; after that the policy keeps them quiet
    await waitFor("first values", async () => ((await oracleEvents(quietOracle)).updated.length >= 2 ? true : undefined), 30_000);
    await hub.waitForHeight(hub.height() + 3, 10_000);
    const quiet = (await oracleEvents(quietOracle)).updated.length;
    expect(quiet).to.equal(2);

    const user = new Wallet(account(5).privateKey, provider);
    // AlloToken mints only through a registered bridge: the admin registers itself as one to fund the user.
    const allo = new Contract(token, ["function setBridgeLimits(address,uint256,uint256)", "function crosschainMint(address,uint256)"], deployer);
    await (await allo.setBridgeLimits(account(0).address, 10n ** 18n, 0n)).wait();
    await (await allo.crosschainMint(user.address, 10n ** 18n)).wait();
    const tokenC = new Contract(token, ["function approve(address,uint256) returns (bool)"], user);
    await (await tokenC.approve(quietOracle, 10n ** 18n)).wait();
    const o = new Contract(quietOracle, ["function requestInference(uint64 topicId, uint256 amount) returns (uint256)"], user);
    await (await o.requestInference(1, 10n ** 17n)).wait();
    // The heartbeat is an hour away and no deviation reaches 1,000,000 bps: a post now is the request's doing (the log
    // line below says so), however long it took within this wait.
    await waitFor("the paid topic to be posted", async () => ((await oracleEvents(quietOracle)).updated.length > quiet ? true : undefined), 30_000, 100);
    const after = (await oracleEvents(quietOracle)).updated.slice(quiet);
    expect(after.map((u) => u.topic)).to.deep.equal([1]);
    expect(r.lines.some((l) => l.msg === "paid request seen" && l.topicId === 1)).to.equal(true);
    await hub.waitForHeight(hub.height() + 3, 10_000);
    expect((await oracleEvents(quietOracle)).updated.slice(quiet).map((u) => u.topic)).to.deep.equal([1]); // served once

    // the status command reads the same picture from the chain and the hub
    const status = spawn(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "relayer/cli.ts", "status", "-c", file, "--json"], {
      cwd: ROOT,
      env: { ...process.env, ...relayerEnv(4) },
    });
    let out = "";
    status.stdout.on("data", (d) => (out += d));
    expect(await new Promise((r) => status.on("exit", r))).to.equal(0);
    const { topics: rows } = JSON.parse(out) as { topics: Array<{ chain: string; topicId: number; nonce: string; hubNonce: string; nextDueAt: number; value: string }> };
    expect(rows.map((x) => [x.chain, x.topicId])).to.deep.equal([["ethereum", 1], ["ethereum", 2]]);
    const onchain = (await oracleEvents(quietOracle)).updated;
    expect(rows[0].nonce).to.equal(String(onchain.filter((u) => u.topic === 1).pop()!.nonce));
    expect(Number(rows[0].hubNonce)).to.be.at.least(Number(rows[0].nonce));
    expect(rows[1].nextDueAt).to.be.a("number");
    r.child.kill("SIGTERM");
    expect(await r.exited).to.equal(0);
  });
});
