/**
 * The slice of the AlloraOracle ABI the relayer uses (human-readable; the ABI is fixed by
 * contracts/interfaces/IAlloraOracle.sol and IAttesterSets.sol), and typed reads through FailoverRpc.
 */
import { Contract, Interface, getAddress } from "ethers";
import { FailoverRpc } from "./rpc";
import type { TxIntent, TxWork } from "../submit/intent";

export const ORACLE_ABI = [
  "function submit(bytes reports, bytes signatures)",
  "function latestInference(uint64 topicId) view returns (int256 value, uint64 nonce, uint64 timestamp)",
  "function attesterSetId() view returns (uint64)",
  "function attesterSet() view returns (uint64 setId, address[] signers, uint8 threshold)",
  "event InferenceUpdated(uint64 indexed topicId, int256 value, uint64 nonce, uint64 timestamp)",
  "event ReportSkipped(uint64 indexed topicId, uint64 nonce, uint64 storedNonce)",
  "event InferenceRequested(uint256 indexed requestId, uint64 indexed topicId, address indexed requester, uint256 amount)",
  "error NoInference(uint64 topicId)",
  "error StaleInference(uint64 topicId, uint64 timestamp, uint256 maxAge)",
  "error ValueOutOfRange(uint64 topicId, int256 value)",
  "error InvalidNonce(uint64 topicId)",
  "error FutureTimestamp(uint64 topicId, uint64 timestamp, uint256 blockTimestamp)",
  "error EmptyBatch()",
  "error MalformedBatch(uint256 length, uint256 reportSize)",
  "error ZeroPayment()",
  "error ZeroTimestamp(uint64 topicId)",
  "error InvalidSignaturesLength(uint256 length)",
  "error TooFewSignatures(uint256 given, uint256 threshold)",
  "error InvalidSignature(uint256 index)",
  "error UnknownSigner(address signer)",
  "error DuplicateSigner(address signer)",
  "error SignersNotSorted(address previous, address next)",
];

export const oracleInterface = new Interface(ORACLE_ABI);

export const INFERENCE_UPDATED_TOPIC = oracleInterface.getEvent("InferenceUpdated")!.topicHash;
const TWO_255 = 1n << 255n;

/**
 * Decodes an InferenceUpdated log without the generic ABI decoder (a batch of 100 reports emits 100 of
 * them): topics[1] = topicId; data = value (int256) ‖ nonce ‖ timestamp. Undefined for other logs.
 */
export function decodeInferenceUpdated(log: { topics: readonly string[]; data: string }): { topicId: number; value: bigint; nonce: bigint; timestamp: number } | undefined {
  if (log.topics[0] !== INFERENCE_UPDATED_TOPIC || log.topics.length !== 2 || log.data.length !== 2 + 64 * 3) return undefined;
  const word = (i: number) => BigInt("0x" + log.data.slice(2 + 64 * i, 2 + 64 * (i + 1)));
  const raw = word(0);
  return { topicId: Number(BigInt(log.topics[1])), value: raw >= TWO_255 ? raw - (TWO_255 << 1n) : raw, nonce: word(1), timestamp: Number(word(2)) };
}

export interface AttesterSet {
  id: bigint;
  signers: string[];
  threshold: number;
}

export interface OnChainInference {
  value: bigint;
  nonce: bigint;
  timestamp: number;
}

export class OracleReader {
  readonly address: string;

  constructor(
    readonly rpc: FailoverRpc,
    address: string,
  ) {
    this.address = getAddress(address);
  }

  private contract(p: FailoverRpc["current"]) {
    return new Contract(this.address, oracleInterface, p);
  }

  async attesterSet(): Promise<AttesterSet> {
    const [id, signers, threshold] = await this.rpc.use((p) => this.contract(p).attesterSet());
    return { id: BigInt(id), signers: (signers as string[]).map((s) => getAddress(s)), threshold: Number(threshold) };
  }

  async latestInference(topicId: number): Promise<OnChainInference> {
    const [value, nonce, timestamp] = await this.rpc.use((p) => this.contract(p).latestInference(topicId));
    return { value: BigInt(value), nonce: BigInt(nonce), timestamp: Number(timestamp) };
  }

  /** Decodes a revert into "ErrorName(args)" when it is one of the oracle's custom errors. */
  static describeRevert(e: unknown): string {
    const data = (e as { data?: string; info?: { error?: { data?: string } } })?.data ?? (e as { info?: { error?: { data?: string } } })?.info?.error?.data;
    if (typeof data === "string" && data.length >= 10) {
      try {
        const parsed = oracleInterface.parseError(data);
        if (parsed) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
      } catch {
        /* not ours */
      }
    }
    return (e as Error)?.message?.split("\n")[0] ?? String(e);
  }
}

const SUBMIT = oracleInterface.getFunction("submit")!;

/**
 * The work of an oracle update job (see submit/intent.ts): `submit(reports, ·)` on the oracle with
 * exactly these packed reports; which valid signatures accompany them may differ between attempts.
 */
export function oracleSubmitWork(oracle: string, packedReports: string): TxWork {
  const want = packedReports.toLowerCase();
  return {
    to: oracle,
    contract: true,
    sameWork(data: string): boolean {
      if (!data.toLowerCase().startsWith(SUBMIT.selector)) return false;
      try {
        const [reports] = oracleInterface.decodeFunctionData(SUBMIT, data);
        return String(reports).toLowerCase() === want;
      } catch {
        return false;
      }
    },
  };
}

/** The intent of an oracle update job: its work plus the calldata with the signatures collected now. */
export function oracleSubmitIntent(oracle: string, packedReports: string, signatures: string): TxIntent {
  return { ...oracleSubmitWork(oracle, packedReports), data: oracleInterface.encodeFunctionData(SUBMIT, [packedReports, signatures]) };
}
