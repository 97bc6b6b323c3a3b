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

function putWord(buf: Uint8Array, offset: number, v: bigint): void {
  let x = v;
  for (let i = 31; i >= 0; i--) {
    buf[offset + i] = Number(x & 0xffn);
    x >>= 8n;
  }
}

const separators = new Map<string, Uint8Array>();
function domainSeparator(chainId: bigint | number, oracle: string): Uint8Array {
  const key = `${chainId}|${oracle.toLowerCase()}`;
  let sep = separators.get(key);
  if (!sep) {
    sep = getBytes(TypedDataEncoder.hashDomain(oracleDomain(chainId, oracle)));
    separators.set(key, sep);
  }
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

/** For tests: the type this encoder hard-codes must be the library's. */
export const FAST_DIGEST_TYPES_MATCH =
  `ReportBatch(${REPORT_BATCH_TYPES.ReportBatch.map((f) => `${f.type} ${f.name}`).join(",")})` === BATCH_TYPE &&
  Object.keys(REPORT_BATCH_TYPES).length === 1;
