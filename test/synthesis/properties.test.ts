import { expect } from "chai";
import fc from "fast-check";
import { seeded } from "../fc-seed";
import { spawnSync } from "child_process";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import {
  Dec,
  EpochSubmissions,
  decString,
  defaultTopicParams,
  TopicParams,
  emptyRegretState,
  reputerLosses,
  synthesize,
  updateRegrets,
  weightsFromRegrets,
} from "../../synthesis";

// These tests pin the released v0.5.0 rules (kept behind chainVersion "v0.5"); current-rules.test.ts covers the default.
const P: TopicParams = { ...defaultTopicParams(), chainVersion: "v0.5" };
const decArb = fc.integer({ min: -100000, max: 100000 }).map((n) => new Dec(n).div(100));

function history(
  seed: number,
  epochs: number,
  workers: string[],
  forecasters: string[],
): { subs: EpochSubmissions[]; truths: Dec[] } {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const subs: EpochSubmissions[] = [];
  const truths: Dec[] = [];
  for (let t = 0; t < epochs; t++) {
    const truth = new Dec((rnd() * 20).toFixed(6));
    truths.push(truth);
    subs.push({
      inferences: new Map(workers.map((w, j) => [w, truth.plus(((rnd() - 0.5) * (j + 1)).toFixed(6))])),
      forecasts: new Map(
        forecasters.map((k) => [k, new Map(workers.map((w) => [w, new Dec((rnd() * 2 - 1).toFixed(4))]))]),
      ),
    });
  }
  return { subs, truths };
}

describe("synthesis: properties", () => {
  it("weights are in [0, p] for any regrets", () => {
    fc.assert(
      fc.property(fc.array(decArb, { minLength: 1, maxLength: 8 }), (rs) => {
        for (const w of weightsFromRegrets(rs, P)) {
          expect(w.gte(0) && w.lte(P.pNorm)).to.equal(true);
        }
      }),
      seeded({ numRuns: 60 }),
    );
  });

  it("the network inference lies within the range of the values it combines, whatever the history", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 2, max: 4 }), (seed, n) => {
        const workers = ["w0", "w1", "w2", "w3"].slice(0, n);
        const { subs, truths } = history(seed, 4, workers, ["f0", "f1"]);
        let state = emptyRegretState();
        subs.forEach((s, t) => {
          const b = synthesize(s, state, P, { variants: false });
          const all = [...b.infererValues, ...b.forecasterValues].map((x) => x.value);
          const lo = Dec.min(...all);
          const hi = Dec.max(...all);
          expect(b.combinedValue.gte(lo.minus("1e-30")) && b.combinedValue.lte(hi.plus("1e-30"))).to.equal(
            true,
          );
          expect(b.naiveValue.gte(lo.minus("1e-30")) && b.naiveValue.lte(hi.plus("1e-30"))).to.equal(true);
          state = updateRegrets(state, reputerLosses(b, truths[t], P), P);
        });
      }),
      seeded({ numRuns: 15 }),
    );
  });

  it("the order in which workers are given does not matter", () => {
    const { subs, truths } = history(42, 3, ["a", "b", "c"], ["f", "g"]);
    const reversed = subs.map((s) => ({
      inferences: new Map([...s.inferences].reverse()),
      forecasts: new Map([...s.forecasts].reverse().map(([k, m]) => [k, new Map([...m].reverse())])),
    }));
    let s1 = emptyRegretState();
    let s2 = emptyRegretState();
    for (let t = 0; t < subs.length; t++) {
      const b1 = synthesize(subs[t], s1, P);
      const b2 = synthesize(reversed[t], s2, P);
      expect(decString(b1.combinedValue)).to.equal(decString(b2.combinedValue));
      expect(b1.oneOutInfererValues.map((x) => decString(x.value))).to.deep.equal(
        b2.oneOutInfererValues.map((x) => decString(x.value)),
      );
      s1 = updateRegrets(s1, reputerLosses(b1, truths[t], P), P);
      s2 = updateRegrets(s2, reputerLosses(b2, truths[t], P), P);
    }
  });
});

describe("npm run synthesize (CLI, end to end)", function () {
  this.timeout(120000);
  const dir = mkdtempSync(join(tmpdir(), "synth-cli-"));
  const run = (lines: string[], args: string[] = []): { code: number | null; out: string[]; err: string } => {
    const file = join(dir, `in-${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(file, lines.join("\n") + "\n");
    const r = spawnSync(
      process.execPath,
      [
        require.resolve("ts-node/dist/bin"),
        "--transpile-only",
        join(__dirname, "../../scripts/synthesize.ts"),
        "--input",
        file,
        ...args,
      ],
      {
        encoding: "utf8",
      },
    );
    return { code: r.status, out: r.stdout.split("\n").filter((l) => l.length > 0), err: r.stderr };
  };

  it("replays the reference scenario: network and naive match the Python reference, then a summary line", () => {
    const r = run(
      [
        '{"epoch": 1, "truth": 11, "inferences": {"a": 10, "b": 12, "c": 15}, "forecasts": {"f1": {"a": -1, "b": 0.2, "c": 1}, "f2": {"b": -0.5}}}',
        '{"epoch": 2, "truth": 12, "inferences": {"a": 11.5, "b": 12.5, "c": 9}, "forecasts": {"f1": {"a": -0.3, "b": 0.1, "c": 0.9}, "f2": {"b": -0.2, "c": 0.4}}}',
      ],
      ["--chain-version", "v0.5"],
    );
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.have.length(3);
    const e2 = JSON.parse(r.out[1]);
    // python reference in network.test.ts, epoch 2
    expect(e2.network).to.equal("12.01106898148508899783317007668297");
    expect(e2.naive).to.equal("11.98916966308150602849914036289606");
    expect(Object.keys(e2.weights)).to.deep.equal(["a", "b", "c"]);
    const s = JSON.parse(r.out[2]).summary;
    // scored epoch 2 only: mean of inferences 11 -> (12 - 11)^2 = 1; median 11.5 -> 0.25; best single b: 0.25
    expect(s.loss.mean).to.equal(1);
    expect(s.loss.median).to.equal(0.25);
    expect(s.loss.best_single).to.equal(0.25);
    expect(s.loss.network).to.be.closeTo((12 - 12.01106898148509) ** 2, 1e-12);
  });

  it("rejects an unknown --chain-version, naming the supported ones", () => {
    const r = run(['{"epoch": 1, "truth": 1, "inferences": {"a": 1}}'], ["--chain-version", "v9"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/chainVersion: "v9" is not supported; use one of current, v0.5/);
  });

  it("names the line and the field of a bad value, exit code 1", () => {
    const r = run([
      '{"epoch": 1, "truth": 1, "inferences": {"a": 1, "b": 2}}',
      '{"epoch": 2, "truth": 1, "inferences": {"a": 1, "b": "NaN"}}',
    ]);
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/line 2: field inferences\.b: "NaN" is not a finite decimal/);
  });

  it("rejects bad options with exit code 2", () => {
    const r = run(['{"epoch": 1, "truth": 1, "inferences": {"a": 1}}'], ["--p-norm", "abc"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/--p-norm: "abc" is not a finite decimal/);
  });
});
