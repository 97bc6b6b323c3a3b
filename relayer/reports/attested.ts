/**
 * Pure decisions of the report service: whether the signatures stored for a report (in Redis, untrusted) make
 * an attestation the chain's current attester set accepts, and what a consumer needs to use it.
 */
import { Interface } from "ethers";
import { packReports, type OracleReport } from "../../lib/eip712/oracle";
import { fastReportBatchDigest } from "../attest/fast-digest";
import { combineSignatures, NotEnoughSignaturesError, recoverSignature } from "../../lib/eip712/signatures";

/** A report and the signatures collected for it, as the store holds them (untrusted until checked). */
export interface StoredReport {
  report: OracleReport;
  setId: bigint;
  /** claimed signer address -> 65-byte signature */
  signatures: Record<string, string>;
}

/** The chain's current attester set, read from the oracle. */
export interface OnChainSet {
  id: bigint;
  signers: readonly string[];
  threshold: number;
}

export interface Attested {
  ok: true;
  report: OracleReport;
  setId: bigint;
  /** the signers whose signatures verified, ascending */
  signers: string[];
  /** combined signatures in the contracts' format (sorted by signer, concatenated) */
  signatures: string;
}

export type Attestation = Attested | { ok: false; problem: string };

/**
 * The digest attesters sign for one report on one chain: the oracle's `ReportBatch` of that single report. The
 * oracle checks pull-mode reports (`verifyAndStore`, `verifyReport`) and a one-report `submit` against this same
 * digest, so one set of signatures serves all three.
 */
export function singleReportDigest(chainId: bigint, oracle: string, setId: bigint, report: OracleReport): string {
  return fastReportBatchDigest(chainId, oracle, setId, [report]);
}

/**
 * Checks every stored signature against the digest recomputed here and the chain's current set: a signature
 * that does not recover to a member (forged, for another report, chain or set) is dropped, never served.
 */
export function attest(stored: StoredReport, set: OnChainSet, chainId: bigint, oracle: string): Attestation {
  if (stored.setId !== set.id) {
    return { ok: false, problem: `signed under attester set ${stored.setId}; the chain's current set is ${set.id} (the attesters sign again under it)` };
  }
  const digest = singleReportDigest(chainId, oracle, set.id, stored.report);
  const valid: string[] = [];
  for (const signature of Object.values(stored.signatures)) {
    try {
      recoverSignature(digest, signature);
      valid.push(signature);
    } catch {
      // malformed: dropped
    }
  }
  try {
    const signatures = combineSignatures(digest, valid, { threshold: set.threshold, allowedSigners: set.signers });
    const signers = valid
      .map((s) => recoverSignature(digest, s).signer)
      .filter((a, i, all) => set.signers.some((m) => m.toLowerCase() === a.toLowerCase()) && all.indexOf(a) === i)
      .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
    return { ok: true, report: stored.report, setId: set.id, signers, signatures };
  } catch (err) {
    if (err instanceof NotEnoughSignaturesError) {
      return { ok: false, problem: `${err.message.replace(/\.$/, "")}: waiting for more attesters to sign` };
    }
    throw err;
  }
}

const ORACLE = new Interface([
  "function verifyAndStore((uint64 topicId,int256 value,uint64 nonce,uint64 timestamp) report, bytes signatures)",
  "function verifyReport((uint64 topicId,int256 value,uint64 nonce,uint64 timestamp) report, bytes signatures)",
  "function verifyReportNoOlderThanStored((uint64 topicId,int256 value,uint64 nonce,uint64 timestamp) report, bytes signatures)",
  "function submit(bytes reports, bytes signatures)",
]);

/** What the service answers for one topic on one chain: the report, who signed, and ready calldata. */
export interface ReportPayload {
  chain: string;
  chain_id: number;
  oracle: string;
  topic_id: number;
  /** 18-decimal fixed point, as an integer string */
  value: string;
  /** the same value as a decimal string */
  value_decimal: string;
  nonce: number;
  timestamp: number;
  attester_set_id: number;
  signers: string[];
  signatures: string;
  calldata: { verifyAndStore: string; verifyReport: string; verifyReportNoOlderThanStored: string; submit: string };
}

export function formatFixed18(value: bigint): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / 10n ** 18n;
  const frac = (abs % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

export function reportPayload(chain: { name: string; chainId: number; oracle: string }, a: Attested): ReportPayload {
  const r = a.report;
  const tuple = [r.topicId, r.value, r.nonce, r.timestamp];
  return {
    chain: chain.name,
    chain_id: chain.chainId,
    oracle: chain.oracle,
    topic_id: Number(r.topicId),
    value: r.value.toString(),
    value_decimal: formatFixed18(r.value),
    nonce: Number(r.nonce),
    timestamp: Number(r.timestamp),
    attester_set_id: Number(a.setId),
    signers: a.signers,
    signatures: a.signatures,
    calldata: {
      verifyAndStore: ORACLE.encodeFunctionData("verifyAndStore", [tuple, a.signatures]),
      verifyReport: ORACLE.encodeFunctionData("verifyReport", [tuple, a.signatures]),
      verifyReportNoOlderThanStored: ORACLE.encodeFunctionData("verifyReportNoOlderThanStored", [tuple, a.signatures]),
      submit: ORACLE.encodeFunctionData("submit", [packReports([r]), a.signatures]),
    },
  };
}

/**
 * The shape of Allora's consumer API (`GET {base}/allora/consumer/{format}?allora_topic_id=T`, as
 * @alloralabs/allora-sdk's `getInferenceByTopicID` reads it), carrying our attested report: `signature` is the
 * attester set's combined signatures, and `allora_evm` holds the full payload with calldata.
 */
export function alloraConsumerInference(p: ReportPayload): {
  signature: string;
  inference_data: Record<string, unknown>;
  allora_evm: ReportPayload;
} {
  return {
    signature: p.signatures,
    inference_data: {
      network_inference: p.value,
      network_inference_normalized: p.value_decimal,
      confidence_interval_percentiles: [],
      confidence_interval_percentiles_normalized: [],
      confidence_interval_values: [],
      confidence_interval_values_normalized: [],
      topic_id: String(p.topic_id),
      timestamp: p.timestamp,
      extra_data: p.calldata.verifyAndStore,
    },
    allora_evm: p,
  };
}
