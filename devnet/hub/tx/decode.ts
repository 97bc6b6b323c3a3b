/**
 * Decoding of broadcast transactions (TxRaw -> body, auth info, messages) with the errors a Cosmos
 * node gives for bytes it cannot parse (code 2, "tx parse error").
 */
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { SdkError } from "./errors";

export interface DecodedMsg {
  typeUrl: string;
  /** decoded message (currently MsgSend only) */
  value: MsgSend;
  /** addresses that must sign this message */
  signers: string[];
}

export interface DecodedTx {
  raw: TxRaw;
  body: TxBody;
  authInfo: AuthInfo;
  msgs: DecodedMsg[];
  /** unique signers in order of first appearance (the first pays the fee) */
  signers: string[];
}

export const MSG_SEND = "/cosmos.bank.v1beta1.MsgSend";

function decodeMsg(typeUrl: string, value: Uint8Array): DecodedMsg {
  switch (typeUrl) {
    case MSG_SEND: {
      const m = MsgSend.decode(value);
      return { typeUrl, value: m, signers: [m.fromAddress] };
    }
    default:
      throw new SdkError("TxDecode", `unable to resolve type URL ${typeUrl}`);
  }
}

export function decodeTx(bytes: Uint8Array): DecodedTx {
  let raw: TxRaw;
  let body: TxBody;
  let authInfo: AuthInfo;
  try {
    raw = TxRaw.decode(bytes);
    body = TxBody.decode(raw.bodyBytes);
    authInfo = AuthInfo.decode(raw.authInfoBytes);
  } catch (e) {
    throw new SdkError("TxDecode", (e as Error).message);
  }
  if (body.messages.length === 0) throw new SdkError("InvalidRequest", "must contain at least one message");
  const msgs = body.messages.map((m) => decodeMsg(m.typeUrl, m.value));
  const signers: string[] = [];
  for (const m of msgs) for (const s of m.signers) if (!signers.includes(s)) signers.push(s);
  return { raw, body, authInfo, msgs, signers };
}
