/**
 * The ReportBatch EIP-712 digest computed directly on byte buffers: the same value as
 * lib/eip712/oracle.ts reportBatchDigest (a property test compares them) without ethers' generic typed-data
 * encoder, because every hub block needs one digest per chain for batches of up to hundreds of reports.
 *   digest = keccak256(0x1901 ‖ domainSeparator ‖ keccak256(BATCH_TYPEHASH ‖ setId ‖ keccak256(packedReports)))
 * where packedReports is the 40-byte-per-report form `AlloraOracle.submit` takes (packReportsToBytes).
 */
import { TypedDataEncoder, getAddress, getBytes, keccak256, toUtf8Bytes } from "ethers";
import { bridgeDomain, TRANSFER_TYPES, type BridgeDomain, type BridgeTransfer } from "../../lib/eip712/bridge";
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

type TypedFields = Readonly<Record<string, readonly { name: string; type: string }[]>>;

/** Whether `types` hold exactly one type, `primary`, whose EIP-712 encoding is `encoded` (what an encoder hard-codes). */
function onlyType(types: TypedFields, primary: string, encoded: string): boolean {
  const fields = types[primary];
  return fields !== undefined && Object.keys(types).length === 1 && `${primary}(${fields.map((f) => `${f.type} ${f.name}`).join(",")})` === encoded;
}

/** Whether EIP-712 `types` describe exactly the batch type this encoder hard-codes. */
export function matchesBatchType(types: TypedFields): boolean {
  return onlyType(types, "ReportBatch", BATCH_TYPE);
}

/** For tests: the type this encoder hard-codes must be the library's. */
export const FAST_DIGEST_TYPES_MATCH = matchesBatchType(REPORT_BATCH_TYPES);

/**
 * The bridge's `Transfer` EIP-712 digest on byte buffers: the same value as lib/eip712/bridge.ts
 * transferDigest (a property test compares them), without ethers' generic typed-data encoder, which a burst of
 * transfers ran several times per delivery (the attester, the poll loop, every retry).
 *   digest = keccak256(0x1901 ‖ domainSeparator ‖ keccak256(TRANSFER_TYPEHASH ‖ setId ‖ sourceChain ‖
 *            sourceBridge ‖ sequence ‖ recipient ‖ amount)), each field one 32-byte word.
 * The field bounds the contract's types impose (uint64, bytes32, address, uint256) are checked here, as the
 * generic encoder does, so a malformed job has no digest rather than a wrong one.
 */
const TRANSFER_TYPE = "Transfer(uint64 setId,uint64 sourceChain,bytes32 sourceBridge,uint64 sequence,address recipient,uint256 amount)";
const TRANSFER_TYPEHASH = getBytes(keccak256(toUtf8Bytes(TRANSFER_TYPE)));
const U64 = (1n << 64n) - 1n;
const U256 = (1n << 256n) - 1n;

function wordOf(name: string, v: bigint, max: bigint): bigint {
  if (v < 0n || v > max) throw new RangeError(`transfer ${name} ${v} is out of range for its EIP-712 type`);
  return v;
}

const bridgeSeparators = new Map<string, Uint8Array>();
function bridgeDomainSeparator(domain: BridgeDomain): Uint8Array {
  // Stryker disable next-line MethodExpression: equivalent; upper case keys the cache as case-blind as lower
  const key = `${domain.chainId}|${domain.verifyingContract.toLowerCase()}`;
  let sep = bridgeSeparators.get(key);
  // Stryker disable next-line ConditionalExpression: equivalent; without the cache the same separator is computed again
  if (!sep) {
    sep = getBytes(TypedDataEncoder.hashDomain(bridgeDomain(domain)));
    bridgeSeparators.set(key, sep);
  }
  return sep;
}

export function fastTransferDigest(domain: BridgeDomain, t: BridgeTransfer): string {
  const bridgeBytes = getBytes(t.sourceBridge);
  if (bridgeBytes.length !== 32) throw new RangeError(`transfer sourceBridge ${t.sourceBridge} is not 32 bytes`);
  const recipient = getBytes(getAddress(t.recipient));
  const struct = new Uint8Array(7 * 32);
  struct.set(TRANSFER_TYPEHASH, 0);
  putWord(struct, 32, wordOf("setId", t.setId, U64));
  putWord(struct, 64, wordOf("sourceChain", t.sourceChain, U64));
  struct.set(bridgeBytes, 96);
  putWord(struct, 128, wordOf("sequence", t.sequence, U64));
  struct.set(recipient, 160 + 12);
  putWord(struct, 192, wordOf("amount", t.amount, U256));
  const out = new Uint8Array(66);
  out.set([0x19, 0x01], 0);
  out.set(bridgeDomainSeparator(domain), 2);
  out.set(getBytes(keccak256(struct)), 34);
  return keccak256(out);
}

/** Whether EIP-712 `types` describe exactly the Transfer type this encoder hard-codes. */
export function matchesTransferType(types: TypedFields): boolean {
  return onlyType(types, "Transfer", TRANSFER_TYPE);
}

/** For tests: the type this encoder hard-codes must be the library's. */
export const FAST_TRANSFER_TYPES_MATCH = matchesTransferType(TRANSFER_TYPES);
