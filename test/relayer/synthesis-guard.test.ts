/**
 * The synthesis guard (relayer/attest/synthesis-guard.ts): modes, the filter before batching (the other
 * topics keep flowing), the attester's refusal, the hold per (topic, chain) and its release, one fetch per
 * (topic, nonce) and a second try when the hub could not answer.
 */
import { expect } from "chai";
import pino from "pino";
import { Writable } from "node:stream";
import { SynthesisGuard, VerifyMode } from "../../relayer/attest/synthesis-guard";
import type { SynthesisMaterial } from "../../relayer/attest/synthesis-source";
import { Dec } from "../../synthesis";
import type { HubInference } from "../../relayer/hub/events";

/** A two-inferer bundle whose combined value is their mean when `honest`, the mean + 1 otherwise. */
function material(honest: boolean): SynthesisMaterial {
  const zero = { value: new Dec(0), hasPrior: false };
  return {
    bundle: {
      combinedValue: honest ? "15" : "16",
      naiveValue: "0",
      infererValues: [
        { worker: "a", value: "10" },
        { worker: "b", value: "20" },
      ],
      forecasterValues: [],
    },
    // no stored regret, no scale: the chain's first epoch (the median of the inferences, naive 0)
    inputs: { params: { pNorm: new Dec(3), cNorm: new Dec("0.75"), epsilon: new Dec("0.0001") }, initialRegret: new Dec(0), regretScale: new Dec(0), inferer: new Map([["a", zero], ["b", zero]]), forecaster: new Map(), naiveInferer: new Map([["a", zero], ["b", zero]]) },
  };
}

const inf = (topicId: number, nonce: number): HubInference => ({ topicId, nonce: BigInt(nonce), raw: "15", value: 15n, timestamp: 0 });

function setup(modes: Record<number, VerifyMode>, bad: Set<string>, down = new Set<string>()) {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "debug" }, new Writable({ write: (c, _e, cb) => (lines.push(JSON.parse(String(c))), cb()) }));
  const fetches: string[] = [];
  const held: string[] = [];
  let mismatches = 0;
  const guard = new SynthesisGuard({
    modeOf: (t) => modes[t] ?? "off",
    fetch: async (t, n) => {
      const key = `${t}:${n}`;
      fetches.push(key);
      if (down.has(key)) throw new Error("connection refused");
      return material(!bad.has(key));
    },
    log,
    onMismatch: () => mismatches++,
    onHeld: (c, t, h) => held.push(`${c}|${t}|${h ? 1 : 0}`),
  });
  return { guard, lines, fetches, held, mismatches: () => mismatches };
}

describe("synthesis guard (verify modes, hold and release)", () => {
  it("strict: leaves the bad topic out of the batch, the others flow; holds it per chain, then releases it", async () => {
    const s = setup({ 1: "strict", 2: "strict" }, new Set(["1:10", "1:11"]));
    expect((await s.guard.admit(["eth", "bnb"], [inf(1, 10), inf(2, 10)])).map((i) => i.topicId)).to.deep.equal([2]);
    expect(s.guard.isHeld("eth", 1) && s.guard.isHeld("bnb", 1)).to.equal(true);
    expect(await s.guard.checkJob("eth", [{ topicId: 1, nonce: "10", value: "16", timestamp: 0 }] as never)).to.match(/combined_value: the hub says 16, its parts and regrets make 15/);
    expect((await s.guard.admit(["eth", "bnb"], [inf(1, 11), inf(2, 11)])).map((i) => i.topicId)).to.deep.equal([2]);
    expect((await s.guard.admit(["eth", "bnb"], [inf(1, 12), inf(2, 12)])).map((i) => i.topicId)).to.deep.equal([1, 2]);
    expect(s.guard.isHeld("eth", 1)).to.equal(false);
    expect(s.held).to.deep.equal(["eth|1|1", "bnb|1|1", "eth|1|0", "bnb|1|0"]);
    expect(s.mismatches()).to.equal(2);
    const alert = s.lines.find((l) => l.alert === "synthesis_mismatch")!;
    expect(alert).to.include({ topicId: 1, nonce: "10", part: "combined_value", hubValue: "16", attesterValue: "15" });
    expect(s.lines.filter((l) => /topic released/.test(String(l.msg)))).to.have.length(2);
    // one fetch per (topic, nonce), however many chains and callers ask
    expect(s.fetches.filter((k) => k === "1:10")).to.have.length(1);
  });

  it("warn logs and counts but lets it through; off does not even fetch", async () => {
    const s = setup({ 1: "warn", 2: "off" }, new Set(["1:10", "2:10"]));
    expect((await s.guard.admit(["eth"], [inf(1, 10), inf(2, 10)])).map((i) => i.topicId)).to.deep.equal([1, 2]);
    expect(s.mismatches()).to.equal(1);
    expect(s.guard.isHeld("eth", 1)).to.equal(false);
    expect(s.fetches).to.deep.equal(["1:10"]);
  });

  it("strict refuses what it cannot check, and asks the hub again next time", async () => {
    const down = new Set(["1:10"]);
    const s = setup({ 1: "strict" }, new Set(), down);
    expect(await s.guard.checkJob("eth", [{ topicId: 1, nonce: "10" }] as never)).to.match(/could not run \(connection refused\)/);
    down.clear();
    await new Promise((r) => setImmediate(r));
    expect(await s.guard.checkJob("eth", [{ topicId: 1, nonce: "10" }] as never)).to.equal(undefined);
    expect(s.fetches).to.deep.equal(["1:10", "1:10"]);
  });
});
