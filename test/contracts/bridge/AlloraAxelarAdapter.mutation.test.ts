/**
 * Tests added for mutants of AlloraAxelarAdapter.sol that survived `npm run test:mutation -- adapter`
 * (docs/development.md "Mutation testing").
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployLocalAxelar } from "./axelar";

async function adapterFixture() {
  const [admin, guardian, stranger] = await ethers.getSigners();
  const axelar = await deployLocalAxelar("mutation");
  const token = await ethers.deployContract("AlloToken", [admin.address]);
  const adapter = await ethers.deployContract("AlloraAxelarAdapter", [
    await axelar.gateway.getAddress(),
    await axelar.gasService.getAddress(),
    await token.getAddress(),
    admin.address,
    guardian.address,
  ]);
  return { adapter, admin, guardian, stranger };
}

describe("AlloraAxelarAdapter (mutation-found cases)", function () {
  it("unpause emits AdapterPaused(false, admin)", async function () {
    // Kills the deleted `emit AdapterPaused(false, msg.sender)` in unpause.
    const { adapter, admin, guardian } = await loadFixture(adapterFixture);
    await adapter.connect(guardian).pause();
    await expect(adapter.connect(admin).unpause()).to.emit(adapter, "AdapterPaused").withArgs(false, admin.address);
  });

  it("re-pointing a chain frees its old one-letter Axelar name for another chain", async function () {
    // Kills `bytes(previous.axelarChain).length != 0` -> `!= 1`: a name of one character must be released too.
    const { adapter, stranger } = await loadFixture(adapterFixture);
    await adapter.setRemote(7n, "a", stranger.address);
    await adapter.setRemote(7n, "b", stranger.address);
    await expect(adapter.setRemote(8n, "a", stranger.address)).to.emit(adapter, "RemoteAdapterSet");
  });

  it("a taken name is refused for any adapter address, the lowest non-zero one included", async function () {
    // Kills `adapter != address(0)` -> `address(1)`: only removal (adapter zero) skips the name check.
    const { adapter, stranger } = await loadFixture(adapterFixture);
    await adapter.setRemote(7n, "a", stranger.address);
    const one = ethers.getAddress("0x0000000000000000000000000000000000000001");
    await expect(adapter.setRemote(8n, "a", one)).to.be.revertedWithCustomError(adapter, "AxelarNameTaken").withArgs("a", 7n);
  });
});
