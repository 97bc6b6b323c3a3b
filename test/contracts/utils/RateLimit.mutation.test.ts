/**
 * Tests added for mutants of RateLimit.sol that survived `npm run test:mutation -- ratelimit`
 * (docs/development.md "Mutation testing").
 */
import { expect } from "chai";
import { ethers, network } from "hardhat";

describe("RateLimit (mutation-found cases)", function () {
  it("with a 1-second window, what was consumed stays consumed within the same second", async function () {
    // Kills `window == 0` -> `window == 1` in availableNow: only a zero window means "no limit over time".
    const harness = await ethers.deployContract("FlaggedRateLimitHarness", [1n]);
    await network.provider.send("evm_setAutomine", [false]);
    try {
      await harness.setCapacity(100n);
      await harness.consume(40n);
      const probe = await harness.probe();
      await network.provider.send("evm_mine", []);
      const receipt = await probe.wait();
      const [available] = harness.interface.parseLog(receipt!.logs[0])!.args;
      expect(available).to.equal(60n);
    } finally {
      await network.provider.send("evm_setAutomine", [true]);
    }
  });

  it("lowering the capacity by more than is available leaves exactly zero available", async function () {
    // Kills `availableNow_ > cut ? availableNow_ - cut : 0` -> `: 1` in resized (the property test's random
    // sequences do not always reach a cut larger than what is left).
    const harness = await ethers.deployContract("FlaggedRateLimitHarness", [86_400n]);
    await network.provider.send("evm_setAutomine", [false]);
    try {
      await harness.setCapacity(100n);
      await harness.consume(90n);
      await harness.setCapacity(50n);
      const probe = await harness.probe();
      await network.provider.send("evm_mine", []);
      const receipt = await probe.wait();
      const [available] = harness.interface.parseLog(receipt!.logs[0])!.args;
      expect(available).to.equal(0n);
    } finally {
      await network.provider.send("evm_setAutomine", [true]);
    }
  });
});
