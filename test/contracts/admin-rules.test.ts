/**
 * The default admin of every contract that has one (token, oracle, bridge, Axelar adapter) follows
 * OpenZeppelin's AccessControlDefaultAdminRules: the role cannot be granted in one step, nor renounced without
 * a scheduled, delayed handover, so no single call loses unpause, fee withdrawal and configuration for good.
 * One behaviour, run against each contract.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseContract, Contract } from "ethers";
import { deployBridge } from "./bridge/fixtures";
import { deployOracle } from "./oracle/helpers";
import { deployLocalAxelar } from "./bridge/axelar";

const TWO_DAYS = 2n * 24n * 3600n;

/** The contracts under test, each with its admin (signer 0) and a guardian role to check unpause with. */
async function contracts() {
  const [admin] = await ethers.getSigners();
  const bridge = await deployBridge();
  const oracle = await deployOracle(3, 2);
  const axelar = await deployLocalAxelar("admin-rules");
  const adapter = await ethers.deployContract("AlloraAxelarAdapter", [
    await axelar.gateway.getAddress(),
    await axelar.gasService.getAddress(),
    await bridge.token.getAddress(),
    admin.address,
    admin.address,
  ]);
  return { token: bridge.token, bridge: bridge.bridge, oracle: oracle.oracle, adapter };
}

for (const name of ["token", "bridge", "oracle", "adapter"] as const) {
  describe(`default admin rules: ${name}`, function () {
    async function subject(): Promise<Contract> {
      const all = await loadFixture(contracts);
      return (all[name] as BaseContract) as unknown as Contract;
    }

    it("has a two-day handover delay and the deployer as the only default admin", async function () {
      const c = await subject();
      const [admin] = await ethers.getSigners();
      expect(await c.defaultAdmin()).to.equal(admin.address);
      expect(await c.defaultAdminDelay()).to.equal(TWO_DAYS);
    });

    it("refuses a single-step grant of the admin role", async function () {
      const c = await subject();
      const [, other] = await ethers.getSigners();
      await expect(c.grantRole(ethers.ZeroHash, other.address)).to.be.revertedWithCustomError(
        c,
        "AccessControlEnforcedDefaultAdminRules",
      );
      expect(await c.hasRole(ethers.ZeroHash, other.address)).to.equal(false);
    });

    it("refuses the last admin's renounce unless a handover to zero was scheduled and has waited", async function () {
      const c = await subject();
      const [admin] = await ethers.getSigners();
      await expect(c.renounceRole(ethers.ZeroHash, admin.address))
        .to.be.revertedWithCustomError(c, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(0n);
      await expect(c.revokeRole(ethers.ZeroHash, admin.address)).to.be.revertedWithCustomError(
        c,
        "AccessControlEnforcedDefaultAdminRules",
      );
      expect(await c.hasRole(ethers.ZeroHash, admin.address)).to.equal(true);
    });

    it("moves the admin role in two steps: begin, wait the delay, accept", async function () {
      const c = await subject();
      const [admin, next] = await ethers.getSigners();
      await c.beginDefaultAdminTransfer(next.address);
      const [, schedule] = await c.pendingDefaultAdmin();
      await expect((c.connect(next) as Contract).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(c, "AccessControlEnforcedDefaultAdminDelay")
        .withArgs(schedule);
      await time.increaseTo(schedule + 1n);
      await (c.connect(next) as Contract).acceptDefaultAdminTransfer();
      expect(await c.defaultAdmin()).to.equal(next.address);
      expect(await c.hasRole(ethers.ZeroHash, admin.address)).to.equal(false);
    });
  });
}
