/**
 * auth module: accounts (number, sequence, public key) and the standard auth queries
 * (/cosmos.auth.v1beta1.Query/Account, AccountInfo, Bech32Prefix).
 */
import { fromBech32 } from "@cosmjs/encoding";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import {
  Bech32PrefixResponse,
  QueryAccountInfoRequest,
  QueryAccountInfoResponse,
  QueryAccountRequest,
  QueryAccountResponse,
} from "cosmjs-types/cosmos/auth/v1beta1/query";
import { Account, ChainState } from "../chain/state";
import { GrpcQueryError } from "../tx/errors";
import { QueryRoutes } from "./types";

export function toBaseAccount(a: Account): BaseAccount {
  return BaseAccount.fromPartial({
    address: a.address,
    pubKey: a.pubKey,
    accountNumber: a.accountNumber,
    sequence: a.sequence,
  });
}

/** Checks a bech32 address and its prefix; returns an error text or undefined. */
export function addressProblem(address: string, prefix: string): string | undefined {
  try {
    const { prefix: p, data } = fromBech32(address);
    if (p !== prefix) return `invalid Bech32 prefix; expected ${prefix}, got ${p}`;
    if (data.length !== 20 && data.length !== 32) return `address length must be 20 or 32 bytes, got ${data.length}`;
    return undefined;
  } catch (e) {
    return `decoding bech32 failed: ${(e as Error).message}`;
  }
}

export function authQueryRoutes(state: () => ChainState, prefix: string): QueryRoutes {
  const lookup = (address: string): Account => {
    const bad = addressProblem(address, prefix);
    if (bad) throw new GrpcQueryError("InvalidArgument", bad);
    const a = state().getAccount(address);
    if (!a) throw new GrpcQueryError("NotFound", `account ${address} not found`);
    return a;
  };
  return new Map([
    [
      "/cosmos.auth.v1beta1.Query/Account",
      (data: Uint8Array) => {
        const req = QueryAccountRequest.decode(data);
        const a = lookup(req.address);
        return QueryAccountResponse.encode({
          account: { typeUrl: "/cosmos.auth.v1beta1.BaseAccount", value: BaseAccount.encode(toBaseAccount(a)).finish() },
        }).finish();
      },
    ],
    [
      "/cosmos.auth.v1beta1.Query/AccountInfo",
      (data: Uint8Array) => {
        const req = QueryAccountInfoRequest.decode(data);
        return QueryAccountInfoResponse.encode({ info: toBaseAccount(lookup(req.address)) }).finish();
      },
    ],
    [
      "/cosmos.auth.v1beta1.Query/Bech32Prefix",
      () => Bech32PrefixResponse.encode({ bech32Prefix: prefix }).finish(),
    ],
  ]);
}
