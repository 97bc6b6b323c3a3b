/**
 * TEMPORARY fallback while scripts/deploy.ts is not on main: deploys AlloToken and AlloraOracle straight
 * from the compiled artifacts with ethers (no Ignition, no CREATE2), with the local parameters the
 * devnet uses: admin and guardian = Hardhat account 0, attesters = Hardhat accounts 1..3, threshold 2.
 * `npm start` uses it only when scripts/deploy.ts is missing, and says so.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../lib/dev-keys";
import { ManifestChain } from "../lib/manifest";

function artifact(
  repoRoot: string,
  file: string,
  name: string,
): { abi: ethers.InterfaceAbi; bytecode: string } {
  const p = path.join(repoRoot, "artifacts", "contracts", file, `${name}.json`);
  if (!fs.existsSync(p)) throw new Error(`${p} not found: run npx hardhat compile`);
  return JSON.parse(fs.readFileSync(p, "utf8")) as { abi: ethers.InterfaceAbi; bytecode: string };
}

export async function deployDirect(repoRoot: string, chain: ManifestChain): Promise<Record<string, string>> {
  const provider = new ethers.JsonRpcProvider(chain.rpc, chain.chainId, { staticNetwork: true });
  provider.pollingInterval = 100;
  try {
    const deployer = new ethers.NonceManager(hardhatAccount(DEV_ACCOUNT_INDEX.deployer).connect(provider));
    const admin = await deployer.getAddress();
    const tokenArt = artifact(repoRoot, "token/AlloToken.sol", "AlloToken");
    const oracleArt = artifact(repoRoot, "oracle/AlloraOracle.sol", "AlloraOracle");
    const token = await new ethers.ContractFactory(tokenArt.abi, tokenArt.bytecode, deployer).deploy(admin);
    await token.waitForDeployment();
    const signers = [1, 2, 3]
      .map((i) => hardhatAccount(i).address)
      .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const oracle = await new ethers.ContractFactory(oracleArt.abi, oracleArt.bytecode, deployer).deploy(
      admin,
      admin,
      await token.getAddress(),
      1,
      signers,
      2,
    );
    await oracle.waitForDeployment();
    return { token: await token.getAddress(), oracle: await oracle.getAddress() };
  } finally {
    provider.destroy();
  }
}
