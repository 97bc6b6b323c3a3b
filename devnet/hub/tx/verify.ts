/**
 * Signature checks for Cosmos transactions: sign mode DIRECT (SignDoc) and LEGACY_AMINO_JSON
 * (StdSignDoc), single secp256k1 keys and legacy threshold multisig keys (LegacyAminoPubKey with a
 * CompactBitArray and a MultiSignature, as cosmjs' makeMultisignedTx builds them).
 */
import { pubkeyToAddress, serializeSignDoc, StdSignDoc } from "@cosmjs/amino";
import { Secp256k1, Secp256k1Signature, sha256 } from "@cosmjs/crypto";
import { decodePubkey, makeSignBytes } from "@cosmjs/proto-signing";
import { AminoTypes, createBankAminoConverters } from "@cosmjs/stargate";
import { LegacyAminoPubKey } from "cosmjs-types/cosmos/crypto/multisig/keys";
import { CompactBitArray, MultiSignature } from "cosmjs-types/cosmos/crypto/multisig/v1beta1/multisig";
import { PubKey as Secp256k1PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { ModeInfo } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { Any } from "cosmjs-types/google/protobuf/any";
import { DecodedTx } from "./decode";
import { SdkError } from "./errors";

export const SECP256K1_TYPE = "/cosmos.crypto.secp256k1.PubKey";
export const MULTISIG_TYPE = "/cosmos.crypto.multisig.LegacyAminoPubKey";

const aminoTypes = new AminoTypes(createBankAminoConverters());

/** The bech32 address of a protobuf-encoded public key (single or multisig). */
export function addressOfPubKey(pubKey: Any, prefix: string): string {
  try {
    return pubkeyToAddress(decodePubkey(pubKey), prefix);
  } catch (e) {
    throw new SdkError("InvalidPubKey", `unsupported public key ${pubKey.typeUrl}: ${(e as Error).message}`);
  }
}

export interface SignContext {
  chainId: string;
  accountNumber: bigint;
  sequence: bigint;
  tx: DecodedTx;
}

/** The bytes a signer signs in the given mode. */
export function signBytesFor(mode: SignMode, ctx: SignContext): Uint8Array {
  if (mode === SignMode.SIGN_MODE_DIRECT) {
    return makeSignBytes({
      bodyBytes: ctx.tx.raw.bodyBytes,
      authInfoBytes: ctx.tx.raw.authInfoBytes,
      chainId: ctx.chainId,
      accountNumber: ctx.accountNumber,
    });
  }
  if (mode === SignMode.SIGN_MODE_LEGACY_AMINO_JSON) {
    const fee = ctx.tx.authInfo.fee;
    const stdFee: Record<string, unknown> = {
      amount: (fee?.amount ?? []).map((c) => ({ denom: c.denom, amount: c.amount })),
      gas: (fee?.gasLimit ?? 0n).toString(),
    };
    if (fee?.granter) stdFee.granter = fee.granter;
    if (fee?.payer) stdFee.payer = fee.payer;
    const doc: StdSignDoc & { timeout_height?: string } = {
      chain_id: ctx.chainId,
      account_number: ctx.accountNumber.toString(),
      sequence: ctx.sequence.toString(),
      fee: stdFee as unknown as StdSignDoc["fee"],
      msgs: ctx.tx.msgs.map((m) => aminoTypes.toAmino({ typeUrl: m.typeUrl, value: m.value })),
      memo: ctx.tx.body.memo,
    };
    if (ctx.tx.body.timeoutHeight > 0n) doc.timeout_height = ctx.tx.body.timeoutHeight.toString();
    return serializeSignDoc(doc);
  }
  throw new SdkError("Unauthorized", `unsupported sign mode ${SignMode[mode] ?? mode}`);
}

async function verifySingle(key: Uint8Array, mode: SignMode, sig: Uint8Array, ctx: SignContext): Promise<boolean> {
  if (sig.length !== 64) return false;
  const hash = sha256(signBytesFor(mode, ctx));
  try {
    return await Secp256k1.verifySignature(Secp256k1Signature.fromFixedLength(sig), hash, key);
  } catch {
    return false;
  }
}

/** Indexes of the set bits of a CompactBitArray (cosmos-sdk crypto/types/compact_bit_array.go). */
export function compactBitArrayIndexes(bits: CompactBitArray, size: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    const byte = bits.elems[i >> 3] ?? 0;
    if ((byte & (1 << (7 - (i & 7)))) !== 0) out.push(i);
  }
  return out;
}

/** Number of bits a CompactBitArray holds. */
export function compactBitArraySize(bits: CompactBitArray): number {
  if (bits.elems.length === 0) return 0;
  return bits.extraBitsStored === 0 ? bits.elems.length * 8 : (bits.elems.length - 1) * 8 + bits.extraBitsStored;
}

/**
 * Verifies one signer's signature. Returns the number of secp256k1 verifications done (for gas);
 * throws SdkError(Unauthorized) when the signature does not verify.
 */
export async function verifySignerSignature(
  pubKey: Any,
  modeInfo: ModeInfo | undefined,
  sig: Uint8Array,
  ctx: SignContext,
): Promise<number> {
  const fail = (why?: string): never => {
    throw new SdkError(
      "Unauthorized",
      `signature verification failed; please verify account number (${ctx.accountNumber}), sequence (${ctx.sequence}) and chain-id (${ctx.chainId})${why ? ` (${why})` : ""}`,
    );
  };
  if (pubKey.typeUrl === SECP256K1_TYPE) {
    if (!modeInfo?.single) fail("expected single sign mode for a single key");
    const key = Secp256k1PubKey.decode(pubKey.value).key;
    if (!(await verifySingle(key, modeInfo!.single!.mode, sig, ctx))) fail();
    return 1;
  }
  if (pubKey.typeUrl === MULTISIG_TYPE) {
    const multi = modeInfo?.multi;
    if (!multi?.bitarray) return fail("expected multi sign mode for a multisig key");
    const mk = LegacyAminoPubKey.decode(pubKey.value);
    let sigs: Uint8Array[];
    try {
      sigs = MultiSignature.decode(sig).signatures;
    } catch {
      return fail("malformed multisignature");
    }
    const size = compactBitArraySize(multi.bitarray);
    if (size !== mk.publicKeys.length) fail(`bit array size is incorrect, expected ${mk.publicKeys.length}`);
    const idx = compactBitArrayIndexes(multi.bitarray, size);
    if (idx.length < mk.threshold) fail(`not enough signatures: ${idx.length} < threshold ${mk.threshold}`);
    if (idx.length !== sigs.length || multi.modeInfos.length !== sigs.length) fail("signature count mismatch");
    let n = 0;
    for (let k = 0; k < idx.length; k++) {
      n += await verifySignerSignature(mk.publicKeys[idx[k]], multi.modeInfos[k], sigs[k], ctx);
    }
    return n;
  }
  throw new SdkError("InvalidPubKey", `unsupported public key type ${pubKey.typeUrl}`);
}
