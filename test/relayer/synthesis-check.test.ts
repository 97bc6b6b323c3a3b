/**
 * The attester's synthesis check (relayer/attest/synthesis-check.ts): re-derived from the parts and the
 * regrets the synthesis used, honest bundles agree epoch after epoch (first epoch's median, weighted
 * epochs); a changed combined value, altered parts, a changed naive value and unreadable parts do not.
 */
import { expect } from "chai";
import { checkBundle, HubRegret, SynthesisInputs, agrees } from "../../relayer/attest/synthesis-check";
import { Dec, parseDec } from "../../synthesis";
import { TopicSimulation, RegretSnapshot } from "../../devnet/hub/simulation/participants";
import { toValueBundleBase } from "../../devnet/hub/simulation/bundle";
import { defaultConfig } from "../devnet/helpers";
import { parseConfig } from "../../devnet/hub/config";
import type { ValueBundle } from "../../lib/allora-proto";

/** What the hub's regret queries would answer for the bundle's workers (as relayer/attest/synthesis-source.ts builds it). */
function inputsOf(b: ValueBundle, snap: RegretSnapshot, sim: TopicSimulation): SynthesisInputs {
  const initial = parseDec(snap.initialRegret, "initial");
  const pick = (rec: Record<string, string>, workers: string[]) =>
    new Map<string, HubRegret>(workers.map((w) => [w, rec[w] !== undefined ? { value: parseDec(rec[w], w), hasPrior: true } : { value: initial, hasPrior: false }]));
  const inferers = b.infererValues.map((x) => x.worker);
  return {
    params: { pNorm: sim.params.pNorm, cNorm: sim.params.cNorm, epsilon: sim.params.epsilon },
    initialRegret: initial,
    regretScale: parseDec(snap.regretScale, "scale"),
    inferer: pick(snap.inferer, inferers),
    forecaster: pick(snap.forecaster, b.forecasterValues.map((x) => x.worker)),
    naiveInferer: pick(snap.naiveInferer, inferers),
  };
}

describe("synthesis check (attester re-derives combined_value)", function () {
  this.timeout(60_000);
  const topic = parseConfig(defaultConfig()).topics[0];
  const epochs: { bundle: ValueBundle; inputs: SynthesisInputs }[] = [];

  before(() => {
    const sim = new TopicSimulation(topic, "allo", "allora-devnet-1", false);
    for (let i = 0; i < 15; i++) {
      const out = sim.step();
      const bundle = toValueBundleBase(out.bundle);
      epochs.push({ bundle, inputs: inputsOf(bundle, out.regrets, sim) });
    }
  });

  it("agrees with every honest bundle: the first epoch's median and the regret-weighted epochs after it", () => {
    expect(epochs[0].bundle.infererValues.length).to.be.greaterThan(1);
    expect(epochs[12].bundle.forecasterValues.length).to.be.greaterThan(0);
    expect(epochs[0].bundle.naiveValue).to.equal("0"); // the first epoch: no network loss yet
    for (const [i, e] of epochs.entries()) {
      const v = checkBundle(e.bundle, e.inputs);
      expect(v, `epoch ${i + 1}`).to.deep.include({ ok: true });
      if (v.ok) expect(v.combined).to.equal(e.bundle.combinedValue); // exact here: same engine, same digits
    }
    // and the weighted epochs are really weighted (not a plain mean): weights moved the value
    const late = epochs[14].bundle;
    const mean = late.infererValues.reduce((s, x) => s.add(x.value), new Dec(0)).div(late.infererValues.length);
    expect(agrees(mean, parseDec(late.combinedValue, "c"))).to.equal(false);
  });

  it("agrees within the chain's rounding (last digits) and not beyond it", () => {
    const e = epochs[10];
    const c = parseDec(e.bundle.combinedValue, "c");
    const nudged = c.add(c.abs().mul("1e-28")).toFixed();
    expect(checkBundle({ ...e.bundle, combinedValue: nudged }, e.inputs).ok).to.equal(true);
    const off = c.add(c.abs().mul("1e-15")).toFixed();
    const v = checkBundle({ ...e.bundle, combinedValue: off }, e.inputs);
    expect(v).to.deep.include({ ok: false, part: "combined_value", hub: off, ours: e.bundle.combinedValue });
  });

  it("refuses a combined value that was not made from the parts (the devnet's 'inconsistent' fault: +1%)", () => {
    for (const e of [epochs[0], epochs[3], epochs[12]]) {
      const bad = parseDec(e.bundle.combinedValue, "c").mul("1.01").toFixed();
      const v = checkBundle({ ...e.bundle, combinedValue: bad }, e.inputs);
      expect(v.ok).to.equal(false);
      if (!v.ok) {
        expect(v.part).to.equal("combined_value");
        expect(v.hub).to.equal(bad);
        expect(v.ours).to.equal(e.bundle.combinedValue);
        expect(v.problem).to.contain(bad);
      }
    }
  });

  it("refuses a bundle whose parts were altered under an unchanged combined value", () => {
    for (const e of [epochs[1], epochs[12]]) {
      const altered = { ...e.bundle, infererValues: e.bundle.infererValues.map((x) => ({ ...x, value: parseDec(x.value, "v").mul("1.01").toFixed() })) };
      const v = checkBundle(altered, e.inputs);
      expect(v.ok).to.equal(false);
      if (!v.ok) expect(v.part).to.equal("combined_value");
    }
  });

  it("names the naive value when only it differs, and an unreadable part by its worker", () => {
    const e = epochs[12];
    const v = checkBundle({ ...e.bundle, naiveValue: parseDec(e.bundle.naiveValue, "n").add(1).toFixed() }, e.inputs);
    expect(v).to.deep.include({ ok: false, part: "naive_value" });
    const w = e.bundle.infererValues[1].worker;
    const broken = { ...e.bundle, infererValues: e.bundle.infererValues.map((x) => (x.worker === w ? { ...x, value: "NaN" } : x)) };
    const u = checkBundle(broken, e.inputs);
    expect(u).to.deep.include({ ok: false, part: `inferer_values[${w}]`, hub: "NaN" });
  });

  it("a regret the hub changed makes the hub's own value disagree (the rule, not only the value, is checked)", () => {
    const e = epochs[12];
    const [w, r] = [...e.inputs.inferer][0];
    const inferer = new Map(e.inputs.inferer);
    inferer.set(w, { ...r, value: r.value.add(5) });
    expect(checkBundle(e.bundle, { ...e.inputs, inferer }).ok).to.equal(false);
  });
});
