import type { GasSuite } from "./types";

const ALLO = 10n ** 18n;

/**
 * AlloToken in steady state: every case is its own transaction, the recipient already holds ALLO, the
 * sender keeps a balance, and the bridge's minting and burning buckets have already been used once (so
 * no slot goes from zero to non-zero inside a measured transaction).
 */
const tokenSuite: GasSuite = async (hre) => {
  const { ethers } = hre;
  const [admin, bridge, alice, bob] = await ethers.getSigners();
  const token = await ethers.deployContract("AlloToken", [admin.address]);
  await token.waitForDeployment();
  await (await token.setBridgeLimits(bridge.address, 1_000_000n * ALLO, 1_000_000n * ALLO)).wait();

  const asBridge = token.connect(bridge);
  // Warm-up: both holders get ALLO, both buckets are written once.
  await (await asBridge.crosschainMint(alice.address, 1_000n * ALLO)).wait();
  await (await asBridge.crosschainMint(bob.address, 1_000n * ALLO)).wait();
  await (await asBridge.crosschainBurn(alice.address, 1n * ALLO)).wait();

  const gasOf = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<bigint> => {
    const receipt = await (await tx).wait();
    if (!receipt) throw new Error("no receipt");
    return receipt.gasUsed;
  };

  return {
    "token.transfer": await gasOf(token.connect(alice).transfer(bob.address, 10n * ALLO)),
    "token.crosschainMint": await gasOf(asBridge.crosschainMint(bob.address, 10n * ALLO)),
    "token.crosschainBurn": await gasOf(asBridge.crosschainBurn(alice.address, 10n * ALLO)),
  };
};

export default tokenSuite;
