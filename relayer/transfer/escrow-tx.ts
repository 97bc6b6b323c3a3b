/**
 * The escrow's sends (EVM -> hub releases, refunds of refused deposits): each attester signs one explicit
 * payload (recipient, coins, memo, fee, escrow account number and sequence) in LEGACY_AMINO_JSON sign mode
 * with its member key of the escrow's k-of-n legacy multisig; any party assembles the multisigned tx from k
 * signatures (cosmjs makeMultisignedTx) and broadcasts it.
 *
 * Signatures meet in Redis, which is untrusted: every one is verified here against its member's public key
 * and the payload we would sign ourselves before it is used, so a forged or mismatched signature is dropped,
 * never broadcast.
 */
import {
  makeSignDoc,
  pubkeyToAddress,
  serializeSignDoc,
  type MultisigThresholdPubkey,
  type OfflineAminoSigner,
  type StdFee,
} from "@cosmjs/amino";
import { Secp256k1, Secp256k1Signature, sha256 } from "@cosmjs/crypto";
import { fromBase64 } from "@cosmjs/encoding";
import { Registry } from "@cosmjs/proto-signing";
import {
  AminoTypes,
  createBankAminoConverters,
  defaultRegistryTypes,
  makeMultisignedTxBytes,
  SigningStargateClient,
} from "@cosmjs/stargate";

export const MSG_SEND_TYPE_URL = "/cosmos.bank.v1beta1.MsgSend";

/** One payment of an escrow tx: a MsgSend from the escrow. */
export interface EscrowPayment {
  to: string;
  coins: { denom: string; amount: string }[];
}

/**
 * One escrow tx, fully determined: every attester signs exactly these bytes or nothing. It pays one or
 * several payments (a MsgSend each, in this order) under one memo.
 */
export interface EscrowSendPlan {
  chainId: string;
  escrow: string;
  accountNumber: number;
  sequence: number;
  payments: EscrowPayment[];
  memo: string;
  fee: StdFee;
}

export interface MemberSignature {
  /** the member's bech32 address */
  signer: string;
  signature: Uint8Array;
}

function sendMsgs(plan: EscrowSendPlan) {
  if (plan.payments.length === 0) throw new Error("an escrow tx needs at least one payment");
  return plan.payments.map((p) => ({
    typeUrl: MSG_SEND_TYPE_URL,
    value: { fromAddress: plan.escrow, toAddress: p.to, amount: p.coins },
  }));
}

/** The amino sign bytes of the plan (what each member's key signs, hashed with sha256). */
export function escrowSignBytes(plan: EscrowSendPlan): Uint8Array {
  const amino = new AminoTypes(createBankAminoConverters());
  const doc = makeSignDoc(
    sendMsgs(plan).map((m) => amino.toAmino(m)),
    plan.fee,
    plan.chainId,
    plan.memo,
    plan.accountNumber,
    plan.sequence,
  );
  return serializeSignDoc(doc);
}

/** This attester's member signature over the plan. */
export async function signEscrowSend(signer: OfflineAminoSigner, plan: EscrowSendPlan): Promise<MemberSignature> {
  const [account] = await signer.getAccounts();
  const client = await SigningStargateClient.offline(signer);
  const signed = await client.sign(account.address, sendMsgs(plan), plan.fee, plan.memo, {
    accountNumber: plan.accountNumber,
    sequence: plan.sequence,
    chainId: plan.chainId,
  });
  return { signer: account.address, signature: signed.signatures[0] };
}

/** The escrow's members: bech32 address -> compressed secp256k1 public key. */
export function escrowMembers(multisig: MultisigThresholdPubkey, prefix: string): Map<string, Uint8Array> {
  const members = new Map<string, Uint8Array>();
  for (const pk of multisig.value.pubkeys) {
    members.set(pubkeyToAddress(pk, prefix), fromBase64(pk.value as string));
  }
  return members;
}

/** Whether `sig` is the member's valid signature over the plan. */
export async function verifyMemberSignature(plan: EscrowSendPlan, memberPubkey: Uint8Array, sig: Uint8Array): Promise<boolean> {
  if (sig.length !== 64) return false;
  try {
    const digest = sha256(escrowSignBytes(plan));
    return await Secp256k1.verifySignature(Secp256k1Signature.fromFixedLength(sig), digest, memberPubkey);
  } catch {
    return false;
  }
}

export class NotEnoughEscrowSignaturesError extends Error {
  constructor(readonly valid: number, readonly threshold: number, readonly dropped: string[]) {
    super(
      `${valid} valid escrow signatures, ${threshold} needed` +
        (dropped.length ? ` (dropped: ${dropped.join("; ")})` : "") +
        " (fix: wait for more attesters to sign this sequence)",
    );
    this.name = "NotEnoughEscrowSignaturesError";
  }
}

/**
 * Assembles the broadcastable tx from member signatures: strangers, duplicates and signatures that do not
 * verify over `plan` are dropped (and named); exactly `threshold` valid ones are used, lowest address first.
 */
export async function assembleEscrowTx(
  multisig: MultisigThresholdPubkey,
  prefix: string,
  plan: EscrowSendPlan,
  signatures: readonly MemberSignature[],
): Promise<{ txBytes: Uint8Array; signers: string[]; dropped: string[] }> {
  if (pubkeyToAddress(multisig, prefix) !== plan.escrow) {
    throw new Error(`the multisig key is not the escrow ${plan.escrow} (fix: configure the escrow's members and threshold)`);
  }
  const threshold = Number(multisig.value.threshold);
  const members = escrowMembers(multisig, prefix);
  const valid = new Map<string, Uint8Array>();
  const dropped: string[] = [];
  for (const s of signatures) {
    const pk = members.get(s.signer);
    if (!pk) dropped.push(`${s.signer}: not a member`);
    else if (valid.has(s.signer)) dropped.push(`${s.signer}: duplicate`);
    else if (!(await verifyMemberSignature(plan, pk, s.signature))) dropped.push(`${s.signer}: does not verify over this payload`);
    else valid.set(s.signer, s.signature);
  }
  if (valid.size < threshold) throw new NotEnoughEscrowSignaturesError(valid.size, threshold, dropped);
  const chosen = [...valid.keys()].sort().slice(0, threshold);
  const sigs = new Map(chosen.map((a) => [a, valid.get(a)!]));
  // The body the members signed, rebuilt from the plan: amino signing covers exactly these fields.
  const bodyBytes = bodyBytesOf(plan);
  return { txBytes: makeMultisignedTxBytes(multisig, plan.sequence, plan.fee, bodyBytes, sigs), signers: chosen, dropped };
}

/** The protobuf TxBody bytes of the plan, as SigningStargateClient encodes them in amino mode. */
export function bodyBytesOf(plan: EscrowSendPlan): Uint8Array {
  return new Registry(defaultRegistryTypes).encodeTxBody({ messages: sendMsgs(plan), memo: plan.memo });
}
