/**
 * Combining attester signatures into the `bytes` the contracts verify (AttesterSets): 65-byte r ‖ s ‖ v
 * signatures, one per distinct signer, in ascending signer address order.
 */
import {
  SigningKey,
  concat,
  dataLength,
  getAddress,
  getBytes,
  hexlify,
  recoverAddress,
  toBigInt,
} from "ethers";

/** secp256k1 group order; a signature with s above half of it is malleable and the contracts reject it. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const SECP256K1_HALF_N = SECP256K1_N / 2n;
const SIGNATURE_BYTES = 65;

/** Raised when fewer distinct signatures than the threshold are available. */
export class NotEnoughSignaturesError extends Error {
  constructor(
    readonly have: number,
    readonly threshold: number,
  ) {
    super(
      `have ${have} distinct valid attester signature(s), threshold is ${threshold}: ` +
        `collect signatures from ${threshold - have} more attester(s) of the current set`,
    );
    this.name = "NotEnoughSignaturesError";
  }
}

/** A parsed signature with the address it recovers to. */
export interface RecoveredSignature {
  signer: string;
  /** 65-byte r ‖ s ‖ v, v in {27, 28}. */
  signature: string;
}

/**
 * Parses a 65-byte signature over `digest`, normalises v (0/1 -> 27/28), rejects high-s, and recovers the
 * signer. Throws with the reason when the signature is malformed.
 */
export function recoverSignature(digest: string, signature: string): RecoveredSignature {
  const bytes = getBytes(signature);
  if (bytes.length !== SIGNATURE_BYTES) {
    throw new Error(`signature must be ${SIGNATURE_BYTES} bytes (r ‖ s ‖ v), got ${bytes.length}`);
  }
  const r = hexlify(bytes.slice(0, 32));
  const s = hexlify(bytes.slice(32, 64));
  let v = bytes[64];
  if (v < 27) v += 27;
  if (v !== 27 && v !== 28) throw new Error(`signature v must be 27 or 28 (or 0/1), got ${bytes[64]}`);
  if (toBigInt(s) > SECP256K1_HALF_N) {
    throw new Error(
      "signature has a high s (malleable): sign again with a library that produces low-s signatures",
    );
  }
  const normalised = concat([r, s, new Uint8Array([v])]);
  const signer = getAddress(recoverAddress(digest, normalised));
  return { signer, signature: normalised };
}

/** Options for {@link combineSignatures}. */
export interface CombineOptions {
  /** Minimum number of distinct signers required. */
  threshold: number;
  /** If given, signatures by anyone else are dropped (e.g. the current attester set). */
  allowedSigners?: readonly string[];
}

/**
 * Combines signatures over `digest` into the contracts' format: each recovered, duplicates (same signer)
 * dropped, signers outside `allowedSigners` dropped, sorted by signer address ascending, concatenated.
 * Throws {@link NotEnoughSignaturesError} when fewer than `threshold` distinct signers remain.
 */
export function combineSignatures(
  digest: string,
  signatures: readonly string[],
  options: CombineOptions,
): string {
  if (!Number.isInteger(options.threshold) || options.threshold < 1) {
    throw new RangeError(`threshold must be a positive integer, got ${options.threshold}`);
  }
  if (dataLength(digest) !== 32) throw new Error(`digest must be 32 bytes, got ${dataLength(digest)}`);
  const allowed = options.allowedSigners
    ? new Set(options.allowedSigners.map((a) => getAddress(a)))
    : undefined;
  const bySigner = new Map<string, string>();
  for (const signature of signatures) {
    const recovered = recoverSignature(digest, signature);
    if (allowed && !allowed.has(recovered.signer)) continue;
    if (!bySigner.has(recovered.signer)) bySigner.set(recovered.signer, recovered.signature);
  }
  if (bySigner.size < options.threshold) throw new NotEnoughSignaturesError(bySigner.size, options.threshold);
  const ordered = [...bySigner.entries()].sort(([a], [b]) => compareAddresses(a, b));
  return concat(ordered.map(([, signature]) => signature));
}

/** Splits a combined signatures value back into its 65-byte parts. */
export function splitSignatures(combined: string): string[] {
  const bytes = getBytes(combined);
  if (bytes.length === 0 || bytes.length % SIGNATURE_BYTES !== 0) {
    throw new Error(
      `combined signatures must be a positive multiple of ${SIGNATURE_BYTES} bytes, got ${bytes.length}`,
    );
  }
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += SIGNATURE_BYTES)
    parts.push(hexlify(bytes.slice(i, i + SIGNATURE_BYTES)));
  return parts;
}

/** Orders addresses numerically (as the contracts compare them). */
export function compareAddresses(a: string, b: string): number {
  const x = toBigInt(getAddress(a));
  const y = toBigInt(getAddress(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Signs `digest` directly with a raw key (no EIP-191 prefix); for tests and tools that hold keys. */
export function signDigest(privateKey: string, digest: string): string {
  return new SigningKey(privateKey).sign(digest).serialized;
}
