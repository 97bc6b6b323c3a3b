/**
 * The ReportBatch EIP-712 digest computed directly on byte buffers: the same value as
 * lib/eip712/oracle.ts reportBatchDigest (a property test compares them), about 20x cheaper for batches of
 * 100 reports, which matters because every hub block needs one digest per chain.
 *   digest = keccak256(0x1901 ‖ domainSeparator ‖ keccak256(BATCH_TYPEHASH ‖ setId ‖ keccak256(reportHash_1 ‖ ... ‖ reportHash_n)))
 *   reportHash = keccak256(REPORT_TYPEHASH ‖ topicId ‖ value (int256, two's complement) ‖ nonce ‖ timestamp)
 */
import { TypedDataEncoder, getBytes, hexlify, keccak256, toUtf8Bytes } from "ethers";
import { oracleDomain, REPORT_BATCH_TYPES } from "../../lib/eip712/oracle";
import type { OracleReport } from "../../lib/eip712/oracle";

const REPORT_TYPE = "Report(uint64 topicId,int256 value,uint64 nonce,uint64 timestamp)";
const REPORT_TYPEHASH = getBytes(keccak256(toUtf8Bytes(REPORT_TYPE)));
const BATCH_TYPEHASH = getBytes(keccak256(toUtf8Bytes(`ReportBatch(uint64 attesterSetId,Report[] reports)${REPORT_TYPE}`)));
const TWO_256 = 1n << 256n;

function putWord(buf: Uint8Array, offset: number, v: bigint): void {
  let x = v < 0n ? TWO_256 + v : v;
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

export function fastReportBatchDigest(chainId: bigint | number, oracle: string, attesterSetId: bigint, reports: readonly OracleReport[]): string {
  const word = new Uint8Array(160);
  word.set(REPORT_TYPEHASH, 0);
  const hashes = new Uint8Array(32 * reports.length);
  reports.forEach((r, i) => {
    putWord(word, 32, r.topicId);
    putWord(word, 64, r.value);
    putWord(word, 96, r.nonce);
    putWord(word, 128, r.timestamp);
    hashes.set(getBytes(keccak256(word)), 32 * i);
  });
  const batch = new Uint8Array(96);
  batch.set(BATCH_TYPEHASH, 0);
  putWord(batch, 32, attesterSetId);
  batch.set(getBytes(keccak256(hashes)), 64);
  const out = new Uint8Array(66);
  out.set([0x19, 0x01], 0);
  out.set(domainSeparator(chainId, oracle), 2);
  out.set(getBytes(keccak256(batch)), 34);
  return keccak256(out);
}

/** For tests: the types this encoder hard-codes must be the library's. */
export const FAST_DIGEST_TYPES_MATCH = JSON.stringify(REPORT_BATCH_TYPES.Report.map((f) => `${f.type} ${f.name}`).join(",")) === JSON.stringify("uint64 topicId,int256 value,uint64 nonce,uint64 timestamp");
export { hexlify };
