/**
 * CreateX (github.com/pcaversaccio/createx), the CREATE2 factory at the same address on Ethereum, BNB
 * Smart Chain, Base, their testnets and 150+ other chains. Hardhat Ignition's `create2` strategy deploys
 * through it. Here: predicting the address it gives, and installing it on a local Hardhat node (with the
 * same pre-signed, chain-id-free transaction that put it on every public chain).
 */
import path from "node:path";
import { ethers } from "ethers";

export const CREATEX_ADDRESS = "0xba5Ed099633D3B313e4D5F7bdc1305d3c28ba5Ed";
/** keccak256 of CreateX's runtime code (v0.1.0), as Ignition checks it. */
export const CREATEX_CODE_HASH = "0xbd8a7ea8cfca7b4e5f5041d7d4b17bc317c5ce42cfbc42066a00cf26b43eb53f";
/** The one-time account that signed CreateX's deployment. */
export const CREATEX_PRESIGNED_DEPLOYER = "0xeD456e05CaAb11d66C4c797dD6c1D6f9A7F352b5";
const CREATEX_DEPLOYER_FUNDING = 400_000_000_000_000_000n; // 0.4 ETH: gas for the pre-signed deployment

/**
 * The salt CreateX actually uses for `deployCreate2(salt, initCode)` called by `sender` (its `_guard`):
 * - first 20 bytes = sender: permissioned (only `sender` can deploy there); byte 21 = 0x01 adds the chain id
 *   (different address per chain), 0x00 does not;
 * - first 20 bytes zero with byte 21 = 0x01: the chain id is mixed in;
 * - anything else: keccak256(abi.encode(salt)), the same on every chain and for every sender.
 * Salts that CreateX rejects (InvalidSalt) throw here with the reason.
 */
export function guardedSalt(salt: string, sender: string, chainId: bigint): string {
  const bytes = ethers.getBytes(salt);
  if (bytes.length !== 32) throw new Error(`CREATE2 salt must be 32 bytes (0x + 64 hex digits), got ${salt}`);
  const prefix = ethers.hexlify(bytes.slice(0, 20)).toLowerCase();
  const flag = bytes[20];
  const coder = ethers.AbiCoder.defaultAbiCoder();
  if (prefix === sender.toLowerCase()) {
    if (flag === 0x01) return ethers.keccak256(coder.encode(["address", "uint256", "bytes32"], [sender, chainId, salt]));
    if (flag === 0x00) return ethers.keccak256(ethers.concat([ethers.zeroPadValue(sender, 32), salt]));
    throw new Error(`CREATE2 salt ${salt}: byte 21 must be 0x00 or 0x01 when the first 20 bytes are the sender`);
  }
  if (prefix === ethers.ZeroAddress) {
    if (flag === 0x01) return ethers.keccak256(coder.encode(["uint256", "bytes32"], [chainId, salt]));
    if (flag !== 0x00) {
      throw new Error(`CREATE2 salt ${salt}: byte 21 must be 0x00 or 0x01 when the first 20 bytes are zero`);
    }
  }
  return ethers.keccak256(coder.encode(["bytes32"], [salt]));
}

/** Where CreateX's `deployCreate2(salt, initCode)` called by `sender` on chain `chainId` puts the contract. */
export function predictCreate2Address(salt: string, initCode: string, sender: string, chainId: bigint): string {
  return ethers.getCreate2Address(CREATEX_ADDRESS, guardedSalt(salt, sender, chainId), ethers.keccak256(initCode));
}

/** An ethers provider that also takes raw JSON-RPC calls (Hardhat's and JsonRpcProvider both do). */
export type RpcProvider = ethers.Provider & { send(method: string, params: unknown[]): Promise<unknown> };

/** Polls for a receipt (interval-mined local chains make a block every second or so). */
export async function waitForReceipt(
  provider: ethers.Provider,
  hash: string,
  timeoutMs = 120_000,
): Promise<ethers.TransactionReceipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt) return receipt;
    if (Date.now() > deadline) throw new Error(`no receipt for ${hash} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The pre-signed CreateX deployment transaction, read from the installed Ignition (not duplicated here). */
function presignedCreateXTx(): string {
  const dir = path.dirname(require.resolve("@nomicfoundation/ignition-core"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const artifact = require(path.join(dir, "internal/execution/strategy/createx-artifact.js")) as { presignedTx: string };
  return artifact.presignedTx;
}

/**
 * Makes sure CreateX is at its address. Present with the expected code: nothing to do. Absent on a local
 * Hardhat node (`local`): funds the pre-signed deployer and sends its transaction, which lands CreateX
 * at the canonical address whatever the chain id. Absent on a real chain, or present with other code: throws.
 */
export async function ensureCreateX(provider: RpcProvider, local: boolean): Promise<"present" | "installed"> {
  const code = await provider.getCode(CREATEX_ADDRESS);
  if (code !== "0x") {
    if (ethers.keccak256(code) !== CREATEX_CODE_HASH) {
      throw new Error(`the code at ${CREATEX_ADDRESS} is not CreateX v0.1.0 (code hash ${ethers.keccak256(code)})`);
    }
    return "present";
  }
  if (!local) {
    const { chainId } = await provider.getNetwork();
    throw new Error(
      `CreateX is not deployed at ${CREATEX_ADDRESS} on chain ${chainId}: deploy it first with its pre-signed ` +
        `transaction (see github.com/pcaversaccio/createx#new-deployments) or pick a chain that has it`,
    );
  }
  await provider.send("hardhat_setBalance", [CREATEX_PRESIGNED_DEPLOYER, ethers.toQuantity(CREATEX_DEPLOYER_FUNDING)]);
  const hash = (await provider.send("eth_sendRawTransaction", [presignedCreateXTx()])) as string;
  const receipt = await waitForReceipt(provider, hash);
  if (receipt.status !== 1 || receipt.contractAddress !== CREATEX_ADDRESS) {
    throw new Error(`installing CreateX failed (transaction ${hash})`);
  }
  return "installed";
}
