/**
 * deployments/<network>.json: the addresses (and creation blocks) of this network's contracts, read by
 * scripts and the relayer. Written whole on every run, with a stable key order and no timestamps, so a
 * run that deploys nothing rewrites the same bytes.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "ethers";

export interface ContractRecord {
  address: string;
  blockNumber: number;
}

export interface DeploymentRecord {
  network: string;
  chainId: number;
  contracts: Record<string, ContractRecord>;
}

export const DEPLOYMENTS_DIR = path.resolve(__dirname, "..", "deployments");

export function recordFile(network: string, dir = DEPLOYMENTS_DIR): string {
  return path.join(dir, `${network}.json`);
}

/** The record for `network`, or undefined if there is none or it is for another chain id. */
export function readRecord(network: string, chainId: number, dir = DEPLOYMENTS_DIR): DeploymentRecord | undefined {
  const file = recordFile(network, dir);
  if (!fs.existsSync(file)) return undefined;
  const record = JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentRecord;
  if (record.chainId !== chainId) return undefined;
  return record;
}

export function writeRecord(record: DeploymentRecord, dir = DEPLOYMENTS_DIR): string {
  const file = recordFile(record.network, dir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const contracts = Object.fromEntries(
    Object.keys(record.contracts)
      .sort()
      .map((name) => [name, { address: record.contracts[name].address, blockNumber: record.contracts[name].blockNumber }]),
  );
  const body = { network: record.network, chainId: record.chainId, contracts };
  // Written aside and renamed into place: other chains' deployments read this file (the Axelar adapter's
  // remotes), possibly at the same time (`npm start -- --separate-chain-processes --axelar`).
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(body, null, 2) + "\n");
  fs.renameSync(temporary, file);
  return file;
}

/**
 * The first block at which `address` has code, searched between `from` and `to` (inclusive) with
 * eth_getCode at past blocks. Needs state at those blocks: an archive RPC on a real chain.
 */
export async function findCreationBlock(
  provider: ethers.Provider,
  address: string,
  from: number,
  to: number,
): Promise<number> {
  if ((await provider.getCode(address, to)) === "0x") throw new Error(`${address} has no code at block ${to}`);
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await provider.getCode(address, mid)) === "0x") lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
