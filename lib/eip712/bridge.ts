/**
 * EIP-712 messages of the AlloraBridge: what attesters sign for an inbound transfer, and how their
 * signatures are combined into the `bytes` the contract verifies (65-byte r ‖ s ‖ v, ascending by signer).
 */
import { AbiCoder, TypedDataEncoder, concat, getAddress, keccak256, recoverAddress, toBigInt } from "ethers";
import type { TypedDataDomain, TypedDataField } from "ethers";

/** The domain name and version the contract passes to OpenZeppelin's EIP712. */
export const BRIDGE_DOMAIN_NAME = "AlloraBridge";
export const BRIDGE_DOMAIN_VERSION = "1";

/** The attested inbound transfer. Must match AlloraBridge.TRANSFER_TYPEHASH. */
export const TRANSFER_TYPES: Record<string, TypedDataField[]> = {
  Transfer: [
    { name: "setId", type: "uint64" },
    { name: "sourceChain", type: "uint64" },
    { name: "sequence", type: "uint64" },
    { name: "recipient", type: "address" },
    { name: "amount", type: "uint256" },
  ],
};

/** An inbound transfer as the attesters see it. */
export interface BridgeTransfer {
  /** The attester set id the signatures belong to (the destination bridge's current set). */
  setId: bigint;
  sourceChain: bigint;
  sequence: bigint;
  recipient: string;
  amount: bigint;
}

/** The destination bridge: its chain and address make a signature worthless anywhere else. */
export interface BridgeDomain {
  chainId: bigint;
  verifyingContract: string;
}

/** The EIP-712 domain of a bridge. */
export function bridgeDomain(domain: BridgeDomain): TypedDataDomain {
  return {
    name: BRIDGE_DOMAIN_NAME,
    version: BRIDGE_DOMAIN_VERSION,
    chainId: domain.chainId,
    verifyingContract: getAddress(domain.verifyingContract),
  };
}

/** The digest the attesters sign for `transfer` delivered by `domain`'s bridge. */
export function transferDigest(domain: BridgeDomain, transfer: BridgeTransfer): string {
  return TypedDataEncoder.hash(bridgeDomain(domain), TRANSFER_TYPES, transfer);
}

/** The transfer id the bridge computes: keccak256(abi.encode(uint64 source, uint64 destination, uint64 sequence)). */
export function transferId(sourceChain: bigint, destinationChain: bigint, sequence: bigint): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["uint64", "uint64", "uint64"], [sourceChain, destinationChain, sequence]));
}

/** secp256k1 order / 2: the contract (OpenZeppelin ECDSA) rejects signatures with a higher s. */
const HALF_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n / 2n;

/**
 * Concatenates signatures over `digest` in ascending signer order, as the contract requires. Throws when a
 * signature is malformed or high-s, or when two recover to the same signer.
 */
export function combineTransferSignatures(digest: string, signatures: readonly string[]): string {
  const recovered = signatures.map((signature, index) => {
    const hex = signature.startsWith("0x") ? signature.slice(2) : signature;
    if (hex.length !== 130) throw new Error(`signature ${index} must be 65 bytes (r ‖ s ‖ v), got ${hex.length / 2}`);
    if (toBigInt("0x" + hex.slice(64, 128)) > HALF_ORDER) {
      throw new Error(`signature ${index} has a high s: re-sign with a signer that produces canonical (low-s) signatures`);
    }
    return { signer: BigInt(recoverAddress(digest, "0x" + hex)), signature: "0x" + hex };
  });
  recovered.sort((a, b) => (a.signer < b.signer ? -1 : a.signer > b.signer ? 1 : 0));
  for (let i = 1; i < recovered.length; i++) {
    if (recovered[i].signer === recovered[i - 1].signer) {
      throw new Error(`two signatures recover to the same signer 0x${recovered[i].signer.toString(16)}: drop one`);
    }
  }
  return concat(recovered.map((r) => r.signature));
}
