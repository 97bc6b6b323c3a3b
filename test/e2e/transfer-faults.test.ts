/**
 * End to end: transfers survive what can go wrong around the relayer, on the whole local network (hub devnet,
 * three Hardhat chains, the relayer as a real child process on a real Redis), one network start for all cases:
 *
 * 1. the relayer's Redis namespace emptied while transfers of every route are in flight: each carried exactly
 *    once, and the reconciliation exact;
 * 2. SIGKILL mid EVM -> EVM delivery, restart: each minted exactly once;
 * 3. SIGKILL mid refund, restart: each deposit refunded exactly once;
 * 4. a hostile Redis while the relayer is down: checkpoints forged below the head and above real transfers, a
 *    forged completed job for an undelivered transfer, forged data (other amount and recipient) under a real
 *    job id: all still carried exactly once from the chains' truth, the forgery refused and alerted;
 * 5. a delivery over the destination's inbound limit queued, then released by the daemon exactly once (a small
 *    limit set by the bridge admin; the limit window passed with Hardhat's evm_increaseTime).
 *
 * Ports, state directory and Redis namespace are the file's own.
 */
import { expect } from "chai";
import { ethers } from "ethers";
import IORedis, { type Redis } from "ioredis";
import { Queue, Worker } from "bullmq";
import { coins, StargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { LocalNetwork, startLocalNetwork } from "../../scripts/devnet/network";
import { resolveOptions } from "../../scripts/devnet/options";
import { RelayerHandle } from "../../scripts/devnet/relayer";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../../scripts/lib/dev-keys";
import { deleteRedisNamespace } from "../../scripts/lib/redis";
import { cosmosBridgeChainId } from "../../lib/chains";
import { depositMemo } from "../../relayer/transfer/memo";
import { decodeTransferSent, TRANSFER_SENT_TOPIC, type SentTransfer } from "../../relayer/transfer/evm-source";
import { sentJob } from "../../relayer/transfer/sources";
import { deliverJobId, ESCROW_QUEUE, releaseJobId } from "../../relayer/transfer/jobs";
import { transferQueueName } from "../../relayer/transfer/pipeline";
import { sleep, until } from "./helpers";
import { ALLO, bridgeEventIds, bridgeEvents, E2E_ENV, escrowPayments, exactlyOnce, newHubAddress, sigkill, TransferNet, type UserChain } from "./transfer-helpers";

const ADMIN_ABI = [
  "function setRemoteChainLimits(uint64 chain, uint256 outboundCapacity, uint256 inboundCapacity)",
  "function limits(uint64 chain) view returns (uint256 outboundCapacity, uint256 outboundAvailable, uint256 inboundCapacity, uint256 inboundAvailable)",
];

describe("e2e: transfer faults (Redis emptied or forged, SIGKILL, queued releases)", function () {
  let net: LocalNetwork;
  let tn: TransferNet;
  let stopNetwork: (() => Promise<void>) | undefined;
  let relayer: RelayerHandle;
  let comet: Comet38Client;
  let hubQuery: StargateClient;
  let redis: Redis;
  let escrow: string;
  const log = (line: string): void => console.log(`      ${line}`);
  const submitter = hardhatAccount(DEV_ACCOUNT_INDEX.submitterBase).address;

  const startRelayer = async (): Promise<RelayerHandle> => {
    relayer = net.startRelayer(1);
    await relayer.ready(90_000);
    return relayer;
  };
  /** The transfers a receipt's TransferSent logs describe. */
  const sentOf = (chain: UserChain, receipt: ethers.TransactionReceipt | null): SentTransfer[] =>
    receipt!.logs
      .filter((l) => l.topics[0] === TRANSFER_SENT_TOPIC && l.address.toLowerCase() === chain.c.contracts.bridge.toLowerCase())
      .map((l) => decodeTransferSent(l, BigInt(chain.c.chainId), chain.c.contracts.bridge, cosmosBridgeChainId(net.manifest.hub.chainId), "allo"));
  const send = async (from: UserChain, to: UserChain, amount: bigint): Promise<SentTransfer> => sentOf(from, await (await from.bridge.sendToChain(to.c.chainId, tn.user.address, amount)).wait())[0];
  /** Repairs of forged or stale jobs this relayer run logged: none is expected while nobody forges anything. */
  const repairs = (r: RelayerHandle) => r.log.lines.filter((l) => l.alert === "forged_job" || l.alert === "stale_job" || l.alert === "transfer_refused");
  const hubBalance = async (who: string) => BigInt((await hubQuery.getBalance(who, "uallo")).amount);
  const reconciled = () =>
    until(
      "the reconciliation to balance with nothing in flight",
      async () => {
        const r = await tn.cli(["reconcile", "--json"]);
        const json = JSON.parse(r.out || "{}") as { ok?: boolean; delta?: string; inFlightTransfers?: unknown[] };
        return r.code === 0 && json.ok && json.inFlightTransfers?.length === 0 ? json : undefined;
      },
      60_000,
      1_000,
    );

  before(async function () {
    for (const [k, v] of Object.entries(E2E_ENV)) process.env[k] = v;
    const opts = resolveOptions({
      chainPorts: "32545,32546,32547",
      hubPort: "32657",
      metricsPort: "32464",
      stateDir: ".devnet/e2e-transfer-faults",
      topics: "1",
      blockTime: "1000",
      hubBlockTime: "1000",
      relayer: false,
    });
    net = await startLocalNetwork(opts, { log, onStopAvailable: (stop) => (stopNetwork = stop) });
    tn = new TransferNet(net);
    comet = await Comet38Client.connect(net.manifest.hub.rpc);
    hubQuery = await StargateClient.connect(net.manifest.hub.rpc);
    redis = new IORedis(net.manifest.redis, { maxRetriesPerRequest: null });
    escrow = net.manifest.hub.escrow!;
    await startRelayer();
  });

  after(async function () {
    relayer?.log.close();
    comet?.disconnect();
    hubQuery?.disconnect();
    tn?.destroy();
    await stopNetwork?.();
    if (net) await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace);
    redis?.disconnect();
  });

  it("1. Redis emptied while transfers of every route are in flight: each carried exactly once, reconciliation exact", async function () {
    const [eth, bnb, base] = ["ethereum", "bnb", "base"].map((n) => tn.chain(n));
    const alice = await tn.hubClient("alice");
    const bob = await tn.hubClient("bob");
    const ethBefore = await eth.balanceOf(tn.user.address);
    const bnbBefore = await bnb.balanceOf(tn.user.address);
    // From the block after the latest one now (which may hold the devnet faucet's delivery).
    const [ethFrom, bnbFrom] = (await Promise.all([eth.provider.getBlockNumber(), bnb.provider.getBlockNumber()])).map((b) => b + 1);
    const hubRecipient = await newHubAddress();
    for (let i = 1n; i <= 3n; i++) {
      const r = await alice.client.sendTokens(alice.address, escrow, coins((i * ALLO).toString(), "uallo"), "auto", depositMemo(eth.c.chainId, tn.user.address));
      expect(r.code, r.rawLog).to.equal(0);
    }
    const bad = await bob.client.sendTokens(bob.address, escrow, coins("777", "uallo"), "auto", "no memo for the bridge");
    expect(bad.code, bad.rawLog).to.equal(0);
    const evm = [await send(eth, bnb, ALLO), await send(eth, bnb, 2n * ALLO)];
    const release = sentOf(base, await (await base.bridge.sendToHub(hubRecipient, ALLO)).wait())[0];

    // Empty the namespace as soon as the first of them is done: the others are in flight.
    await until("a first transfer carried", async () => ((await eth.balanceOf(tn.user.address)) !== ethBefore - 3n * ALLO || (await bnb.balanceOf(tn.user.address)) !== bnbBefore ? true : undefined), 60_000, 20);
    const deleted = await deleteRedisNamespace(net.manifest.redis, net.manifest.namespace);
    log(`emptied the relayer's Redis namespace (${deleted} keys) while it runs`);

    await until("all carried", async () => {
      const [e, b, h, paid] = await Promise.all([eth.balanceOf(tn.user.address), bnb.balanceOf(tn.user.address), hubBalance(hubRecipient), escrowPayments(comet, escrow, cosmosBridgeChainId(net.manifest.hub.chainId))]);
      return e === ethBefore - 3n * ALLO + 6n * ALLO && b === bnbBefore + 3n * ALLO && h === ALLO && paid.refunded.includes(`${bad.transactionHash}:0`) ? true : undefined;
    }, 120_000, 500);
    await sleep(4_000); // a second delivery or payment would show now
    expect(await eth.balanceOf(tn.user.address)).to.equal(ethBefore + 3n * ALLO);
    expect(await bnb.balanceOf(tn.user.address)).to.equal(bnbBefore + 3n * ALLO);
    expect(await hubBalance(hubRecipient)).to.equal(ALLO);
    const ethEvents = await bridgeEvents(eth, "TransferDelivered", ethFrom);
    const ethDelivered = ethEvents.map((e) => e.id);
    expect(ethDelivered.length, `hub -> ethereum deliveries since block ${ethFrom}: ${JSON.stringify(ethEvents)}`).to.equal(3);
    expect(new Set(ethDelivered).size).to.equal(3);
    expect(exactlyOnce(evm.map((t) => t.transferId), await bridgeEventIds(bnb, "TransferDelivered", bnbFrom))).to.equal(undefined);
    const paid = await escrowPayments(comet, escrow, cosmosBridgeChainId(net.manifest.hub.chainId));
    expect(exactlyOnce([release.transferId], paid.released)).to.equal(undefined);
    expect(exactlyOnce([`${bad.transactionHash}:0`], paid.refunded)).to.equal(undefined);
    expect(relayer.child.exitReason(), "the relayer outlived the flush").to.equal(undefined);
    const report = await reconciled();
    expect(report.delta).to.equal("0");
    expect(repairs(relayer)).to.deep.equal([]);
  });

  it("2. SIGKILL mid EVM -> EVM delivery, restart: each minted exactly once", async function () {
    const [eth, bnb] = ["ethereum", "bnb"].map((n) => tn.chain(n));
    const before = await bnb.balanceOf(tn.user.address);
    const from = await bnb.provider.getBlockNumber();
    const sent: SentTransfer[] = [];
    for (let i = 1n; i <= 4n; i++) sent.push(await send(eth, bnb, i * ALLO));
    await until(
      "a delivery in flight on bnb",
      async () => {
        const [pending, latest] = await Promise.all([bnb.provider.getTransactionCount(submitter, "pending"), bnb.provider.getTransactionCount(submitter, "latest")]);
        return pending > latest || (await bnb.balanceOf(tn.user.address)) > before ? true : undefined;
      },
      60_000,
      20,
    );
    await sigkill(relayer);
    log(`SIGKILLed the relayer with bnb +${ethers.formatUnits((await bnb.balanceOf(tn.user.address)) - before, 18)} ALLO of 10`);
    await sleep(1_500);
    await startRelayer();
    await until("all four minted", async () => ((await bnb.balanceOf(tn.user.address)) === before + 10n * ALLO ? true : undefined), 90_000);
    await sleep(3_000);
    expect(await bnb.balanceOf(tn.user.address)).to.equal(before + 10n * ALLO);
    const ids = await bridgeEventIds(bnb, "TransferDelivered", from);
    expect(exactlyOnce(sent.map((t) => t.transferId), ids)).to.equal(undefined);
    expect(ids.length).to.equal(4);
    expect(repairs(relayer)).to.deep.equal([]);
  });

  it("3. SIGKILL mid refund, restart: each deposit refunded exactly once", async function () {
    const bob = await tn.hubClient("bob");
    const deposits: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await bob.client.sendTokens(bob.address, escrow, coins(String(1000 + i), "uallo"), "auto", `not a bridge memo ${i}`);
      expect(r.code, r.rawLog).to.equal(0);
      deposits.push(`${r.transactionHash}:0`);
    }
    const refunded = async () => (await escrowPayments(comet, escrow, cosmosBridgeChainId(net.manifest.hub.chainId))).refunded.filter((k) => deposits.includes(k)).length;
    await until("a refund paid", async () => ((await refunded()) >= 1 ? true : undefined), 60_000, 20);
    await sigkill(relayer);
    log(`SIGKILLed the relayer after ${await refunded()} of 3 refunds`);
    await startRelayer();
    await until("all three refunded", async () => ((await refunded()) >= 3 ? true : undefined), 90_000);
    await sleep(4_000); // a second refund would show now
    expect(exactlyOnce(deposits, (await escrowPayments(comet, escrow, cosmosBridgeChainId(net.manifest.hub.chainId))).refunded)).to.equal(undefined);
    expect(repairs(relayer)).to.deep.equal([]);
  });

  it("4. forged low checkpoints, a forged completed job and forged job data: every transfer still carried exactly once, the forgery alerted", async function () {
    const [eth, bnb, base] = ["ethereum", "bnb", "base"].map((n) => tn.chain(n));
    const ns = net.manifest.namespace;
    const hubChain = cosmosBridgeChainId(net.manifest.hub.chainId);
    const chainName = (id: bigint) => net.manifest.chains.find((c) => BigInt(c.chainId) === id)?.name;
    const attacker = ethers.Wallet.createRandom().address;
    await sigkill(relayer);
    const before = await bnb.balanceOf(tn.user.address);
    const from = await bnb.provider.getBlockNumber();
    const [t1, t2, t3] = [await send(eth, bnb, ALLO), await send(eth, bnb, 2n * ALLO), await send(eth, bnb, 3n * ALLO)];
    const hubRecipient = await newHubAddress();
    const t4 = sentOf(base, await (await base.bridge.sendToHub(hubRecipient, ALLO)).wait())[0];
    const job = (t: SentTransfer, chain: string) => sentJob(t, { name: chain }, { chainId: hubChain, denom: "uallo" }, chainName, 0)!;

    // Checkpoints below the heads and above the transfers: the sources will not look at them again.
    await until("the transfers below the heads", async () => ((await eth.provider.getBlockNumber()) > t3.blockNumber + 1 && (await base.provider.getBlockNumber()) > t4.blockNumber + 1 ? true : undefined), 30_000);
    await redis.set(`${ns}:xfer:cp:ethereum`, String(await eth.provider.getBlockNumber()));
    await redis.set(`${ns}:xfer:cp:base`, String(await base.provider.getBlockNumber()));
    // "Completed" jobs for t2 (a delivery) and t4 (a release), done by a worker that did nothing.
    const connections: Redis[] = [];
    const connection = () => {
      connections.push(new IORedis(net.manifest.redis, { maxRetriesPerRequest: null }));
      return connections[connections.length - 1];
    };
    const xferBnb = new Queue(transferQueueName("bnb"), { connection: connection(), prefix: ns });
    const escrowQueue = new Queue(ESCROW_QUEUE, { connection: connection(), prefix: ns });
    await xferBnb.add("deliver", job(t2, "ethereum"), { jobId: deliverJobId("bnb", t2.transferId) });
    await escrowQueue.add("release", job(t4, "base"), { jobId: releaseJobId(t4.transferId) });
    for (const q of [xferBnb, escrowQueue]) {
      const w = new Worker(q.name, async () => ({ forged: true }), { connection: connection(), prefix: ns });
      await until(`the forged ${q.name} job completed`, async () => ((await q.getJobCounts("completed")).completed > 0 && (await q.getJobCounts("waiting", "active")).waiting === 0 ? true : undefined), 10_000, 50);
      await w.close();
    }
    expect(await (await xferBnb.getJob(deliverJobId("bnb", t2.transferId)))!.getState()).to.equal("completed");
    // t3's id with another recipient and a thousand times the amount.
    const t3Id = deliverJobId("bnb", t3.transferId);
    await xferBnb.add("deliver", { ...job(t3, "ethereum"), recipient: attacker, amount: String(3000n * ALLO) }, { jobId: t3Id });
    await xferBnb.close();
    await escrowQueue.close();
    for (const c of connections) c.disconnect();

    const r = await startRelayer();
    await until("t1, t2, t3 minted and t4 released", async () => ((await bnb.balanceOf(tn.user.address)) === before + 6n * ALLO && (await hubBalance(hubRecipient)) === ALLO ? true : undefined), 90_000);
    await sleep(3_000);
    expect(await bnb.balanceOf(tn.user.address)).to.equal(before + 6n * ALLO);
    expect(await bnb.balanceOf(attacker)).to.equal(0n);
    expect(await hubBalance(hubRecipient)).to.equal(ALLO);
    expect(exactlyOnce([t1, t2, t3].map((t) => t.transferId), await bridgeEventIds(bnb, "TransferDelivered", from))).to.equal(undefined);
    expect(exactlyOnce([t4.transferId], (await escrowPayments(comet, escrow, cosmosBridgeChainId(net.manifest.hub.chainId))).released)).to.equal(undefined);
    // What the relayer said: t1 re-added, t2 and t4 stale, t3's job forged (replaced, or refused by the attesters first).
    await r.log.waitFor((l) => l.msg === "re-added the job of a transfer in flight" && String(l.id).toLowerCase() === t1.transferId, 1_000, "t1 re-added");
    await r.log.waitFor((l) => l.alert === "stale_job" && l.jobId === deliverJobId("bnb", t2.transferId), 1_000, "t2's completed job found stale");
    await r.log.waitFor((l) => l.alert === "stale_job" && l.jobId === releaseJobId(t4.transferId), 1_000, "t4's completed job found stale");
    await r.log.waitFor((l) => (l.alert === "forged_job" && l.jobId === t3Id) || (l.alert === "transfer_refused" && String(l.id).toLowerCase() === t3.transferId), 1_000, "t3's forged job alerted");
  });

  it("5. a delivery over the inbound limit is queued, then released by the daemon exactly once", async function () {
    const [eth, bnb] = ["ethereum", "bnb"].map((n) => tn.chain(n));
    const admin = new ethers.Contract(bnb.c.contracts.bridge, ADMIN_ABI, new ethers.NonceManager(new ethers.Wallet(hardhatAccount(DEV_ACCOUNT_INDEX.deployer).privateKey, bnb.provider)));
    const source = BigInt(eth.c.chainId);
    const [outbound, , inbound] = (await admin.limits(source)) as bigint[];
    await (await admin.setRemoteChainLimits(source, outbound, 5n * ALLO)).wait();
    try {
      const before = await bnb.balanceOf(tn.user.address);
      const from = await bnb.provider.getBlockNumber();
      // Take what is left of the inbound limit, then one more: that one waits in the bridge's queue.
      const [, , , available] = (await admin.limits(source)) as bigint[];
      if (available > 0n) await send(eth, bnb, available);
      const queued = await send(eth, bnb, 3n * ALLO);
      await until("the second delivery queued", async () => ((await bridgeEventIds(bnb, "TransferQueued", from)).includes(queued.transferId) ? true : undefined), 60_000);
      expect(await bnb.balanceOf(tn.user.address)).to.equal(before + available);
      // The bridge releases a queued transfer no earlier than one limit window after queuing it.
      await bnb.provider.send("evm_increaseTime", [86_401]);
      await bnb.provider.send("evm_mine", []);
      await until("the queued delivery released", async () => ((await bnb.balanceOf(tn.user.address)) === before + available + 3n * ALLO ? true : undefined), 60_000);
      await sleep(3_000);
      expect(await bnb.balanceOf(tn.user.address)).to.equal(before + available + 3n * ALLO);
      expect(exactlyOnce([queued.transferId], await bridgeEventIds(bnb, "QueuedTransferReleased", from))).to.equal(undefined);
      await relayer.log.waitFor((l) => l.msg === "queued transfer released" && String(l.id).toLowerCase() === queued.transferId, 1_000, "the daemon's release");
      expect(relayer.log.lines.filter((l) => l.msg === "queued transfer released" && String(l.id).toLowerCase() === queued.transferId).length).to.equal(1);
      expect(relayer.log.lines.filter((l) => l.msg === "re-added the job of a transfer in flight" && String(l.id).toLowerCase() === queued.transferId), "the ordinary release is no repair").to.deep.equal([]);
    } finally {
      await (await admin.setRemoteChainLimits(source, outbound, inbound)).wait();
    }
    const report = await reconciled();
    expect(report.delta).to.equal("0");
  });
});
