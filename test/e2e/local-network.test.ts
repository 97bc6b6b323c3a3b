/**
 * End to end: the whole local network (hub devnet with two topics, three Hardhat chains, the contracts,
 * relayers as real child processes on a real Redis), started once, then the scenarios in order:
 *
 * 1. every chain's oracle reaches the hub's latest value for each topic (same nonce, same value);
 * 2. the relayer is SIGKILLed while one of its transactions is in flight and restarted: no account nonce
 *    is skipped on chain (nothing stuck), nothing is posted twice;
 * 3. a second relayer instance on the same Redis: still no report delivered twice, at most one
 *    transaction per chain per hub epoch;
 * 4. a hub answer with a malformed value is logged with its topic and skipped, the other topic keeps flowing;
 * 5. with updates held back (no deviation trigger, hour-long heartbeat), a paid request on one chain
 *    gets its topic updated long before the heartbeat.
 *
 * Ports, chain ids and the Redis namespace are the test's own, so it runs next to `npm start`.
 */
import { expect } from "chai";
import { ethers } from "ethers";
import fs from "node:fs";
import path from "node:path";
import { fundUser } from "../../scripts/devnet/faucet";
import { LocalNetwork, startLocalNetwork } from "../../scripts/devnet/network";
import { resolveOptions } from "../../scripts/devnet/options";
import { RelayerHandle } from "../../scripts/devnet/relayer";
import { relayerConfigObject } from "../../scripts/devnet/relayer-config";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { hubInferenceAt, latestHubInference } from "../../scripts/lib/hub";
import { jsonRpc } from "../../scripts/lib/json-rpc";
import { LogLine } from "../../scripts/lib/log-watch";
import { duplicateReports, oracleActivity, OracleActivity } from "../../scripts/lib/oracle-events";
import { oracleAt } from "../../scripts/lib/oracle";
import { signPermit, TOKEN_ABI } from "../../scripts/lib/permit";
import { deleteRedisNamespace } from "../../scripts/lib/redis";
import YAML from "yaml";
import { accountNonceGaps, ChainView, hubDecimalToFixed18, skippedNonces, until } from "./helpers";

const TOPICS = [1, 2];
const E2E_ENV = {
  // the test's own ports and chain ids: never the ones `npm start` uses
  DEVNET_ETHEREUM_CHAIN_ID: "41337",
  DEVNET_BNB_CHAIN_ID: "41338",
  DEVNET_BASE_CHAIN_ID: "41339",
};

const FEED_ABI = [
  "function decimals() view returns (uint8)",
  "function description() view returns (string)",
  "function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)",
  "function latestAnswer() view returns (int256)",
];

import { AlloraReportClient } from "../../packages/contracts/client";

describe("e2e: the local network", function () {
  let net: LocalNetwork;
  let stopNetwork: (() => Promise<void>) | undefined;
  let views: ChainView[] = [];
  const relayers = new Map<number, RelayerHandle>();
  const submitter = (instance: number): string =>
    hardhatAccount(DEV_ACCOUNT_INDEX.submitterBase + instance - 1).address;
  const firstBlock: Record<string, number> = {};

  const log = (line: string): void => console.log(`      ${line}`);

  /** Resolves once every chain stores, for every topic, a nonce >= `height`. */
  const allChainsReach = (height: bigint, timeoutMs: number, topics = TOPICS) =>
    until(
      `all chains to store nonce >= ${height} for topics ${topics.join(", ")}`,
      async () => {
        for (const v of views) {
          for (const t of topics) if ((await v.read(t)).nonce < height) return undefined;
        }
        return true;
      },
      timeoutMs,
    );

  const activity = async (v: ChainView, from: number): Promise<OracleActivity> =>
    oracleActivity(v.provider, v.chain.contracts.oracle, from, await v.blockNumber());

  const startRelayer = async (instance: number, configFile?: string): Promise<RelayerHandle> => {
    const r = net.startRelayer(instance, { configFile });
    relayers.set(instance, r);
    const ready = await r.ready(90_000);
    log(`relayer-${instance} ready (pid ${r.child.pid}, hub height ${ready.hubHeight})`);
    return r;
  };

  before(async function () {
    for (const [k, v] of Object.entries(E2E_ENV)) process.env[k] = v;
    const opts = resolveOptions({
      chainPorts: "28545,28546,28547",
      hubPort: "28657",
      metricsPort: "28464",
      stateDir: ".devnet/e2e",
      topics: String(TOPICS.length),
      blockTime: "1000",
      hubBlockTime: "1000",
      relayer: false,
    });
    const t0 = Date.now();
    net = await startLocalNetwork(opts, { log, onStopAvailable: (stop) => (stopNetwork = stop) });
    log(`network up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${net.manifestFile}`);
    views = net.manifest.chains.map((c) => new ChainView(c));
    for (const v of views) firstBlock[v.chain.name] = await v.blockNumber();
    await startRelayer(1);
  });

  after(async function () {
    for (const r of relayers.values()) r.log.close();
    for (const v of views) v.destroy();
    await stopNetwork?.();
    if (net) {
      const deleted = await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace);
      log(`stopped everything; deleted ${deleted} Redis keys under ${net.manifest.namespace}`);
    }
  });

  it("1. every chain's oracle reaches the hub's latest value for each topic", async function () {
    const h0 = BigInt(net.hub.height());
    const t0 = Date.now();
    await allChainsReach(h0, 30_000);
    log(`all chains at hub height >= ${h0} after ${Date.now() - t0} ms`);
    for (const v of views) {
      for (const t of TOPICS) {
        const stored = await v.read(t);
        const hubValue = await hubInferenceAt(net.manifest.hub.rpc, t, stored.nonce);
        expect(hubValue, `hub has an inference for topic ${t} at ${stored.nonce}`).to.be.a("string");
        expect(stored.value, `${v.chain.name} topic ${t} value at nonce ${stored.nonce}`).to.equal(
          hubDecimalToFixed18(hubValue!),
        );
        const hubTime = BigInt(Math.floor(Date.parse((await hubBlock(stored.nonce)).time) / 1000));
        expect(stored.timestamp, "timestamp = hub block time of the nonce").to.equal(hubTime);
      }
    }
    // and the latest: the hub's newest inference (made after h0) reaches every chain too
    const latest = await latestHubInference(net.manifest.hub.rpc, 1);
    await allChainsReach(latest!.height, 15_000);
  });

  it("1b. every chain has a Chainlink-compatible feed per topic in the manifest, serving the oracle's value", async function () {
    for (const v of views) {
      const feeds = v.chain.contracts.feeds;
      expect(Object.keys(feeds).sort(), `${v.chain.name}: contracts.feeds lists every relayed topic`).to.deep.equal(
        TOPICS.map(String).sort(),
      );
      for (const t of TOPICS) {
        const feed = new ethers.Contract(feeds[String(t)], FEED_ABI, v.provider);
        const [decimals, description] = (await Promise.all([feed.decimals(), feed.description()])) as [bigint, string];
        expect(description, `${v.chain.name} feed ${t}`).to.contain(`Allora topic ${t}`);
        // Read the feed and the oracle at the same block: the feed's answer is the oracle's value in its decimals.
        const block = await v.provider.getBlockNumber();
        const [[roundId, answer, , updatedAt, answeredInRound], latestAnswer, stored] = await Promise.all([
          feed.latestRoundData({ blockTag: block }) as Promise<[bigint, bigint, bigint, bigint, bigint]>,
          feed.latestAnswer({ blockTag: block }) as Promise<bigint>,
          v.oracle.latestInference(t, { blockTag: block }) as Promise<[bigint, bigint, bigint]>,
        ]);
        const expected = stored[0] / 10n ** (18n - decimals);
        expect([roundId, answer, answeredInRound, latestAnswer]).to.deep.equal([stored[1], expected, stored[1], expected]);
        expect(updatedAt > 0n && updatedAt <= stored[2]).to.equal(true);
      }
    }
  });

  it("1c. pull mode: the report service serves each topic's attested report on every chain, and verifyAndStore takes it", async function () {
    const relayer = relayers.get(1)!;
    const client = new AlloraReportClient({ baseUrl: `http://127.0.0.1:${relayer.httpPort}` });
    for (const v of views) {
      const reports = await until(
        `${v.chain.name}: attested reports of topics ${TOPICS.join(", ")}`,
        async () => {
          const got = await client.latestMany(v.chain.name, TOPICS).catch(() => undefined);
          return got && got.reports.length === TOPICS.length ? got.reports : undefined;
        },
        30_000,
        500,
      );
      for (const r of reports) {
        expect(r.oracle.toLowerCase(), `${v.chain.name} topic ${r.topic_id}`).to.equal(v.chain.contracts.oracle.toLowerCase());
        const hubValue = await hubInferenceAt(net.manifest.hub.rpc, r.topic_id, BigInt(r.nonce));
        expect(r.value, `${v.chain.name} topic ${r.topic_id} at ${r.nonce}: the hub's value`).to.equal(hubDecimalToFixed18(hubValue!).toString());
      }
      // The calldata works on chain: a user stores the report (or keeps the newer stored value).
      const user = new ethers.NonceManager(hardhatAccount(DEV_ACCOUNT_INDEX.user).connect(v.provider));
      const receipt = await (await user.sendTransaction(client.verifyAndStoreTx(reports[0]))).wait();
      expect(receipt?.status, `${v.chain.name}: verifyAndStore`).to.equal(1);
      expect((await v.read(reports[0].topic_id)).nonce >= BigInt(reports[0].nonce)).to.equal(true);
    }
  });

  async function hubBlock(height: bigint): Promise<{ time: string }> {
    const res = await jsonRpc<{ block: { header: { time: string } } }>(net.manifest.hub.rpc, "block", {
      height: height.toString(),
    });
    return res.block.header;
  }

  it("2. SIGKILL mid-flight and restart: no nonce skipped, nothing posted twice", async function () {
    const from: Record<string, number> = {};
    // From the block after the head: the head may hold earlier cases' transactions (1c stores a pulled report).
    for (const v of views) from[v.chain.name] = (await v.blockNumber()) + 1;
    const relayer = relayers.get(1)!;
    // Wait for a moment when a relayer transaction is sent but not yet mined on some chain.
    const inFlight = await until(
      "a relayer transaction in flight",
      async () => {
        for (const v of views) if (await v.hasPending(submitter(1))) return v.chain.name;
        return undefined;
      },
      20_000,
      20,
    );
    relayer.child.signal("SIGKILL");
    await relayer.child.exited;
    log(`SIGKILLed relayer-1 (${relayer.child.exitReason()}) with a transaction in flight on ${inFlight}`);
    relayer.log.close();
    // The hub moves on while the relayer is down: two blocks it must catch up on after the restart.
    await net.hub.waitForHeight(net.hub.height() + 2, 30_000);
    const downHeight = BigInt(net.hub.height());
    await startRelayer(1);
    await allChainsReach(downHeight + 2n, 60_000);
    for (const v of views) {
      await v.allMined(submitter(1), 20_000); // a skipped account nonce would leave the later ones stuck
      const act = await activity(v, from[v.chain.name]);
      expect(accountNonceGaps(act.txs, submitter(1)), `${v.chain.name} account nonce gaps`).to.deep.equal([]);
      expect(duplicateReports(act.events), `${v.chain.name} reports delivered twice`).to.deep.equal([]);
      expect(
        act.txs.filter((t) => t.status !== 1),
        `${v.chain.name} reverted txs`,
      ).to.deep.equal([]);
      const hubGaps = await skippedNonces(net.manifest.hub.rpc, act.events, TOPICS);
      log(
        `${v.chain.name}: ${act.txs.length} txs, ${act.events.length} reports, ` +
          `hub epochs not carried across the restart: ${hubGaps.length ? hubGaps.join("; ") : "none"}`,
      );
    }
  });

  it("3. a second relayer instance on the same Redis adds no duplicate transactions", async function () {
    const from: Record<string, number> = {};
    // From the block after the head: the head may hold earlier cases' transactions (1c stores a pulled report).
    for (const v of views) from[v.chain.name] = (await v.blockNumber()) + 1;
    const h0 = BigInt(net.hub.height());
    const second = await startRelayer(2);
    try {
      await checkTwoInstances(from, h0, second);
    } finally {
      await second.child.stop(15_000);
      second.log.close();
      relayers.delete(2);
      log(`relayer-2 stopped (${second.child.exitReason()})`);
    }
  });

  async function checkTwoInstances(
    from: Record<string, number>,
    h0: bigint,
    second: RelayerHandle,
  ): Promise<void> {
    // Both instances run side by side for 8 hub epochs (a count of epochs, not seconds of wall time).
    await net.hub.waitForHeight(Number(h0) + 8, 60_000);
    const h2 = BigInt(net.hub.height());
    await allChainsReach(h2, 60_000);
    const epochs = Number(h2 - h0) + 1;
    for (const v of views) {
      const act = await activity(v, from[v.chain.name]);
      expect(duplicateReports(act.events), `${v.chain.name} reports delivered twice`).to.deep.equal([]);
      // Transactions for the window's epochs (by the newest report they carry; the backlog of older epochs
      // that relayer-1 may still be draining is not the second instance's doing): at most one per epoch.
      const newest = (hash: string): bigint =>
        act.events.filter((e) => e.txHash === hash).reduce((m, e) => (e.nonce > m ? e.nonce : m), 0n);
      const windowTxs = act.txs.filter((t) => newest(t.hash) >= h0 && newest(t.hash) <= h2);
      const wasted = windowTxs.filter((t) => t.updated === 0);
      expect(
        wasted.map((t) => t.hash),
        `${v.chain.name} transactions that stored nothing`,
      ).to.deep.equal([]);
      const stale = act.txs.filter((t) => t.updated === 0 && newest(t.hash) < h0);
      if (stale.length)
        log(
          `${v.chain.name}: ${stale.length} tx(s) for epochs before ${h0} stored nothing (restart backlog)`,
        );
      expect(windowTxs.length, `${v.chain.name}: txs for ${epochs} hub epochs`).to.be.at.most(epochs);
      for (const i of [1, 2]) expect(accountNonceGaps(act.txs, submitter(i))).to.deep.equal([]);
      const bySender = [1, 2].map((i) => act.txs.filter((t) => t.from === submitter(i)).length);
      log(
        `${v.chain.name}: ${act.txs.length} txs over hub ${h0}..${h2} (relayer-1 ${bySender[0]}, relayer-2 ${bySender[1]})`,
      );
    }
    expect(second.child.exitReason(), "relayer-2 still running").to.equal(undefined);
  }

  it("4. a malformed hub value is logged with its topic and skipped; the other topic keeps flowing", async function () {
    const relayer = relayers.get(1)!;
    const before2 = await Promise.all(views.map((v) => v.read(2)));
    const faultAt = BigInt(net.hub.height());
    await jsonRpc(net.manifest.hub.rpc, "devnet_injectFault", { topic_id: 1, kind: "malformed", count: 3 });
    const skippedLine: LogLine = await relayer.log.waitFor(
      (l) => l.msg === "malformed inference skipped" && Number(l.topicId) === 1,
      20_000,
      '"malformed inference skipped" for topic 1',
    );
    log(`relayer logged: ${JSON.stringify(skippedLine).slice(0, 300)}`);
    // topic 2 keeps flowing on every chain
    const afterFault = BigInt(net.hub.height());
    await allChainsReach(afterFault + 1n, 60_000, [2]);
    for (const [i, v] of views.entries()) {
      const now = (await v.read(2)).nonce;
      expect(
        now > before2[i].nonce,
        `${v.chain.name} topic 2 moved on from ${before2[i].nonce} (now ${now})`,
      ).to.equal(true);
    }
    // and topic 1 recovers once the fault has passed
    await allChainsReach(afterFault + 4n, 60_000, [1]);
    const badNonces = relayer.log.lines
      .filter((l) => l.msg === "malformed inference skipped" && Number(l.topicId) === 1)
      .map((l) => BigInt(String(l.nonce)));
    expect(badNonces.length).to.be.greaterThan(0);
    for (const v of views) {
      const act = await activity(v, firstBlock[v.chain.name]);
      const stored = act.events.filter((e) => e.kind === "updated" && e.topicId === 1).map((e) => e.nonce);
      for (const n of badNonces)
        expect(stored, `${v.chain.name} stored malformed nonce ${n}`).not.to.include(n);
    }
    log(
      `malformed nonces ${badNonces.join(", ")} (fault injected at hub ${faultAt}) never stored; topic 2 kept flowing`,
    );
  });

  it("5. a paid request gets its topic updated before its heartbeat", async function () {
    const chain = views[2]; // base
    const heartbeatSeconds = 3600;
    // Restart the relayer with updates held back: no deviation triggers them, the heartbeat is an hour.
    // A fresh Redis namespace: jobs queued under the previous policy must not be what updates the topic.
    const cfg = relayerConfigObject(
      { ...net.manifest, namespace: `${net.manifest.namespace}-held` },
      net.attesterKeys.length,
      { deviationBps: 1_000_000, heartbeatSeconds },
    );
    const heldFile = path.join(net.stateDir, "relayer-held.yaml");
    fs.writeFileSync(heldFile, YAML.stringify(cfg));
    const old = relayers.get(1)!;
    await old.child.stop(15_000);
    old.log.close();
    const relayer = await startRelayer(1, heldFile);
    // Let the restarted relayer see a few hub blocks (whatever it posts at start-up lands), then read.
    await net.hub.waitForHeight(net.hub.height() + 3, 30_000);
    await chain.allMined(submitter(1), 20_000);
    const held = await chain.read(1);
    // Deliberately a window in which nothing may happen: four more hub epochs with no update on this chain.
    await net.hub.waitForHeight(net.hub.height() + 4, 30_000);
    await chain.allMined(submitter(1), 20_000);
    const stillHeld = await chain.read(1);
    expect(stillHeld.nonce, "no update without a request (the test's premise)").to.equal(held.nonce);

    const othersBefore = await Promise.all(views.filter((x) => x !== chain).map((v) => v.read(1)));
    const user = hardhatAccount(DEV_ACCOUNT_INDEX.user).connect(chain.provider);
    const token = new ethers.Contract(chain.chain.contracts.token, TOKEN_ABI, chain.provider);
    if (((await token.balanceOf(user.address)) as bigint) === 0n) await fundUser(net.manifest, chain.chain);
    const amount = ethers.parseUnits("3", 18);
    const permit = await signPermit(token, user, chain.chain.contracts.oracle, amount);
    const oracle = oracleAt(chain.chain.contracts.oracle, user);
    const tx = (await oracle.requestInferenceWithPermit(
      1,
      amount,
      permit.deadline,
      permit.v,
      permit.r,
      permit.s,
    )) as ethers.ContractTransactionResponse;
    await tx.wait();
    const updated = await until(
      "the paid topic to be updated",
      async () => {
        const now = await chain.read(1);
        return now.nonce > held.nonce ? now : undefined;
      },
      30_000,
    );
    // Within the 30 s wait while the heartbeat is an hour away: the request, not the heartbeat, updated it.
    log(`paid request on ${chain.chain.name} topic 1: updated ${held.nonce} -> ${updated.nonce}`);
    // The other chains were not paid and stay held back.
    const othersAfter = await Promise.all(views.filter((x) => x !== chain).map((v) => v.read(1)));
    othersAfter.forEach((o, i) =>
      expect(o.nonce, "an unpaid chain was updated").to.equal(othersBefore[i].nonce),
    );
    expect(relayer.child.exitReason()).to.equal(undefined);
  });
});
