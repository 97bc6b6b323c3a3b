/**
 * DEVNET ONLY: the PUBLIC Hardhat test accounts (the well-known "test test ... junk" mnemonic) and the
 * role each one plays on the local network. Never use these keys anywhere else: everyone knows them.
 */
import { ethers } from "ethers";

export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** Which Hardhat account index plays which role locally. */
export const DEV_ACCOUNT_INDEX = {
  deployer: 0,
  /** the submitter of relayer instance i (1-based) is account submitterBase + i - 1 */
  submitterBase: 10,
  /** the user of scripts/request-inference.ts */
  user: 5,
} as const;

const cache = new Map<number, ethers.HDNodeWallet>();

/** Hardhat account `index` (m/44'/60'/0'/0/index). */
export function hardhatAccount(index: number): ethers.HDNodeWallet {
  let w = cache.get(index);
  if (!w) {
    w = ethers.HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);
    cache.set(index, w);
  }
  return w;
}

/** The Hardhat account whose address is `address`, searching the 20 funded accounts. */
export function hardhatAccountByAddress(address: string): ethers.HDNodeWallet | undefined {
  for (let i = 0; i < 20; i++) {
    const w = hardhatAccount(i);
    if (w.address.toLowerCase() === address.toLowerCase()) return w;
  }
  return undefined;
}
