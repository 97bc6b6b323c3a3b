/**
 * The ReportBatch EIP-712 digest computed directly on byte buffers: the same value as
 * lib/eip712/oracle.ts reportBatchDigest (a property test compares them) without ethers' generic typed-data
 * encoder, because every hub block needs one digest per chain for batches of up to hundreds of reports.
 *   digest = keccak256(0x1901 ‖ domainSeparator ‖ keccak256(BATCH_TYPEHASH ‖ setId ‖ keccak256(packedReports)))
 * where packedReports is the 40-byte-per-report form `AlloraOracle.submit` takes (packReportsToBytes).
 */
import { TypedDataEncoder, getBytes, keccak256, toUtf8Bytes } from "ethers";
import { oracleDomain, packReportsToBytes, REPORT_BATCH_TYPES } from "../../lib/eip712/oracle";
import type { OracleReport } from "../../lib/eip712/oracle";

const BATCH_TYPE = "ReportBatch(uint64 attesterSetId,bytes reports)";
const BATCH_TYPEHASH = getBytes(keccak256(toUtf8Bytes(BATCH_TYPE)));

/** Writes `v` as a 32-byte big-endian word at `offset` (byte i from the right is bits 8i..8i+7). */
function putWord(buf: Uint8Array, offset: number, v: bigint): void {
  for (let i = 0; i < 32; i++) buf[offset + 31 - i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

const separators = new Map<string, Uint8Array>();
/** The oracle's EIP-712 domain separator, computed once per (chain, oracle spelling): there are a few oracles. */
function domainSeparator(chainId: bigint | number, oracle: string): Uint8Array {
  const key = `${chainId}|${oracle}`;
  return separators.get(key) ?? cacheSeparator(key, getBytes(TypedDataEncoder.hashDomain(oracleDomain(chainId, oracle))));
}

function cacheSeparator(key: string, sep: Uint8Array): Uint8Array {
  separators.set(key, sep);
  return sep;
}

/** The digest over reports already packed (e.g. the bytes about to be submitted). */
export function fastPackedBatchDigest(chainId: bigint | number, oracle: string, attesterSetId: bigint, packed: Uint8Array): string {
  const batch = new Uint8Array(96);
  batch.set(BATCH_TYPEHASH, 0);
  putWord(batch, 32, attesterSetId);
  batch.set(getBytes(keccak256(packed)), 64);
  const out = new Uint8Array(66);
  out.set([0x19, 0x01], 0);
  out.set(domainSeparator(chainId, oracle), 2);
  out.set(getBytes(keccak256(batch)), 34);
  return keccak256(out);
}

export function fastReportBatchDigest(chainId: bigint | number, oracle: string, attesterSetId: bigint, reports: readonly OracleReport[]): string {
  return fastPackedBatchDigest(chainId, oracle, attesterSetId, packReportsToBytes(reports));
}

/** Whether EIP-712 `types` describe exactly the batch type this encoder hard-codes. */
export function matchesBatchType(types: Readonly<Record<string, readonly { name: string; type: string }[]>>): boolean {
  const fields = types.ReportBatch;
  return fields !== undefined && Object.keys(types).length === 1 && `ReportBatch(${fields.map((f) => `${f.type} ${f.name}`).join(",")})` === BATCH_TYPE;
}

/** For tests: the type this encoder hard-codes must be the library's. */
export const FAST_DIGEST_TYPES_MATCH = matchesBatchType(REPORT_BATCH_TYPES);
