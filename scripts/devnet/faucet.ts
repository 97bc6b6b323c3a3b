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
  "function mintingMaxLimitOf(address bridge) view returns (uint256)",
  "function mintingCurrentLimitOf(address bridge) view returns (uint256)",
  "function crosschainMint(address to, uint256 value)",
  "function balanceOf(address) view returns (uint256)",
];

/** ALLO minted to the user account on each chain. */
export const FAUCET_AMOUNT = ethers.parseUnits("1000", 18);

/**
 * Mints `amount` ALLO to `to` (default: the user account #5) on `chain`. Also `npm run faucet` (scripts/faucet.ts),
 * any number of times: the admin's minting limit is raised by what is missing (a limit refills over a day).
 */
export async function fundUser(
  chain: ManifestChain,
  amount = FAUCET_AMOUNT,
  to = hardhatAccount(DEV_ACCOUNT_INDEX.user).address,
): Promise<string> {
  const token = chain.contracts.token;
  if (!token) throw new Error(`no token on ${chain.name}`);
  const provider = new ethers.JsonRpcProvider(chain.rpc, chain.chainId, { staticNetwork: true });
  provider.pollingInterval = 100;
  try {
    const admin = new ethers.NonceManager(hardhatAccount(DEV_ACCOUNT_INDEX.deployer).connect(provider));
    const contract = new ethers.Contract(token, TOKEN_ADMIN_ABI, admin);
    const adminAddress = await admin.getAddress();
    const [max, available] = (await Promise.all([
      contract.mintingMaxLimitOf(adminAddress),
      contract.mintingCurrentLimitOf(adminAddress),
    ])) as [bigint, bigint];
    // Raising the capacity by d raises what is available by d (RateLimit.resized).
    const limits =
      available < amount
        ? ((await contract.setBridgeLimits(adminAddress, max + amount - available, 0n)) as ethers.ContractTransactionResponse)
        : undefined;
    const mint = (await contract.crosschainMint(to, amount)) as ethers.ContractTransactionResponse;
    await limits?.wait();
    await mint.wait();
    return to;
  } finally {
    provider.destroy();
  }
}
