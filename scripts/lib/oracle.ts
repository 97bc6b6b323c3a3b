/**
 * Reading AlloraOracle from scripts. Only the functions the scripts use, written from
 * contracts/interfaces/IAlloraOracle.sol, so the scripts work before and without a compile.
 */
import { ethers } from "ethers";

export const ORACLE_READ_ABI = [
  "function latestInference(uint64 topicId) view returns (int256 value, uint64 nonce, uint64 timestamp)",
  "event InferenceUpdated(uint64 indexed topicId, int256 value, uint64 nonce, uint64 timestamp)",
  "event InferenceRequested(uint256 indexed requestId, uint64 indexed topicId, address indexed requester, uint256 amount)",
  "function requestInference(uint64 topicId, uint256 amount) returns (uint256 requestId)",
  "function requestInferenceWithPermit(uint64 topicId, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) returns (uint256 requestId)",
] as const;

export interface OnChainInference {
  value: bigint;
  nonce: bigint;
  timestamp: bigint;
}

export function oracleAt(address: string, runner: ethers.ContractRunner): ethers.Contract {
  return new ethers.Contract(address, ORACLE_READ_ABI, runner);
}

export async function readInference(oracle: ethers.Contract, topicId: number): Promise<OnChainInference> {
  const [value, nonce, timestamp] = (await oracle.latestInference(topicId)) as [bigint, bigint, bigint];
  return { value, nonce, timestamp };
}

/** An 18-decimal fixed-point value as a short decimal string. */
export function formatValue(value: bigint, digits = 4): string {
  const s = ethers.formatUnits(value, 18);
  const [int, frac = ""] = s.split(".");
  return digits === 0 ? int : `${int}.${frac.padEnd(digits, "0").slice(0, digits)}`;
}
