#!/usr/bin/env python3
"""Where the cross-market ceiling of bid-rigging flags lies, on the three labelled markets of
../shared/data/bidrigging (the numbers quoted in docs/models/scorer.md, "Where the ceiling is").

Not a benchmark of qinglian: an exploration with scikit-learn and SciPy of what *any* flag built
from the bid values (and the winner flag) can reach when the market scored is not the one
trained on. Tenders of at least 3 bids. Three parts:

1. Single scale-free features: ROC-AUC for "collusive" in each market (0.5 = no signal; below
   0.5 = the feature is lower in collusive tenders). A feature that travels must point the same
   way, strongly, in all three.
2. Labels from the scored market: k tenders of the test market labelled at random (20 draws),
   the rest scored. (a) the threshold on a portable score (a forest trained on the other two
   markets on within-market robust z of ln CV and ln spread) chosen to maximise balanced
   accuracy on the k; (b) a forest trained on the k alone (within-market z-scored screens).
3. Goodness of fit of the shape-learned two-component mixture on ln CV (the cross-market flag's
   model, crates/detect/src/bids/mixture.rs): Kolmogorov-Smirnov and Anderson-Darling with a
   parametric bootstrap (200 draws).

Usage: python3 benches/cartels_ceiling.py [--data ../shared/data/bidrigging]   (about 5 min)
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import kurtosis, norm, skew
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score, roc_auc_score

MARKETS = {
    "GR/SG": "switzerland_gr_sg.csv",
    "Ticino": "switzerland_ticino.csv",
    "Japan": "japan.csv",
}


def tender_features(g):
    v = np.sort(g.Bid_value.values.astype(float))
    n, m, sd = len(v), v.mean(), v.std(ddof=1)
    won = g.Bid_value.values[g.Winner.values == 1]
    w = won[0] if len(won) else np.nan
    los = v[1:]
    gaps = np.diff(v)
    return {
        "n": n,
        "cv": sd / m,
        "spd": (v[-1] - v[0]) / v[0],
        "diffp": (v[1] - v[0]) / v[0],
        "rd": (v[1] - v[0]) / los.std(ddof=1) if los.std(ddof=1) > 0 else np.nan,
        "kurt": kurtosis(v, bias=False) if n > 3 else np.nan,
        "skew": skew(v, bias=False),
        "cv_losing": los.std(ddof=1) / los.mean(),
        "gap_cv": gaps.std() / gaps.mean() if gaps.mean() > 0 else np.nan,
        "winner_rank": np.searchsorted(v, w) / (n - 1) if not np.isnan(w) else np.nan,
        "winner_vs_median": (np.median(v) - w) / np.median(v) if not np.isnan(w) else np.nan,
        "y": int(g.Collusive_competitor.max()),
    }


def load(data):
    out = {}
    for name, f in MARKETS.items():
        d = pd.read_csv(Path(data) / f)
        rows = [tender_features(g) for _, g in d.groupby("Tender") if len(g) >= 3]
        t = pd.DataFrame(rows)
        t = t[(t.cv > 0) & (t.spd > 0)].copy()
        for c in ("cv", "spd"):
            x = np.log(t[c])
            med = x.median()
            mad = 1.4826 * (x - med).abs().median() or 1.0
            t["z_" + c] = ((x - med) / mad).clip(-5, 5)
        out[name] = t.reset_index(drop=True)
    return out


def part1(T):
    print("1. single features, ROC-AUC for collusive:", " ".join(f"{k:>8}" for k in T))
    for c in [c for c in next(iter(T.values())).columns if c != "y" and not c.startswith("z_")]:
        aucs = []
        for t in T.values():
            s = t[[c, "y"]].dropna()
            ok = s.y.nunique() == 2 and s[c].nunique() > 1
            aucs.append(roc_auc_score(s.y, s[c]) if ok else float("nan"))
        print(f"   {c:<17}", " ".join(f"{a:8.3f}" for a in aucs))


def part2(T, rng):
    feats = ["z_cv", "z_spd"]
    print("2. k labelled tenders of the test market (mean ± sd of balanced accuracy, 20 draws)")
    for test in T:
        train = pd.concat([T[k] for k in T if k != test])
        w = np.concatenate([np.full(len(T[k]), 1 / len(T[k])) for k in T if k != test])
        rf = RandomForestClassifier(300, min_samples_leaf=20, class_weight="balanced",
                                    random_state=0, n_jobs=2)
        rf.fit(train[feats], train.y, sample_weight=w)
        t = T[test]
        s, y, n = rf.predict_proba(t[feats])[:, 1], t.y.values, len(t)
        print(f"   {test}: portable score ROC-AUC {roc_auc_score(y, s):.3f}")
        for k in (20, 50, 100, 200):
            thr, own = [], []
            for rep in range(20):
                idx = rng.permutation(n)
                lab, rest = idx[:k], idx[k:]
                if y[lab].min() == y[lab].max():
                    continue
                best = max(np.unique(s[lab]),
                           key=lambda c: balanced_accuracy_score(y[lab], s[lab] >= c))
                thr.append(balanced_accuracy_score(y[rest], s[rest] >= best))
                f = RandomForestClassifier(100, min_samples_leaf=3, class_weight="balanced",
                                           random_state=rep, n_jobs=2)
                f.fit(t[feats].values[lab], y[lab])
                p = f.predict_proba(t[feats].values[rest])[:, 1]
                own.append(balanced_accuracy_score(y[rest], p >= 0.5))
            print(f"     k={k:<4} threshold on the k {np.mean(thr):.3f} ± {np.std(thr):.3f}"
                  f"   forest on the k alone {np.mean(own):.3f} ± {np.std(own):.3f}")


def fit_shaped(x, d, r):
    def nll(p):
        mu, ls, lp = p
        s, pi = np.exp(ls), 1 / (1 + np.exp(-lp))
        a = np.log(pi + 1e-300) + norm.logpdf(x, mu - d * s, r * s)
        b = np.log(1 - pi + 1e-300) + norm.logpdf(x, mu, s)
        return -np.logaddexp(a, b).sum()
    starts = [[x.mean() + p0 * d * x.std(), np.log(x.std()), np.log(p0 / (1 - p0))]
              for p0 in (0.1, 0.5, 0.9)]
    best = min((minimize(nll, s0, method="Nelder-Mead",
                         options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-8})
                for s0 in starts), key=lambda o: o.fun)
    mu, ls, lp = best.x
    return mu, np.exp(ls), 1 / (1 + np.exp(-lp))


def gof(x, th, d, r):
    mu, s, pi = th
    xs, n = np.sort(x), len(x)
    F = pi * norm.cdf(xs, mu - d * s, r * s) + (1 - pi) * norm.cdf(xs, mu, s)
    e = np.arange(1, n + 1) / n
    ks = max(np.max(e - F), np.max(F - (e - 1 / n)))
    F = np.clip(F, 1e-12, 1 - 1e-12)
    i = np.arange(1, n + 1)
    ad = -n - np.mean((2 * i - 1) * (np.log(F) + np.log(1 - F[::-1])))
    return ks, ad


def part3(T, rng):
    print("3. goodness of fit of the shape-learned mixture on ln CV (parametric bootstrap)")
    X = {k: np.log(t.cv.values) for k, t in T.items()}
    Y = {k: t.y.values for k, t in T.items()}

    def shape(k):
        c, o = X[k][Y[k] == 1], X[k][Y[k] == 0]
        return (o.mean() - c.mean()) / o.std(), c.std() / o.std()

    for test in X:
        train = [k for k in X if k != test]
        d = np.mean([shape(k)[0] for k in train])
        r = np.mean([shape(k)[1] for k in train])
        x, n = X[test], len(X[test])
        th = fit_shaped(x, d, r)
        ks, ad = gof(x, th, d, r)
        boot = []
        for _ in range(200):
            mu, s, pi = th
            z = rng.random(n) < pi
            xb = np.where(z, rng.normal(mu - d * s, r * s, n), rng.normal(mu, s, n))
            boot.append(gof(xb, fit_shaped(xb, d, r), d, r))
        boot = np.array(boot)
        print(f"   {test}: KS {ks:.3f} (p {np.mean(boot[:, 0] >= ks):.3f}), "
              f"AD {ad:.2f} (p {np.mean(boot[:, 1] >= ad):.3f})")


def main():
    ap = argparse.ArgumentParser()
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "bidrigging"
    ap.add_argument("--data", default=str(default))
    args = ap.parse_args()
    T = load(args.data)
    rng = np.random.default_rng(0)
    part1(T)
    part2(T, rng)
    part3(T, np.random.default_rng(1))


if __name__ == "__main__":
    main()
