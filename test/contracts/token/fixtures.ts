import { ethers } from "hardhat";
import type { AlloToken } from "../../../typechain-types";

/** One ALLO in base units. */
export const ALLO = 10n ** 18n;
/** The refill window the contract documents (LIMIT_WINDOW). */
export const DAY = 24n * 60n * 60n;

/** A token with an admin, a guardian and one bridge registered with 1,000 ALLO / 500 ALLO limits. */
export async function deployTokenFixture() {
  const [admin, guardian, bridge, alice, bob, stranger] = await ethers.getSigners();
  const token = (await ethers.deployContract("AlloToken", [admin.address])) as unknown as AlloToken;
  await token.waitForDeployment();
  await token.grantRole(await token.GUARDIAN_ROLE(), guardian.address);
  const mintingLimit = 1_000n * ALLO;
  const burningLimit = 500n * ALLO;
  await token.setBridgeLimits(bridge.address, mintingLimit, burningLimit);
  return { token, admin, guardian, bridge, alice, bob, stranger, mintingLimit, burningLimit };
}
