/**
 * Escrow payments through Redis between two attester instances, on the hub devnet: each instance holds one
 * member key of the 2-of-3 escrow; neither can pay alone; together they pay once; a retry (after a crash, or
 * by the other instance) finds the payment on the hub and pays nothing more; forged signatures written into
 * Redis are ignored; a job the attester's own check refuses is never signed.
 */
import { expect } from "chai";
import IORedis, { type Redis } from "ioredis";
import pino from "pino";
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { coins, StargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { startHubDevnet, type HubDevnet } from "../../../devnet/hub/node";
import { mnemonicOf } from "../../devnet/helpers";
import {
  EscrowJobRefused,
  EscrowReader,
  EscrowSignaturePool,
  payBatch,
  payOnce,
  planFor,
  signProposedBatch,
  planHash,
  type EscrowConfig,
  type EscrowPayerDeps,
} from "../../../relayer/transfer/escrow";
import type { EscrowJobData } from "../../../relayer/transfer/jobs";
import { scanEscrowSends } from "../../../relayer/transfer/hub-ledger";
import { escrowLedger, feesPaid } from "../../../relayer/transfer/release";
import { cosmosBridgeChainId } from "../../../lib/chains";
import { evmBridgeId, transferId } from "../../../lib/eip712/bridge";

const log = pino({ level: "silent" });
const PREFIX = `test-escrow-${process.pid}`;

describe("relayer transfer: escrow payments between instances", function () {
  this.timeout(120_000);
  let hub: HubDevnet;
  let redis: Redis;
  let comet: Comet38Client;
  let query: StargateClient;
  let cfg: EscrowConfig;
  let members: Secp256k1HdWallet[];

  before(async () => {
    hub = await startHubDevnet({ port: 0, blockTimeMs: 200, quiet: true });
    redis = new IORedis("redis://127.0.0.1:6379");
    comet = await Comet38Client.connect(hub.rpcUrl);
    query = await StargateClient.connect(hub.rpcUrl);
    const escrow = hub.accounts.find((a) => a.name === "bridge-escrow")!;
    cfg = { chainId: hub.chainId, prefix: "allo", address: escrow.address, multisig: escrow.multisig!, fee: { amount: coins(3_000_000, "uallo"), gas: "300000" } };
    members = await Promise.all(["attester1", "attester2", "attester3"].map((n) => Secp256k1HdWallet.fromMnemonic(mnemonicOf(n), { prefix: "allo" })));
  });
  after(async () => {
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    comet.disconnect();
    query.disconnect();
    await hub.stop();
  });

  function instance(memberIdx: number[], verify: EscrowPayerDeps["verify"] = async () => ({ ok: true })): EscrowPayerDeps {
    return {
      cfg,
      reader: new EscrowReader(cfg, () => comet, () => query),
      pool: new EscrowSignaturePool(redis, PREFIX),
      members: memberIdx.map((i) => members[i]),
      verify,
      query: () => query,
      log,
    };
  }

  async function newAddress() {
    return (await (await Secp256k1HdWallet.generate(12, { prefix: "allo" })).getAccounts())[0].address;
  }

  it("pays a release once with two instances of one member key each; retries pay nothing more", async () => {
    const to = await newAddress();
    const job: EscrowJobData = {
      kind: "release",
      key: "0x" + "77".repeat(32),
      to,
      coins: [{ denom: "uallo", amount: "2500000000000000000" }],
      origin: { kind: "evm", chain: "ethereumLocal", txHash: "0x" + "01".repeat(32), blockNumber: 5, logIndex: 0 },
      seenAt: Date.now(),
      sourceTime: 0,
    };
    const a = instance([0]);
    const b = instance([2]);
    // forged entries in Redis for this plan: a stranger's claim and garbage under a member's name
    const plan = planFor(job, await a.reader.snapshot(), cfg);
    await redis.hset(`${PREFIX}:escrow-sigs:${planHash(plan)}`, (await members[1].getAccounts())[0].address, Buffer.alloc(64, 7).toString("base64"));
    await redis.hset(`${PREFIX}:escrow-sigs:${planHash(plan)}`, "allo1notamember", "!!notbase64!!");

    const first = await payOnce(job, a);
    expect(first.state).to.equal("waiting");
    expect((await query.getBalance(to, "uallo")).amount).to.equal("0");
    const second = await payOnce(job, b);
    expect(second).to.include({ state: "paid", already: false });
    expect((await query.getBalance(to, "uallo")).amount).to.equal("2500000000000000000");
    // a crash after the broadcast, then a retry on either instance: found on the hub, nothing sent
    for (const inst of [a, b, instance([1])]) {
      const again = await payOnce(job, inst);
      expect(again).to.deep.equal({ state: "paid", txHash: second.state === "paid" ? second.txHash : "", already: true });
    }
    expect((await query.getBalance(to, "uallo")).amount).to.equal("2500000000000000000");
    // the escrow's fees are on its ledger (the reconciliation's float shrinks by them)
    const sends = await scanEscrowSends(comet, cfg.address);
    expect(sends.length).to.equal(1);
    expect(feesPaid(sends)).to.equal(3_000_000n);
  });

  it("pays when one instance holds the threshold, and never signs a job its own check refuses", async () => {
    const to = await newAddress();
    const job: EscrowJobData = {
      kind: "refund",
      key: "AB".repeat(32) + ":0",
      to,
      coins: [{ denom: "uallo", amount: "123" }],
      reason: "malformed_memo",
      origin: { kind: "hub", txHash: "AB".repeat(32), msgIndex: 0, height: "3" },
      seenAt: Date.now(),
      sourceTime: 0,
    };
    const refusing = instance([0, 1], async () => ({ ok: false, retry: false, problem: "no such deposit on the hub" }));
    await payOnce(job, refusing).then(
      () => expect.fail("paid a refused job"),
      (e) => expect(e).to.be.instanceOf(EscrowJobRefused),
    );
    const plan = planFor(job, await refusing.reader.snapshot(), cfg);
    expect(await redis.hlen(`${PREFIX}:escrow-sigs:${planHash(plan)}`)).to.equal(0);
    const notYet = instance([0, 1], async () => ({ ok: false, retry: true, problem: "not scanned yet" }));
    expect(await payOnce(job, notYet)).to.deep.equal({ state: "waiting", why: "not scanned yet" });
    const ok = await payOnce(job, instance([0, 1]));
    expect(ok).to.include({ state: "paid", already: false });
    expect((await query.getBalance(to, "uallo")).amount).to.equal("123");
  });

  it("pays a batch of releases in one tx; a member already paid is left out and never paid again; a co-signer signs the proposal", async () => {
    const hubChain = cosmosBridgeChainId(cfg.chainId);
    const bridge = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    const release = async (seq: bigint): Promise<EscrowJobData> => ({
      kind: "release",
      key: transferId(31337n, evmBridgeId(bridge), hubChain, seq).toLowerCase(),
      to: await newAddress(),
      coins: [{ denom: "uallo", amount: (seq * 1_000_000n).toString() }],
      transfer: { sourceChain: "31337", sourceBridge: evmBridgeId(bridge), sequence: seq.toString() },
      origin: { kind: "evm", chain: "ethereumLocal", txHash: "0x" + "02".repeat(32), blockNumber: 5, logIndex: 0 },
      seenAt: Date.now(),
      sourceTime: 0,
    });
    const [r1, r2, r3] = await Promise.all([101n, 102n, 103n].map(release));
    // r2 alone first (as after a crash in an earlier attempt)
    expect(await payOnce(r2, instance([0, 1]))).to.include({ state: "paid", already: false });
    // two instances with one member key each: the payer proposes [r1, r2, r3] and waits; the co-signer signs
    const payer = instance([0]);
    const cosigner = instance([2]);
    const first = await payBatch([r1, r2, r3], payer);
    expect(first.state).to.equal("waiting");
    expect(first.already.map((a) => a.job.key)).to.deep.equal([r2.key]);
    const signed = await signProposedBatch(cosigner);
    expect(signed?.state).to.equal("signed");
    expect(signed?.state === "signed" && signed.jobs.map((j) => j.key)).to.deep.equal([r1.key, r3.key]);
    const paid = await payBatch([r1, r2, r3], payer);
    expect(paid.state).to.equal("paid");
    if (paid.state !== "paid") return;
    expect(paid.paid.map((j) => j.key)).to.deep.equal([r1.key, r3.key]);
    for (const r of [r1, r2, r3]) expect((await query.getBalance(r.to, "uallo")).amount).to.equal(r.coins[0].amount);
    // read back from tx_search: every id paid once, the batch's two in one tx
    const sends = await scanEscrowSends(comet, cfg.address);
    const ledger = escrowLedger(sends, hubChain);
    expect(ledger.released.get(r1.key)).to.equal(paid.txHash);
    expect(ledger.released.get(r3.key)).to.equal(paid.txHash);
    expect(ledger.released.get(r2.key)).to.not.equal(paid.txHash);
    expect(ledger.paidTwice).to.deep.equal([]);
    // retried by anyone: all already paid, nothing sent
    const again = await payBatch([r3, r1, r2], instance([1]));
    expect(again.state).to.equal("already");
    expect((await scanEscrowSends(comet, cfg.address)).length).to.equal(sends.length);
    for (const r of [r1, r2, r3]) expect((await query.getBalance(r.to, "uallo")).amount).to.equal(r.coins[0].amount);
  });
});
