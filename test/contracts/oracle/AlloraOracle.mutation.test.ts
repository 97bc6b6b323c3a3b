/**
 * Tests added for mutants of the oracle and its feed adapter that survived the area's run
 * (npm run test:mutation -- oracle; docs/development.md "Mutation testing"). Each names the mutant it kills.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { packReports, reportStruct } from "../../../lib/eip712/oracle";
import { deployOracle, report, sign } from "./helpers";

async function oracleWithAdapter() {
  const f = await deployOracle(3, 2);
  const adapter = await (await ethers.getContractFactory("AlloraFeedAdapter")).deploy(await f.oracle.getAddress(), 14n, 18, "topic 14");
  return { ...f, adapter };
}

describe("AlloraOracle and AlloraFeedAdapter (mutation-found cases)", () => {
  it("the feed answers round 1, the very first inference of a topic, like any other round", async () => {
    // Kills `nonce == 0` -> `nonce == 1` in getAnswer and getTimestamp: nonce 1 is a real round, not "none".
    const f = await loadFixture(oracleWithAdapter);
    const r = await report(14n, 42n, 1n);
    await f.oracle.submit(packReports([r]), await sign(f, [r]));
    expect(await f.adapter.getAnswer(1n)).to.equal(42n);
    expect(await f.adapter.getTimestamp(1n)).to.equal(r.timestamp);
    expect(await f.adapter.latestAnswer()).to.equal(42n);
    expect(await f.adapter.latestTimestamp()).to.equal(r.timestamp);
    expect((await f.adapter.getRoundData(1n))[1]).to.equal(42n);
  });

  it("verifyAndStore skips a report of the stored nonce: a second value for one round never replaces the first", async () => {
    // Kills `report.nonce > storedNonce` -> `>=` in verifyAndStore.
    const f = await loadFixture(oracleWithAdapter);
    const first = await report(9n, 50n, 5n);
    await f.oracle.verifyAndStore(reportStruct(first), await sign(f, [first]));
    const again = await report(9n, 51n, 5n);
    const signatures = await sign(f, [again]);
    const returned = await f.oracle.verifyAndStore.staticCall(reportStruct(again), signatures);
    expect([returned.value, returned.nonce, returned.timestamp]).to.deep.equal([50n, 5n, first.timestamp]);
    await expect(f.oracle.verifyAndStore(reportStruct(again), signatures)).to.emit(f.oracle, "ReportSkipped").withArgs(9n, 5n, 5n);
    expect(await f.oracle.latestInference(9n)).to.deep.equal([50n, 5n, first.timestamp]);
  });

  it("a struct report exactly MAX_FUTURE_DRIFT ahead is stored; one second more is FutureTimestamp(topic, timestamp, block time)", async () => {
    // Kills `report.timestamp > block.timestamp + MAX_FUTURE_DRIFT` -> `>=` in _checkAndPackReport, and the
    // swap of the topic and the timestamp in its FutureTimestamp (the batch path has its own test).
    const f = await loadFixture(oracleWithAdapter);
    const at = BigInt(await time.latest()) + 10n;
    const edge = { topicId: 3n, value: 1n, nonce: 1n, timestamp: at + 600n };
    const edgeSignatures = await sign(f, [edge]);
    await time.setNextBlockTimestamp(at);
    await expect(f.oracle.verifyAndStore(reportStruct(edge), edgeSignatures)).to.emit(f.oracle, "InferenceUpdated").withArgs(3n, 1n, 1n, at + 600n);
    const beyond = { topicId: 3n, value: 2n, nonce: 2n, timestamp: at + 1n + 601n };
    const beyondSignatures = await sign(f, [beyond]);
    await time.setNextBlockTimestamp(at + 1n);
    await expect(f.oracle.verifyAndStore(reportStruct(beyond), beyondSignatures))
      .to.be.revertedWithCustomError(f.oracle, "FutureTimestamp")
      .withArgs(3n, beyond.timestamp, at + 1n);
  });

  it("hands the admin role over no sooner than two days after the start", async () => {
    // Kills `INITIAL_ADMIN_TRANSFER_DELAY = 2 days` -> `1 days` and `3 days`.
    const { oracle } = await loadFixture(oracleWithAdapter);
    expect(await oracle.INITIAL_ADMIN_TRANSFER_DELAY()).to.equal(2n * 86_400n);
    expect(await oracle.defaultAdminDelay()).to.equal(2n * 86_400n);
  });
});
