/**
 * ERC-2612 permits for ALLO: the signature that lets the oracle take a payment in the same
 * transaction as the request (no separate approve).
 */
import { ethers } from "ethers";

export const TOKEN_ABI = [
  "function name() view returns (string)",
  "function nonces(address owner) view returns (uint256)",
  "function balanceOf(address owner) view returns (uint256)",
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
  "function transfer(address to, uint256 amount) returns (bool)",
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
] as const;

export interface Permit {
  deadline: bigint;
  v: number;
  r: string;
  s: string;
}

/** Signs a permit for `spender` to take `amount` of the token from `owner`, valid for `ttlSeconds`. */
export async function signPermit(
  token: ethers.Contract,
  owner: ethers.Wallet | ethers.HDNodeWallet,
  spender: string,
  amount: bigint,
  ttlSeconds = 3600,
): Promise<Permit> {
  const provider = owner.provider;
  if (!provider) throw new Error("signPermit: the owner wallet needs a provider");
  // The token's own EIP-5267 domain, so a renamed token or another version is still signed correctly.
  const [, name, version, chainId, verifyingContract] = (await token.eip712Domain()) as [
    string,
    string,
    string,
    bigint,
    string,
  ];
  const nonce = (await token.nonces(owner.address)) as bigint;
  const latest = await provider.getBlock("latest");
  const deadline = BigInt((latest?.timestamp ?? Math.floor(Date.now() / 1000)) + ttlSeconds);
  const signature = await owner.signTypedData(
    { name, version, chainId, verifyingContract },
    {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    { owner: owner.address, spender, value: amount, nonce, deadline },
  );
  const sig = ethers.Signature.from(signature);
  return { deadline, v: sig.v, r: sig.r, s: sig.s };
}
