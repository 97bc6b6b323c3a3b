/**
 * Fault scenario 3: Redis dies under a running relayer and comes back on the same port, once with its
 * append-only file and once empty. The local network (hub devnet, three Hardhat chains with the bridges,
 * one relayer as a real child process) runs on a redis-server this test starts on 127.0.0.1:16390; the test
 * SIGKILLs it while the relayer is posting and while a transfer is on its way, and restarts it.
 *
 * Each time: the same relayer process (never restarted) reconnects by itself and catches up; its log says
 * whether Redis kept its state or what it rebuilds; and over the whole run nothing is posted twice on a
 * chain (no report event repeated, no transfer delivered twice), no transfer is lost, and the submitter's
 * account nonces have no gap (every transaction it signed is mined). Figures (time from the restart until
 * every chain carries a newer hub inference, epochs not carried across the outage) go to
 * bench/results/chaos-redis.json, which `npm run test:chaos` merges into chaos.json.
 *
 * Ports (chains 18545-18547, hub 18657, relayer 18464, Redis 16390) are this file's own.
 */
import { expect } from "chai";
import fs from "node:fs";
import { LocalNetwork, startLocalNetwork } from "../../scripts/devnet/network";
import { resolveOptions } from "../../scripts/devnet/options";
import { RelayerHandle } from "../../scripts/devnet/relayer";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { duplicateReports, oracleActivity } from "../../scripts/lib/oracle-events";
import { ChainView, hubNoncesBetween, sleep, until } from "../e2e/helpers";
import { ALLO, bridgeEventIds, E2E_ENV, TransferNet, UserChain } from "../e2e/transfer-helpers";
import { RedisProc, requireRedisBinaries, startRedis, tempDir } from "../redis-ha/servers";
import { recordRedisScenario } from "./redis-results";
import { gapsIn, senderNonces } from "./redis-checks";

const REDIS_PORT = 16390;
const TOPICS = [1, 2];
const OUTAGE_MS = 3_000;

describe("chaos: Redis killed and restarted under a running relayer", function () {
  this.timeout(600_000);
  let net: LocalNetwork;
  let stopNetwork: (() => Promise<void>) | undefined;
  let relayer: RelayerHandle;
  let redis: RedisProc | undefined;
  let views: ChainView[] = [];
  let tn: TransferNet;
  const dirs: string[] = [];
  const submitter = hardhatAccount(DEV_ACCOUNT_INDEX.submitterBase).address;
  const log = (line: string): void => console.log(`      ${line}`);

  const allChainsReach = (height: bigint, timeoutMs: number) =>
    until(
      `every chain to store nonce >= ${height} for topics ${TOPICS.join(", ")}`,
      async () => {
        for (const v of views) for (const t of TOPICS) if ((await v.read(t)).nonce < height) return undefined;
        return true;
      },
      timeoutMs,
    );

  before(async function () {
    requireRedisBinaries();
    const aofDir = tempDir("chaos-redis-aof");
    dirs.push(aofDir);
    redis = await startRedis(REDIS_PORT, aofDir, { appendonly: true });
    for (const [k, v] of Object.entries(E2E_ENV)) process.env[k] = v;
    const opts = resolveOptions({
      chainPorts: "18545,18546,18547",
      hubPort: "18657",
      metricsPort: "18464",
      stateDir: ".devnet/chaos-redis",
      topics: String(TOPICS.length),
      blockTime: "1000",
      hubBlockTime: "1000",
      relayer: false,
      redis: `redis://127.0.0.1:${REDIS_PORT}`,
    });
    net = await startLocalNetwork(opts, { log, onStopAvailable: (stop) => (stopNetwork = stop) });
    views = net.manifest.chains.map((c) => new ChainView(c));
    tn = new TransferNet(net);
    relayer = net.startRelayer(1);
    await relayer.ready(90_000);
    await allChainsReach(BigInt(net.hub.height()), 60_000);
  });

  after(async function () {
    relayer?.log.close();
    for (const v of views) v.destroy();
    tn?.destroy();
    await stopNetwork?.();
    await redis?.kill();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /**
   * Kills Redis with a transfer on its way (ethereum -> bnb), keeps it down OUTAGE_MS, restarts it from
   * `restartDir`, and checks everything the relayer promised over the phase.
   */
  async function outage(name: string, restartDir: string, appendonly: boolean, expectLog: RegExp): Promise<void> {
    const [eth, bnb]: UserChain[] = ["ethereum", "bnb"].map((n) => tn.chain(n));
    const from: Record<string, number> = {};
    for (const v of views) from[v.chain.name] = (await v.blockNumber()) + 1;
    const linesBefore = relayer.log.lines.length;
    const bnbBefore = await bnb.balanceOf(tn.user.address);
    const amount = 2n * ALLO;
    const sent = await (await eth.bridge.sendToChain(bnb.c.chainId, tn.user.address, amount)).wait();
    expect(sent?.status).to.equal(1);

    // Wait for a relayer transaction in flight, then kill Redis under it.
    await until("a relayer transaction in flight", async () => {
      for (const v of views) if (await v.hasPending(submitter)) return true;
      return undefined;
    }, 20_000, 20).catch(() => log("no transaction caught in flight; killing Redis anyway"));
    await redis!.kill();
    log(`${name}: SIGKILLed redis-server :${REDIS_PORT}`);
    await sleep(OUTAGE_MS); // the hub moves on while Redis is down
    const downHeight = BigInt(net.hub.height());
    redis = await startRedis(REDIS_PORT, restartDir, { appendonly });
    const restartedAt = Date.now();
    log(`${name}: redis-server restarted (${appendonly ? "with its append-only file" : "empty"}) at hub height ${downHeight}`);

    const said = await relayer.log.waitFor((l) => expectLog.test(String(l.msg ?? "")), 30_000, `the relayer's log line ${expectLog}`);
    await allChainsReach(downHeight + 1n, 90_000);
    const recoveryMs = Date.now() - restartedAt;
    await until("the transfer delivered on bnb", async () => ((await bnb.balanceOf(tn.user.address)) === bnbBefore + amount ? true : undefined), 120_000, 500);
    await sleep(4_000); // a second delivery or report would show now
    expect(relayer.child.exitReason(), "the relayer process kept running (it reconnected by itself)").to.equal(undefined);
    expect(await bnb.balanceOf(tn.user.address), "delivered exactly once").to.equal(bnbBefore + amount);
    const delivered = await bridgeEventIds(bnb, "TransferDelivered", from.bnb);

    let duplicates = 0;
    let missed = 0;
    let gaps = 0;
    for (const v of views) {
      await v.allMined(submitter, 30_000); // a skipped account nonce would leave the later ones stuck
      const to = await v.blockNumber();
      const act = await oracleActivity(v.provider, v.chain.contracts.oracle, from[v.chain.name], to);
      const dup = duplicateReports(act.events);
      const nonceGaps = gapsIn(await senderNonces(v.provider, submitter, from[v.chain.name], to));
      expect(dup, `${v.chain.name}: reports delivered twice`).to.deep.equal([]);
      expect(nonceGaps, `${v.chain.name}: submitter account nonce gaps`).to.deep.equal([]);
      expect(act.txs.filter((t) => t.status !== 1), `${v.chain.name}: reverted oracle transactions`).to.deep.equal([]);
      duplicates += dup.length;
      gaps += nonceGaps.length;
      for (const t of TOPICS) {
        const stored = [...new Set(act.events.filter((e) => e.kind === "updated" && e.topicId === t).map((e) => e.nonce))].sort((a, b) => (a < b ? -1 : 1));
        for (let i = 1; i < stored.length; i++) missed += (await hubNoncesBetween(net.manifest.hub.rpc, t, stored[i - 1], stored[i])).length;
      }
      log(`${name}: ${v.chain.name}: ${act.txs.length} oracle txs, ${act.events.length} reports, no duplicate, no nonce gap`);
    }
    const transferDelivered = delivered.length;
    expect(transferDelivered, "TransferDelivered events on bnb in this phase").to.equal(1);
    const warnings = relayer.log.lines.slice(linesBefore).filter((l) => l.alert === "redis_state_lost" || /Redis reconnected/.test(String(l.msg ?? "")));
    log(`${name}: relayer said: ${String(said.msg)}`);
    log(`${name}: caught up ${recoveryMs} ms after the restart; ${missed} hub epochs not carried across the outage`);
    recordRedisScenario(name, {
      injected: `redis-server SIGKILLed with a transfer (ethereum -> bnb) in flight, down ${OUTAGE_MS / 1000} s, restarted on the same port ${appendonly ? "from its append-only file (appendfsync always)" : "empty (no AOF, fresh directory)"}`,
      recovery_ms: recoveryMs,
      updates_missed: missed,
      duplicates,
      nonce_gaps: gaps,
      transfer_delivered_times: transferDelivered,
      relayer_log: String(said.msg),
    });
    expect(warnings.length).to.be.greaterThan(0);
  }

  it("restarted with its append-only file: the relayer reconnects, says its state is intact, keeps its promises", async function () {
    await outage("redis-restart-aof", redis!.dir, true, /Redis reconnected with this relayer's state intact/);
  });

  it("restarted empty: the relayer reconnects, says what it rebuilds, keeps its promises", async function () {
    const emptyDir = tempDir("chaos-redis-empty");
    dirs.push(emptyDir);
    await outage("redis-restart-empty", emptyDir, false, /Redis reconnected WITHOUT this relayer's state/);
  });
});
