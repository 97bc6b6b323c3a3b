/**
 * Chaos: faults of the chains and of the relayer process, on the whole local network (hub devnet, three
 * Hardhat chains each in its own process, the contracts, a relayer child on the real Redis). Nothing is
 * mocked: the faults are signals to real processes and the chains' own mining controls. In order:
 *
 * 1a. a chain's RPC stops answering for 30 s (SIGSTOP of its `hardhat node`), then resumes;
 * 5.  a chain stops mining for 30 s with relayer transactions pending, then mines again;
 * 6.  the relayer is SIGKILLed five times within 20 s while updates and transfers flow;
 * 1b. a chain dies and comes back empty on the same port (a reset chain: no contracts there) - last,
 *     because the chain stays without contracts.
 *
 * Each scenario asserts behaviour (nothing posted twice, no account nonce skipped, caught up, the other
 * chains unaffected) and records what it measured in bench/results/chaos.json (test/chaos/record.ts).
 * Ports 18545-18547 (chains), 18657 (hub), 18464 (relayer HTTP): no other suite uses them.
 */
import { expect } from "chai";
import { ethers } from "ethers";
import { chainNodeSpec, LocalNetwork, startLocalNetwork } from "../../scripts/devnet/network";
import { NetworkOptions, resolveOptions } from "../../scripts/devnet/options";
import { RelayerHandle } from "../../scripts/devnet/relayer";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { jsonRpc, waitFor } from "../../scripts/lib/json-rpc";
import { duplicateReports, oracleActivity, OracleActivity } from "../../scripts/lib/oracle-events";
import { deleteRedisNamespace } from "../../scripts/lib/redis";
import { accountNonceGaps, ChainView, skippedNonces, sleep, until } from "../e2e/helpers";
import { ALLO, bridgeEventIds, E2E_ENV, exactlyOnce, TransferNet } from "../e2e/transfer-helpers";
import { recordScenario } from "./record";

const TOPICS = [1, 2];
const TRANSFER_SENT = ethers.id("TransferSent(bytes32,uint64,uint64,address,bytes,uint256,uint256)");
const OUTAGE_MS = 30_000;

describe("chaos: chains and relayer processes", function () {
  let net: LocalNetwork;
  let opts: NetworkOptions;
  let stopNetwork: (() => Promise<void>) | undefined;
  let views: ChainView[] = [];
  let relayer: RelayerHandle;
  const submitter = hardhatAccount(DEV_ACCOUNT_INDEX.submitterBase).address;
  const log = (line: string): void => console.log(`      ${line}`);
  const view = (name: string): ChainView => views.find((v) => v.chain.name === name)!;
  const hubHeight = (): bigint => BigInt(net.hub.height());

  /** Resolves once each of `chains` stores a nonce >= `height` for every topic. */
  const reach = (chains: ChainView[], height: bigint, timeoutMs: number) =>
    until(
      `${chains.map((c) => c.chain.name).join(", ")} to store nonce >= ${height} for topics ${TOPICS.join(", ")}`,
      async () => {
        for (const v of chains) for (const t of TOPICS) if ((await v.read(t)).nonce < height) return undefined;
        return true;
      },
      timeoutMs,
    );

  const activity = async (v: ChainView, from: number): Promise<OracleActivity> =>
    oracleActivity(v.provider, v.chain.contracts.oracle, from, await v.blockNumber());

  /** The delivery invariants over `from`..head of `v`: duplicates, account nonce gaps, epochs missed. */
  const invariants = async (v: ChainView, from: number) => {
    await v.allMined(submitter, 60_000); // a skipped account nonce would leave the later ones stuck
    const act = await activity(v, from);
    return {
      act,
      duplicates: duplicateReports(act.events),
      // Every transaction of the submitter, not only the oracle's: the transfer pipeline shares its nonces.
      nonceGaps: accountNonceGaps(await sentBy(v, submitter, from), submitter),
      missed: await skippedNonces(net.manifest.hub.rpc, act.events, TOPICS),
      reverted: act.txs.filter((t) => t.status !== 1).map((t) => t.hash),
    };
  };

  /** Every transaction `from` sent in blocks `fromBlock`..head of `v` (any destination). */
  const sentBy = async (v: ChainView, address: string, fromBlock: number): Promise<{ from: string; nonce: number }[]> => {
    const head = await v.blockNumber();
    const txs: { from: string; nonce: number }[] = [];
    for (let n = fromBlock; n <= head; n++) {
      const block = await v.provider.getBlock(n, true);
      for (const tx of block?.prefetchedTransactions ?? []) if (tx.from.toLowerCase() === address.toLowerCase()) txs.push({ from: tx.from, nonce: tx.nonce });
    }
    return txs;
  };

  const startRelayer = async (): Promise<RelayerHandle> => {
    relayer = net.startRelayer(1);
    await relayer.ready(90_000);
    return relayer;
  };

  before(async function () {
    for (const [k, v] of Object.entries(E2E_ENV)) process.env[k] = v;
    opts = resolveOptions({
      chainPorts: "18545,18546,18547",
      hubPort: "18657",
      metricsPort: "18464",
      stateDir: ".devnet/chaos",
      topics: String(TOPICS.length),
      blockTime: "1000",
      hubBlockTime: "1000",
      relayer: false,
      separateChainProcesses: true,
    });
    const t0 = Date.now();
    net = await startLocalNetwork(opts, { log, onStopAvailable: (stop) => (stopNetwork = stop) });
    log(`network up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${net.manifestFile}`);
    views = net.manifest.chains.map((c) => new ChainView(c));
    await startRelayer();
    await reach(views, hubHeight(), 60_000);
  });

  after(async function () {
    relayer?.log.close();
    for (const v of views) v.destroy();
    // A chain left stopped would never exit on SIGTERM.
    for (const c of opts?.chains ?? []) net?.supervisor.get(`chain-${c.name}`)?.signal("SIGCONT");
    await stopNetwork?.();
    if (net) await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace);
  });

  it("1a. a chain's RPC stops answering for 30 s: the others keep every update, it catches up, nothing twice", async function () {
    const paused = view("bnb");
    const others = views.filter((v) => v !== paused);
    const from: Record<string, number> = {};
    for (const v of views) from[v.chain.name] = (await v.blockNumber()) + 1;
    const chain = net.supervisor.get("chain-bnb")!;
    const h0 = hubHeight();
    chain.signal("SIGSTOP");
    const stoppedAt = Date.now();
    log(`SIGSTOP chain-bnb (pid ${chain.pid}) at hub ${h0}`);
    // The other chains during the outage: how far behind the hub they fall (sampled every second).
    let maxLagOthers = 0n;
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      await sleep(1000);
      const h = hubHeight();
      for (const v of others) for (const t of TOPICS) {
        const lag = h - (await v.read(t)).nonce;
        if (lag > maxLagOthers) maxLagOthers = lag;
      }
    }
    const hEnd = hubHeight();
    // Before the chain resumes: the others carried the outage's epochs without it.
    await reach(others, hEnd - 1n, 15_000);
    chain.signal("SIGCONT");
    const resumedAt = Date.now();
    log(`SIGCONT chain-bnb after ${resumedAt - stoppedAt} ms at hub ${hEnd}; others at most ${maxLagOthers} epochs behind meanwhile`);
    await reach([paused], hEnd, 120_000);
    const recoveryMs = Date.now() - resumedAt;
    const hLatest = hubHeight();
    await reach(views, hLatest, 60_000);
    const latestMs = Date.now() - resumedAt;
    log(`bnb stored hub ${hEnd} ${recoveryMs} ms after it resumed; every chain at ${hLatest} after ${latestMs} ms`);
    expect(relayer.child.exitReason(), "the relayer kept running").to.equal(undefined);

    const per: Record<string, unknown> = {};
    let duplicates = 0;
    let gaps = 0;
    let missedOthers = 0;
    for (const v of views) {
      const r = await invariants(v, from[v.chain.name]);
      expect(r.duplicates, `${v.chain.name}: reports stored twice`).to.deep.equal([]);
      expect(r.nonceGaps, `${v.chain.name}: account nonce gaps`).to.deep.equal([]);
      expect(r.reverted, `${v.chain.name}: reverted relayer transactions`).to.deep.equal([]);
      if (v !== paused) expect(r.missed, `${v.chain.name}: hub epochs not delivered during bnb's outage`).to.deep.equal([]);
      duplicates += r.duplicates.length;
      gaps += r.nonceGaps.length;
      if (v !== paused) missedOthers += r.missed.length;
      per[v.chain.name] = { txs: r.act.txs.length, reports: r.act.events.length, epochs_not_stored: r.missed.length };
      log(`${v.chain.name}: ${r.act.txs.length} txs, ${r.act.events.length} reports, epochs not stored: ${r.missed.join("; ") || "none"}`);
    }
    recordScenario("1a-chain-rpc-paused", {
      injected: `SIGSTOP of the bnb chain's hardhat node for ${resumedAt - stoppedAt} ms (TCP connects, nothing answers), then SIGCONT`,
      recovery_ms: recoveryMs,
      recovery_definition: "from SIGCONT until bnb stores, for every topic, the hub height at the end of the outage",
      caught_up_to_latest_ms: latestMs,
      updates_missed: missedOthers,
      updates_missed_definition: "hub epochs never stored on the OTHER chains during the outage",
      other_chains_max_lag_epochs: Number(maxLagOthers),
      duplicates,
      nonce_gaps: gaps,
      per_chain: per,
    });
  });

  it("5. a chain stops mining for 30 s: stuck transactions are replaced at the same nonce within the fee caps, no nonce skipped", async function () {
    const stalled = view("base");
    const rpc = stalled.chain.rpc;
    const from = (await stalled.blockNumber()) + 1;
    const capWei = ethers.parseUnits("500", "gwei"); // maxFeePerGasGwei of the generated relayer config
    const prioCapWei = ethers.parseUnits("5", "gwei"); // maxPriorityFeePerGasGwei
    const replacedLines = () => relayer.log.lines.filter((l) => l.msg === "replaced stuck transaction with higher fees" && l.chain === "base");
    const replacedBefore = replacedLines().length;
    await jsonRpc(rpc, "evm_setAutomine", [false]);
    await jsonRpc(rpc, "evm_setIntervalMining", [0]);
    const stoppedAt = Date.now();
    const h0 = hubHeight();
    await until("a relayer transaction pending on the stalled chain", async () => ((await stalled.hasPending(submitter)) ? true : undefined), 20_000, 100);
    const stuckNonce = await stalled.provider.getTransactionCount(submitter, "latest");
    log(`base stopped mining at hub ${h0}; relayer nonce ${stuckNonce} pending`);
    while (Date.now() - stoppedAt < OUTAGE_MS) await sleep(1000);
    const replaced = replacedLines().slice(replacedBefore);
    const pendingCount = await stalled.provider.getTransactionCount(submitter, "pending");
    const hEnd = hubHeight();
    await jsonRpc(rpc, "evm_setIntervalMining", [stalled.chain.blockTimeMs]);
    const resumedAt = Date.now();
    log(`base mines again after ${resumedAt - stoppedAt} ms; ${replaced.length} replacement(s) at nonce(s) ${[...new Set(replaced.map((l) => l.nonce))].join(", ")}; pending up to nonce ${pendingCount - 1}`);
    await reach([stalled], hEnd, 90_000);
    const recoveryMs = Date.now() - resumedAt;
    expect(relayer.child.exitReason(), "the relayer kept running").to.equal(undefined);

    expect(replaced.length, "the stuck transaction was replaced with higher fees").to.be.greaterThan(0);
    // Several batches may be in flight (maxInFlight): each stuck one is replaced at its own nonce, none elsewhere.
    const replacedNonces = [...new Set(replaced.map((l) => Number(l.nonce)))].sort((a, b) => a - b);
    expect(replacedNonces.every((n) => n >= stuckNonce && n < pendingCount), `replacements only at the stuck nonces ${stuckNonce}..${pendingCount - 1}: ${replacedNonces.join(", ")}`).to.equal(true);
    const r = await invariants(stalled, from);
    expect(r.duplicates, "reports stored twice").to.deep.equal([]);
    expect(r.nonceGaps, "account nonce gaps").to.deep.equal([]);
    expect(r.reverted, "reverted relayer transactions").to.deep.equal([]);
    // What was mined for each replaced nonce: exactly one transaction (a replacement or the original), within the caps.
    const mined: ethers.TransactionResponse[] = [];
    for (const n of replacedNonces) {
      const atNonce = r.act.txs.filter((t) => t.nonce === n && t.from.toLowerCase() === submitter.toLowerCase());
      expect(atNonce, `one transaction mined at nonce ${n}`).to.have.length(1);
      const tx = (await stalled.provider.getTransaction(atNonce[0].hash))!;
      expect(tx.maxFeePerGas! <= capWei && tx.maxPriorityFeePerGas! <= prioCapWei, `nonce ${n}: mined fees within the caps`).to.equal(true);
      mined.push(tx);
    }
    const tx = mined[0];
    log(`nonces ${replacedNonces.join(", ")} each mined once; nonce ${tx.nonce} with maxFee ${ethers.formatUnits(tx.maxFeePerGas!, "gwei")} gwei / tip ${ethers.formatUnits(tx.maxPriorityFeePerGas!, "gwei")} gwei; base at hub ${hEnd} ${recoveryMs} ms after mining resumed; epochs not stored: ${r.missed.join("; ") || "none"}`);
    recordScenario("5-chain-stops-mining", {
      injected: `base stopped mining (evm_setAutomine false, evm_setIntervalMining 0) for ${resumedAt - stoppedAt} ms with a relayer transaction pending`,
      recovery_ms: recoveryMs,
      recovery_definition: "from mining resumed until base stores, for every topic, the hub height at the end of the stall",
      replacements: replaced.length,
      replaced_nonces: replacedNonces,
      mined_fees_gwei_first_replaced_nonce: { maxFeePerGas: ethers.formatUnits(tx.maxFeePerGas!, "gwei"), maxPriorityFeePerGas: ethers.formatUnits(tx.maxPriorityFeePerGas!, "gwei") },
      fee_caps_gwei: { maxFeePerGas: "500", maxPriorityFeePerGas: "5" },
      updates_missed: r.missed.length,
      updates_missed_definition: "hub epochs not stored on base between two stored ones (epochs passed while it was stalled are superseded by the latest, by design)",
      duplicates: r.duplicates.length,
      nonce_gaps: r.nonceGaps.length,
    });
  });

  it("6. five SIGKILLs of the relayer within 20 s under load: every report at most once, every transfer once, no nonce gaps", async function () {
    const tn = new TransferNet(net);
    const eth = tn.chain("ethereum");
    const base = tn.chain("base");
    try {
      const from: Record<string, number> = {};
      for (const v of views) from[v.chain.name] = (await v.blockNumber()) + 1;
      const ethFrom = await eth.provider.getBlockNumber();
      const baseFrom = await base.provider.getBlockNumber();
      const user = tn.user.address;
      const baseBefore = await base.balanceOf(user);
      // Kill points (ms after each start): some before the relayer is ready, some mid-flight.
      const killAfter = [2500, 4000, 3000, 4500, 3500];
      const t0 = Date.now();
      const sends: Promise<unknown>[] = [];
      for (const [i, ms] of killAfter.entries()) {
        if (i > 0) relayer = net.startRelayer(1);
        // The load: a transfer ethereum -> base while the relayer starts and dies.
        sends.push(eth.bridge.sendToChain(base.c.chainId, user, ALLO).then((tx) => (tx as ethers.ContractTransactionResponse).wait()));
        await sleep(ms);
        relayer.child.signal("SIGKILL");
        await relayer.child.exited;
        relayer.log.close();
      }
      const killedFor = Date.now() - t0;
      await Promise.all(sends);
      log(`5 SIGKILLs in ${killedFor} ms; ${sends.length} transfers ethereum -> base sent meanwhile`);
      const restartedAt = Date.now();
      await startRelayer();
      const h = hubHeight();
      await reach(views, h, 90_000);
      const caughtUpMs = Date.now() - restartedAt;
      await until("the transfers minted on base", async () => ((await base.balanceOf(user)) === baseBefore + BigInt(sends.length) * ALLO ? true : undefined), 120_000, 500);
      const deliveredMs = Date.now() - restartedAt;
      const sentLogs = await eth.provider.getLogs({ address: eth.c.contracts.bridge, fromBlock: ethFrom + 1, toBlock: "latest", topics: [TRANSFER_SENT] });
      const sent = sentLogs.map((l) => l.topics[1].toLowerCase());
      const delivered = await bridgeEventIds(base, "TransferDelivered", baseFrom + 1);
      expect(sent, "transfers sent").to.have.length(sends.length);
      expect(exactlyOnce(sent, delivered), "every transfer delivered exactly once").to.equal(undefined);

      let duplicates = 0;
      let gaps = 0;
      let missed = 0;
      for (const v of views) {
        const r = await invariants(v, from[v.chain.name]);
        expect(r.duplicates, `${v.chain.name}: reports stored twice`).to.deep.equal([]);
        expect(r.nonceGaps, `${v.chain.name}: account nonce gaps`).to.deep.equal([]);
        duplicates += r.duplicates.length;
        gaps += r.nonceGaps.length;
        missed += r.missed.length;
        log(`${v.chain.name}: ${r.act.txs.length} txs (${r.reverted.length} reverted), ${r.act.events.length} reports; epochs not stored: ${r.missed.join("; ") || "none"}`);
      }
      log(`after the last restart: every chain at hub ${h} in ${caughtUpMs} ms, transfers delivered in ${deliveredMs} ms`);
      recordScenario("6-repeated-sigkill", {
        injected: `relayer SIGKILLed ${killAfter.length} times in ${killedFor} ms (${killAfter.join("/")} ms after each start), ${sends.length} transfers ethereum -> base sent meanwhile`,
        recovery_ms: caughtUpMs,
        recovery_definition: "from the final restart until every chain stores, for every topic, the hub height at that restart",
        transfers_delivered_ms: deliveredMs,
        transfers_sent: sent.length,
        transfers_delivered_once: sent.length,
        updates_missed: missed,
        updates_missed_definition: "hub epochs not stored between two stored ones while the relayer was down (superseded by the latest, by design)",
        duplicates,
        nonce_gaps: gaps,
      });
    } finally {
      tn.destroy();
    }
  });

  it("1b. a chain is reset (dies, comes back empty on the same port): reported, the relayer keeps running, the others keep flowing", async function () {
    const resetChain = view("bnb");
    const others = views.filter((v) => v !== resetChain);
    const c = opts.chains.find((x) => x.name === "bnb")!;
    const old = net.supervisor.get("chain-bnb")!;
    old.signal("SIGKILL");
    const resetAt = Date.now();
    await old.exited;
    const fresh = net.supervisor.start(chainNodeSpec(opts.chains, c));
    await waitFor("the reset bnb chain", () => jsonRpc<string>(resetChain.chain.rpc, "eth_chainId", [], 1000), { timeoutMs: 60_000, intervalMs: 200 });
    const h0 = hubHeight();
    log(`bnb chain reset (new pid ${fresh.pid}) at hub ${h0}`);
    const alert = await relayer.log.waitFor((l) => l.alert === "chain_reset" && l.chain === "bnb", 60_000, 'alert "chain_reset" for bnb');
    const detectedMs = Date.now() - resetAt;
    log(`relayer reported: ${JSON.stringify(alert).slice(0, 300)}`);
    await reach(others, h0 + 5n, 60_000);
    await sleep(5000);
    expect(relayer.child.exitReason(), "the relayer kept running").to.equal(undefined);
    const sentToReset = await resetChain.provider.getTransactionCount(submitter, "pending");
    recordScenario("1b-chain-reset", {
      injected: "bnb's hardhat node SIGKILLed and started again empty (same chain id, same port, no contracts)",
      detected_ms: detectedMs,
      detected_definition: "from the SIGKILL of the old chain until the relayer's chain_reset alert (includes the new node's start-up)",
      detection: `${alert.msg}`,
      relayer_kept_running: true,
      other_chains_kept_flowing: true,
      transactions_sent_to_reset_chain: sentToReset,
    });
    expect(sentToReset, "transactions the relayer sent to the empty chain").to.equal(0);
  });
});

