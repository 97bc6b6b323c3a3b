import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ALLO, DAY, deployTokenFixture } from "./fixtures";
import type { AlloToken } from "../../../typechain-types";

const UINT104_MAX = 2n ** 104n - 1n;

/** ERC-165 id of an interface given as function signatures (XOR of selectors). */
function interfaceId(signatures: string[]): string {
  const id = signatures
    .map((sig) => BigInt(ethers.id(sig).slice(0, 10)))
    .reduce((acc, selector) => acc ^ selector, 0n);
  return "0x" + id.toString(16).padStart(8, "0");
}

describe("AlloToken", function () {
  describe("deployment", function () {
    it("is Allora / ALLO with 18 decimals and no supply", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      expect(await token.name()).to.equal("Allora");
      expect(await token.symbol()).to.equal("ALLO");
      expect(await token.decimals()).to.equal(18);
      expect(await token.totalSupply()).to.equal(0n);
    });

    it("makes the constructor argument the default admin, not the deployer", async function () {
      const [deployer, chosenAdmin] = await ethers.getSigners();
      const token = await ethers.deployContract("AlloToken", [chosenAdmin.address]);
      expect(await token.defaultAdmin()).to.equal(chosenAdmin.address);
      expect(await token.owner()).to.equal(chosenAdmin.address);
      expect(await token.hasRole(await token.DEFAULT_ADMIN_ROLE(), deployer.address)).to.equal(false);
      expect(await token.defaultAdminDelay()).to.equal(await token.INITIAL_ADMIN_TRANSFER_DELAY());
    });

    it("rejects the zero address as initial admin", async function () {
      const factory = await ethers.getContractFactory("AlloToken");
      await expect(ethers.deployContract("AlloToken", [ethers.ZeroAddress]))
        .to.be.revertedWithCustomError(factory, "AccessControlInvalidDefaultAdmin")
        .withArgs(ethers.ZeroAddress);
    });

    it("documents its constants", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      expect(await token.LIMIT_WINDOW()).to.equal(DAY);
      expect(await token.GUARDIAN_ROLE()).to.equal(ethers.id("GUARDIAN_ROLE"));
      expect(await token.INITIAL_ADMIN_TRANSFER_DELAY()).to.equal(2n * DAY);
    });
  });

  describe("ERC-165", function () {
    it("supports ERC-7802 (0x33331994), ERC-165, AccessControl, IAlloToken; not 0xffffffff", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      const erc7802 = interfaceId(["crosschainMint(address,uint256)", "crosschainBurn(address,uint256)"]);
      expect(erc7802).to.equal("0x33331994");
      expect(await token.supportsInterface(erc7802)).to.equal(true);
      expect(await token.supportsInterface("0x01ffc9a7")).to.equal(true);
      expect(await token.supportsInterface("0x7965db0b")).to.equal(true); // IAccessControl
      const alloTokenId = interfaceId(
        token.interface.fragments
          .filter((f) => f.type === "function")
          .map((f) => (f as unknown as { format(kind: string): string }).format("sighash"))
          .filter((sig) =>
            [
              "setBridgeLimits(address,uint256,uint256)",
              "pauseBridging()",
              "unpauseBridging()",
              "mintingMaxLimitOf(address)",
              "mintingCurrentLimitOf(address)",
              "burningMaxLimitOf(address)",
              "burningCurrentLimitOf(address)",
              "isBridge(address)",
              "bridges()",
            ].includes(sig),
          ),
      );
      expect(await token.supportsInterface(alloTokenId)).to.equal(true);
      expect(await token.supportsInterface("0xffffffff")).to.equal(false);
      expect(await token.supportsInterface("0x12345678")).to.equal(false);
    });
  });

  describe("setBridgeLimits", function () {
    it("registers a bridge, sets both limits and emits events", async function () {
      const { token, alice } = await loadFixture(deployTokenFixture);
      await expect(token.setBridgeLimits(alice.address, 10n * ALLO, 0n))
        .to.emit(token, "BridgeLimitsSet")
        .withArgs(alice.address, 10n * ALLO, 0n)
        .and.to.emit(token, "BridgeRegistered")
        .withArgs(alice.address);
      expect(await token.isBridge(alice.address)).to.equal(true);
      expect(await token.mintingMaxLimitOf(alice.address)).to.equal(10n * ALLO);
      expect(await token.mintingCurrentLimitOf(alice.address)).to.equal(10n * ALLO);
      expect(await token.burningMaxLimitOf(alice.address)).to.equal(0n);
      expect(await token.burningCurrentLimitOf(alice.address)).to.equal(0n);
    });

    it("does not re-emit BridgeRegistered when changing limits of a registered bridge", async function () {
      const { token, bridge } = await loadFixture(deployTokenFixture);
      await expect(token.setBridgeLimits(bridge.address, 1n, 2n))
        .to.emit(token, "BridgeLimitsSet")
        .withArgs(bridge.address, 1n, 2n)
        .and.not.to.emit(token, "BridgeRegistered");
    });

    it("removes a bridge when both limits become zero, and lists bridges", async function () {
      const { token, bridge, alice } = await loadFixture(deployTokenFixture);
      await token.setBridgeLimits(alice.address, 0n, 1n);
      expect([...(await token.bridges())]).to.have.members([bridge.address, alice.address]);
      await expect(token.setBridgeLimits(bridge.address, 0n, 0n))
        .to.emit(token, "BridgeRemoved")
        .withArgs(bridge.address);
      expect(await token.isBridge(bridge.address)).to.equal(false);
      expect([...(await token.bridges())]).to.deep.equal([alice.address]);
      await expect(token.connect(bridge).crosschainMint(alice.address, 0n))
        .to.be.revertedWithCustomError(token, "NotBridge")
        .withArgs(bridge.address);
    });

    it("setting zero limits on an unknown address emits no BridgeRemoved", async function () {
      const { token, stranger } = await loadFixture(deployTokenFixture);
      await expect(token.setBridgeLimits(stranger.address, 0n, 0n))
        .to.emit(token, "BridgeLimitsSet")
        .and.not.to.emit(token, "BridgeRemoved");
    });

    it("reverts for the zero address", async function () {
      const { token } = await loadFixture(deployTokenFixture);
      await expect(token.setBridgeLimits(ethers.ZeroAddress, 1n, 1n))
        .to.be.revertedWithCustomError(token, "InvalidBridge")
        .withArgs(ethers.ZeroAddress);
    });

    it("reverts for a caller without the admin role (guardian included)", async function () {
      const { token, guardian, stranger } = await loadFixture(deployTokenFixture);
      for (const caller of [guardian, stranger]) {
        await expect(token.connect(caller).setBridgeLimits(stranger.address, 1n, 1n))
          .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, await token.DEFAULT_ADMIN_ROLE());
      }
    });

    it("reverts for a limit above MAX_LIMIT = uint104 (either limit), whatever the other limit", async function () {
      const { token, alice } = await loadFixture(deployTokenFixture);
      expect(await token.MAX_LIMIT()).to.equal(UINT104_MAX);
      for (const tooLarge of [UINT104_MAX + 1n, 2n ** 112n - 1n, 2n ** 256n - 1n]) {
        await expect(token.setBridgeLimits(alice.address, tooLarge, 0n))
          .to.be.revertedWithCustomError(token, "CapacityTooLarge")
          .withArgs(tooLarge);
        await expect(token.setBridgeLimits(alice.address, 1n, tooLarge))
          .to.be.revertedWithCustomError(token, "CapacityTooLarge")
          .withArgs(tooLarge);
      }
      expect(await token.isBridge(alice.address)).to.equal(false);
    });

    it("limits at and near MAX_LIMIT work: mint, burn and refill up to the maximum", async function () {
      const { token, alice, bob } = await loadFixture(deployTokenFixture);
      await token.setBridgeLimits(alice.address, UINT104_MAX, UINT104_MAX - 1n);
      expect(await token.mintingMaxLimitOf(alice.address)).to.equal(UINT104_MAX);
      expect(await token.burningMaxLimitOf(alice.address)).to.equal(UINT104_MAX - 1n);
      await token.connect(alice).crosschainMint(bob.address, UINT104_MAX);
      expect(await token.balanceOf(bob.address)).to.equal(UINT104_MAX);
      expect(await token.mintingCurrentLimitOf(alice.address)).to.equal(0n);
      await expect(token.connect(alice).crosschainBurn(bob.address, UINT104_MAX))
        .to.be.revertedWithCustomError(token, "BurningLimitExceeded")
        .withArgs(alice.address, UINT104_MAX, UINT104_MAX - 1n);
      await token.connect(alice).crosschainBurn(bob.address, UINT104_MAX - 1n);
      expect(await token.balanceOf(bob.address)).to.equal(1n);
      await time.increase(DAY);
      expect(await token.mintingCurrentLimitOf(alice.address)).to.equal(UINT104_MAX);
      expect(await token.burningCurrentLimitOf(alice.address)).to.equal(UINT104_MAX - 1n);
      // Pausing and unpausing leaves the limits at the maximum untouched (the flag shares their slot).
      await token.grantRole(await token.GUARDIAN_ROLE(), bob.address);
      await token.connect(bob).pauseBridging();
      await token.unpauseBridging();
      expect(await token.mintingMaxLimitOf(alice.address)).to.equal(UINT104_MAX);
      expect(await token.mintingCurrentLimitOf(alice.address)).to.equal(UINT104_MAX);
      expect(await token.burningCurrentLimitOf(alice.address)).to.equal(UINT104_MAX - 1n);
    });

    it("raising a limit frees the difference at once; lowering takes it away", async function () {
      const { token, bridge, alice, mintingLimit, burningLimit } = await loadFixture(deployTokenFixture);
      await token.connect(bridge).crosschainMint(alice.address, 800n * ALLO); // 200 left
      await token.setBridgeLimits(bridge.address, mintingLimit + 300n * ALLO, burningLimit);
      // Refill during the one second between transactions is 1,300 ALLO / 86,400 s per second; read the
      // view and allow at most two seconds of it.
      const raised = await token.mintingCurrentLimitOf(bridge.address);
      const perSecond = (1_300n * ALLO) / DAY;
      expect(raised)
        .to.be.gte(500n * ALLO)
        .and.lte(500n * ALLO + 2n * perSecond);
      await token.setBridgeLimits(bridge.address, 100n * ALLO, burningLimit);
      // 500 - 1,200 is below zero: nothing is available.
      expect(await token.mintingCurrentLimitOf(bridge.address)).to.be.lte(2n * ((100n * ALLO) / DAY));
      expect(await token.mintingMaxLimitOf(bridge.address)).to.equal(100n * ALLO);
    });
  });

  describe("crosschainMint", function () {
    it("mints, emits CrosschainMint and Transfer, and uses the minting limit", async function () {
      const { token, bridge, alice, mintingLimit } = await loadFixture(deployTokenFixture);
      await expect(token.connect(bridge).crosschainMint(alice.address, 400n * ALLO))
        .to.emit(token, "CrosschainMint")
        .withArgs(alice.address, 400n * ALLO, bridge.address)
        .and.to.emit(token, "Transfer")
        .withArgs(ethers.ZeroAddress, alice.address, 400n * ALLO);
      expect(await token.balanceOf(alice.address)).to.equal(400n * ALLO);
      expect(await token.totalSupply()).to.equal(400n * ALLO);
      expect(await token.mintingCurrentLimitOf(bridge.address)).to.equal(mintingLimit - 400n * ALLO);
      expect(await token.mintingMaxLimitOf(bridge.address)).to.equal(mintingLimit);
    });

    it("mints the whole limit in one call, then reverts with MintingLimitExceeded", async function () {
      const { token, bridge, alice, mintingLimit } = await loadFixture(deployTokenFixture);
      await token.connect(bridge).crosschainMint(alice.address, mintingLimit);
      // One second later the bucket holds exactly limit / window (rounded down).
      const available = mintingLimit / DAY;
      await expect(token.connect(bridge).crosschainMint(alice.address, ALLO))
        .to.be.revertedWithCustomError(token, "MintingLimitExceeded")
        .withArgs(bridge.address, ALLO, available);
    });

    it("refills linearly: half a window gives back half the limit; a full window refills it all", async function () {
      const { token, bridge, alice, mintingLimit } = await loadFixture(deployTokenFixture);
      const tx = await token.connect(bridge).crosschainMint(alice.address, mintingLimit);
      const minedAt = BigInt((await tx.getBlock())!.timestamp);
      await time.increaseTo(minedAt + DAY / 2n);
      expect(await token.mintingCurrentLimitOf(bridge.address)).to.equal(mintingLimit / 2n);
      await time.setNextBlockTimestamp(minedAt + DAY / 2n + 1n);
      // Exactly what has refilled one second later is mintable; one base unit more is not.
      const refilled = (mintingLimit * (DAY / 2n + 1n)) / DAY;
      await expect(token.connect(bridge).crosschainMint(alice.address, refilled + 1n))
        .to.be.revertedWithCustomError(token, "MintingLimitExceeded")
        .withArgs(bridge.address, refilled + 1n, refilled);
      await time.setNextBlockTimestamp(minedAt + DAY / 2n + 2n);
      const refilledLater = (mintingLimit * (DAY / 2n + 2n)) / DAY;
      await token.connect(bridge).crosschainMint(alice.address, refilledLater);
      expect(await token.mintingCurrentLimitOf(bridge.address)).to.equal(0n);
      await time.increase(DAY * 3n);
      expect(await token.mintingCurrentLimitOf(bridge.address)).to.equal(mintingLimit);
    });

    it("reverts with NotBridge for an unregistered caller, even for a zero amount", async function () {
      const { token, stranger, alice } = await loadFixture(deployTokenFixture);
      for (const amount of [0n, 1n]) {
        await expect(token.connect(stranger).crosschainMint(alice.address, amount))
          .to.be.revertedWithCustomError(token, "NotBridge")
          .withArgs(stranger.address);
      }
    });

    it("a bridge with only a burning limit cannot mint", async function () {
      const { token, alice, bob } = await loadFixture(deployTokenFixture);
      await token.setBridgeLimits(alice.address, 0n, 10n);
      await expect(token.connect(alice).crosschainMint(bob.address, 1n))
        .to.be.revertedWithCustomError(token, "MintingLimitExceeded")
        .withArgs(alice.address, 1n, 0n);
    });

    it("reverts for the zero recipient", async function () {
      const { token, bridge } = await loadFixture(deployTokenFixture);
      await expect(token.connect(bridge).crosschainMint(ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
      // The failed call used none of the limit.
      expect(await token.mintingCurrentLimitOf(bridge.address)).to.equal(
        await token.mintingMaxLimitOf(bridge.address),
      );
    });

    it("reverts with EnforcedPause while bridging is paused", async function () {
      const { token, guardian, bridge, alice } = await loadFixture(deployTokenFixture);
      await token.connect(guardian).pauseBridging();
      await expect(token.connect(bridge).crosschainMint(alice.address, 1n)).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
    });

    it("keeps bridges' limits independent", async function () {
      const { token, bridge, alice, bob, mintingLimit } = await loadFixture(deployTokenFixture);
      await token.setBridgeLimits(alice.address, 5n * ALLO, 0n);
      await token.connect(bridge).crosschainMint(bob.address, mintingLimit);
      await token.connect(alice).crosschainMint(bob.address, 5n * ALLO);
      expect(await token.balanceOf(bob.address)).to.equal(mintingLimit + 5n * ALLO);
      await expect(token.connect(alice).crosschainMint(bob.address, ALLO)).to.be.revertedWithCustomError(
        token,
        "MintingLimitExceeded",
      );
    });
  });

  describe("crosschainBurn", function () {
    async function withBalance() {
      const f = await deployTokenFixture();
      await f.token.connect(f.bridge).crosschainMint(f.alice.address, 900n * ALLO);
      return f;
    }

    it("burns without an allowance, emits CrosschainBurn and Transfer, and uses the burning limit", async function () {
      const { token, bridge, alice, burningLimit } = await loadFixture(withBalance);
      expect(await token.allowance(alice.address, bridge.address)).to.equal(0n);
      await expect(token.connect(bridge).crosschainBurn(alice.address, 300n * ALLO))
        .to.emit(token, "CrosschainBurn")
        .withArgs(alice.address, 300n * ALLO, bridge.address)
        .and.to.emit(token, "Transfer")
        .withArgs(alice.address, ethers.ZeroAddress, 300n * ALLO);
      expect(await token.balanceOf(alice.address)).to.equal(600n * ALLO);
      expect(await token.totalSupply()).to.equal(600n * ALLO);
      expect(await token.burningCurrentLimitOf(bridge.address)).to.equal(burningLimit - 300n * ALLO);
      expect(await token.burningMaxLimitOf(bridge.address)).to.equal(burningLimit);
    });

    it("reverts with BurningLimitExceeded above the current burning limit", async function () {
      const { token, bridge, alice, burningLimit } = await loadFixture(withBalance);
      await expect(token.connect(bridge).crosschainBurn(alice.address, burningLimit + 1n))
        .to.be.revertedWithCustomError(token, "BurningLimitExceeded")
        .withArgs(bridge.address, burningLimit + 1n, burningLimit);
    });

    it("refills the burning limit over the window", async function () {
      const { token, bridge, alice, burningLimit } = await loadFixture(withBalance);
      const tx = await token.connect(bridge).crosschainBurn(alice.address, burningLimit);
      const minedAt = BigInt((await tx.getBlock())!.timestamp);
      await time.increaseTo(minedAt + DAY / 4n);
      expect(await token.burningCurrentLimitOf(bridge.address)).to.equal(burningLimit / 4n);
      await time.setNextBlockTimestamp(minedAt + DAY / 4n + 1n);
      const refilled = (burningLimit * (DAY / 4n + 1n)) / DAY;
      await expect(token.connect(bridge).crosschainBurn(alice.address, refilled + 1n))
        .to.be.revertedWithCustomError(token, "BurningLimitExceeded")
        .withArgs(bridge.address, refilled + 1n, refilled);
      await time.increase(DAY);
      expect(await token.burningCurrentLimitOf(bridge.address)).to.equal(burningLimit);
    });

    it("reverts with ERC20InsufficientBalance above the holder's balance", async function () {
      const { token, bridge, bob } = await loadFixture(withBalance);
      await expect(token.connect(bridge).crosschainBurn(bob.address, 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(bob.address, 0n, 1n);
    });

    it("reverts with NotBridge for an unregistered caller, even for a zero amount", async function () {
      const { token, stranger, alice } = await loadFixture(withBalance);
      for (const amount of [0n, 1n]) {
        await expect(token.connect(stranger).crosschainBurn(alice.address, amount))
          .to.be.revertedWithCustomError(token, "NotBridge")
          .withArgs(stranger.address);
      }
    });

    it("a bridge with only a minting limit cannot burn", async function () {
      const { token, alice, bob } = await loadFixture(withBalance);
      await token.setBridgeLimits(bob.address, 10n, 0n);
      await expect(token.connect(bob).crosschainBurn(alice.address, 1n))
        .to.be.revertedWithCustomError(token, "BurningLimitExceeded")
        .withArgs(bob.address, 1n, 0n);
    });

    it("reverts with EnforcedPause while bridging is paused", async function () {
      const { token, guardian, bridge, alice } = await loadFixture(withBalance);
      await token.connect(guardian).pauseBridging();
      await expect(token.connect(bridge).crosschainBurn(alice.address, 1n)).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
    });
  });

  describe("pause", function () {
    it("guardian pauses at once; transfers, approvals and permits keep working", async function () {
      const { token, guardian, bridge, alice, bob } = await loadFixture(deployTokenFixture);
      await token.connect(bridge).crosschainMint(alice.address, 10n * ALLO);
      await expect(token.connect(guardian).pauseBridging())
        .to.emit(token, "Paused")
        .withArgs(guardian.address);
      expect(await token.paused()).to.equal(true);
      await expect(token.connect(alice).transfer(bob.address, ALLO)).to.changeTokenBalances(
        token,
        [alice, bob],
        [-ALLO, ALLO],
      );
      await token.connect(alice).approve(bob.address, ALLO);
      await token.connect(bob).transferFrom(alice.address, bob.address, ALLO);
      expect(await token.balanceOf(bob.address)).to.equal(2n * ALLO);
    });

    it("only a guardian pauses (the admin too must hold the role)", async function () {
      const { token, admin, stranger } = await loadFixture(deployTokenFixture);
      for (const caller of [admin, stranger]) {
        await expect(token.connect(caller).pauseBridging())
          .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, await token.GUARDIAN_ROLE());
      }
    });

    it("only the admin unpauses; bridging then resumes", async function () {
      const { token, admin, guardian, bridge, alice } = await loadFixture(deployTokenFixture);
      await token.connect(guardian).pauseBridging();
      await expect(token.connect(guardian).unpauseBridging())
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, await token.DEFAULT_ADMIN_ROLE());
      await expect(token.connect(admin).unpauseBridging()).to.emit(token, "Unpaused").withArgs(admin.address);
      expect(await token.paused()).to.equal(false);
      await token.connect(bridge).crosschainMint(alice.address, 1n);
      expect(await token.balanceOf(alice.address)).to.equal(1n);
    });

    it("pausing twice reverts EnforcedPause; unpausing when not paused reverts ExpectedPause", async function () {
      const { token, guardian } = await loadFixture(deployTokenFixture);
      await expect(token.unpauseBridging()).to.be.revertedWithCustomError(token, "ExpectedPause");
      await token.connect(guardian).pauseBridging();
      await expect(token.connect(guardian).pauseBridging()).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
    });

    it("pausing stops every registered bridge, both directions; unpausing resumes them all", async function () {
      const { token, guardian, bridge, alice, bob, stranger } = await loadFixture(deployTokenFixture);
      await token.setBridgeLimits(alice.address, 100n * ALLO, 100n * ALLO);
      await token.setBridgeLimits(stranger.address, 100n * ALLO, 0n);
      await token.connect(bridge).crosschainMint(bob.address, 10n * ALLO);
      await token.connect(guardian).pauseBridging();
      for (const b of [bridge, alice, stranger]) {
        await expect(token.connect(b).crosschainMint(bob.address, 1n)).to.be.revertedWithCustomError(
          token,
          "EnforcedPause",
        );
        await expect(token.connect(b).crosschainBurn(bob.address, 1n)).to.be.revertedWithCustomError(
          token,
          "EnforcedPause",
        );
      }
      // Limits are untouched by the pause.
      expect(await token.mintingMaxLimitOf(alice.address)).to.equal(100n * ALLO);
      expect(await token.burningMaxLimitOf(bridge.address)).to.equal(500n * ALLO);
      await token.unpauseBridging();
      for (const b of [bridge, alice, stranger]) await token.connect(b).crosschainMint(bob.address, 1n);
      await token.connect(bridge).crosschainBurn(bob.address, 1n);
      await token.connect(alice).crosschainBurn(bob.address, 1n);
      // The stranger's burning is off (limit zero): that is a limit, not a pause.
      await expect(token.connect(stranger).crosschainBurn(bob.address, 1n))
        .to.be.revertedWithCustomError(token, "BurningLimitExceeded")
        .withArgs(stranger.address, 1n, 0n);
      expect(await token.balanceOf(bob.address)).to.equal(10n * ALLO + 1n);
    });

    it("a bridge registered while paused is paused, and resumes with the others on unpause", async function () {
      const { token, guardian, alice, bob } = await loadFixture(deployTokenFixture);
      await token.connect(guardian).pauseBridging();
      await expect(token.setBridgeLimits(alice.address, 100n * ALLO, 100n * ALLO)).to.emit(
        token,
        "BridgeRegistered",
      );
      await expect(token.connect(alice).crosschainMint(bob.address, 1n)).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
      await expect(token.connect(alice).crosschainBurn(bob.address, 0n)).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
      // Changing the limits of a bridge while paused keeps it paused.
      await token.setBridgeLimits(alice.address, 50n * ALLO, 0n);
      await expect(token.connect(alice).crosschainMint(bob.address, 1n)).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
      await token.unpauseBridging();
      await token.connect(alice).crosschainMint(bob.address, 1n);
      expect(await token.balanceOf(bob.address)).to.equal(1n);
    });

    it("a bridge removed while paused and registered again after the unpause is not paused", async function () {
      const { token, guardian, bridge, alice } = await loadFixture(deployTokenFixture);
      await token.connect(guardian).pauseBridging();
      await token.setBridgeLimits(bridge.address, 0n, 0n);
      await token.unpauseBridging();
      // Removed: not a bridge (not a stale pause).
      await expect(token.connect(bridge).crosschainMint(alice.address, 1n))
        .to.be.revertedWithCustomError(token, "NotBridge")
        .withArgs(bridge.address);
      await token.setBridgeLimits(bridge.address, ALLO, ALLO);
      await token.connect(bridge).crosschainMint(alice.address, 1n);
      await token.connect(bridge).crosschainBurn(alice.address, 1n);
    });

    it("while paused a non-bridge still gets EnforcedPause (as before); once unpaused, NotBridge", async function () {
      const { token, guardian, stranger, alice } = await loadFixture(deployTokenFixture);
      await token.connect(guardian).pauseBridging();
      await expect(token.connect(stranger).crosschainMint(alice.address, 0n)).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
      await expect(token.connect(stranger).crosschainBurn(alice.address, 0n)).to.be.revertedWithCustomError(
        token,
        "EnforcedPause",
      );
      await token.unpauseBridging();
      await expect(token.connect(stranger).crosschainMint(alice.address, 0n))
        .to.be.revertedWithCustomError(token, "NotBridge")
        .withArgs(stranger.address);
    });

    it("pause and unpause with no bridge registered only flip paused()", async function () {
      const [admin, guardian] = await ethers.getSigners();
      const token = await ethers.deployContract("AlloToken", [admin.address]);
      await token.grantRole(await token.GUARDIAN_ROLE(), guardian.address);
      await expect(token.connect(guardian).pauseBridging()).to.emit(token, "Paused");
      expect(await token.paused()).to.equal(true);
      await expect(token.unpauseBridging()).to.emit(token, "Unpaused");
      expect(await token.paused()).to.equal(false);
    });

    it("the admin may still change limits while paused", async function () {
      const { token, guardian, bridge } = await loadFixture(deployTokenFixture);
      await token.connect(guardian).pauseBridging();
      await token.setBridgeLimits(bridge.address, 0n, 0n);
      expect(await token.isBridge(bridge.address)).to.equal(false);
    });
  });

  describe("roles", function () {
    it("the admin grants and revokes guardians; others cannot", async function () {
      const { token, guardian, stranger } = await loadFixture(deployTokenFixture);
      const role = await token.GUARDIAN_ROLE();
      await expect(token.connect(guardian).grantRole(role, stranger.address))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(guardian.address, await token.DEFAULT_ADMIN_ROLE());
      await expect(token.revokeRole(role, guardian.address))
        .to.emit(token, "RoleRevoked")
        .withArgs(role, guardian.address, (await ethers.getSigners())[0].address);
      await expect(token.connect(guardian).pauseBridging()).to.be.revertedWithCustomError(
        token,
        "AccessControlUnauthorizedAccount",
      );
    });

    it("the default admin moves in two steps after the delay", async function () {
      const { token, admin, alice } = await loadFixture(deployTokenFixture);
      await expect(
        token.grantRole(await token.DEFAULT_ADMIN_ROLE(), alice.address),
      ).to.be.revertedWithCustomError(token, "AccessControlEnforcedDefaultAdminRules");
      await token.beginDefaultAdminTransfer(alice.address);
      await expect(token.connect(alice).acceptDefaultAdminTransfer()).to.be.revertedWithCustomError(
        token,
        "AccessControlEnforcedDefaultAdminDelay",
      );
      await time.increase(2n * DAY + 1n);
      await token.connect(alice).acceptDefaultAdminTransfer();
      expect(await token.defaultAdmin()).to.equal(alice.address);
      await expect(token.connect(admin).setBridgeLimits(alice.address, 1n, 1n)).to.be.revertedWithCustomError(
        token,
        "AccessControlUnauthorizedAccount",
      );
      await token.connect(alice).setBridgeLimits(alice.address, 1n, 1n);
    });
  });

  describe("ERC-20 and ERC-2612", function () {
    async function funded() {
      const f = await deployTokenFixture();
      await f.token.connect(f.bridge).crosschainMint(f.alice.address, 100n * ALLO);
      return f;
    }

    it("transfers and reverts beyond the balance", async function () {
      const { token, alice, bob } = await loadFixture(funded);
      await expect(token.connect(alice).transfer(bob.address, 40n * ALLO))
        .to.emit(token, "Transfer")
        .withArgs(alice.address, bob.address, 40n * ALLO);
      await expect(token.connect(bob).transfer(alice.address, 41n * ALLO))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(bob.address, 40n * ALLO, 41n * ALLO);
    });

    it("permit sets an allowance from a signature bound to this chain and contract", async function () {
      const { token, alice, bob } = await loadFixture(funded);
      const { chainId } = await ethers.provider.getNetwork();
      const deadline = BigInt(await time.latest()) + 3600n;
      const value = 7n * ALLO;
      const nonce = await token.nonces(alice.address);
      const domain = { name: "Allora", version: "1", chainId, verifyingContract: await token.getAddress() };
      const types = {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      };
      const message = { owner: alice.address, spender: bob.address, value, nonce, deadline };
      const sig = ethers.Signature.from(await alice.signTypedData(domain, types, message));
      await expect(
        token.connect(bob).permit(alice.address, bob.address, value, deadline, sig.v, sig.r, sig.s),
      )
        .to.emit(token, "Approval")
        .withArgs(alice.address, bob.address, value);
      expect(await token.nonces(alice.address)).to.equal(nonce + 1n);
      // Replaying the same signature fails: the nonce moved.
      await expect(
        token.connect(bob).permit(alice.address, bob.address, value, deadline, sig.v, sig.r, sig.s),
      ).to.be.revertedWithCustomError(token, "ERC2612InvalidSigner");
      // A signature for another chain id recovers to someone else.
      const otherChain = ethers.Signature.from(
        await alice.signTypedData({ ...domain, chainId: chainId + 1n }, types, {
          ...message,
          nonce: nonce + 1n,
        }),
      );
      await expect(
        token.permit(alice.address, bob.address, value, deadline, otherChain.v, otherChain.r, otherChain.s),
      ).to.be.revertedWithCustomError(token, "ERC2612InvalidSigner");
    });

    it("permit reverts after the deadline", async function () {
      const { token, alice, bob } = await loadFixture(funded);
      const deadline = BigInt(await time.latest()) - 1n;
      const sig = ethers.Signature.from(ethers.hexlify(new Uint8Array(65)).slice(0, 130) + "1b");
      await expect(token.permit(alice.address, bob.address, 1n, deadline, sig.v, sig.r, sig.s))
        .to.be.revertedWithCustomError(token as AlloToken, "ERC2612ExpiredSignature")
        .withArgs(deadline);
    });
  });
});
