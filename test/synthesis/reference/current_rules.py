#!/usr/bin/env python3
"""
Independent reference for the synthesis engine's "current" allora-chain rules (test/synthesis/current-rules.test.ts).

Written from the chain's description in synthesis/README.md ("Differences from the shared notes"), not from the
TypeScript: Python's decimal module, multiplications and divisions rounded to 34 significant digits toward zero
(the chain's apd context), additions and subtractions exact, exp and sqrt computed at 80 digits then rounded
toward zero to 34. Losses are log10 of the squared error (topic without negative values), computed the same way.

Input (stdin): {"p", "c", "alpha", "epsilon", "q", "pnorm_safe_div", "epsilon_safe_div", "min_weight",
                "epochs": [{"truth", "inferences": {w: v}, "forecasts": {k: {w: loss}}}]}
Output (stdout): one JSON object per epoch: {"bundle": {...}, "losses": {...}, "initial_regret", "regret_scale"}
with every decimal as a string.
"""
import json
import sys
from decimal import Decimal as D, Context, ROUND_DOWN

R34 = Context(prec=34, rounding=ROUND_DOWN)
HI = Context(prec=80)
EXACT = Context(prec=2000)


def mul(a, b):
    return R34.multiply(a, b)


def quo(a, b):
    return R34.divide(a, b)


def add(a, b):
    return EXACT.add(a, b)


def sub(a, b):
    return EXACT.subtract(a, b)


def exp(x):
    return R34.plus(HI.exp(x))


def sqrt(x):
    return R34.plus(HI.sqrt(x))


def log10(x):
    return R34.plus(HI.log10(x))


def std_dev(xs):
    if len(xs) == 1:
        return D(0)
    n = D(len(xs))
    total = D(0)
    for x in xs:
        total = add(total, x)
    mean = quo(total, n)
    acc = D(0)
    for x in xs:
        acc = add(acc, mul(sub(x, mean), sub(x, mean)))
    return sqrt(quo(acc, sub(n, D(1))))


def median(xs):
    s = sorted(xs)
    n = len(s)
    if n % 2 == 1:
        return s[n // 2]
    return quo(add(s[n // 2 - 1], s[n // 2]), D(2))


def quantile(xs, q):
    if not xs:
        return D(0)
    s = sorted(xs, reverse=True)
    pos = mul(sub(D(1), q), D(len(s) - 1))
    lo, hi = int(pos.to_integral_value(rounding="ROUND_FLOOR")), int(pos.to_integral_value(rounding="ROUND_CEILING"))
    if lo == hi:
        return s[lo]
    return add(s[lo], mul(sub(pos, D(lo)), sub(s[hi], s[lo])))


def scale_of(regrets, eps):
    m = median(regrets)
    mad = median([sub(r, m).copy_abs() for r in regrets])
    return add(mul(mad, D("1.4826")).copy_abs(), eps)


class Topic:
    def __init__(self, cfg):
        self.p = D(cfg["p"])
        self.c = D(cfg["c"])
        self.alpha = D(cfg["alpha"])
        self.eps = D(cfg["epsilon"])
        self.q = D(cfg["q"])
        self.psd = D(cfg["pnorm_safe_div"])
        self.esd = D(cfg["epsilon_safe_div"])
        self.min_w = D(cfg["min_weight"])
        self.regrets = {}  # (kind, key1, key2) -> regret
        self.initial = D(0)
        self.scale = D(0)
        self.last_loss = None
        self.latest_w = {}  # ("inf"|"fc", worker) -> normalized weight
        self.incl = {}  # ("inf"|"fc", worker) -> count

    def regret(self, key):
        return self.regrets.get(key, self.initial)

    def weights(self, regrets):
        if not regrets:
            return []
        s = self.scale if self.scale > 0 else scale_of(regrets, self.eps)
        norm = [quo(r, s) for r in regrets]
        mx = max(norm)
        cap = add(self.c, quo(D("6.75"), self.p))
        shift_to = sub(self.c, quo(D("8.25"), self.p))
        zero_below = sub(self.c, quo(D("17.25"), self.p))
        out = []
        for r in norm:
            if r > cap:
                r = cap
            if mx < shift_to:
                r = add(sub(r, mx), shift_to)
            if r < zero_below:
                out.append(D(0))
            else:
                out.append(quo(self.p, add(D(1), exp(mul(self.p, sub(self.c, r))))))
        return out

    def implied(self, inferences, forecasts, all_new):
        out = {}
        for k in sorted(forecasts):
            js = sorted(j for j in forecasts[k] if j in inferences)
            if not js:
                continue
            if all_new:
                out[k] = median([inferences[j] for j in js])
                continue
            if len(js) == 1:
                ws = [D(1)]
            else:
                ws = self.weights([sub(self.last_loss, forecasts[k][j]) for j in js])
            num, den = D(0), D(0)
            for j, w in zip(js, ws):
                if w == 0:
                    continue
                num = add(num, mul(w, inferences[j]))
                den = add(den, w)
            if den != 0:
                out[k] = quo(num, den)
        return out

    def combine(self, infs, fcs, all_new):
        """infs / fcs: lists of (value, regret)."""
        num, den = D(0), D(0)
        if all_new:
            for v, _ in infs:
                num, den = add(num, v), add(den, D(1))
        else:
            members = infs + fcs
            for (v, _), w in zip(members, self.weights([r for _, r in members])):
                if w == 0 or v is None:  # None: a forecaster without a value weighs in, contributes nothing
                    continue
                num, den = add(num, mul(w, v)), add(den, w)
        if den < self.esd:
            den = self.esd
        return quo(num, den)

    def bundle(self, inferences, forecasts):
        workers = sorted(inferences)
        b = {"combined": None, "naive": None, "forecasters": {}, "one_out_inferers": {}, "one_out_forecasters": {},
             "one_in_forecasters": {}, "one_out_inferer_forecasters": {}}
        if len(workers) == 1:
            b["combined"] = b["naive"] = inferences[workers[0]]
            return b
        if self.last_loss is None:
            b["combined"] = median([inferences[j] for j in workers])
            b["naive"] = D(0)
            return b
        all_new = self.initial == 0
        imp = self.implied(inferences, forecasts, all_new)
        fcs = sorted(imp)
        b["forecasters"] = imp
        b["combined"] = self.combine([(inferences[j], self.regret(("inf", j))) for j in workers],
                                     [(imp[k], self.regret(("fc", k))) for k in fcs], all_new)
        b["naive"] = self.combine([(inferences[j], self.regret(("naive", j))) for j in workers], [], all_new)
        for out in workers:
            rest = {j: inferences[j] for j in workers if j != out}
            imp_out = self.implied(rest, forecasts, all_new)
            for k, v in imp_out.items():
                b["one_out_inferer_forecasters"].setdefault(k, {})[out] = v
            b["one_out_inferers"][out] = self.combine(
                [(rest[j], self.regret(("ooi_inf", out, j))) for j in sorted(rest)],
                [(imp_out.get(k), self.regret(("ooi_fc", out, k))) for k in fcs], all_new)
        for out in (fcs if len(fcs) > 1 else []):
            b["one_out_forecasters"][out] = self.combine(
                [(inferences[j], self.regret(("oof_inf", out, j))) for j in workers],
                [(imp[k], self.regret(("oof_fc", out, k))) for k in fcs if k != out], all_new)
        if len(fcs) > 1:
            for k_in in fcs:
                b["one_in_forecasters"][k_in] = self.combine(
                    [(inferences[j], self.regret(("oif_inf", k_in, j))) for j in workers],
                    [(imp[k_in], self.regret(("oif_self", k_in)))], all_new)
        return b

    def update(self, L):
        """L: the losses, same shape as a bundle."""
        def step(key, a, b):
            prev = self.regret(key)
            x = sub(a, b)
            r = x if x == prev else add(mul(self.alpha, x), mul(sub(D(1), self.alpha), prev))
            self.regrets[key] = r
            return r

        one_over_alpha = quo(D(1), self.alpha)
        experienced, new_r = [], {}
        infs, fcs = sorted(L["inferers"]), sorted(L["forecasters"])
        for kind, ws in (("inf", infs), ("fc", fcs)):
            src = L["inferers"] if kind == "inf" else L["forecasters"]
            for w in ws:
                had = (kind, w) in self.regrets
                r = step((kind, w), L["combined"], src[w])
                new_r[(kind, w)] = r
                if had and D(self.incl.get((kind, w), 0)) >= one_over_alpha:
                    experienced.append(r)
                self.incl[(kind, w)] = self.incl.get((kind, w), 0) + 1
        for j in infs:
            step(("naive", j), L["naive"], L["inferers"][j])
        for out in sorted(L["one_out_inferers"]):
            for j in infs:
                step(("ooi_inf", out, j), L["one_out_inferers"][out], L["inferers"][j])
            for k in sorted(L["one_out_inferer_forecasters"]):
                if out in L["one_out_inferer_forecasters"][k]:
                    step(("ooi_fc", out, k), L["one_out_inferers"][out], L["one_out_inferer_forecasters"][k][out])
        for out in sorted(L["one_out_forecasters"]):
            for j in infs:
                step(("oof_inf", out, j), L["one_out_forecasters"][out], L["inferers"][j])
            for k in fcs:
                step(("oof_fc", out, k), L["one_out_forecasters"][out], L["forecasters"][k])
        for k_in in sorted(L["one_in_forecasters"]):
            for j in infs:
                step(("oif_inf", k_in, j), L["one_in_forecasters"][k_in], L["inferers"][j])
            if k_in in L["forecasters"]:
                step(("oif_self", k_in), L["one_in_forecasters"][k_in], L["forecasters"][k_in])
        if experienced:
            offset = sub(self.c, quo(self.psd, self.p))
            self.initial = add(quantile(experienced, self.q), mul(offset, add(std_dev(experienced), self.eps)))
        if infs:
            keys = [("inf", j) for j in infs] + [("fc", k) for k in fcs]
            all_r = [new_r[key] for key in keys]
            kept = [new_r[key] for key in keys if key in self.latest_w and self.latest_w[key] > self.min_w]
            self.scale = scale_of(all_r if len(kept) < 2 else kept, self.eps)
            ws = self.weights(all_r)
            total = D(0)
            for w in ws:
                total = add(total, w)
            for key, w in zip(keys, ws):
                self.latest_w[key] = w if total == 0 else quo(w, total)
        self.last_loss = L["combined"]


def loss(truth, value):
    e = sub(truth, value)
    return log10(mul(e, e))


def losses_of(b, truth, inferences):
    f = lambda v: loss(truth, v)
    return {
        "combined": f(b["combined"]),
        "naive": f(b["naive"]),
        "inferers": {j: f(v) for j, v in inferences.items()},
        "forecasters": {k: f(v) for k, v in b["forecasters"].items()},
        "one_out_inferers": {k: f(v) for k, v in b["one_out_inferers"].items()},
        "one_out_forecasters": {k: f(v) for k, v in b["one_out_forecasters"].items()},
        "one_in_forecasters": {k: f(v) for k, v in b["one_in_forecasters"].items()},
        "one_out_inferer_forecasters": {k: {j: f(v) for j, v in m.items()} for k, m in b["one_out_inferer_forecasters"].items()},
    }


def strs(x):
    if isinstance(x, dict):
        return {k: strs(v) for k, v in x.items()}
    return str(x)


def main():
    cfg = json.load(sys.stdin, parse_float=D, parse_int=D)
    topic = Topic({k: str(v) for k, v in cfg.items() if k != "epochs"})
    for ep in cfg["epochs"]:
        inferences = {w: D(str(v)) for w, v in ep["inferences"].items()}
        forecasts = {k: {w: D(str(v)) for w, v in m.items()} for k, m in ep.get("forecasts", {}).items()}
        b = topic.bundle(inferences, forecasts)
        L = losses_of(b, D(str(ep["truth"])), inferences)
        print(json.dumps({"bundle": strs(b), "losses": strs(L), "initial_regret_before": str(topic.initial),
                          "regret_scale_before": str(topic.scale)}))
        topic.update(L)


if __name__ == "__main__":
    main()
