/**
 * Every attested route, module by module, on the real parts: the hub devnet (cosmjs wallets, multisig
 * escrow) and two Hardhat chains (31337, 31338) with AlloToken + AlloraBridge wired as the deploy stack wires
 * them. Sources find the transfers, attesters check them against their own sources before signing,
 * deliveries and escrow payments land once; forged jobs are refused; over-limit deliveries queue.
 */
import { expect } from "chai";
import IORedis, { type Redis } from "ioredis";
import pino from "pino";
import { NonceManager, Wallet, getAddress, type TransactionReceipt } from "ethers";
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { coins, GasPrice, SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { startHubDevnet, type HubDevnet } from "../../../devnet/hub/node";
import { mnemonicOf } from "../../devnet/helpers";
import { hardhatAccount } from "../../../scripts/lib/dev-keys";
import { cosmosBridgeChainId } from "../../../lib/chains";
import { evmBridgeId, hubBridgeId, transferId } from "../../../lib/eip712/bridge";
import { SignaturePool } from "../../../relayer/attest/pool";
import { HubDepositsLedger } from "../../../relayer/transfer/hub-deposits-ledger";
import { pollEvmSource, pollHubSource, type CheckpointStore, type TransferSink } from "../../../relayer/transfer/sources";
import { attestDelivery, deliverOnce, type DeliverDeps } from "../../../relayer/transfer/deliver";
import { deliverClaim, releaseClaim, SignedTransfers, verifyEvmClaim, verifyHubDelivery } from "../../../relayer/transfer/verify";
import { confirmTransfer, type SourceChain } from "../../../relayer/transfer/evm-source";
import { EscrowReader, EscrowSignaturePool, payOnce } from "../../../relayer/transfer/escrow";
import { depositMemo } from "../../../relayer/transfer/memo";
import { readReconciliation } from "../../../relayer/transfer/inflight";
import { ReconcileMemory } from "../../../relayer/transfer/history";
import { trackTransfer } from "../../../relayer/transfer/track";
import type { DeliverJobData, EscrowJobData } from "../../../relayer/transfer/jobs";
import { deployBridge, startChain, wireRemote, type Deployed, type TestChain } from "./helpers";

const log = pino({ level: "silent" });
const PREFIX = `test-routes-${process.pid}`;
const ALLO = 10n ** 18n;

class ListSink implements TransferSink {
  deliveries: DeliverJobData[] = [];
  escrows: EscrowJobData[] = [];
  async deliver(job: DeliverJobData) {
    this.deliveries.push(job);
  }
  async escrow(job: EscrowJobData) {
    this.escrows.push(job);
  }
}
function memCheckpoint(): CheckpointStore & { value?: bigint } {
  const c: CheckpointStore & { value?: bigint } = {
    get: async () => c.value,
    set: async (v) => void (c.value = v),
  };
  return c;
}

describe("relayer transfer: every attested route on the hub devnet and two Hardhat chains", function () {
  // One reconciliation memory through the file: filled by the reconciliation test, used again after later deliveries.
  const memory = new ReconcileMemory(0);
  let reconcileInput: Parameters<typeof readReconciliation>[0] | undefined;
  this.timeout(240_000);
  let hub: HubDevnet;
  let comet: Comet38Client;
  let query: StargateClient;
  let redis: Redis;
  let a: TestChain;
  let b: TestChain;
  let da: Deployed;
  let db: Deployed;
  let hubChain: bigint;
  let escrow: string;
  const attesters = [hardhatAccount(1), hardhatAccount(2), hardhatAccount(3)].map((w) => new Wallet(w.privateKey));
  const user = hardhatAccount(5);
  const user2 = hardhatAccount(6);
  let ledger: HubDepositsLedger;

  before(async () => {
    [hub, a, b] = await Promise.all([startHubDevnet({ port: 0, blockTimeMs: 200, quiet: true }), startChain(31337), startChain(31338)]);
    comet = await Comet38Client.connect(hub.rpcUrl);
    query = await StargateClient.connect(hub.rpcUrl);
    redis = new IORedis("redis://127.0.0.1:6379");
    hubChain = cosmosBridgeChainId(hub.chainId);
    escrow = hub.accounts.find((x) => x.name === "bridge-escrow")!.address;
    const signers = attesters.map((w) => w.address);
    [da, db] = await Promise.all([deployBridge(a, hubChain, signers, 2), deployBridge(b, hubChain, signers, 2)]);
    const [ba, bb] = await Promise.all([da.bridge.getAddress(), db.bridge.getAddress()]);
    await Promise.all([
      wireRemote(da, hubChain, hubBridgeId(escrow)).then(() => wireRemote(da, 31338n, evmBridgeId(bb))),
      // chain B takes at most 3 ALLO per window from A: the over-limit case queues
      wireRemote(db, hubChain, hubBridgeId(escrow)).then(() => wireRemote(db, 31337n, evmBridgeId(ba), 10n ** 24n, 3n * ALLO)),
    ]);
    ledger = new HubDepositsLedger({
      escrow,
      rules: { denom: "uallo", destinations: [31337n, 31338n].map((chainId) => ({ chainId, enabled: true, fromHeight: 0n })) },
      startHeight: 1n,
      indexLagBlocks: 1,
    });
  });
  after(async () => {
    // before() may have failed before Redis was connected: still stop the chains and the hub it started
    if (redis) {
      const keys = await redis.keys(`${PREFIX}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
    comet?.disconnect();
    query?.disconnect();
    a?.stop();
    b?.stop();
    await hub?.stop();
  });

  const chainName = (id: bigint) => ({ 31337: "ethereumLocal", 31338: "bnbLocal" })[Number(id)];

  function deliverDeps(chain: TestChain, d: Deployed, bridge: string, verify: DeliverDeps["verify"], keys = attesters): DeliverDeps {
    const submitter = new NonceManager(new Wallet(hardhatAccount(10).privateKey, chain.provider));
    return {
      chainId: chain.chainId,
      bridge,
      provider: chain.provider,
      attesters: keys,
      verify,
      pool: new SignaturePool(redis, PREFIX),
      signatureWaitMs: 2_000,
      signed: new SignedTransfers(),
      send: async (to, data) => (await (await submitter.sendTransaction({ to, data })).wait()) as TransactionReceipt,
      log,
    };
  }
  const hubSide = () => ({ hubChain, escrow, lookup: (h: string, m: number) => ledger.lookup(h, m), scannedHeight: ledger.scannedHeight });

  async function hubDeposit(chainId: number, recipient: string, amount: bigint, memo = depositMemo(chainId, recipient)) {
    const wallet = await Secp256k1HdWallet.fromMnemonic(mnemonicOf("alice"), { prefix: "allo" });
    const [acc] = await wallet.getAccounts();
    const client = await SigningStargateClient.connectWithSigner(hub.rpcUrl, wallet, { gasPrice: GasPrice.fromString("10uallo"), broadcastPollIntervalMs: 100 });
    const r = await client.sendTokens(acc.address, escrow, coins(amount.toString(), "uallo"), "auto", memo);
    client.disconnect();
    expect(r.code, r.rawLog).to.equal(0);
    await hub.waitForHeight(r.height + 2, 10_000);
    return r;
  }

  const refs: { hubDeposit?: string; evmQueued?: string; evmToHub?: string } = {};

  it("hub -> EVM: a deposit is sequenced, attested after the attester's own check, delivered once; a forged job is refused", async () => {
    refs.hubDeposit = (await hubDeposit(31337, user.address, 5n * ALLO)).transactionHash;
    const sink = new ListSink();
    const checkpoint = memCheckpoint();
    const hubDeps = { ledger, hub: { chainId: hubChain, escrow }, comet: () => comet, chainName, transferIdOf: (d: bigint, s: bigint) => transferId(hubChain, hubBridgeId(escrow), d, s), checkpoint, sink, log };
    expect(await pollHubSource(hubDeps)).to.equal(1);
    const job = sink.deliveries[0];
    expect(job).to.include({ chain: "ethereumLocal", sequence: "1", amount: String(5n * ALLO), recipient: getAddress(user.address) });
    // a second pass adds nothing (checkpoint), a pass with a lost checkpoint re-adds the same job id content
    expect(await pollHubSource(hubDeps)).to.equal(0);

    const bridgeA = await da.bridge.getAddress();
    const forged = { ...job, amount: String(500n * ALLO) };
    const refused = await deliverOnce(forged, deliverDeps(a, da, bridgeA, async (j) => verifyHubDelivery(j, hubSide())));
    expect(refused.state).to.equal("refused");
    expect(await da.token.balanceOf(user.address)).to.equal(0n);

    const ok = await deliverOnce(job, deliverDeps(a, da, bridgeA, async (j) => verifyHubDelivery(j, hubSide())));
    expect(ok.state).to.equal("delivered");
    expect(await da.token.balanceOf(user.address)).to.equal(5n * ALLO);
    expect(await da.bridge.netBridgedIn(hubChain)).to.equal(5n * ALLO);
    const again = await deliverOnce(job, deliverDeps(a, da, bridgeA, async (j) => verifyHubDelivery(j, hubSide())));
    expect(again).to.deep.equal({ state: "already", queued: false });
    expect(await da.token.balanceOf(user.address)).to.equal(5n * ALLO);
  });

  it("EVM -> EVM: TransferSent after confirmations, checked at depth, delivered; over the inbound limit it queues", async () => {
    const bridgeA = await da.bridge.getAddress();
    const bridgeB = await db.bridge.getAddress();
    const src: SourceChain = { chainId: 31337n, bridge: bridgeA, hubChain, hubPrefix: "allo" };
    const userA = new NonceManager(new Wallet(user.privateKey, a.provider));
    const asUser = da.bridge.connect(userA) as typeof da.bridge;
    const start = await a.provider.getBlockNumber();
    await (await asUser.sendToChain(31338n, user2.address, 2n * ALLO)).wait();
    refs.evmQueued = (await (await asUser.sendToChain(31338n, user2.address, 2n * ALLO)).wait())!.hash;
    const sink = new ListSink();
    const checkpoint = memCheckpoint();
    const evmDeps = { name: "ethereumLocal", src, provider: a.provider, confirmations: 1, startBlock: start, hub: { chainId: hubChain, denom: "uallo" }, chainName, checkpoint, sink, log };
    expect(await pollEvmSource(evmDeps)).to.equal(2);
    expect(sink.deliveries.map((j) => j.sequence)).to.deep.equal(["1", "2"]);

    const verify = (j: DeliverJobData) => verifyEvmClaim(deliverClaim(j), src, (c) => confirmTransfer(a.provider, src, c, 1));
    // a job claiming the first transfer with another recipient is refused against the chain
    const forged = { ...sink.deliveries[0], recipient: hardhatAccount(7).address };
    expect((await deliverOnce(forged, deliverDeps(b, db, bridgeB, verify))).state).to.equal("refused");

    expect((await deliverOnce(sink.deliveries[0], deliverDeps(b, db, bridgeB, verify))).state).to.equal("delivered");
    // 2 + 2 > 3 ALLO inbound from A per window: the second is queued, marked delivered, minted later
    const second = await deliverOnce(sink.deliveries[1], deliverDeps(b, db, bridgeB, verify));
    expect(second.state).to.equal("queued");
    expect(await db.token.balanceOf(user2.address)).to.equal(2n * ALLO);
    expect(await deliverOnce(sink.deliveries[1], deliverDeps(b, db, bridgeB, verify))).to.deep.equal({ state: "already", queued: true });
    expect(await da.token.balanceOf(user.address)).to.equal(1n * ALLO);
  });

  it("EVM -> hub: the burn is released from the escrow once, by the members' signatures", async () => {
    const bridgeA = await da.bridge.getAddress();
    const src: SourceChain = { chainId: 31337n, bridge: bridgeA, hubChain, hubPrefix: "allo" };
    const hubUser = (await (await Secp256k1HdWallet.generate(12, { prefix: "allo" })).getAccounts())[0].address;
    const userA = new NonceManager(new Wallet(user.privateKey, a.provider));
    const start = await a.provider.getBlockNumber();
    refs.evmToHub = (await (await (da.bridge.connect(userA) as typeof da.bridge).sendToHub(hubUser, ALLO / 2n)).wait())!.hash;
    const sink = new ListSink();
    await pollEvmSource({ name: "ethereumLocal", src, provider: a.provider, confirmations: 1, startBlock: start + 1, hub: { chainId: hubChain, denom: "uallo" }, chainName, checkpoint: memCheckpoint(), sink, log });
    expect(sink.escrows.length).to.equal(1);
    const job = sink.escrows[0];
    expect(job).to.include({ kind: "release", to: hubUser });
    const cfg = { chainId: hub.chainId, prefix: "allo", address: escrow, multisig: hub.accounts.find((x) => x.name === "bridge-escrow")!.multisig!, fee: { amount: coins(3_000_000, "uallo"), gas: "300000" } };
    const members = await Promise.all(["attester1", "attester2"].map((n) => Secp256k1HdWallet.fromMnemonic(mnemonicOf(n), { prefix: "allo" })));
    const verify = async (j: EscrowJobData) => {
      const claim = releaseClaim(j, hubChain, "uallo");
      if (typeof claim === "string") return { ok: false as const, retry: false, problem: claim };
      return verifyEvmClaim(claim, src, (c) => confirmTransfer(a.provider, src, c, 1));
    };
    // a release job for more than was burned is refused: nothing is signed or paid
    const greedy = await payOnce({ ...job, coins: [{ denom: "uallo", amount: String(ALLO) }] }, { cfg, reader: new EscrowReader(cfg, () => comet, () => query), pool: new EscrowSignaturePool(redis, PREFIX), members, verify, query: () => query, log }).catch((e: Error) => e);
    expect(greedy).to.be.instanceOf(Error);
    expect((greedy as Error).message).to.match(/amount/);
    const deps = { cfg, reader: new EscrowReader(cfg, () => comet, () => query), pool: new EscrowSignaturePool(redis, PREFIX), members, verify, query: () => query, log };
    const paid = await payOnce(job, deps);
    expect(paid).to.include({ state: "paid", already: false });
    expect((await query.getBalance(hubUser, "uallo")).amount).to.equal(String(ALLO / 2n));
    expect(await payOnce(job, deps)).to.include({ state: "paid", already: true });
    expect((await query.getBalance(hubUser, "uallo")).amount).to.equal(String(ALLO / 2n));
  });

  it("reconciliation from the truth is exact: escrow backing = EVM supply + in flight (the queued delivery)", async () => {
    const input = {
      comet,
      hubChain,
      hubPrefix: "allo",
      escrow,
      denom: "uallo",
      startHeight: 1n,
      float: 10_000_000n * ALLO, // the devnet escrow's genesis balance backs nothing
      rules: { denom: "uallo", destinations: [31337n, 31338n].map((chainId) => ({ chainId, enabled: true, fromHeight: 0n })) },
      chains: [
        { name: "ethereumLocal", chainId: 31337n, provider: a.provider, bridge: await da.bridge.getAddress(), startBlock: 0 },
        { name: "bnbLocal", chainId: 31338n, provider: b.provider, bridge: await db.bridge.getAddress(), startBlock: 0 },
      ],
    };
    const report = await readReconciliation(input);
    reconcileInput = input;
    // A process's memory of final history (history.ts) reads the same: filled by a first pass, then used.
    for (const pass of [1, 2]) {
      const again = await readReconciliation({ ...input, memory });
      expect([again.evmSupply, again.delta, again.feesPaid, again.inFlightTransfers], `pass ${pass} with memory`).to.deep.equal([report.evmSupply, report.delta, report.feesPaid, report.inFlightTransfers]);
    }
    expect(report.evmSupply).to.equal(ALLO / 2n + 2n * ALLO);
    expect(report.inFlightTransfers.map((t) => [t.route, t.stage, t.amount])).to.deep.equal([["ethereumLocal->bnbLocal", "queued at the destination", 2n * ALLO]]);
    expect(report.feesPaid).to.equal(3_000_000n);
    expect(report.delta).to.equal(0n);
    expect(report.ok).to.equal(true);
  });

  it("tracks each transfer's stages from the chains and the hub, by hub tx hash, EVM tx hash or transfer id", async () => {
    const input = {
      comet,
      hubChain,
      hubPrefix: "allo",
      escrow,
      startHeight: 1n,
      rules: { denom: "uallo", destinations: [31337n, 31338n].map((chainId) => ({ chainId, enabled: true, fromHeight: 0n })) },
      chains: [
        { name: "ethereumLocal", chainId: 31337n, provider: a.provider, bridge: await da.bridge.getAddress(), startBlock: 0, confirmations: 1 },
        { name: "bnbLocal", chainId: 31338n, provider: b.provider, bridge: await db.bridge.getAddress(), startBlock: 0, confirmations: 1 },
      ],
    };
    const stages = (r: Awaited<ReturnType<typeof trackTransfer>>) => r!.stages.map((s) => `${s.stage}:${s.done ? "done" : "pending"}`);
    const fromHub = await trackTransfer(input, refs.hubDeposit!);
    expect(fromHub!.route).to.equal("hub->ethereumLocal");
    expect(stages(fromHub)).to.deep.equal(["sent:done", "confirmed:done", "delivered:done"]);
    expect(fromHub!.final).to.equal(true);
    const queued = await trackTransfer(input, refs.evmQueued!);
    expect(queued!.route).to.equal("ethereumLocal->bnbLocal");
    expect(stages(queued)).to.deep.equal(["sent:done", "confirmed:done", "queued:done", "released:pending"]);
    expect(queued!.final).to.equal(false);
    const byId = await trackTransfer(input, queued!.transferId);
    expect(byId!.stages.map((s) => s.stage)).to.deep.equal(queued!.stages.map((s) => s.stage));
    const toHub = await trackTransfer(input, refs.evmToHub!);
    expect(stages(toHub)).to.deep.equal(["sent:done", "confirmed:done", "released:done"]);
    expect(await trackTransfer(input, "0x" + "00".repeat(32))).to.equal(undefined);
    await trackTransfer(input, "nonsense").then(
      () => expect.fail("accepted nonsense"),
      (e: Error) => expect(e.message).to.match(/neither a transfer id/),
    );
  });

  it("two instances holding one attester key each deliver together (each signs after its own check)", async () => {
    await hubDeposit(31338, user2.address, 3n * ALLO);
    const sink = new ListSink();
    await pollHubSource({ ledger, hub: { chainId: hubChain, escrow }, comet: () => comet, chainName, transferIdOf: (d: bigint, s: bigint) => transferId(hubChain, hubBridgeId(escrow), d, s), checkpoint: memCheckpoint(), sink, log });
    const job = sink.deliveries.find((j) => j.chain === "bnbLocal" && j.amount === String(3n * ALLO))!;
    const bridgeB = await db.bridge.getAddress();
    const verify = async (j: DeliverJobData) => verifyHubDelivery(j, hubSide());
    const before = (await db.token.balanceOf(user2.address)) as bigint;
    // instance A alone (1 of the 2 needed) cannot deliver
    expect((await deliverOnce(job, { ...deliverDeps(b, db, bridgeB, verify, [attesters[0]]), signatureWaitMs: 300 })).state).to.equal("waiting");
    // instance B's attest poll signs; then A delivers
    expect((await attestDelivery(job, deliverDeps(b, db, bridgeB, verify, [attesters[2]]))).state).to.equal("attested");
    expect((await deliverOnce(job, deliverDeps(b, db, bridgeB, verify, [attesters[0]]))).state).to.equal("delivered");
    expect((await db.token.balanceOf(user2.address)) - before).to.equal(3n * ALLO);
  });

  it("a reconciliation memory kept across new deposits and deliveries reads what a fresh read does", async () => {
    for (let i = 0; i < 3; i++) await (await a.provider.send("evm_mine", [])) ;
    const fresh = await readReconciliation(reconcileInput!);
    const kept = await readReconciliation({ ...reconcileInput!, memory });
    expect(kept.inFlightTransfers).to.deep.equal(fresh.inFlightTransfers);
    expect([kept.evmSupply, kept.delta]).to.deep.equal([fresh.evmSupply, fresh.delta]);
  });
});
