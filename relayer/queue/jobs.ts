/**
 * Job shapes and deterministic ids. One queue per chain (`post-<chain>`); one job per chain per hub
 * height whose epoch(s) closed (id `<chain>.h<height>`; more due topics than one transaction holds make
 * more jobs, `<chain>.h<height>.1`, `.2`, ...: scheduler.ts), plus start-up sweeps (`<chain>.sweep.<height>`)
 * and paid-request fast paths (`<chain>.req.<requestId>`). Which (topic, nonce) goes into which job is
 * decided by the claim table (claims.ts), so each (topic, nonce, chain) is in exactly one job.
 */
import type { SentTx } from "../submit/sender";

export interface JobReport {
  topicId: number;
  /** 18-decimal fixed point, decimal string (JSON has no bigint) */
  value: string;
  /** hub nonce, decimal string */
  nonce: string;
  /** hub block time, Unix seconds */
  timestamp: number;
  /** unserved payment for the topic on this chain, wei as decimal string ("0" when none) */
  paid: string;
}

export interface PostJobData {
  chain: string;
  /** the hub height (or sweep height) the job was made at */
  hubHeight: number;
  /** wall-clock ms when the hub block was seen (for the latency figure) */
  seenAt: number;
  reports: JobReport[];
  /** signed transactions, journaled before broadcast (see submit/sender.ts) */
  sent?: SentTx[];
}

export interface PostJobResult {
  txHash: string;
  blockNumber: number;
  gasUsed: string;
  updated: number;
  skipped: number;
}

export const queueName = (chain: string) => `post-${chain}`;
// BullMQ reserves ':' in custom ids, hence the dots.
export const epochJobId = (chain: string, height: number) => `${chain}.h${height}`;
export const sweepJobId = (chain: string, height: number) => `${chain}.sweep.${height}`;
export const requestJobId = (chain: string, requestId: bigint) => `${chain}.req.${requestId}`;

/** Paid jobs get BullMQ priority 1; every other job the same low priority, so they stay FIFO among themselves. */
export const PRIORITY_PAID = 1;
export const PRIORITY_NORMAL = 1_000;
