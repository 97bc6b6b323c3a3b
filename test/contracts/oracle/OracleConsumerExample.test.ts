import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { packReports, reportStruct } from "../../../lib/eip712/oracle";
import { ONE, deployOracle, report, sign } from "./helpers";

describe("OracleConsumerExample (how a DeFi contract reads the oracle)", () => {
  async function fixture() {
    const f = await deployOracle(3, 2);
    const consumer = await (
      await ethers.getContractFactory("OracleConsumerExample")
    ).deploy(await f.oracle.getAddress(), 300n, -1000n * ONE, 1000n * ONE);
    return { ...f, consumer };
  }

  it("read: fresh and in bounds passes; missing, stale or out of bounds reverts", async () => {
    const f = await loadFixture(fixture);
    await expect(f.consumer.read(1n)).to.be.revertedWithCustomError(f.oracle, "NoInference");
    const r = await report(1n, 500n * ONE, 1n);
    await f.oracle.submit(packReports([r]), await sign(f, [r]));
    expect(await f.consumer.read(1n)).to.deep.equal([500n * ONE, 1n]);
    await time.increase(301);
    await expect(f.consumer.read(1n)).to.be.revertedWithCustomError(f.oracle, "StaleInference");
    const big = await report(1n, 2000n * ONE, 2n);
    await f.oracle.submit(packReports([big]), await sign(f, [big]));
    await expect(f.consumer.read(1n))
      .to.be.revertedWithCustomError(f.consumer, "ValueOutsideBounds")
      .withArgs(2000n * ONE);
    const low = await report(1n, -2000n * ONE, 3n);
    await f.oracle.submit(packReports([low]), await sign(f, [low]));
    await expect(f.consumer.read(1n))
      .to.be.revertedWithCustomError(f.consumer, "ValueOutsideBounds")
      .withArgs(-2000n * ONE);
  });

  it("readWithReport stores a fresh signed report and uses it in the same transaction", async () => {
    const f = await loadFixture(fixture);
    const r = await report(2n, -3n * ONE, 9n);
    await expect(f.consumer.readWithReport(reportStruct(r), await sign(f, [r])))
      .to.emit(f.consumer, "ValueUsed")
      .withArgs(2n, -3n * ONE, 9n)
      .and.to.emit(f.oracle, "InferenceUpdated");
    expect((await f.oracle.latestInference(2n))[1]).to.equal(9n);
  });

  it("useVerifiedReport checks signatures, age and bounds without storing", async () => {
    const f = await loadFixture(fixture);
    const r = await report(3n, 7n * ONE, 4n);
    const signatures = await sign(f, [r]);
    expect(await f.consumer.useVerifiedReport(reportStruct(r), signatures)).to.deep.equal([7n * ONE, 4n]);
    expect((await f.oracle.latestInference(3n))[1]).to.equal(0n);
    await time.increase(301);
    await expect(f.consumer.useVerifiedReport(reportStruct(r), signatures)).to.be.revertedWithCustomError(
      f.oracle,
      "StaleInference",
    );
    // A timestamp slightly ahead of the chain's clock counts as fresh.
    const ahead = { ...(await report(3n, 8n * ONE, 6n)) };
    ahead.timestamp += 120n;
    expect(await f.consumer.useVerifiedReport(reportStruct(ahead), await sign(f, [ahead]))).to.deep.equal([
      8n * ONE,
      6n,
    ]);
    const outOfBounds = await report(3n, -5000n * ONE, 5n);
    await expect(f.consumer.useVerifiedReport(reportStruct(outOfBounds), await sign(f, [outOfBounds])))
      .to.be.revertedWithCustomError(f.consumer, "ValueOutsideBounds")
      .withArgs(-5000n * ONE);
    const tooHigh = await report(3n, 5000n * ONE, 7n);
    await expect(f.consumer.useVerifiedReport(reportStruct(tooHigh), await sign(f, [tooHigh])))
      .to.be.revertedWithCustomError(f.consumer, "ValueOutsideBounds")
      .withArgs(5000n * ONE);
  });
});
