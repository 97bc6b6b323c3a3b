/**
 * EIP-712 for attester-set rotation (contracts/attestation/AttesterSets.sol), signed in the domain of the
 * contract being rotated (the oracle's or the bridge's).
 */
import {
  TypedDataEncoder,
  getAddress,
  type BigNumberish,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

/** The EIP-712 types of `AttesterSetRotation`. */
export const ROTATION_TYPES: Record<string, TypedDataField[]> = {
  AttesterSetRotation: [
    { name: "currentSetId", type: "uint64" },
    { name: "newSetId", type: "uint64" },
    { name: "signers", type: "address[]" },
    { name: "threshold", type: "uint8" },
  ],
};

/** A rotation message: the current set approves `signers` with `threshold` as set `newSetId`. */
export interface RotationMessage {
  currentSetId: bigint;
  newSetId: bigint;
  signers: string[];
  threshold: number;
}

/** Builds a rotation message with the signers checksummed and sorted ascending, as the contract requires. */
export function rotationMessage(
  currentSetId: BigNumberish,
  newSetId: BigNumberish,
  signers: readonly string[],
  threshold: number,
): RotationMessage {
  const sorted = signers.map((s) => getAddress(s)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  return { currentSetId: BigInt(currentSetId), newSetId: BigInt(newSetId), signers: sorted, threshold };
}

/** The digest the current set signs to approve a rotation. */
export function rotationDigest(domain: TypedDataDomain, message: RotationMessage): string {
  return TypedDataEncoder.hash(domain, ROTATION_TYPES, message);
}
