/**
 * Chaos: the hub stops answering, and RPC endpoints answer badly, on the whole local network (hub devnet,
 * three Hardhat chains each in its own process, the bridges, one relayer child on the real Redis). The
 * relayer reaches the hub and bnb through test/chaos/rpc-proxy.ts: real HTTP servers in front of the real
 * nodes, switched between answering, hanging, garbage, JSON-RPC errors, malformed protobuf, oversized
 * bodies and another chain's node. Two URLs each (hub.rpcUrls, bnb's rpcUrls), both through a proxy.
 *
 * 2a. the hub stops answering for 30 s (both URLs) while a hub -> EVM deposit and an EVM -> hub burn are
 *     made: the relayer resumes, back-fills the blocks it missed, delivers both, posts the latest;
 * 7.  bad answers: bnb's first URL returns garbage JSON, then its second JSON-RPC errors, then a fallback
 *     that serves another chain id; the hub's first URL malformed protobuf, its second an oversized body:
 *     each logged with the endpoint, the next URL tried, the other chains and topics keep flowing;
 * 2b. the hub stops answering for longer than maxBackfillBlocks (8, so ~15 s): the relayer skips to the
 *     latest inferences (values never go backwards) and still delivers the transfers made meanwhile.
 *
 * Ports 14545-14547 (chains), 14657 (hub), 14464 (relayer HTTP), 14550-14551 and 14660-14661 (proxies).
 */
import { expect } from "chai";
import { ethers } from "ethers";
import { coins, StargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { cosmosBridgeChainId } from "../../lib/chains";
import { depositMemo } from "../../relayer/transfer/memo";
import type { LogLine } from "../../scripts/lib/log-watch";
import { sleep, until } from "../e2e/helpers";
import { ALLO, bridgeEventIds, escrowPayments, exactlyOnce, newHubAddress, TransferNet } from "../e2e/transfer-helpers";
import { FaultNet, Invariants, log } from "./fault-net";
import { recordScenario } from "./record";
import { RpcProxy } from "./rpc-proxy";

const TOPICS = [1, 2];
const OUTAGE_MS = 30_000;
const SMALL_BACKFILL = 8;
const TRANSFER_SENT = ethers.id("TransferSent(bytes32,uint64,uint64,address,bytes,uint256,uint256)");

describe("chaos: the hub stops answering, RPCs answer badly", function () {
  let f: FaultNet;
  let tn: TransferNet;
  let comet: Comet38Client;
  let hubQuery: StargateClient;
  const hubA = new RpcProxy(14660, "http://127.0.0.1:14657");
  const hubB = new RpcProxy(14661, "http://127.0.0.1:14657");
  const bnbA = new RpcProxy(14550, "http://127.0.0.1:14546");
  const bnbB = new RpcProxy(14551, "http://127.0.0.1:14546");
  const proxies = [hubA, hubB, bnbA, bnbB];
  let configFile = "";

  const lines = (pred: (l: LogLine) => boolean): LogLine[] => f.relayer!.log.lines.filter(pred);
  /** The first line matching `pred` logged at or after `since` (ms). */
  const waitLog = (since: number, pred: (l: LogLine) => boolean, what: string, timeoutMs = 60_000) =>
    f.relayer!.log.waitFor((l) => Date.parse(String(l.time)) >= since && pred(l), timeoutMs, what);

  before(async function () {
    for (const p of proxies) await p.start();
    f = await FaultNet.start({ chains: "14545,14546,14547", hub: 14657, metrics: 14464 }, ".devnet/chaos-hub-rpc", TOPICS);
    configFile = f.writeConfig("relayer-proxied", (c) => {
      c.hub.rpcUrls = [hubA.url, hubB.url];
      c.chains.find((x) => x.name === "bnb")!.rpcUrls = [bnbA.url, bnbB.url];
    });
    tn = new TransferNet(f.net);
    comet = await Comet38Client.connect(f.net.manifest.hub.rpc);
    hubQuery = await StargateClient.connect(f.net.manifest.hub.rpc);
    await f.startRelayer(configFile);
    await f.reach(f.views, f.hubHeight(), 60_000);
  });

  after(async function () {
    comet?.disconnect();
    hubQuery?.disconnect();
    tn?.destroy();
    for (const p of proxies) await p.stop();
    await f?.stop();
  });

  /** A hub -> ethereum deposit and an ethereum -> hub burn, made straight to the real nodes. */
  const makeTransfers = async () => {
    const eth = tn.chain("ethereum");
    const alice = await tn.hubClient("alice");
    const hubRecipient = await newHubAddress();
    const ethFrom = await eth.provider.getBlockNumber();
    const deposit = await alice.client.sendTokens(alice.address, f.net.manifest.hub.escrow!, coins((2n * ALLO).toString(), "uallo"), "auto", depositMemo(eth.c.chainId, tn.user.address));
    alice.client.disconnect();
    expect(deposit.code, "the deposit tx").to.equal(0);
    const burn = await (await eth.bridge.sendToHub(hubRecipient, ALLO)).wait();
    const burnId = burn!.logs.find((l: ethers.Log) => l.topics[0] === TRANSFER_SENT)!.topics[1].toLowerCase();
    return { eth, ethFrom, hubRecipient, burnId, depositTx: deposit.transactionHash };
  };

  /** Waits for both transfers and checks each was paid exactly once; returns the ms until both were. */
  const delivered = async (t: Awaited<ReturnType<typeof makeTransfers>>, since: number) => {
    const hubChain = cosmosBridgeChainId(f.net.manifest.hub.chainId);
    await until("the burn released on the hub", async () => (BigInt((await hubQuery.getBalance(t.hubRecipient, "uallo")).amount) === ALLO ? true : undefined), 120_000, 500);
    await until("the deposit delivered on ethereum", async () => ((await bridgeEventIds(t.eth, "TransferDelivered", t.ethFrom + 1)).length >= 1 ? true : undefined), 120_000, 500);
    const ms = Date.now() - since;
    const deliveredIds = await bridgeEventIds(t.eth, "TransferDelivered", t.ethFrom + 1);
    expect(deliveredIds, "one delivery on ethereum (the deposit)").to.have.length(1);
    const { released } = await escrowPayments(comet, f.net.manifest.hub.escrow!, hubChain);
    expect(exactlyOnce([t.burnId], released), "the burn released exactly once").to.equal(undefined);
    return ms;
  };

  /** Asserts the invariants on every chain from `from`; returns their totals. */
  const checkAll = async (from: Record<string, number>) => {
    const per: Record<string, Invariants> = {};
    for (const v of f.views) {
      const r = await f.invariants(v, from[v.chain.name]);
      expect(r.duplicates, `${v.chain.name}: reports stored twice`).to.deep.equal([]);
      expect(r.backwards, `${v.chain.name}: values going backwards`).to.deep.equal([]);
      expect(r.nonceGaps, `${v.chain.name}: account nonce gaps`).to.deep.equal([]);
      expect(r.reverted, `${v.chain.name}: reverted relayer transactions`).to.deep.equal([]);
      per[v.chain.name] = r;
      log(`${v.chain.name}: ${r.act.txs.length} txs, ${r.act.events.length} reports, epochs skipped: ${r.skipped.map((s) => `topic ${s.topic}: ${s.nonces.length}`).join(", ")}`);
    }
    const skipped = Object.values(per).reduce((n, r) => n + r.skipped.reduce((m, s) => m + s.nonces.length, 0), 0);
    return { per, skipped };
  };

  /** The hub stops answering on both URLs until `done`; transfers are made meanwhile. */
  const hubOutage = async (done: (startedAt: number, h0: bigint) => boolean) => {
    const from = await f.marks();
    const h0 = f.hubHeight();
    hubA.setMode("hang");
    hubB.setMode("hang");
    const stoppedAt = Date.now();
    log(`hub stops answering at hub ${h0}`);
    const transfers = await makeTransfers();
    while (!done(stoppedAt, h0)) await sleep(500);
    const hEnd = f.hubHeight();
    hubA.setMode("pass");
    hubB.setMode("pass");
    const resumedAt = Date.now();
    log(`hub answers again after ${resumedAt - stoppedAt} ms at hub ${hEnd} (${hEnd - h0} blocks missed)`);
    await f.reach(f.views, hEnd, 120_000);
    const recoveryMs = Date.now() - resumedAt;
    const transfersMs = await delivered(transfers, resumedAt);
    expect(f.relayer!.child.exitReason(), "the relayer kept running").to.equal(undefined);
    log(`every chain at hub ${hEnd} ${recoveryMs} ms after; transfers delivered ${transfersMs} ms after`);
    return { from, h0, hEnd, stoppedAt, resumedAt, recoveryMs, transfersMs };
  };

  it("2a. the hub stops answering for 30 s: back-filled, both transfers delivered once, the latest posted", async function () {
    const o = await hubOutage((t0) => Date.now() - t0 >= OUTAGE_MS);
    const { skipped } = await checkAll(o.from);
    recordScenario("2a-hub-stops-answering", {
      injected: `both hub RPC URLs stop answering (proxy holds every request, websocket paused) for ${o.resumedAt - o.stoppedAt} ms (${o.hEnd - o.h0} hub blocks, maxBackfillBlocks 2000); a hub -> ethereum deposit and an ethereum -> hub burn made meanwhile`,
      recovery_ms: o.recoveryMs,
      recovery_definition: "from the hub answering again until every chain stores, for every topic, the hub height at that moment",
      transfers_delivered_ms: o.transfersMs,
      transfers_lost: 0,
      transfers_paid_twice: 0,
      hub_blocks_missed_by_relayer: Number(o.hEnd - o.h0),
      updates_missed: skipped,
      updates_missed_definition: "hub epochs between two stored ones never stored, summed over chains and topics (back-filled blocks are scheduled in order; a newer epoch may supersede one still queued)",
      duplicates: 0,
      nonce_gaps: 0,
    });
  });

  it("7a. bnb's first RPC URL answers garbage JSON: logged with the endpoint, the second URL takes over", async function () {
    const h0 = f.hubHeight();
    const from = await f.marks();
    const t0 = Date.now();
    bnbA.setMode("garbage");
    const line = await waitLog(t0, (l) => l.msg === "EVM RPC failover" && l.chain === "bnb" && l.from === bnbA.url, "bnb's failover from the garbage URL");
    const failoverMs = Date.now() - t0;
    log(`failover after ${failoverMs} ms: ${JSON.stringify(line).slice(0, 300)}`);
    await f.reach(f.views, h0 + 5n, 60_000);
    const { skipped } = await checkAll(from);
    bnbA.setMode("pass");
    expect(bnbA.answered.garbage, "garbage answers served").to.be.greaterThan(0);
    recordScenario("7a-evm-rpc-garbage-json", {
      injected: "bnb's first RPC URL answers HTTP 200 with a body that is not JSON",
      failover_ms: failoverMs,
      failover_definition: "from the fault until the relayer's `EVM RPC failover` line naming the bad URL",
      logged: String(line.err ?? "").slice(0, 200),
      garbage_answers_served: bnbA.answered.garbage,
      updates_missed: skipped,
      duplicates: 0,
      nonce_gaps: 0,
    });
  });

  it("7b. bnb's RPC answers JSON-RPC errors: logged with the endpoint, the other URL takes over", async function () {
    const h0 = f.hubHeight();
    const from = await f.marks();
    const t0 = Date.now();
    bnbB.setMode("error");
    const line = await waitLog(t0, (l) => l.msg === "EVM RPC failover" && l.chain === "bnb" && l.from === bnbB.url, "bnb's failover from the erroring URL");
    const failoverMs = Date.now() - t0;
    log(`failover after ${failoverMs} ms: ${JSON.stringify(line).slice(0, 300)}`);
    await f.reach(f.views, h0 + 5n, 60_000);
    const { skipped } = await checkAll(from);
    bnbB.setMode("pass");
    recordScenario("7b-evm-rpc-errors", {
      injected: "bnb's RPC URL in use answers every call with a JSON-RPC error (-32603 internal error)",
      failover_ms: failoverMs,
      failover_definition: "from the fault until the relayer's `EVM RPC failover` line naming the bad URL",
      logged: String(line.err ?? "").slice(0, 200),
      error_answers_served: bnbB.answered.error,
      updates_missed: skipped,
      duplicates: 0,
      nonce_gaps: 0,
    });
  });

  it("7c. bnb fails over to a URL serving another chain id: skipped with an alert, bnb waits, the others flow", async function () {
    const from = await f.marks();
    const base = f.view("base");
    const t0 = Date.now();
    bnbB.setTarget(base.chain.rpc); // the fallback now serves base (chain id 31339), not bnb (31338)
    bnbA.setMode("error");
    const alert = await waitLog(t0, (l) => l.alert === "wrong_chain" && l.chain === "bnb" && l.url === bnbB.url, "wrong_chain alert naming bnb's fallback");
    const detectedMs = Date.now() - t0;
    log(`alert after ${detectedMs} ms: ${JSON.stringify(alert).slice(0, 300)}`);
    const h1 = f.hubHeight();
    const others = f.views.filter((v) => v.chain.name !== "bnb");
    await f.reach(others, h1 + 5n, 60_000);
    const bnbStored = (await f.view("bnb").read(TOPICS[0])).nonce;
    bnbA.setMode("pass");
    bnbB.setTarget(f.view("bnb").chain.rpc);
    const resumedAt = Date.now();
    const h2 = f.hubHeight();
    await f.reach(f.views, h2, 60_000);
    const recoveryMs = Date.now() - resumedAt;
    const { skipped } = await checkAll(from);
    expect(bnbStored < h1 + 5n, "bnb stored nothing from the wrong chain's URL while the others moved on").to.equal(true);
    recordScenario("7c-evm-rpc-wrong-chain-after-failover", {
      injected: "bnb's first URL answers JSON-RPC errors; its fallback URL serves base's node (chain id 31339, bnb is 31338)",
      detected_ms: detectedMs,
      detected_definition: "from the fault until the `wrong_chain` alert naming the fallback URL",
      recovery_ms: recoveryMs,
      recovery_definition: "from the first URL answering again until bnb stores the hub height of that moment",
      other_chains_kept_flowing: true,
      updates_missed: skipped,
      duplicates: 0,
      nonce_gaps: 0,
    });
  });

  /** Breaks the hub URL the relayer uses with `mode`; waits for the log line naming it and for the topics to flow. */
  const badHub = async (mode: "malformed-protobuf" | "oversized", name: string): Promise<LogLine> => {
    // The URL in use: the last one the relayer connected to.
    const inUse = lines((l) => l.msg === "hub connected").pop()?.url;
    const proxy = [hubA, hubB].find((p) => p.url === inUse);
    if (!proxy) throw new Error(`the relayer is connected to ${String(inUse)}, not to one of the hub proxies`);
    const from = await f.marks();
    const seen = f.relayer!.log.lines.length;
    const t0 = Date.now();
    proxy.setMode(mode);
    try {
      return await hubFailover(proxy, mode, name, from, seen, t0);
    } finally {
      proxy.setMode("pass");
    }
  };

  const hubFailover = async (proxy: RpcProxy, mode: string, name: string, from: Record<string, number>, seen: number, t0: number) => {
    const line = await waitLog(t0, (l) => l.msg === "hub failover" && l.from === proxy.url, `the hub failover away from ${proxy.url}`, 90_000);
    const failoverMs = Date.now() - t0;
    const named = lines((l) => l.url === proxy.url && l.level !== undefined && l.level >= 40).filter((l) => f.relayer!.log.lines.indexOf(l) >= seen);
    log(`hub failover after ${failoverMs} ms; ${named.length} warnings naming ${proxy.url}, first: ${JSON.stringify(named[0] ?? {}).slice(0, 300)}`);
    const h = f.hubHeight();
    await f.reach(f.views, h + 3n, 60_000);
    const flowingMs = Date.now() - t0;
    const { skipped } = await checkAll(from);
    expect(named.length, `warnings naming ${proxy.url}`).to.be.greaterThan(0);
    recordScenario(name, {
      injected: `the hub RPC URL in use (${proxy.url}) answers ${mode === "oversized" ? `every request with a ${proxy.oversizedBytes / 1024 / 1024} MiB JSON body` : "abci_query with protobuf bytes that do not decode"}; the other hub URL is fine`,
      failover_ms: failoverMs,
      failover_definition: "from the fault until the relayer's `hub failover` line naming the bad URL",
      flowing_ms: flowingMs,
      flowing_definition: "from the fault until every chain stores the hub height at the failover + 3",
      logged: String(named[0]?.err ?? "").slice(0, 200),
      updates_missed: skipped,
      duplicates: 0,
      nonce_gaps: 0,
    });
    return line;
  };

  it("7d. the hub's URL in use answers malformed protobuf: logged with the endpoint, the next URL tried, topics flow", async function () {
    await badHub("malformed-protobuf", "7d-hub-malformed-protobuf");
  });

  it("7e. the hub's URL in use answers an oversized body: refused, logged with the endpoint, the next URL tried", async function () {
    await badHub("oversized", "7e-hub-oversized-response");
  });

  it("2b. the hub stops answering for longer than maxBackfillBlocks: the latest posted, no value back, transfers delivered", async function () {
    await f.stopRelayer();
    const small = f.writeConfig("relayer-small-backfill", (c) => {
      c.hub.rpcUrls = [hubA.url, hubB.url];
      c.hub.maxBackfillBlocks = SMALL_BACKFILL;
    });
    await f.startRelayer(small);
    await f.reach(f.views, f.hubHeight(), 60_000);
    const o = await hubOutage((_t0, h0) => f.hubHeight() >= h0 + BigInt(2 * SMALL_BACKFILL));
    const gap = lines((l) => l.msg === "hub: gap beyond maxBackfillBlocks; resuming from the latest inferences");
    expect(gap, "the relayer said it skipped to the latest inferences").to.have.length.greaterThan(0);
    log(`relayer: ${JSON.stringify(gap[0]).slice(0, 300)}`);
    const { skipped } = await checkAll(o.from);
    recordScenario("2b-hub-stops-answering-beyond-backfill", {
      injected: `both hub RPC URLs stop answering for ${o.resumedAt - o.stoppedAt} ms (${o.hEnd - o.h0} hub blocks, maxBackfillBlocks ${SMALL_BACKFILL}); a hub -> ethereum deposit and an ethereum -> hub burn made meanwhile`,
      recovery_ms: o.recoveryMs,
      recovery_definition: "from the hub answering again until every chain stores, for every topic, the hub height at that moment",
      transfers_delivered_ms: o.transfersMs,
      transfers_lost: 0,
      transfers_paid_twice: 0,
      hub_blocks_missed_by_relayer: Number(o.hEnd - o.h0),
      updates_missed: skipped,
      updates_missed_definition: "hub epochs never stored, summed over chains and topics: the gap's epochs are skipped by design (the latest is posted; the oracle never stores an older value)",
      values_going_backwards: 0,
      duplicates: 0,
      nonce_gaps: 0,
    });
  });
});
