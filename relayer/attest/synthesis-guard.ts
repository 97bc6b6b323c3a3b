/**
 * Verifiable synthesis in the relayer: per (topic, nonce) one verdict (memoized), used twice:
 *  - before scheduling (admit): in strict mode a topic whose bundle does not add up is left out of the
 *    batch, so the other topics of the epoch keep flowing;
 *  - before signing (checkJob): an attester refuses a job (also one another instance scheduled) that
 *    carries such a report.
 * A mismatch holds the topic on each chain it was refused for, until a later nonce of the topic agrees
 * again (then it is released; a log line and the gauge say so). Modes per topic: strict (refuse), warn
 * (log and count, sign anyway), off (no check).
 */
import type { Logger } from "pino";
import type { HubInference } from "../hub/events";
import type { JobReport } from "../queue/jobs";
import { checkBundle, SynthesisVerdict } from "./synthesis-check";
import type { SynthesisMaterial } from "./synthesis-source";
import { trimOldest } from "./bounded";

export type VerifyMode = "strict" | "warn" | "off";

export type SynthesisOutcome =
  | { status: "agree" }
  | { status: "mismatch"; verdict: Extract<SynthesisVerdict, { ok: false }> }
  | { status: "unavailable"; error: string };

export interface SynthesisGuardOptions {
  modeOf(topicId: number): VerifyMode;
  fetch(topicId: number, nonce: bigint): Promise<SynthesisMaterial>;
  log: Logger;
  onMismatch?(topicId: number): void;
  onHeld?(chain: string, topicId: number, held: boolean): void;
  /** CPU time of one re-derivation (the pure part; the queries are I/O) */
  onChecked?(topicId: number, seconds: number): void;
}

const MEMORY = 20_000;

export class SynthesisGuard {
  private readonly verdicts = new Map<string, Promise<SynthesisOutcome>>();
  /** `${chain}|${topic}` -> the nonce that put it on hold */
  private readonly held = new Map<string, bigint>();

  constructor(private readonly o: SynthesisGuardOptions) {}

  /** The verdict for (topic, nonce); fetched and checked once (an unavailable hub is asked again next time). */
  verdict(topicId: number, nonce: bigint): Promise<SynthesisOutcome> {
    const key = `${topicId}:${nonce}`;
    let p = this.verdicts.get(key);
    if (!p) {
      p = this.run(topicId, nonce);
      this.verdicts.set(key, p);
      trimOldest(this.verdicts, MEMORY);
      void p.then((v) => {
        if (v.status === "unavailable") this.verdicts.delete(key);
      });
    }
    return p;
  }

  private async run(topicId: number, nonce: bigint): Promise<SynthesisOutcome> {
    let material: SynthesisMaterial;
    try {
      material = await this.o.fetch(topicId, nonce);
    } catch (e) {
      const error = (e as Error).message;
      this.o.log.warn({ topicId, nonce: nonce.toString(), err: error }, "synthesis check: could not fetch the bundle and regrets at that height");
      return { status: "unavailable", error };
    }
    const t0 = process.cpuUsage();
    const verdict = checkBundle(material.bundle, material.inputs);
    const used = process.cpuUsage(t0);
    this.o.onChecked?.(topicId, (used.user + used.system) / 1e6);
    if (verdict.ok) return { status: "agree" };
    this.o.onMismatch?.(topicId);
    this.o.log.error(
      { alert: "synthesis_mismatch", topicId, nonce: nonce.toString(), part: verdict.part, hubValue: verdict.hub, attesterValue: verdict.ours, mode: this.o.modeOf(topicId) },
      `the hub's bundle does not add up: ${verdict.problem}`,
    );
    return { status: "mismatch", verdict };
  }

  private hold(chain: string, topicId: number, nonce: bigint): void {
    const key = `${chain}|${topicId}`;
    if (!this.held.has(key)) {
      this.o.log.warn({ chain, topicId, nonce: nonce.toString() }, "topic held on this chain until the hub and the attester agree again");
      this.o.onHeld?.(chain, topicId, true);
    }
    this.held.set(key, nonce);
  }

  private release(chain: string, topicId: number, nonce: bigint): void {
    const key = `${chain}|${topicId}`;
    const since = this.held.get(key);
    if (since === undefined || nonce <= since) return;
    this.held.delete(key);
    this.o.log.info({ chain, topicId, nonce: nonce.toString(), heldSince: since.toString() }, "the hub and the attester agree again; topic released");
    this.o.onHeld?.(chain, topicId, false);
  }

  isHeld(chain: string, topicId: number): boolean {
    return this.held.has(`${chain}|${topicId}`);
  }

  /**
   * Whether (topic, nonce) may be relayed on `chain`: undefined when yes, else why not. Warn mode logs
   * (once per nonce, in verdict) and lets it through.
   */
  async decide(chain: string, topicId: number, nonce: bigint): Promise<string | undefined> {
    const mode = this.o.modeOf(topicId);
    if (mode === "off") return undefined;
    const v = await this.verdict(topicId, nonce);
    if (v.status === "agree") {
      this.release(chain, topicId, nonce);
      return undefined;
    }
    if (mode === "warn") return undefined;
    if (v.status === "unavailable") return `topic ${topicId} nonce ${nonce}: the synthesis check could not run (${v.error}); strict mode signs nothing it cannot check`;
    this.hold(chain, topicId, nonce);
    return `topic ${topicId} nonce ${nonce}: ${v.verdict.problem}`;
  }

  /** The inferences of a hub block that may be scheduled on every one of `chains` (strict drops the others). */
  async admit(chains: readonly string[], inferences: readonly HubInference[]): Promise<HubInference[]> {
    const admitted = await Promise.all(
      inferences.map(async (inf) => {
        const problems = await Promise.all(chains.map((c) => this.decide(c, inf.topicId, inf.nonce)));
        return problems.every((p) => p === undefined);
      }),
    );
    return inferences.filter((_, i) => admitted[i]);
  }

  /** Undefined when every report of a job may be signed for `chain`; else the first problem. */
  async checkJob(chain: string, reports: readonly JobReport[]): Promise<string | undefined> {
    const problems = await Promise.all(reports.map((r) => this.decide(chain, r.topicId, BigInt(r.nonce))));
    return problems.find((p) => p !== undefined);
  }
}
