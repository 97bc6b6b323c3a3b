/**
 * EIP-712 for AlloraOracle reports: types, domain, digest and signing with an ethers v6 signer.
 * Must match contracts/oracle/AlloraOracle.sol (tests compare digests with the contract's).
 */
import {
  TypedDataEncoder,
  getAddress,
  type BigNumberish,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

/** The oracle's EIP-712 domain name and version (the contract's `EIP712("AlloraOracle", "1")`). */
export const ORACLE_DOMAIN_NAME = "AlloraOracle";
export const ORACLE_DOMAIN_VERSION = "1";

/** Bounds the contract enforces on a report (see AlloraOracle `_checkReport`). */
export const INT160_MIN = -(1n << 159n);
export const INT160_MAX = (1n << 159n) - 1n;
export const UINT48_MAX = (1n << 48n) - 1n;
export const UINT64_MAX = (1n << 64n) - 1n;

/** One inference report as signed by the attesters. `value` is 18-decimal fixed point. */
export interface OracleReport {
  topicId: bigint;
  value: bigint;
  nonce: bigint;
  timestamp: bigint;
}

/** Loosely typed input accepted by the helpers (numbers, strings, bigints). */
export interface OracleReportInput {
  topicId: BigNumberish;
  value: BigNumberish;
  nonce: BigNumberish;
  timestamp: BigNumberish;
}

/** The EIP-712 types of the signed message (primary type `ReportBatch`). */
export const REPORT_BATCH_TYPES: Record<string, TypedDataField[]> = {
  ReportBatch: [
    { name: "attesterSetId", type: "uint64" },
    { name: "reports", type: "Report[]" },
  ],
  Report: [
    { name: "topicId", type: "uint64" },
    { name: "value", type: "int256" },
    { name: "nonce", type: "uint64" },
    { name: "timestamp", type: "uint64" },
  ],
};

/** The EIP-712 message: one batch of reports under one attester set. */
export interface ReportBatchMessage {
  attesterSetId: bigint;
  reports: OracleReport[];
}

/** The oracle's domain on `chainId` at `oracleAddress`. */
export function oracleDomain(chainId: BigNumberish, oracleAddress: string): TypedDataDomain {
  return {
    name: ORACLE_DOMAIN_NAME,
    version: ORACLE_DOMAIN_VERSION,
    chainId: BigInt(chainId),
    verifyingContract: getAddress(oracleAddress),
  };
}

/**
 * Normalises and checks a report against the contract's bounds, so a bad report fails here with its
 * field named instead of reverting on chain. Does not check the timestamp against a clock.
 */
export function toOracleReport(input: OracleReportInput): OracleReport {
  const report: OracleReport = {
    topicId: BigInt(input.topicId),
    value: BigInt(input.value),
    nonce: BigInt(input.nonce),
    timestamp: BigInt(input.timestamp),
  };
  if (report.topicId < 0n || report.topicId > UINT64_MAX) {
    throw new RangeError(`report topicId ${report.topicId} is not a uint64`);
  }
  if (report.value < INT160_MIN || report.value > INT160_MAX) {
    throw new RangeError(
      `report value ${report.value} for topic ${report.topicId} does not fit int160 (the oracle's stored range)`,
    );
  }
  if (report.nonce <= 0n || report.nonce > UINT48_MAX) {
    throw new RangeError(`report nonce ${report.nonce} for topic ${report.topicId} must be in 1..2^48-1`);
  }
  if (report.timestamp < 0n || report.timestamp > UINT48_MAX) {
    throw new RangeError(
      `report timestamp ${report.timestamp} for topic ${report.topicId} must be in 0..2^48-1`,
    );
  }
  return report;
}

/** The message for `reports` under attester set `attesterSetId`. */
export function reportBatchMessage(
  attesterSetId: BigNumberish,
  reports: OracleReportInput[],
): ReportBatchMessage {
  if (reports.length === 0) throw new RangeError("a report batch needs at least one report");
  return { attesterSetId: BigInt(attesterSetId), reports: reports.map(toOracleReport) };
}

/** The EIP-712 digest the attesters sign (equals the contract's `hashReportBatch`). */
export function reportBatchDigest(domain: TypedDataDomain, message: ReportBatchMessage): string {
  return TypedDataEncoder.hash(domain, REPORT_BATCH_TYPES, message);
}

/** The minimal signer interface (an ethers v6 `Signer` or `Wallet` satisfies it). */
export interface TypedDataSigner {
  getAddress(): Promise<string>;
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** One attester's signature with its address. */
export interface AttesterSignature {
  signer: string;
  signature: string;
}

/** Signs a report batch with one attester key. */
export async function signReportBatch(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  message: ReportBatchMessage,
): Promise<AttesterSignature> {
  const signature = await signer.signTypedData(
    domain,
    REPORT_BATCH_TYPES,
    message as unknown as Record<string, unknown>,
  );
  return { signer: getAddress(await signer.getAddress()), signature };
}

/**
 * A report as the struct argument of contract calls (`submit`, `verifyReport`, ...): a plain object with
 * the four fields, which TypeChain's `ReportStruct` accepts.
 */
export function reportStruct(report: OracleReportInput): OracleReport {
  return toOracleReport(report);
}
