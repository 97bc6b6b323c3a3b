/**
 * EIP-712 for AlloraOracle reports: types, domain, digest and signing with an ethers v6 signer.
 * Must match contracts/oracle/AlloraOracle.sol (tests compare digests with the contract's).
 */
import {
  TypedDataEncoder,
  getAddress,
  getBytes,
  hexlify,
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

/**
 * The EIP-712 types of the signed message (primary type `ReportBatch`). `reports` is the packed batch
 * ({packReports}), which EIP-712 hashes as keccak256 of its bytes.
 */
export const REPORT_BATCH_TYPES: Record<string, TypedDataField[]> = {
  ReportBatch: [
    { name: "attesterSetId", type: "uint64" },
    { name: "reports", type: "bytes" },
  ],
};

/** The EIP-712 message: one batch of packed reports under one attester set. */
export interface ReportBatchMessage {
  attesterSetId: bigint;
  /** 0x-hex of the packed reports ({packReports}). */
  reports: string;
}

/** Bytes of one packed report: topicId (8) ‖ timestamp (6) ‖ nonce (6) ‖ value (20, two's complement). */
export const PACKED_REPORT_SIZE = 40;

const TWO_160 = 1n << 160n;

/** Writes `value` big-endian into `out[offset, offset + size)`; `value` must already fit. */
function putUint(out: Uint8Array, offset: number, size: number, value: bigint): void {
  let x = value;
  for (let i = offset + size - 1; i >= offset; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

function readUint(bytes: Uint8Array, offset: number, size: number): bigint {
  let x = 0n;
  for (let i = offset; i < offset + size; i++) x = (x << 8n) | BigInt(bytes[i]);
  return x;
}

/**
 * The packed form `AlloraOracle.submit` takes: 40 bytes per report, big-endian,
 * topicId (uint64) ‖ timestamp (uint48) ‖ nonce (uint48) ‖ value (int160, two's complement). The last 32
 * bytes of a report are the word the oracle stores. Each report is checked first ({toOracleReport}).
 */
export function packReportsToBytes(reports: readonly OracleReportInput[]): Uint8Array {
  const out = new Uint8Array(PACKED_REPORT_SIZE * reports.length);
  reports.forEach((input, i) => {
    const r = toOracleReport(input);
    const at = i * PACKED_REPORT_SIZE;
    putUint(out, at, 8, r.topicId);
    putUint(out, at + 8, 6, r.timestamp);
    putUint(out, at + 14, 6, r.nonce);
    putUint(out, at + 20, 20, r.value < 0n ? TWO_160 + r.value : r.value);
  });
  return out;
}

/** {packReportsToBytes} as 0x-hex, the form contract calls and EIP-712 messages take. */
export function packReports(reports: readonly OracleReportInput[]): string {
  return hexlify(packReportsToBytes(reports));
}

/** The reports of a packed batch; throws on a length that is not a multiple of 40 bytes. */
export function unpackReports(packed: string | Uint8Array): OracleReport[] {
  const bytes = typeof packed === "string" ? getBytes(packed) : packed;
  if (bytes.length % PACKED_REPORT_SIZE !== 0) {
    throw new RangeError(
      `a packed report batch is ${PACKED_REPORT_SIZE} bytes per report; got ${bytes.length} bytes`,
    );
  }
  const reports: OracleReport[] = [];
  for (let at = 0; at < bytes.length; at += PACKED_REPORT_SIZE) {
    const raw = readUint(bytes, at + 20, 20);
    reports.push({
      topicId: readUint(bytes, at, 8),
      timestamp: readUint(bytes, at + 8, 6),
      nonce: readUint(bytes, at + 14, 6),
      value: raw >= TWO_160 / 2n ? raw - TWO_160 : raw,
    });
  }
  return reports;
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
  reports: readonly OracleReportInput[],
): ReportBatchMessage {
  if (reports.length === 0) throw new RangeError("a report batch needs at least one report");
  return { attesterSetId: BigInt(attesterSetId), reports: packReports(reports) };
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
 * A report as the struct argument of the pull-mode calls (`verifyReport`, `verifyAndStore`): a plain object
 * with the four fields, which TypeChain's `ReportStruct` accepts. `submit` takes {packReports} instead.
 */
export function reportStruct(report: OracleReportInput): OracleReport {
  return toOracleReport(report);
}
