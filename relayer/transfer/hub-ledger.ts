/**
 * Reads the bridge's history from a hub node: deposits into the escrow (hub -> EVM transfers and refunds to
 * make) and the escrow's own sends (releases and refunds already made). I/O only; the decisions are in
 * deposits.ts and release.ts. Every attester calls this against its own hub node: Redis is never the source.
 *
 * Uses CometBFT `tx_search` (events indexed by the node): `transfer.recipient='<escrow>'` for deposits and
 * `tx.fee_payer='<escrow>'` for every tx the escrow signed, bounded below by a height so a long outage is
 * back-filled from a checkpoint page by page.
 */
import { toHex } from "@cosmjs/encoding";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import type { HubDeposit } from "./deposits";
import type { EscrowSend } from "./release";

const MSG_SEND = "/cosmos.bank.v1beta1.MsgSend";

/** One tx as the ledger needs it: decoded body and result code. Undecodable txs are reported, not thrown. */
interface DecodedTx {
  hash: string;
  height: bigint;
  index: number;
  code: number;
  body: TxBody | undefined;
  fee: { denom: string; amount: bigint }[];
}

function decode(tx: { hash: Uint8Array; height: number; index: number; tx: Uint8Array; result: { code: number } }): DecodedTx {
  let body: TxBody | undefined;
  let fee: { denom: string; amount: bigint }[] = [];
  try {
    const raw = TxRaw.decode(tx.tx);
    body = TxBody.decode(raw.bodyBytes);
    fee = (AuthInfo.decode(raw.authInfoBytes).fee?.amount ?? []).map((c) => ({ denom: c.denom, amount: BigInt(c.amount) }));
  } catch {
    body = undefined;
  }
  return { hash: toHex(tx.hash).toUpperCase(), height: BigInt(tx.height), index: tx.index, code: tx.result.code, body, fee };
}

/** A bech32 address safe to put in a tx_search query (the query language has no escaping). */
function queryAddress(address: string): string {
  if (!/^[a-z0-9]+1[02-9ac-hj-np-z]+$/.test(address)) throw new Error(`${address} is not a bech32 address`);
  return address;
}

async function search(comet: CometClient, query: string): Promise<DecodedTx[]> {
  const res = await comet.txSearchAll({ query, order_by: "asc" });
  return res.txs.map(decode).sort((a, b) => (a.height !== b.height ? (a.height < b.height ? -1 : 1) : a.index - b.index));
}

export interface DepositScan {
  deposits: HubDeposit[];
  /** txs that paid the escrow but could not be read as MsgSend deposits (alert: funds nobody can attribute) */
  unreadable: { txHash: string; height: bigint; why: string }[];
}

/**
 * Every successful MsgSend into `escrow` at heights [fromHeight, toHeight], in hub order. Deposits sent by the
 * escrow to itself are ignored (they move nothing).
 */
export async function scanDeposits(comet: CometClient, escrow: string, fromHeight: bigint, toHeight: bigint): Promise<DepositScan> {
  const txs = await search(
    comet,
    `transfer.recipient='${queryAddress(escrow)}' AND tx.height>=${fromHeight} AND tx.height<=${toHeight}`,
  );
  const out: DepositScan = { deposits: [], unreadable: [] };
  for (const tx of txs) {
    if (tx.code !== 0) continue;
    if (!tx.body) {
      out.unreadable.push({ txHash: tx.hash, height: tx.height, why: "tx body does not decode" });
      continue;
    }
    let found = false;
    tx.body.messages.forEach((any, msgIndex) => {
      if (any.typeUrl !== MSG_SEND) return;
      const msg = MsgSend.decode(any.value);
      if (msg.toAddress !== escrow || msg.fromAddress === escrow) return;
      found = true;
      out.deposits.push({
        txHash: tx.hash,
        height: tx.height,
        txIndex: tx.index,
        msgIndex,
        sender: msg.fromAddress,
        coins: msg.amount.map((c) => ({ denom: c.denom, amount: BigInt(c.amount) })),
        memo: tx.body!.memo,
      });
    });
    if (!found) out.unreadable.push({ txHash: tx.hash, height: tx.height, why: "paid the escrow without a MsgSend to it" });
  }
  return out;
}

/**
 * Every tx the escrow signed (it pays its own fees, so `tx.fee_payer` is the escrow) at heights >= fromHeight,
 * failed ones included: each used one account sequence, which is how the caller knows the list is complete.
 */
export async function scanEscrowSends(comet: CometClient, escrow: string, fromHeight = 1n, denom = "uallo"): Promise<EscrowSend[]> {
  const txs = await search(comet, `tx.fee_payer='${queryAddress(escrow)}' AND tx.height>=${fromHeight}`);
  return txs.map((tx) => ({
    txHash: tx.hash,
    height: tx.height,
    code: tx.code,
    memo: tx.body?.memo ?? "",
    fee: tx.fee.filter((c) => c.denom === denom).reduce((s, c) => s + c.amount, 0n),
  }));
}
