/**
 * Redis Cluster under the whole relayer: the local network (hub devnet, three Hardhat chains with the
 * bridges; ports 17545-17547 / 17657) and a relayer (real child process, HTTP on 17464) whose `redis:` is a
 * three-master cluster this test starts on 127.0.0.1:16394-16396, with the default hash-tag prefix form
 * `{namespace}`. Inferences reach every chain and a transfer is delivered once, with no CROSSSLOT (or any
 * other Redis error) in the relayer's log, and the relayer's keys all in one slot on one master.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import IORedis from "ioredis";
import YAML from "yaml";
import { LocalNetwork, startLocalNetwork } from "../../scripts/devnet/network";
import { resolveOptions } from "../../scripts/devnet/options";
import { RelayerHandle } from "../../scripts/devnet/relayer";
import { duplicateReports, oracleActivity } from "../../scripts/lib/oracle-events";
import { ChainView, sleep, until } from "../e2e/helpers";
import { ALLO, bridgeEventIds, E2E_ENV, TransferNet, UserChain } from "../e2e/transfer-helpers";
import { killAll, RedisProc, requireRedisBinaries, startCluster } from "../redis-ha/servers";

const PORTS = [16394, 16395, 16396];
const TOPICS = [1, 2];

describe("chaos: the relayer on a three-master Redis Cluster", function () {
  this.timeout(600_000);
  let nodes: RedisProc[] = [];
  let net: LocalNetwork;
  let stopNetwork: (() => Promise<void>) | undefined;
  let views: ChainView[] = [];
  let tn: TransferNet;
  let relayer: RelayerHandle | undefined;
  let prefix = "";
  const log = (line: string): void => console.log(`      ${line}`);

  before(async function () {
    requireRedisBinaries();
    nodes = await startCluster(PORTS);
    for (const [k, v] of Object.entries(E2E_ENV)) process.env[k] = v;
    const opts = resolveOptions({
      chainPorts: "17545,17546,17547",
      hubPort: "17657",
      metricsPort: "17464",
      stateDir: ".devnet/chaos-cluster",
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
    cfg.redis = { cluster: PORTS.map((port) => ({ host: "127.0.0.1", port })), prefix };
    const configFile = path.join(path.dirname(net.relayerConfigFile), "relayer-cluster.yaml");
    fs.writeFileSync(configFile, YAML.stringify(cfg));
    relayer = net.startRelayer(1, { configFile });
    await relayer.ready(90_000);
  });

  after(async function () {
    relayer?.log.close();
    for (const v of views) v.destroy();
    tn?.destroy();
    await stopNetwork?.();
    await killAll(nodes);
  });

  it("posts inferences and delivers a transfer through the cluster, without CROSSSLOT, every key in one slot", async function () {
    const [eth, bnb]: UserChain[] = ["ethereum", "bnb"].map((n) => tn.chain(n));
    const from: Record<string, number> = {};
    for (const v of views) from[v.chain.name] = (await v.blockNumber()) + 1;
    const bnbBefore = await bnb.balanceOf(tn.user.address);
    expect((await (await eth.bridge.sendToChain(bnb.c.chainId, tn.user.address, ALLO)).wait())?.status).to.equal(1);
    const h = BigInt(net.hub.height()) + 3n;
    await until(
      `every chain to store nonce >= ${h}`,
      async () => {
        for (const v of views) for (const t of TOPICS) if ((await v.read(t)).nonce < h) return undefined;
        return true;
      },
      90_000,
    );
    await until("the transfer delivered on bnb", async () => ((await bnb.balanceOf(tn.user.address)) === bnbBefore + ALLO ? true : undefined), 120_000, 500);
    await sleep(3_000);
    expect(await bnb.balanceOf(tn.user.address)).to.equal(bnbBefore + ALLO);
    expect(await bridgeEventIds(bnb, "TransferDelivered", from.bnb)).to.have.length(1);
    for (const v of views) {
      const act = await oracleActivity(v.provider, v.chain.contracts.oracle, from[v.chain.name], await v.blockNumber());
      expect(duplicateReports(act.events), `${v.chain.name}: reports delivered twice`).to.deep.equal([]);
      expect(act.events.length, `${v.chain.name}: reports posted`).to.be.greaterThan(0);
    }
    const redisErrors = relayer!.log.lines.filter((l) => /CROSSSLOT|MOVED|CLUSTERDOWN|Redis connection error/.test(JSON.stringify(l)));
    expect(redisErrors.map((l) => l.msg), "Redis errors in the relayer's log").to.deep.equal([]);
    expect(relayer!.child.exitReason()).to.equal(undefined);

    // Where the relayer's keys are: all on one master, one slot.
    const perNode: number[] = [];
    const slots = new Set<number>();
    for (const port of PORTS) {
      const r = new IORedis({ host: "127.0.0.1", port });
      let n = 0;
      let cursor = "0";
      do {
        const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
        cursor = next;
        n += keys.length;
        for (const k of keys.slice(0, 50)) slots.add(Number(await r.call("CLUSTER", "KEYSLOT", k)));
      } while (cursor !== "0");
      perNode.push(n);
      r.disconnect();
    }
    log(`relayer keys per master ${PORTS.join("/")}: ${perNode.join("/")}; slots used: ${[...slots].join(", ")}`);
    expect(perNode.filter((n) => n > 0)).to.have.length(1);
    expect(slots.size).to.equal(1);
  });
});
