import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { packReports } from "../../../lib/eip712/oracle";
import { ONE, deployOracle, report, sign, signReports } from "../../../test/contracts/oracle/helpers";

/**
 * The example market reads its collateral price both ways. Every way a price can be unusable is tried on both
 * paths: missing, stale, future-dated beyond the oracle's drift, signed for another chain, not a price.
 */
describe("examples/lending: MiniLendingMarket (push and pull reads)", () => {
  const TOPIC = 14n;
  const MAX_AGE = 600n;

  async function fixture() {
    const f = await deployOracle(3, 2);
    const [, , user] = await ethers.getSigners();
    const Token = await ethers.getContractFactory("OracleMockAllo");
    const collateral = await Token.deploy();
    const debt = await Token.deploy();
    const market = await (
      await ethers.getContractFactory("MiniLendingMarket")
    ).deploy(await f.oracle.getAddress(), TOPIC, MAX_AGE, await collateral.getAddress(), await debt.getAddress());
    await collateral.mint(user.address, 10n * ONE);
    await debt.mint(await market.getAddress(), 1_000_000n * ONE);
    await collateral.connect(user).approve(await market.getAddress(), 10n * ONE);
    await market.connect(user).deposit(10n * ONE);
    return { ...f, market: market.connect(user), collateral, debt, user };
  }

  /** A report of the price topic, signed by the fixture's attesters for this chain and oracle. */
  async function signed(f: Awaited<ReturnType<typeof fixture>>, value: bigint, nonce: bigint, timestamp?: bigint) {
    const r = { ...(await report(TOPIC, value, nonce)), ...(timestamp !== undefined ? { timestamp } : {}) };
    return { r, sigs: await sign(f, [r]) };
  }

  async function push(f: Awaited<ReturnType<typeof fixture>>, value: bigint, nonce: bigint) {
    const { r, sigs } = await signed(f, value, nonce);
    await f.oracle.submit(packReports([r]), sigs);
    return r;
  }

  describe("push: the oracle's strict read", () => {
    it("lends up to 75% of the collateral's value at the stored price", async () => {
      const f = await loadFixture(fixture);
      await push(f, 2_000n * ONE, 100n);
      // 10 collateral x 2,000 x 75% = 15,000
      await expect(f.market.borrow(15_000n * ONE))
        .to.emit(f.market, "Borrowed")
        .withArgs(f.user.address, 15_000n * ONE, 2_000n * ONE, 100n);
      await expect(f.market.borrow(1n))
        .to.be.revertedWithCustomError(f.market, "Undercollateralized")
        .withArgs(15_000n * ONE + 1n, 15_000n * ONE);
    });

    it("refuses to act while the topic has no value", async () => {
      const f = await loadFixture(fixture);
      await expect(f.market.borrow(1n)).to.be.revertedWithCustomError(f.oracle, "NoInference").withArgs(TOPIC);
    });

    it("refuses a stored price older than its maximum age", async () => {
      const f = await loadFixture(fixture);
      const r = await push(f, 2_000n * ONE, 100n);
      await time.increaseTo(r.timestamp + MAX_AGE + 1n);
      await expect(f.market.borrow(1n))
        .to.be.revertedWithCustomError(f.oracle, "StaleInference")
        .withArgs(TOPIC, r.timestamp, MAX_AGE);
    });

    it("refuses a zero or negative value: never assume a topic's sign", async () => {
      const f = await loadFixture(fixture);
      await push(f, -5n * ONE, 100n);
      await expect(f.market.borrow(1n)).to.be.revertedWithCustomError(f.market, "NotAPrice").withArgs(-5n * ONE);
    });

    it("keeps a withdrawal from leaving the debt uncovered", async () => {
      const f = await loadFixture(fixture);
      await push(f, 2_000n * ONE, 100n);
      await f.market.borrow(7_500n * ONE); // half the limit
      await expect(f.market.withdraw(5n * ONE + 1n)).to.be.revertedWithCustomError(f.market, "Undercollateralized");
      await expect(f.market.withdraw(5n * ONE)).to.emit(f.market, "Withdrawn").withArgs(f.user.address, 5n * ONE);
    });
  });

  describe("pull: a signed report brought in the user's transaction", () => {
    it("verifies, stores and lends at a fresh report even when nothing was pushed", async () => {
      const f = await loadFixture(fixture);
      const { r, sigs } = await signed(f, 3_000n * ONE, 200n);
      await expect(f.market.borrowWithReport(22_500n * ONE, r, sigs))
        .to.emit(f.market, "Borrowed")
        .withArgs(f.user.address, 22_500n * ONE, 3_000n * ONE, 200n);
      // Stored for everyone (and for the push path).
      expect((await f.oracle.latestInference(TOPIC))[1]).to.equal(200n);
    });

    it("uses the stored value when it is newer than the report brought: no cherry-picking an old price", async () => {
      const f = await loadFixture(fixture);
      const old = await signed(f, 9_000n * ONE, 100n); // favourable, older
      await push(f, 1_000n * ONE, 150n);
      await expect(f.market.borrowWithReport(7_501n * ONE, old.r, old.sigs))
        .to.be.revertedWithCustomError(f.market, "Undercollateralized")
        .withArgs(7_501n * ONE, 7_500n * ONE);
    });

    it("refuses a report older than its maximum age", async () => {
      const f = await loadFixture(fixture);
      const { r, sigs } = await signed(f, 3_000n * ONE, 200n);
      await time.increaseTo(r.timestamp + MAX_AGE + 1n);
      await expect(f.market.borrowWithReport(1n, r, sigs))
        .to.be.revertedWithCustomError(f.market, "StalePrice")
        .withArgs(r.timestamp, MAX_AGE);
    });

    it("refuses a report dated beyond the oracle's 10-minute drift, and takes one within it as age zero", async () => {
      const f = await loadFixture(fixture);
      const now = BigInt(await time.latest());
      const far = await signed(f, 3_000n * ONE, 200n, now + 3_600n);
      await expect(f.market.borrowWithReport(1n, far.r, far.sigs)).to.be.revertedWithCustomError(f.oracle, "FutureTimestamp");
      const near = await signed(f, 3_000n * ONE, 201n, now + 300n);
      await expect(f.market.borrowWithReport(1n, near.r, near.sigs)).to.emit(f.market, "Borrowed");
    });

    it("refuses a report signed for another chain", async () => {
      const f = await loadFixture(fixture);
      const r = await report(TOPIC, 3_000n * ONE, 200n);
      const otherChain = signReports(f.signers.slice(0, 2), [r], {
        chainId: f.chainId + 1n,
        oracle: await f.oracle.getAddress(),
        setId: f.setId,
      });
      await expect(f.market.borrowWithReport(1n, r, otherChain)).to.be.revertedWithCustomError(f.oracle, "UnknownSigner");
    });

    it("refuses a report with too few signatures, of another topic, or that is not a price", async () => {
      const f = await loadFixture(fixture);
      const r = await report(TOPIC, 3_000n * ONE, 200n);
      await expect(f.market.borrowWithReport(1n, r, await sign(f, [r], f.signers.slice(0, 1))))
        .to.be.revertedWithCustomError(f.oracle, "TooFewSignatures")
        .withArgs(1n, 2n);
      const other = await report(TOPIC + 1n, 3_000n * ONE, 200n);
      await expect(f.market.borrowWithReport(1n, other, await sign(f, [other])))
        .to.be.revertedWithCustomError(f.market, "WrongTopic")
        .withArgs(TOPIC + 1n, TOPIC);
      const negative = await signed(f, -1n, 300n);
      await expect(f.market.borrowWithReport(1n, negative.r, negative.sigs))
        .to.be.revertedWithCustomError(f.market, "NotAPrice")
        .withArgs(-1n);
    });
  });

  it("repays, and refuses to take more than is owed", async () => {
    const f = await loadFixture(fixture);
    await push(f, 2_000n * ONE, 100n);
    await f.market.borrow(100n * ONE);
    await f.debt.connect(f.user).approve(await f.market.getAddress(), 200n * ONE);
    await expect(f.market.repay(101n * ONE))
      .to.be.revertedWithCustomError(f.market, "MoreThanOwned")
      .withArgs(101n * ONE, 100n * ONE);
    await expect(f.market.repay(100n * ONE)).to.emit(f.market, "Repaid").withArgs(f.user.address, 100n * ONE);
    expect(await f.market.debtOf(f.user.address)).to.equal(0n);
    await expect(f.market.repay(0n)).to.be.revertedWithCustomError(f.market, "ZeroAmount");
  });
});
