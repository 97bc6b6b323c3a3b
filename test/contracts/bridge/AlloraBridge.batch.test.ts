import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { transferId } from "../../../lib/eip712/bridge";
import { BNB, DeliveryStatus, HUB, ONE, WINDOW, attest, deployBridge, makeAttesters, src, type Inbound } from "./fixtures";

const LOCAL = 31337n;

/** Deliveries batched through OpenZeppelin's Multicall: one transaction, each delivery its own checks. */
describe("AlloraBridge batched deliveries (multicall)", function () {
  const recipient = (i: number) => ethers.getAddress(`0x${(0xb0 + i).toString(16).padStart(40, "0")}`);
  const transfer = (sequence: bigint, over: Partial<Inbound> = {}): Inbound => ({
    sourceChain: HUB,
    sequence,
    recipient: recipient(Number(sequence)),
    amount: sequence * ONE,
    ...over,
  });

  async function fixture() {
    const f = await deployBridge();
    const calldata = async (t: Inbound, signers = f.attesters.slice(0, 3)) =>
      f.bridge.interface.encodeFunctionData("deliver", [
        t.sourceChain,
        src(t.sourceChain),
        t.sequence,
        t.recipient,
        t.amount,
        await attest(f.bridge, t, signers),
      ]);
    return { ...f, calldata };
  }

  it("delivers a batch: every transfer minted, recorded and announced", async function () {
    const { bridge, token, relayer, calldata } = await loadFixture(fixture);
    const batch = [transfer(1n), transfer(2n), transfer(7n, { sourceChain: BNB })];
    const data = await Promise.all(batch.map((t) => calldata(t)));
    const results = await bridge.connect(relayer).multicall.staticCall(data);
    expect(results.map((r) => bridge.interface.decodeFunctionResult("deliver", r)[0])).to.deep.equal(
      batch.map(() => BigInt(DeliveryStatus.Minted)),
    );
    const tx = bridge.connect(relayer).multicall(data);
    for (const t of batch) {
      await expect(tx)
        .to.emit(bridge, "TransferDelivered")
        .withArgs(transferId(t.sourceChain, src(t.sourceChain), LOCAL, t.sequence), t.sourceChain, t.sequence, t.recipient, t.amount);
    }
    for (const t of batch) {
      expect(await token.balanceOf(t.recipient)).to.equal(t.amount);
      expect(await bridge.isDelivered(t.sourceChain, src(t.sourceChain), t.sequence)).to.equal(true);
    }
    expect(await bridge.netBridgedIn(HUB)).to.equal(3n * ONE);
    expect(await bridge.netBridgedIn(BNB)).to.equal(7n * ONE);
  });

  it("keeps a duplicate in a batch, or an already delivered transfer, a no-op", async function () {
    const { bridge, token, relayer, calldata } = await loadFixture(fixture);
    const first = await calldata(transfer(1n));
    await bridge.connect(relayer).multicall([first]);
    const second = await calldata(transfer(2n));
    // transfer 1 again (delivered before), transfer 2 twice within the batch
    const data = [first, second, second];
    const results = await bridge.connect(relayer).multicall.staticCall(data);
    expect(results.map((r) => bridge.interface.decodeFunctionResult("deliver", r)[0])).to.deep.equal([
      BigInt(DeliveryStatus.AlreadyDelivered),
      BigInt(DeliveryStatus.Minted),
      BigInt(DeliveryStatus.AlreadyDelivered),
    ]);
    const receipt = await (await bridge.connect(relayer).multicall(data)).wait();
    const delivered = receipt!.logs
      .map((l) => bridge.interface.parseLog(l))
      .filter((e) => e?.name === "TransferDelivered")
      .map((e) => e!.args.sequence as bigint);
    expect(delivered).to.deep.equal([2n]);
    expect(await token.balanceOf(transfer(1n).recipient)).to.equal(transfer(1n).amount);
    expect(await token.balanceOf(transfer(2n).recipient)).to.equal(transfer(2n).amount);
  });

  it("reverts the whole batch on one bad signature, with that delivery's error; the rest then go singly", async function () {
    const { bridge, token, attesters, relayer, calldata } = await loadFixture(fixture);
    const good = [transfer(1n), transfer(2n)];
    const outsider = makeAttesters(1)[0];
    const bad = transfer(3n);
    const data = [await calldata(good[0]), await calldata(bad, [attesters[0], attesters[1], outsider]), await calldata(good[1])];
    await expect(bridge.connect(relayer).multicall(data))
      .to.be.revertedWithCustomError(bridge, "UnknownSigner")
      .withArgs(outsider.address);
    for (const t of [...good, bad]) {
      expect(await bridge.isDelivered(t.sourceChain, src(t.sourceChain), t.sequence)).to.equal(false);
      expect(await token.balanceOf(t.recipient)).to.equal(0n);
    }
    // What the relayer does next: each delivery on its own; the good ones land, the bad one alone reverts.
    await bridge.connect(relayer).multicall([data[0]]);
    await bridge.connect(relayer).multicall([data[2]]);
    await expect(bridge.connect(relayer).multicall([data[1]])).to.be.revertedWithCustomError(bridge, "UnknownSigner");
    for (const t of good) expect(await token.balanceOf(t.recipient)).to.equal(t.amount);
    expect(await bridge.isDelivered(HUB, src(HUB), 3n)).to.equal(false);
  });

  it("batches queued deliveries and their releases too", async function () {
    const { bridge, token, admin, relayer, calldata } = await loadFixture(fixture);
    await bridge.connect(admin).setRemoteChainLimits(HUB, ONE * 1_000_000n, 2n * ONE);
    const big = [transfer(5n), transfer(6n)];
    const tx = bridge.connect(relayer).multicall(await Promise.all(big.map((t) => calldata(t))));
    for (const t of big) await expect(tx).to.emit(bridge, "TransferQueued").withArgs(transferId(HUB, src(HUB), LOCAL, t.sequence), HUB, t.sequence, t.recipient, t.amount);
    await bridge.connect(admin).setRemoteChainLimits(HUB, ONE * 1_000_000n, 1_000n * ONE);
    await time.increase(WINDOW);
    const ids = big.map((t) => transferId(HUB, src(HUB), LOCAL, t.sequence));
    await expect(bridge.connect(relayer).multicall(ids.map((id) => bridge.interface.encodeFunctionData("releaseQueued", [id]))))
      .to.emit(bridge, "QueuedTransferReleased")
      .withArgs(ids[0], big[0].recipient, big[0].amount)
      .and.to.emit(bridge, "QueuedTransferReleased")
      .withArgs(ids[1], big[1].recipient, big[1].amount);
    for (const t of big) expect(await token.balanceOf(t.recipient)).to.equal(t.amount);
  });

  it("takes no value (multicall is not payable)", async function () {
    const { bridge, relayer, calldata } = await loadFixture(fixture);
    const data = [await calldata(transfer(1n))];
    await expect(relayer.sendTransaction({ to: await bridge.getAddress(), data: bridge.interface.encodeFunctionData("multicall", [data]), value: 1n })).to.be.reverted;
  });

  it("costs less gas per delivery in a batch than one delivery per transaction", async function () {
    const { bridge, relayer, calldata } = await loadFixture(fixture);
    // a first delivery writes the per-chain slots from zero; measure after it
    await bridge.connect(relayer).multicall([await calldata(transfer(1n))]);
    const direct: bigint[] = [];
    for (let s = 2n; s <= 5n; s++) {
      const args = bridge.interface.decodeFunctionData("deliver", await calldata(transfer(s)));
      const receipt = await (await bridge.connect(relayer).deliver(args[0], args[1], args[2], args[3], args[4], args[5])).wait();
      direct.push(receipt!.gasUsed);
    }
    const single: bigint[] = [];
    for (let s = 6n; s <= 9n; s++) {
      const receipt = await (await bridge.connect(relayer).multicall([await calldata(transfer(s))])).wait();
      single.push(receipt!.gasUsed);
    }
    const sizes = [8, 16, 32];
    let next = 10n;
    const perDelivery: Record<number, bigint> = {};
    for (const n of sizes) {
      const data = [];
      for (let i = 0; i < n; i++) data.push(await calldata(transfer(next++)));
      const receipt = await (await bridge.connect(relayer).multicall(data)).wait();
      perDelivery[n] = receipt!.gasUsed / BigInt(n);
    }
    const mean = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n) / BigInt(xs.length);
    console.log(
      `      gas per delivery: deliver ${mean(direct)}, multicall of 1 ${mean(single)}, ` +
        sizes.map((n) => `of ${n} ${perDelivery[n]}`).join(", "),
    );
    // the batch shares the 21,000 base cost and the warm per-chain slots: well below a single delivery
    expect(perDelivery[8]).to.be.lessThan(mean(direct) - 15_000n);
    expect(perDelivery[32]).to.be.at.most(perDelivery[8]);
  });
});
