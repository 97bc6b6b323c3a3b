/**
 * EIP-712 messages of the AlloraBridge: what attesters sign for an inbound transfer, and how their
 * signatures are combined into the `bytes` the contract verifies (65-byte r ‖ s ‖ v, ascending by signer).
 */
import { TypedDataEncoder, getAddress, hexlify, keccak256, zeroPadValue } from "ethers";
import type { TypedDataDomain, TypedDataField } from "ethers";
import { fromBech32 } from "@cosmjs/encoding";
import { combineSignatures, type CombineOptions } from "./signatures";

/** The domain name and version the contract passes to OpenZeppelin's EIP712. */
export const BRIDGE_DOMAIN_NAME = "AlloraBridge";
export const BRIDGE_DOMAIN_VERSION = "1";

/** The attested inbound transfer. Must match AlloraBridge.TRANSFER_TYPEHASH. */
export const TRANSFER_TYPES: Record<string, TypedDataField[]> = {
  Transfer: [
    { name: "setId", type: "uint64" },
    { name: "sourceChain", type: "uint64" },
    { name: "sourceBridge", type: "bytes32" },
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
  /** The bridge that sent it: {@link evmBridgeId} or {@link hubBridgeId} (0x + 64 hex). */
  sourceBridge: string;
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

/**
 * The transfer id the bridge computes:
 * keccak256(abi.encode(uint64 sourceChain, bytes32 sourceBridge, uint64 destinationChain, uint64 sequence)).
 */
export function transferId(
  sourceChain: bigint,
  sourceBridge: string,
  destinationChain: bigint,
  sequence: bigint,
): string {
  // Four 32-byte words written directly: the relayer derives an id for every transfer it reads (deliveries,
  // escrow memos, reconciliation), and ethers' AbiCoder took 3 % of its CPU in the bridge bench. The
  // checks are the ones abi.encode makes; test/relayer/transfer/transfer-id.test.ts compares both encodings.
  if (!/^0x[0-9a-fA-F]{64}$/.test(sourceBridge)) throw new Error(`transferId: sourceBridge ${sourceBridge} is not a bytes32 (0x + 64 hex)`);
  const words = Buffer.alloc(128);
  putUint64(words, 0, sourceChain, "sourceChain");
  words.write(sourceBridge.slice(2), 32, "hex");
  putUint64(words, 64, destinationChain, "destinationChain");
  putUint64(words, 96, sequence, "sequence");
  return keccak256(words);
}

const UINT64_MAX = (1n << 64n) - 1n;

/** Writes `v` as the last 8 bytes of the 32-byte word at `offset` (the rest stays zero). */
function putUint64(buf: Buffer, offset: number, v: bigint, name: string): void {
  if (v < 0n || v > UINT64_MAX) throw new RangeError(`transferId: ${name} ${v} is not a uint64`);
  buf.writeBigUInt64BE(v, offset + 24);
}

/** The source-bridge id of an EVM bridge: its address left-padded to 32 bytes (0x + 64 hex, lower case). */
export function evmBridgeId(address: string): string {
  return zeroPadValue(getAddress(address), 32).toLowerCase();
}

/**
 * The source-bridge id of the hub: the escrow account's address bytes (bech32-decoded) left-padded to 32
 * bytes. Throws, naming the address, unless it is bech32 with 20 data bytes (the only ids a bridge accepts).
 */
export function hubBridgeId(bech32: string): string {
  let data: Uint8Array;
  try {
    data = fromBech32(bech32).data;
  } catch (err) {
    throw new Error(`hub escrow "${bech32}" is not a bech32 address: ${(err as Error).message}`);
  }
  if (data.length !== 20) {
    throw new Error(
      `hub escrow "${bech32}" holds ${data.length} address bytes; a bridge accepts only 20-byte accounts ` +
        `(a key or multisig account, not a 32-byte module or contract address)`,
    );
  }
  return zeroPadValue(hexlify(data), 32);
}

/**
 * Combines attester signatures over a transfer digest into the contract's format (ascending by signer,
 * duplicates dropped, high-s refused) with the shared helper of lib/eip712/signatures.ts. `threshold`
 * defaults to 1; pass the set's threshold (and its signers) to fail early instead of on-chain.
 */
export function combineTransferSignatures(
  digest: string,
  signatures: readonly string[],
  options: CombineOptions = { threshold: 1 },
): string {
  return combineSignatures(digest, signatures, options);
}
