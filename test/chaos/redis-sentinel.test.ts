/**
 * Redis highly available: two relayer instances on a Sentinel-managed Redis keep posting through a failover
 * of the primary. The test starts the Redis side itself on loopback (primary 16384, replicas 16385-16386,
 * sentinels 26381-26383, quorum 2, all redis-server processes in temp directories), the local network (hub
 * devnet, three Hardhat chains with the bridges) on 19545-19547 / 19657, and both relayers (real child
 * processes, HTTP on 19464 and 19465) with `redis: { sentinels, name }`.
 *
 * The primary is SIGKILLed with a transfer on its way; the sentinels promote a replica; both relayer
 * processes carry on without a restart; every chain catches up with the hub; nothing is posted twice (no
 * report event repeated, the transfer delivered once), neither submitter skips an account nonce.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { LocalNetwork, startLocalNetwork } from "../../scripts/devnet/network";
import { resolveOptions } from "../../scripts/devnet/options";
import { RelayerHandle } from "../../scripts/devnet/relayer";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { duplicateReports, oracleActivity } from "../../scripts/lib/oracle-events";
import { ChainView, hubNoncesBetween, sleep, until } from "../e2e/helpers";
import { ALLO, bridgeEventIds, E2E_ENV, TransferNet, UserChain } from "../e2e/transfer-helpers";
import { killAll, requireRedisBinaries, sentinelPrimaryPort, SentinelSetup, startSentinelSetup } from "../redis-ha/servers";
import { gapsIn, senderNonces } from "./redis-checks";
import { recordRedisScenario } from "./redis-results";

const PRIMARY = 16384;
const REPLICAS = [16385, 16386];
const SENTINELS = [26381, 26382, 26383];
const NAME = "relayer-ha";
const TOPICS = [1, 2];

describe("chaos: two relayers on Redis Sentinel through a failover of the primary", function () {
  this.timeout(600_000);
  let setup: SentinelSetup | undefined;
  let net: LocalNetwork;
  let stopNetwork: (() => Promise<void>) | undefined;
  let views: ChainView[] = [];
  let tn: TransferNet;
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
    setup = await startSentinelSetup({ name: NAME, primaryPort: PRIMARY, replicaPorts: REPLICAS, sentinelPorts: SENTINELS });
    for (const [k, v] of Object.entries(E2E_ENV)) process.env[k] = v;
    const opts = resolveOptions({
      chainPorts: "19545,19546,19547",
      hubPort: "19657",
      metricsPort: "19464",
      stateDir: ".devnet/chaos-sentinel",
      topics: String(TOPICS.length),
      blockTime: "1000",
      hubBlockTime: "1000",
      relayer: false,
      // the network's own Redis check and cleanup; the relayers go through the sentinels (below)
      redis: `redis://127.0.0.1:${PRIMARY}`,
    });
    net = await startLocalNetwork(opts, { log, onStopAvailable: (stop) => (stopNetwork = stop) });
    views = net.manifest.chains.map((c) => new ChainView(c));
    tn = new TransferNet(net);
    // The network's relayer config with its redis section swapped for the sentinels.
    const cfg = YAML.parse(fs.readFileSync(net.relayerConfigFile, "utf8")) as Record<string, unknown> & { redis: Record<string, unknown> & { prefix: string } };
    cfg.redis = { sentinels: SENTINELS.map((port) => ({ host: "127.0.0.1", port })), name: NAME, prefix: cfg.redis.prefix };
    const configFile = path.join(path.dirname(net.relayerConfigFile), "relayer-sentinel.yaml");
    fs.writeFileSync(configFile, YAML.stringify(cfg));
    for (const i of [1, 2]) {
      const r = net.startRelayer(i, { configFile });
      relayers.push(r);
      await r.ready(90_000);
      log(`relayer-${i} ready on Sentinel (pid ${r.child.pid})`);
    }
    await allChainsReach(BigInt(net.hub.height()), 60_000);
  });

  after(async function () {
    for (const r of relayers) r.log.close();
    for (const v of views) v.destroy();
    tn?.destroy();
    await stopNetwork?.();
    if (setup) await killAll(setup.all());
  });

  it("the primary is killed; a replica takes over; both relayers carry on: nothing twice, nothing lost, no nonce gap", async function () {
    const [eth, bnb]: UserChain[] = ["ethereum", "bnb"].map((n) => tn.chain(n));
    const from: Record<string, number> = {};
    for (const v of views) from[v.chain.name] = (await v.blockNumber()) + 1;
    const bnbBefore = await bnb.balanceOf(tn.user.address);
    const amount = 3n * ALLO;
    expect((await (await eth.bridge.sendToChain(bnb.c.chainId, tn.user.address, amount)).wait())?.status).to.equal(1);

    await setup!.primary.kill();
    const killedAt = Date.now();
    log(`SIGKILLed the primary :${PRIMARY}`);
    const newPrimary = await until("the sentinels to promote a replica", async () => {
      const p = await sentinelPrimaryPort(SENTINELS[0], NAME).catch(() => PRIMARY);
      return p !== PRIMARY ? p : undefined;
    }, 60_000, 250);
    const failoverMs = Date.now() - killedAt;
    const height = BigInt(net.hub.height());
    log(`the sentinels promoted :${newPrimary} after ${failoverMs} ms; hub height ${height}`);

    await allChainsReach(height + 1n, 90_000);
    const recoveryMs = Date.now() - killedAt;
    await until("the transfer delivered on bnb", async () => ((await bnb.balanceOf(tn.user.address)) === bnbBefore + amount ? true : undefined), 120_000, 500);
    // Both relayers keep working on the new primary: more hub epochs reach every chain.
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
    const reconnects = relayers.map((r) => r.log.lines.filter((l) => /reconnect/i.test(String(l.msg ?? ""))).length);
    log(`caught up ${recoveryMs} ms after the kill (failover ${failoverMs} ms); ${missed} hub epochs not carried; reconnect log lines per relayer: ${reconnects.join("/")}`);
    recordRedisScenario("redis-sentinel-failover", {
      injected: `Sentinel primary SIGKILLed under two relayer instances with a transfer (ethereum -> bnb) in flight; 2 replicas, 3 sentinels (quorum 2, down-after 1 s)`,
      recovery_ms: recoveryMs,
      failover_ms: failoverMs,
      updates_missed: missed,
      duplicates: 0,
      nonce_gaps: 0,
      transfer_delivered_times: 1,
    });
  });
});
