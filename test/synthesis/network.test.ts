/*
 * Independent Python reference (python3, stdlib decimal) that produced the expected values below.
 * It is written from the hub's algorithm (allora-hub.md), not from this engine's code or output.
 *
 * # Independent reference for the synthesis vectors, written from the hub's algorithm (allora-hub.md), not
 * # from the TypeScript engine. Python's decimal: +,-,* and / honour the context rounding; exp/ln/log10/sqrt
 * # always round half-even, so they are computed at 60 digits and truncated to 34 significant digits.
 * from decimal import Decimal as D, Context, ROUND_DOWN, localcontext
 * P34 = Context(prec=34, rounding=ROUND_DOWN)
 * EXACT = Context(prec=2000, rounding=ROUND_DOWN)
 * HI = Context(prec=60)
 * def trunc34(x):  # truncate to 34 significant digits
 *     return P34.plus(x)
 * def add(a,b): return EXACT.add(a,b)
 * def sub(a,b): return EXACT.subtract(a,b)
 * def mul(a,b): return P34.multiply(a,b)
 * def quo(a,b): return P34.divide(a,b)
 * def exp(x): return trunc34(HI.exp(x))
 * def log10(x): return trunc34(HI.log10(x))
 * def sqrt(x): return trunc34(HI.sqrt(x))
 * def stddev(xs):
 *     if len(xs)==1: return D(0)
 *     n=D(len(xs)); s=D(0)
 *     for x in xs: s=add(s,x)
 *     mean=quo(s,n); acc=D(0)
 *     for x in xs:
 *         d=sub(x,mean); acc=add(acc,mul(d,d))
 *     return sqrt(quo(acc,sub(n,D(1))))
 * p=D(3); c=D('0.75'); eps=D('0.0001'); alpha=D('0.1')
 * cap=add(c,quo(D('6.75'),p)); shift=sub(c,quo(D('8.25'),p)); zero=sub(c,quo(D('17.25'),p))
 * def grad(x): return quo(p, add(D(1), exp(mul(p, sub(c,x)))))
 * def wfn(r, mx):
 *     if r>cap: r=cap
 *     if mx<shift: r=add(sub(r,mx),shift)
 *     if r<zero: return D(0)
 *     return grad(r)
 * def weights(rs):
 *     scale=add(stddev(rs).copy_abs(),eps)
 *     n=[quo(r,scale) for r in rs]; mx=max(n)
 *     return [wfn(r,mx) for r in n]
 * def median(xs):
 *     s=sorted(xs); k=len(s)
 *     return s[k//2] if k%2 else quo(add(s[k//2-1],s[k//2]),D(2))
 * def ema(cur, prev):
 *     if prev is None or cur==prev: return cur
 *     return add(mul(alpha,cur), mul(sub(D(1),alpha),prev))
 * def fi(infs, fc, allnew, lprev):
 *     cov=sorted(j for j in fc if j in infs)
 *     if not cov: return None
 *     if allnew: return median([infs[j] for j in cov])
 *     ws=[D(1)] if len(cov)==1 else weights([sub(lprev,fc[j]) for j in cov])
 *     num=D(0); den=D(0)
 *     for j,w in zip(cov,ws):
 *         if w==0: continue
 *         num=add(num,mul(w,infs[j])); den=add(den,w)
 *     return None if den==0 else quo(num,den)
 * def combine(inf, fcs):  # lists of (worker, value, regret, hasPrior)
 *     if all(not m[3] for m in inf):
 *         s=D(0)
 *         for m in inf: s=add(s,m[1])
 *         return quo(s,D(len(inf)))
 *     allfnew=all(not m[3] for m in fcs)
 *     mem=inf+fcs; ws=weights([m[2] for m in mem])
 *     num=D(0); den=D(0)
 *     for i,(m,w) in enumerate(zip(mem,ws)):
 *         if not m[3]: w = D(1) if (i>=len(inf) and allfnew and w!=0) else D(0)
 *         if w==0: continue
 *         num=add(num,mul(w,m[1])); den=add(den,w)
 *     if den<eps: den=eps
 *     return quo(num,den)
 * def loss(truth, v):
 *     d=sub(truth,v); raw=mul(d,d)
 *     if raw < D('1e-18'): raw=D('1e-18')  # MIN_RAW_LOSS floor
 *     return log10(raw)
 * def initial(rs):
 *     m=min(rs); off=sub(c,quo(D('8.25'),p))
 *     return add(m, mul(off, add(stddev(rs),eps)))
 *
 * # ---- variants.py: the 3-epoch scenario below, every variant, regrets updated as the hub does ----
 * # full variant bookkeeping for the first two epochs of the scenario
 * S={'inf':{},'fc':{},'naive':{},'ooi_i':{},'ooi_f':{},'oof_i':{},'oof_f':{},'oin_i':{},'oin_self':{}}
 * init=None; lprev=None
 * def g(m,*ks):
 *     for k in ks:
 *         m=m.get(k,{}) if isinstance(m,dict) else {}
 *     return m
 * for n,(infs,fcs,truth) in enumerate(epochs[:3],1):
 *     I=sorted(infs); start=init if init is not None else D(0)
 *     newness=lambda ws: all(w not in S['inf'] for w in ws)
 *     mem=lambda regs,w,v:(w,v,regs.get(w,start),w in regs)
 *     fis={}
 *     for k in sorted(fcs):
 *         v=fi(infs,fcs[k],newness(I),lprev)
 *         if v is not None: fis[k]=v
 *     F=sorted(fis)
 *     comb=combine([mem(S['inf'],j,infs[j]) for j in I],[mem(S['fc'],k,fis[k]) for k in F])
 *     naive=combine([mem(S['naive'],j,infs[j]) for j in I],[])
 *     ooi={}; ooif={}
 *     for jo in I:
 *         rem=[j for j in I if j!=jo]; ri={j:infs[j] for j in rem}
 *         fo={}
 *         for k in sorted(fcs):
 *             v=fi(ri,fcs[k],newness(rem),lprev)
 *             if v is not None: fo[k]=v; ooif.setdefault(k,{})[jo]=v
 *         ooi[jo]=combine([mem(S['ooi_i'].get(jo,{}),j,infs[j]) for j in rem],[mem(S['ooi_f'].get(jo,{}),k,fo[k]) for k in sorted(fo)])
 *     oof={ko:combine([mem(S['oof_i'].get(ko,{}),j,infs[j]) for j in I],[mem(S['oof_f'].get(ko,{}),k,fis[k]) for k in F if k!=ko]) for ko in F}
 *     oin={ki:combine([mem(S['oin_i'].get(ki,{}),j,infs[j]) for j in I],[mem(S['oin_self'],ki,fis[ki])]) for ki in F} if len(F)>1 else {}
 *     print(f"epoch {n}: combined={comb} naive={naive}")
 *     print("  oneOutInferer", {k:str(v) for k,v in ooi.items()})
 *     print("  oneOutForecaster", {k:str(v) for k,v in oof.items()})
 *     print("  oneIn", {k:str(v) for k,v in oin.items()})
 *     print("  oneOutInfererForecaster", {k:{j:str(v) for j,v in m.items()} for k,m in ooif.items()})
 *     Lf=lambda v: loss(truth,v)
 *     L=Lf(comb); LN=Lf(naive); Lj={j:Lf(infs[j]) for j in I}; Lk={k:Lf(fis[k]) for k in F}
 *     sp=init; exp_=[]
 *     def st(m,key,a,b):
 *         m[key]=ema(sub(a,b), m.get(key,sp)); return m[key]
 *     for j in I:
 *         had=j in S['inf']; r=st(S['inf'],j,L,Lj[j]);
 *         if had: exp_.append(r)
 *     for k in F:
 *         had=k in S['fc']; r=st(S['fc'],k,L,Lk[k])
 *         if had: exp_.append(r)
 *     for j in I: st(S['naive'],j,LN,Lj[j])
 *     for jo in I:
 *         lo=Lf(ooi[jo])
 *         for j in I: st(S['ooi_i'].setdefault(jo,{}),j,lo,Lj[j])
 *         for k in sorted(ooif):
 *             if jo in ooif[k]: st(S['ooi_f'].setdefault(jo,{}),k,lo,Lf(ooif[k][jo]))
 *     for ko in F:
 *         lo=Lf(oof[ko])
 *         for j in I: st(S['oof_i'].setdefault(ko,{}),j,lo,Lj[j])
 *         for k in F: st(S['oof_f'].setdefault(ko,{}),k,lo,Lk[k])
 *     for ki in oin:
 *         li=Lf(oin[ki])
 *         for j in I: st(S['oin_i'].setdefault(ki,{}),j,li,Lj[j])
 *         st(S['oin_self'],ki,li,Lk[ki])
 *     if exp_: init=initial(exp_)
 *     lprev=L
 */
import { expect } from "chai";
import Decimal from "decimal.js";
import {
  Dec,
  EpochSubmissions,
  NetworkBundle,
  RegretState,
  SynthesisInputError,
  decString,
  defaultTopicParams,
  TopicParams,
  emptyRegretState,
  parseDec,
  regretStateToJSON,
  reputerLosses,
  synthesize,
  updateRegrets,
  bundleToValueBundleJSON,
  weightsToJSON,
} from "../../synthesis";

const d = (s: string | number): Dec => new Dec(s);
// These tests pin the released v0.5.0 rules (kept behind chainVersion "v0.5"); current-rules.test.ts covers the default.
const P: TopicParams = { ...defaultTopicParams(), chainVersion: "v0.5" };

function subs(
  inf: Record<string, string>,
  fc: Record<string, Record<string, string>> = {},
): EpochSubmissions {
  return {
    inferences: new Map(Object.entries(inf).map(([k, v]) => [k, parseDec(v, k)])),
    forecasts: new Map(
      Object.entries(fc).map(([k, m]) => [
        k,
        new Map(Object.entries(m).map(([j, v]) => [j, parseDec(v, `${k}/${j}`)])),
      ]),
    ),
  };
}
const vals = (xs: { worker: string; value: Dec }[]): Record<string, string> =>
  Object.fromEntries(xs.map((x) => [x.worker, decString(x.value)]));

// The scenario of the Python reference: "d" joins at epoch 3; f2 forecasts only some inferers.
const EPOCHS: [Record<string, string>, Record<string, Record<string, string>>, string][] = [
  [{ a: "10", b: "12", c: "15" }, { f1: { a: "-1", b: "0.2", c: "1" }, f2: { b: "-0.5" } }, "11"],
  [
    { a: "11.5", b: "12.5", c: "9" },
    { f1: { a: "-0.3", b: "0.1", c: "0.9" }, f2: { b: "-0.2", c: "0.4" } },
    "12",
  ],
  [
    { a: "13", b: "12.2", c: "14", d: "12.9" },
    { f1: { a: "0.5", b: "-0.4", c: "0.3", d: "-1" }, f2: { a: "0.1", b: "-0.6" } },
    "12.6",
  ],
];

const EXPECTED = [
  {
    combined: "12.33333333333333333333333333333333",
    naive: "12.33333333333333333333333333333333",
    forecasters: { f1: "12", f2: "12" },
    oneOutInferer: { a: "13.5", b: "12.5", c: "11" },
    oneOutForecaster: {
      f1: "12.33333333333333333333333333333333",
      f2: "12.33333333333333333333333333333333",
    },
    oneIn: { f1: "12.33333333333333333333333333333333", f2: "12.33333333333333333333333333333333" },
    oneOutInfererForecaster: { f1: { a: "13.5", b: "12.5", c: "11" }, f2: { a: "12", c: "12" } },
  },
  {
    combined: "12.01106898148508899783317007668297",
    naive: "11.98916966308150602849914036289606",
    forecasters: { f1: "11.71320748168381175205346302436055", f2: "12.33630674171989708825382346976662" },
    oneOutInferer: {
      a: "12.39361688507797502831909500662409",
      b: "11.48626680628957253841601505399362",
      c: "11.76259887103709534005843478455564",
    },
    oneOutForecaster: {
      f1: "12.10859336980062249369308939137463",
      f2: "11.90112779673623221368900398318182",
    },
    oneIn: { f1: "11.90112779673623221368900398318182", f2: "12.10859336980062249369308939137463" },
    oneOutInfererForecaster: {
      f1: {
        a: "12.43920700089169195934864479922242",
        b: "11.43973626656018846283179183448673",
        c: "11.75927806695665137414856403571283",
      },
      f2: { a: "12.33630674171989708825382346976662", b: "9", c: "12.5" },
    },
  },
  {
    combined: "12.5773126633234552139986988422083",
    naive: "12.6281115761559251046731255048224",
    forecasters: { f1: "12.85651575679333997834299676208499", f2: "12.21134528625286569104177054031812" },
    oneOutInferer: {
      a: "12.34018394433781250940618750832359",
      b: "13.00235013211127102910430908980472",
      c: "12.83791774259045862722334810975708",
      d: "13.06666666666666666666666666666666",
    },
    oneOutForecaster: {
      f1: "12.48532732177295656674078224277642",
      f2: "12.71018102880785131075659856416656",
    },
    oneIn: { f1: "12.71018102880785131075659856416656", f2: "12.48532732177295656674078224277642" },
    oneOutInfererForecaster: {
      f1: {
        a: "12.86123547851877718069851159655111",
        b: "12.90944775141672227474704641857738",
        c: "12.84127316128846634544640561761433",
        d: "12.22347161181874482015780587579636",
      },
      f2: {
        a: "12.2",
        b: "13",
        c: "12.21134528625286569104177054031812",
        d: "12.21134528625286569104177054031812",
      },
    },
  },
];

describe("synthesis/network: the network inference and its variants", () => {
  describe("a 3-epoch scenario against the independent Python reference", () => {
    let state: RegretState = emptyRegretState();
    EPOCHS.forEach(([inf, fc, truth], i) => {
      it(`epoch ${i + 1}: every value of the bundle`, () => {
        const b = synthesize(subs(inf, fc), state, P);
        const e = EXPECTED[i];
        expect(decString(b.combinedValue)).to.equal(e.combined);
        expect(decString(b.naiveValue)).to.equal(e.naive);
        expect(vals(b.forecasterValues)).to.deep.equal(e.forecasters);
        expect(vals(b.oneOutInfererValues)).to.deep.equal(e.oneOutInferer);
        expect(vals(b.oneOutForecasterValues)).to.deep.equal(e.oneOutForecaster);
        expect(vals(b.oneInForecasterValues)).to.deep.equal(e.oneIn);
        expect(
          Object.fromEntries(b.oneOutInfererForecasterValues.map((x) => [x.forecaster, vals(x.values)])),
        ).to.deep.equal(e.oneOutInfererForecaster);
        expect(vals(b.infererValues)).to.deep.equal(
          Object.fromEntries(Object.entries(inf).map(([k, v]) => [k, decString(d(v))])),
        );
        state = updateRegrets(state, reputerLosses(b, d(truth), P), P);
      });
    });
    it("regrets after epoch 3", () => {
      // python scenario.py, after epoch 3
      expect(decString(state.lastNetworkLoss as Dec)).to.equal("-3.28843296808640572558664211496233");
      expect(decString(state.inferer.get("a") as Dec)).to.equal("-0.34472976356761679608512805599017549");
      expect(decString(state.inferer.get("c") as Dec)).to.equal("-1.5689477834580268495289155713074898");
      expect(decString(state.inferer.get("d") as Dec)).to.equal("-2.4503441322401033384759611896295381");
      expect(decString(state.forecaster.get("f2") as Dec)).to.equal("-0.31122835560798718738544024986777988");
      expect(decString(state.initialRegret as Dec)).to.equal("-2.6919705039254185331720794922138018");
    });
  });

  it("bundleToValueBundleJSON: the ValueBundle's field names, decimals as strings", () => {
    const b = synthesize(subs(EPOCHS[0][0], EPOCHS[0][1]), emptyRegretState(), P);
    const j = bundleToValueBundleJSON(b);
    expect(j.combined_value).to.equal("12.33333333333333333333333333333333");
    expect(j.inferer_values).to.deep.equal([
      { worker: "a", value: "10" },
      { worker: "b", value: "12" },
      { worker: "c", value: "15" },
    ]);
    expect(j.one_out_inferer_forecaster_values[1]).to.deep.equal({
      forecaster: "f2",
      one_out_inferer_values: [
        { worker: "a", value: "12" },
        { worker: "c", value: "12" },
      ],
    });
    expect(weightsToJSON(b.infererWeights)).to.deep.equal([
      { worker: "a", weight: "1" },
      { worker: "b", weight: "1" },
      { worker: "c", weight: "1" },
    ]);
  });

  it("a single inferer: its inference is the network and naive inference, no variants", () => {
    const b = synthesize(subs({ a: "7.25" }, { f: { a: "-1" } }), emptyRegretState(), P);
    expect(decString(b.combinedValue)).to.equal("7.25");
    expect(decString(b.naiveValue)).to.equal("7.25");
    expect(b.forecasterValues).to.deep.equal([]);
    expect(b.oneOutInfererValues).to.deep.equal([]);
    expect(decString(b.infererWeights.get("a") as Dec)).to.equal("1");
  });

  it("all inferers new: plain mean of the inferers, forecasters do not count", () => {
    // (1 + 2 + 6) / 3 = 3; the forecaster's median-implied inference (2) has weight 0
    const b = synthesize(
      subs({ a: "1", b: "2", c: "6" }, { f: { a: "0", b: "0", c: "0" } }),
      emptyRegretState(),
      P,
    );
    expect(decString(b.combinedValue)).to.equal("3");
    expect(decString(b.naiveValue)).to.equal("3");
    expect(vals(b.forecasterValues)).to.deep.equal({ f: "2" });
    expect([...b.infererWeights.values()].map(decString)).to.deep.equal(["1", "1", "1"]);
    expect(decString(b.forecasterWeights.get("f") as Dec)).to.equal("0");
  });

  it("a forecaster forecasting only some inferers: its implied inference uses those alone", () => {
    // epoch 1 of the scenario: f2 forecasts only b -> median of {12} = 12; without b it has no value
    const b = synthesize(subs(EPOCHS[0][0], EPOCHS[0][1]), emptyRegretState(), P);
    expect(vals(b.forecasterValues).f2).to.equal("12");
    const f2 = b.oneOutInfererForecasterValues.find((x) => x.forecaster === "f2");
    expect(f2 && vals(f2.values)).to.deep.equal({ a: "12", c: "12" });
  });

  function stateWith(regrets: Record<string, string>, lastLoss = "0"): RegretState {
    const s = emptyRegretState();
    for (const [k, v] of Object.entries(regrets)) {
      s.inferer.set(k, d(v));
      s.naiveInferer.set(k, d(v));
    }
    s.lastNetworkLoss = d(lastLoss);
    return s;
  }

  it("zero variance of regrets: equal weights, the network inference is the mean", () => {
    const b = synthesize(subs({ a: "1", b: "2", c: "6" }), stateWith({ a: "0.3", b: "0.3", c: "0.3" }), P);
    // scale = epsilon, R^ = 3000 capped at 3, all weights w = 3 / (exp(-6.75) + 1): (w*1 + w*2 + w*6) / 3w
    // = 3 up to the truncation of w*6 (34 digits, rounded down): 2.999...9 (33 nines)
    expect(decString(b.combinedValue)).to.equal("2." + "9".repeat(33));
    expect(decString(b.naiveValue)).to.equal("2." + "9".repeat(33));
    const ws = [...b.infererWeights.values()];
    expect(ws[0].eq(ws[1]) && ws[1].eq(ws[2])).to.equal(true);
  });

  it("higher regret means more weight", () => {
    const b = synthesize(subs({ a: "0", b: "10" }), stateWith({ a: "1", b: "-1" }), P);
    expect(b.combinedValue.lt(d(5))).to.equal(true);
    expect((b.infererWeights.get("a") as Dec).gt(b.infererWeights.get("b") as Dec)).to.equal(true);
  });

  it("a newcomer shares the weights' scale but contributes nothing while a peer is experienced", () => {
    const s = stateWith({ a: "0.5" });
    s.initialRegret = d(-1);
    const b = synthesize(subs({ a: "4", n: "100" }), s, P);
    // w*4 / w = 4 up to the truncation of w*4: 3.999...9 (33 nines); n (100) counts for nothing
    expect(decString(b.combinedValue)).to.equal("3." + "9".repeat(33));
    expect(decString(b.infererWeights.get("n") as Dec)).to.equal("0");
    // a's weight comes from the shared scale: regrets [0.5, -1] -> std 1.0606601717798212..., R^ = 0.4713...
    // (alone, a's R^ would be 0.5 / 0.0001 = 5000, capped at 3 -> a different weight)
    const alone = synthesize(subs({ a: "4", m: "4" }), stateWith({ a: "0.5", m: "0.5" }), P);
    expect((b.infererWeights.get("a") as Dec).lt(alone.infererWeights.get("a") as Dec)).to.equal(true);
  });

  it("when all forecasters are new but inferers are not, each forecaster counts with weight 1", () => {
    const s = stateWith({ a: "0", b: "0" }, "0");
    const b = synthesize(subs({ a: "2", b: "4" }, { f: { a: "-1", b: "-1" } }), s, P);
    expect(decString(b.forecasterWeights.get("f") as Dec)).to.equal("1");
  });

  it("rejects a NaN or non-finite value with an error naming the worker", () => {
    const bad: EpochSubmissions = {
      inferences: new Map([
        ["a", d(1)],
        ["b", d(NaN)],
      ]),
      forecasts: new Map(),
    };
    expect(() => synthesize(bad, emptyRegretState(), P)).to.throw(SynthesisInputError, /inference of b.*NaN/);
    const badF: EpochSubmissions = {
      inferences: new Map([
        ["a", d(1)],
        ["b", d(2)],
      ]),
      forecasts: new Map([["f", new Map([["a", d(Infinity)]])]]),
    };
    expect(() => synthesize(badF, emptyRegretState(), P)).to.throw(
      SynthesisInputError,
      /forecasted loss of a by f/,
    );
    expect(() => synthesize(subs({}), emptyRegretState(), P)).to.throw(SynthesisInputError, /none submitted/);
    expect(() => synthesize(subs({ a: "1" }), emptyRegretState(), { ...P, alphaRegret: d(2) })).to.throw(
      SynthesisInputError,
      /alphaRegret/,
    );
  });

  it("is pure: the state is not modified, the same input gives the same bundle", () => {
    let s = emptyRegretState();
    const b1 = synthesize(subs(EPOCHS[0][0], EPOCHS[0][1]), s, P);
    s = updateRegrets(s, reputerLosses(b1, d(EPOCHS[0][2]), P), P);
    const before = JSON.stringify(regretStateToJSON(s));
    const x = synthesize(subs(EPOCHS[1][0], EPOCHS[1][1]), s, P);
    const y = synthesize(subs(EPOCHS[1][0], EPOCHS[1][1]), s, P);
    expect(JSON.stringify(regretStateToJSON(s))).to.equal(before);
    expect(show(x)).to.equal(show(y));
  });

  it("values from another decimal.js clone are computed at the engine's precision", () => {
    // base decimal.js has precision 20; the result must not depend on which clone built the inputs
    const base = (x: string): Dec => new Decimal(x) as unknown as Dec;
    const a = synthesize(subs({ a: "1", b: "2" }), stateWith({ a: "0.1", b: "-0.3" }), P);
    const bb = synthesize(
      {
        inferences: new Map([
          ["a", base("1")],
          ["b", base("2")],
        ]),
        forecasts: new Map(),
      },
      stateWith({ a: "0.1", b: "-0.3" }),
      { ...P, pNorm: base("3"), cNorm: base("0.75"), alphaRegret: base("0.1"), epsilon: base("0.0001") },
    );
    expect(decString(bb.combinedValue)).to.equal(decString(a.combinedValue));
    expect(decString(a.combinedValue).replace(/^1\./, "").length).to.be.greaterThan(25);
  });

  it("variants: false gives the same combined and naive values without the one-out / one-in work", () => {
    let s = emptyRegretState();
    const b1 = synthesize(subs(EPOCHS[0][0], EPOCHS[0][1]), s, P);
    s = updateRegrets(s, reputerLosses(b1, d(EPOCHS[0][2]), P), P);
    const full = synthesize(subs(EPOCHS[1][0], EPOCHS[1][1]), s, P);
    const fast = synthesize(subs(EPOCHS[1][0], EPOCHS[1][1]), s, P, { variants: false });
    expect(decString(fast.combinedValue)).to.equal(decString(full.combinedValue));
    expect(decString(fast.naiveValue)).to.equal(decString(full.naiveValue));
    expect(fast.oneOutInfererValues).to.deep.equal([]);
  });
});

function show(b: NetworkBundle): string {
  return JSON.stringify({
    c: decString(b.combinedValue),
    n: decString(b.naiveValue),
    f: vals(b.forecasterValues),
    o: vals(b.oneOutInfererValues),
    w: [...b.infererWeights].map(([k, v]) => [k, decString(v)]),
  });
}
