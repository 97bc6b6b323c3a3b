/**
 * Redis Cluster failover under two relayers: a six-node cluster (three masters, a replica each; started by
 * this test on 127.0.0.1:13000-13005, cluster bus 23000-23005, node timeout 2 s), the local network (hub
 * devnet, three Hardhat chains with the bridges) on 13545-13547 / 13657, and two relayers (real child
 * processes, HTTP on 13464 and 13465) with `redis: { cluster }` and the hash-tagged prefix.
 *
 * The master serving the prefix's hash slot (every relayer key is in that one slot) is SIGKILLed with a
 * transfer on its way; the cluster promotes its replica; both relayer processes carry on without a restart;
 * every chain catches up with the hub; nothing is posted twice (no report event repeated, the transfer
 * delivered once) and neither submitter skips an account nonce.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { LocalNetwork, startLocalNetwork } from "../../scripts/devnet/network";
import { resolveOptions } from "../../scripts/devnet/options";
import { RelayerHandle } from "../../scripts/devnet/relayer";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { duplicateReports, oracleActivity } from "../../scripts/lib/oracle-events";
import { ChainView, hubNoncesBetween, sleep, until } from "../e2e/helpers";
import { ALLO, bridgeEventIds, E2E_ENV, TransferNet, UserChain } from "../e2e/transfer-helpers";
import { clusterNodes, keySlot, killAll, RedisProc, requireRedisBinaries, slotOwner, startCluster } from "../redis-ha/servers";
import { gapsIn, senderNonces } from "./redis-checks";
import { recordRedisScenario } from "./redis-results";

const PORTS = [13000, 13001, 13002, 13003, 13004, 13005];
const TOPICS = [1, 2];

describe("chaos: two relayers on Redis Cluster through a failover of the master holding their slot", function () {
  this.timeout(600_000);
  let nodes: RedisProc[] = [];
  let net: LocalNetwork;
  let stopNetwork: (() => Promise<void>) | undefined;
  let views: ChainView[] = [];
  let tn: TransferNet;
  let prefix = "";
  const relayers: RelayerHandle[] = [];
  const submitters = [1, 2].map((i) => hardhatAccount(DEV_ACCOUNT_INDEX.submitterBase + i - 1).address);
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
    nodes = await startCluster(PORTS, { replicas: 1 });
    for (const [k, v] of Object.entries(E2E_ENV)) process.env[k] = v;
    const opts = resolveOptions({
      chainPorts: "13545,13546,13547",
      hubPort: "13657",
      metricsPort: "13464",
      stateDir: ".devnet/chaos-cluster-failover",
      topics: String(TOPICS.length),
      blockTime: "1000",
      hubBlockTime: "1000",
      relayer: false,
    });
    net = await startLocalNetwork(opts, { log, onStopAvailable: (stop) => (stopNetwork = stop) });
    views = net.manifest.chains.map((c) => new ChainView(c));
    tn = new TransferNet(net);
    const cfg = YAML.parse(fs.readFileSync(net.relayerConfigFile, "utf8")) as Record<string, unknown> & { redis: Record<string, unknown> & { prefix: string } };
    prefix = `{${cfg.redis.prefix}}`;
    // Seed nodes: every node, masters and replicas (a client that starts while one is down still finds the rest).
    cfg.redis = { cluster: PORTS.map((port) => ({ host: "127.0.0.1", port })), prefix };
    const configFile = path.join(path.dirname(net.relayerConfigFile), "relayer-cluster-failover.yaml");
    fs.writeFileSync(configFile, YAML.stringify(cfg));
    for (const i of [1, 2]) {
      const r = net.startRelayer(i, { configFile });
      relayers.push(r);
      await r.ready(90_000);
      log(`relayer-${i} ready on the cluster (pid ${r.child.pid})`);
    }
    await allChainsReach(BigInt(net.hub.height()), 60_000);
  });

  after(async function () {
    for (const r of relayers) r.log.close();
    for (const v of views) v.destroy();
    tn?.destroy();
    await stopNetwork?.();
    await killAll(nodes);
  });

  it("the master of the relayers' slot is killed; its replica takes over; both relayers carry on: nothing twice, nothing lost, no nonce gap", async function () {
    const slot = keySlot(PORTS[0], prefix);
    const victimPort = slotOwner(PORTS[0], slot);
    expect(victimPort, `a master serving slot ${slot}`).to.not.equal(undefined);
    const victimId = clusterNodes(victimPort!).find((n) => n.port === victimPort)!.id;
    const replicaPort = clusterNodes(victimPort!).find((n) => n.masterId === victimId)?.port;
    expect(replicaPort, `a replica of :${victimPort}`).to.not.equal(undefined);
    const survivor = PORTS.find((p) => p !== victimPort)!;

    const [eth, bnb]: UserChain[] = ["ethereum", "bnb"].map((n) => tn.chain(n));
    const from: Record<string, number> = {};
    for (const v of views) from[v.chain.name] = (await v.blockNumber()) + 1;
    const bnbBefore = await bnb.balanceOf(tn.user.address);
    const amount = 3n * ALLO;
    expect((await (await eth.bridge.sendToChain(bnb.c.chainId, tn.user.address, amount)).wait())?.status).to.equal(1);

    const storedAtKill = await Promise.all(views.map(async (v) => (await v.read(TOPICS[0])).nonce));
    const load = os.loadavg()[0];
    await nodes.find((n) => n.port === victimPort)!.kill();
    const killedAt = Date.now();
    log(`SIGKILLed master :${victimPort} (slot ${slot} of ${prefix}); its replica is :${replicaPort}`);
    const newOwner = await until(
      `the replica :${replicaPort} to be promoted for slot ${slot}`,
      async () => {
        const owner = slotOwner(survivor, slot);
        return owner !== undefined && owner !== victimPort ? owner : undefined;
      },
      60_000,
      100,
    );
    const failoverMs = Date.now() - killedAt;
    expect(newOwner, "the promoted node").to.equal(replicaPort);
    const height = BigInt(net.hub.height());
    log(`:${newOwner} serves slot ${slot} ${failoverMs} ms after the kill; hub height ${height}`);

    // Time to resume: every chain stores a newer value than it had at the kill.
    await until(
      "every chain to store a newer value than at the kill",
      async () => {
        for (const [i, v] of views.entries()) if ((await v.read(TOPICS[0])).nonce <= storedAtKill[i]) return undefined;
        return true;
      },
      90_000,
      100,
    );
    const resumeMs = Date.now() - killedAt;
    await allChainsReach(height + 1n, 90_000);
    const recoveryMs = Date.now() - killedAt;
    await until("the transfer delivered on bnb", async () => ((await bnb.balanceOf(tn.user.address)) === bnbBefore + amount ? true : undefined), 120_000, 500);
    // Both relayers keep working on the promoted master: more hub epochs reach every chain.
    await allChainsReach(BigInt(net.hub.height()) + 2n, 60_000);
    await sleep(4_000); // a second delivery or report would show now

    for (const [i, r] of relayers.entries()) expect(r.child.exitReason(), `relayer-${i + 1} kept running`).to.equal(undefined);
    expect(await bnb.balanceOf(tn.user.address), "delivered exactly once").to.equal(bnbBefore + amount);
    expect(await bridgeEventIds(bnb, "TransferDelivered", from.bnb), "TransferDelivered events").to.have.length(1);
    let missed = 0;
    for (const v of views) {
      const to = await v.blockNumber();
      const act = await oracleActivity(v.provider, v.chain.contracts.oracle, from[v.chain.name], to);
      expect(duplicateReports(act.events), `${v.chain.name}: reports delivered twice`).to.deep.equal([]);
      expect(act.txs.filter((t) => t.status !== 1), `${v.chain.name}: reverted oracle transactions`).to.deep.equal([]);
      for (const s of submitters) {
        await v.allMined(s, 30_000);
        expect(gapsIn(await senderNonces(v.provider, s, from[v.chain.name], to)), `${v.chain.name}: ${s} account nonce gaps`).to.deep.equal([]);
      }
      for (const t of TOPICS) {
        const stored = [...new Set(act.events.filter((e) => e.kind === "updated" && e.topicId === t).map((e) => e.nonce))].sort((a, b) => (a < b ? -1 : 1));
        for (let k = 1; k < stored.length; k++) missed += (await hubNoncesBetween(net.manifest.hub.rpc, t, stored[k - 1], stored[k])).length;
      }
      const by = submitters.map((s) => act.txs.filter((t) => t.from.toLowerCase() === s.toLowerCase()).length);
      log(`${v.chain.name}: ${act.events.length} reports, oracle txs by relayer-1/relayer-2: ${by.join("/")}, no duplicate, no nonce gap`);
    }
    const redisWarnings = relayers.map((r) => r.log.lines.filter((l) => /redis/i.test(JSON.stringify(l)) && Number(l.level ?? 0) >= 40).length);
    log(`posting resumed on every chain ${resumeMs} ms after the kill, caught up ${recoveryMs} ms after it (promotion ${failoverMs} ms; load ${load.toFixed(1)}); ${missed} hub epochs not carried; Redis warning/error log lines per relayer: ${redisWarnings.join("/")}`);
    recordRedisScenario("redis-cluster-failover", {
      injected: `Redis Cluster master serving the relayers' slot SIGKILLed under two relayer instances with a transfer (ethereum -> bnb) in flight; 3 masters + 3 replicas, cluster-node-timeout 2 s`,
      recovery_ms: recoveryMs,
      failover_ms: failoverMs,
      resume_ms: resumeMs,
      load_avg_1m_at_kill: Number(load.toFixed(1)),
      updates_missed: missed,
      duplicates: 0,
      nonce_gaps: 0,
      transfer_delivered_times: 1,
    });
  });
});
