/**
 * bank module: balances, MsgSend and the standard balance queries
 * (/cosmos.bank.v1beta1.Query/Balance, AllBalances, SpendableBalances, SpendableBalanceByDenom,
 * TotalSupply, SupplyOf).
 */
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
  QuerySpendableBalanceByDenomRequest,
  QuerySpendableBalanceByDenomResponse,
  QuerySpendableBalancesRequest,
  QuerySpendableBalancesResponse,
  QuerySupplyOfRequest,
  QuerySupplyOfResponse,
  QueryTotalSupplyResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { Coin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import { AbciEvent, makeEvent } from "../chain/events";
import { ChainState } from "../chain/state";
import { GrpcQueryError, SdkError } from "../tx/errors";
import { addressProblem } from "./auth";
import { QueryRoutes } from "./types";

export function coinsToString(coins: { denom: string; amount: bigint | string }[]): string {
  return coins.map((c) => `${c.amount.toString()}${c.denom}`).join(",");
}

/** Validates coins as sdk.Coins.Validate does (positive amounts, valid sorted unique denoms). */
export function parseCoins(coins: Coin[]): { denom: string; amount: bigint }[] {
  const out: { denom: string; amount: bigint }[] = [];
  for (const c of coins) {
    if (!/^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/.test(c.denom)) throw new SdkError("InvalidCoins", `invalid denom: ${c.denom}`);
    if (!/^\d+$/.test(c.amount)) throw new SdkError("InvalidCoins", `invalid amount: ${c.amount}${c.denom}`);
    const amount = BigInt(c.amount);
    if (amount <= 0n) throw new SdkError("InvalidCoins", `coin ${c.amount}${c.denom} amount is not positive`);
    if (out.length && out[out.length - 1].denom >= c.denom)
      throw new SdkError("InvalidCoins", `denomination ${c.denom} is not sorted or is duplicated`);
    out.push({ denom: c.denom, amount });
  }
  return out;
}

/** Moves coins between accounts, emitting the SDK's coin_spent / coin_received / transfer events. */
export function sendCoins(
  state: ChainState,
  from: string,
  to: string,
  coins: { denom: string; amount: bigint }[],
  msgIndex?: number,
): AbciEvent[] {
  for (const c of coins) {
    const have = state.balance(from, c.denom);
    if (have < c.amount) {
      throw new SdkError("InsufficientFunds", `spendable balance ${have}${c.denom} is smaller than ${c.amount}${c.denom}`);
    }
  }
  for (const c of coins) {
    state.setBalance(from, c.denom, state.balance(from, c.denom) - c.amount);
    state.setBalance(to, c.denom, state.balance(to, c.denom) + c.amount);
  }
  state.ensureAccount(to);
  const amount = coinsToString(coins);
  return [
    makeEvent("coin_spent", [["spender", from], ["amount", amount]], msgIndex),
    makeEvent("coin_received", [["receiver", to], ["amount", amount]], msgIndex),
    makeEvent("transfer", [["recipient", to], ["sender", from], ["amount", amount]], msgIndex),
    makeEvent("message", [["sender", from]], msgIndex),
  ];
}

/** Executes a MsgSend (validation as MsgSend.ValidateBasic, then the transfer). */
export function execMsgSend(state: ChainState, msg: MsgSend, prefix: string, msgIndex: number): AbciEvent[] {
  const badFrom = addressProblem(msg.fromAddress, prefix);
  if (badFrom) throw new SdkError("InvalidAddress", `invalid from address: ${badFrom}`);
  const badTo = addressProblem(msg.toAddress, prefix);
  if (badTo) throw new SdkError("InvalidAddress", `invalid to address: ${badTo}`);
  const coins = parseCoins(msg.amount);
  if (coins.length === 0) throw new SdkError("InvalidCoins", "must send at least one coin");
  return [
    makeEvent(
      "message",
      [
        ["action", "/cosmos.bank.v1beta1.MsgSend"],
        ["sender", msg.fromAddress],
        ["module", "bank"],
      ],
      msgIndex,
    ),
    ...sendCoins(state, msg.fromAddress, msg.toAddress, coins, msgIndex),
  ];
}

export function bankQueryRoutes(state: () => ChainState, prefix: string): QueryRoutes {
  const check = (address: string): void => {
    const bad = addressProblem(address, prefix);
    if (bad) throw new GrpcQueryError("InvalidArgument", `invalid address: ${bad}`);
  };
  const coin = (denom: string, amount: bigint): Coin => ({ denom, amount: amount.toString() });
  const all = (address: string): Coin[] => state().allBalances(address).map((b) => coin(b.denom, b.amount));
  const page = (n: number) => ({ nextKey: new Uint8Array(), total: BigInt(n) });
  return new Map([
    [
      "/cosmos.bank.v1beta1.Query/Balance",
      (data: Uint8Array) => {
        const req = QueryBalanceRequest.decode(data);
        check(req.address);
        if (!req.denom) throw new GrpcQueryError("InvalidArgument", "invalid denom");
        return QueryBalanceResponse.encode({ balance: coin(req.denom, state().balance(req.address, req.denom)) }).finish();
      },
    ],
    [
      "/cosmos.bank.v1beta1.Query/AllBalances",
      (data: Uint8Array) => {
        const req = QueryAllBalancesRequest.decode(data);
        check(req.address);
        const balances = all(req.address);
        return QueryAllBalancesResponse.encode({ balances, pagination: page(balances.length) }).finish();
      },
    ],
    [
      "/cosmos.bank.v1beta1.Query/SpendableBalances",
      (data: Uint8Array) => {
        const req = QuerySpendableBalancesRequest.decode(data);
        check(req.address);
        const balances = all(req.address);
        return QuerySpendableBalancesResponse.encode({ balances, pagination: page(balances.length) }).finish();
      },
    ],
    [
      "/cosmos.bank.v1beta1.Query/SpendableBalanceByDenom",
      (data: Uint8Array) => {
        const req = QuerySpendableBalanceByDenomRequest.decode(data);
        check(req.address);
        return QuerySpendableBalanceByDenomResponse.encode({
          balance: coin(req.denom, state().balance(req.address, req.denom)),
        }).finish();
      },
    ],
    [
      "/cosmos.bank.v1beta1.Query/TotalSupply",
      () => {
        const s = state();
        const supply = s.allDenoms().map((d) => coin(d, s.supply(d)));
        return QueryTotalSupplyResponse.encode({ supply, pagination: page(supply.length) }).finish();
      },
    ],
    [
      "/cosmos.bank.v1beta1.Query/SupplyOf",
      (data: Uint8Array) => {
        const req = QuerySupplyOfRequest.decode(data);
        return QuerySupplyOfResponse.encode({ amount: coin(req.denom, state().supply(req.denom)) }).finish();
      },
    ],
  ]);
}
