/**
 * Recipient checks before anything is signed: a hub account is lower-case bech32 with the hub's prefix, a
 * valid checksum and 20 data bytes (what the bridge contract accepts); an EVM account is 0x + 40 hex digits
 * with a correct EIP-55 checksum when mixed case. An address of the other kind is named as such.
 */
import { fromBech32 } from "@cosmjs/encoding";
import { getAddress, isHexString } from "ethers";
import { CliError } from "./errors";

export type EndpointKind = "hub" | "evm";

export function checkHubAddress(raw: string, prefix: string, what = "--to-address"): string {
  if (isHexString(raw)) {
    throw new CliError(`${what} ${raw} is an EVM address, but the destination is the hub`, `give a hub account (${prefix}1…), or bridge to an EVM chain with --to`);
  }
  if (raw !== raw.toLowerCase()) {
    throw new CliError(`${what} ${raw} has upper-case letters`, `write the hub address in lower case (${prefix}1…); mixed case is not valid bech32`);
  }
  let decoded: { prefix: string; data: Uint8Array };
  try {
    decoded = fromBech32(raw);
  } catch (err) {
    const why = (err as Error).message;
    const checksum = /checksum/i.test(why);
    throw new CliError(
      `${what} ${raw} is not a valid bech32 address${checksum ? ": its checksum does not match (a typo?)" : ` (${why})`}`,
      `copy the ${prefix}1… address again from the wallet that will receive the ALLO`,
    );
  }
  if (decoded.prefix !== prefix) {
    throw new CliError(`${what} ${raw} is an account of another Cosmos chain (prefix "${decoded.prefix}")`, `give an Allora hub account, which starts with ${prefix}1`);
  }
  if (decoded.data.length !== 20) {
    throw new CliError(`${what} ${raw} holds ${decoded.data.length} bytes, not the 20 of an account`, "give a wallet account (a module or contract address cannot receive bridged ALLO)");
  }
  return raw;
}

export function checkEvmAddress(raw: string, chain: string, what = "--to-address"): string {
  if (/^[a-z]+1[02-9ac-hj-np-z]+$/.test(raw)) {
    throw new CliError(`${what} ${raw} is a hub (bech32) address, but the destination is ${chain}, an EVM chain`, "give an 0x address, or bridge to the hub with --to hub");
  }
  if (!isHexString(raw, 20)) {
    throw new CliError(`${what} "${raw}" is not an EVM address`, "give 0x followed by 40 hex digits");
  }
  let address: string;
  try {
    address = getAddress(raw);
  } catch {
    throw new CliError(`${what} ${raw} has a wrong EIP-55 checksum (its mixed case does not match)`, "copy the address again, or write it all in lower case");
  }
  if (address === "0x0000000000000000000000000000000000000000") {
    throw new CliError(`${what} is the zero address`, "give the address that should receive the ALLO");
  }
  return address;
}

export function checkRecipient(kind: EndpointKind, raw: string, hubPrefix: string, chain: string): string {
  return kind === "hub" ? checkHubAddress(raw, hubPrefix) : checkEvmAddress(raw, chain);
}
