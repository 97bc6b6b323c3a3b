/**
 * DEVNET ONLY: ALLO for the local test accounts. On the real chains ALLO only enters an EVM chain through
 * a bridge (ERC-7802 crosschainMint); locally the deployer (the token admin) registers itself as a
 * small-limit bridge and mints to the user account, so the request script has something to pay with.
 */
import { ethers } from "ethers";
import { DEV_ACCOUNT_INDEX, hardhatAccount } from "../lib/dev-keys";
import { ManifestChain } from "../lib/manifest";

const TOKEN_ADMIN_ABI = [
  "function setBridgeLimits(address bridge, uint256 mintingLimit, uint256 burningLimit)",
  "function crosschainMint(address to, uint256 value)",
  "function balanceOf(address) view returns (uint256)",
];

/** ALLO minted to the user account on each chain. */
export const FAUCET_AMOUNT = ethers.parseUnits("1000", 18);

export async function fundUser(chain: ManifestChain, amount = FAUCET_AMOUNT): Promise<string> {
  const token = chain.contracts.token;
  if (!token) throw new Error(`no token on ${chain.name}`);
  const provider = new ethers.JsonRpcProvider(chain.rpc, chain.chainId, { staticNetwork: true });
  provider.pollingInterval = 100;
  try {
    const admin = new ethers.NonceManager(hardhatAccount(DEV_ACCOUNT_INDEX.deployer).connect(provider));
    const user = hardhatAccount(DEV_ACCOUNT_INDEX.user).address;
    const contract = new ethers.Contract(token, TOKEN_ADMIN_ABI, admin);
    const adminAddress = await admin.getAddress();
    const limits = (await contract.setBridgeLimits(
      adminAddress,
      amount,
      0n,
    )) as ethers.ContractTransactionResponse;
    const mint = (await contract.crosschainMint(user, amount)) as ethers.ContractTransactionResponse;
    await limits.wait();
    await mint.wait();
    return user;
  } finally {
    provider.destroy();
  }
}
