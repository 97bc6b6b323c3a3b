/**
 * TEMPORARY: while deploy/modules/AlloraOracle.ts is not on this branch, scripts/deploy.ts skips the oracle.
 * Then the devnet deploys AlloraOracle itself, straight from the compiled artifact, with the same local
 * parameters (deploy/parameters/local.json: attester set, admin, guardian) and the deployed token.
 * `npm start` says when it does this. Remove once the module lands.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../lib/dev-keys";
import { ManifestChain } from "../lib/manifest";

interface LocalParameters {
  attesters: { setId: number; signers: string[]; threshold: number };
  oracle?: { admin: string; guardian: string };
}

export async function deployOracleDirect(repoRoot: string, chain: ManifestChain): Promise<string> {
  const params = JSON.parse(
    fs.readFileSync(path.join(repoRoot, "deploy", "parameters", "local.json"), "utf8"),
  ) as LocalParameters;
  const artifactFile = path.join(
    repoRoot,
    "artifacts",
    "contracts",
    "oracle",
    "AlloraOracle.sol",
    "AlloraOracle.json",
  );
  if (!fs.existsSync(artifactFile)) throw new Error(`${artifactFile} not found: run npx hardhat compile`);
  const { abi, bytecode } = JSON.parse(fs.readFileSync(artifactFile, "utf8")) as {
    abi: ethers.InterfaceAbi;
    bytecode: string;
  };
  const provider = new ethers.JsonRpcProvider(chain.rpc, chain.chainId, { staticNetwork: true });
  provider.pollingInterval = 100;
  try {
    const deployer = hardhatAccount(DEV_ACCOUNT_INDEX.deployer).connect(provider);
    const account = (v: string | undefined): string => (!v || v === "deployer" ? deployer.address : v);
    const signers = [...params.attesters.signers].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const oracle = await new ethers.ContractFactory(abi, bytecode, deployer).deploy(
      account(params.oracle?.admin),
      account(params.oracle?.guardian),
      chain.contracts.token,
      params.attesters.setId,
      signers,
      params.attesters.threshold,
    );
    await oracle.waitForDeployment();
    return oracle.getAddress();
  } finally {
    provider.destroy();
  }
}
