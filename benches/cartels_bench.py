#!/usr/bin/env python3
"""Bid-rigging detection on real cartels: qinglian's scorer vs scikit-learn, on identical folds.

Usage: python3 benches/cartels_bench.py [--data ../shared/data/bidrigging] [--seeds 7,8,9]
                                        [--folds 5] [--out docs/benchmarks.md] [--bin PATH]

Needs scikit-learn and pandas (pip install scikit-learn pandas). Builds the `bids` example of
crates/detect in release mode (unless --bin is given), then for each of the three labelled
markets of García Rodríguez et al. (2022):

  * within market: `bids cv FILE --folds K --seed S` writes out-of-fold predictions with their
    fold; the peer, scikit-learn's RandomForestClassifier(n_estimators=300,
    class_weight='balanced'), is trained and tested on exactly those folds, on the textbook
    screens (n, CV, SPD, DIFFP, RD, KURT, SKEW, KS) computed here from Bid_value the same way
    crates/detect computes them (missing screens = -999 for both). Repeated for each seed.
  * cross market: `bids train A B --features portable`, `bids score C` (and once more with
    `--base-rate 0.5`, whose score is the balanced probability, for the forest's own flag); the
    mixture fit that set the flag and the base rate is read from `bids score`'s message. The
    peer is the same random forest trained on the two markets' raw screens, tested on the third.
  * unsupervised: ROC-AUC of `bids screens`' screen_score (market-relative CV), what a user
    without labels gets.

Metrics are computed here, with scikit-learn, from both systems' tender-level predictions:
balanced accuracy of the 0/1 flag, ROC-AUC of the score, recall of each class. The Markdown
section replaces the one between the markers in --out (appended if absent).
"""
import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score, recall_score, roc_auc_score
import sklearn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import machine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = "<!-- BEGIN detect: cartels (benches/cartels_bench.py) -->"
END = "<!-- END detect: cartels -->"
MARKETS = [
    ("switzerland_gr_sg", "Switzerland GR/SG"),
    ("switzerland_ticino", "Switzerland Ticino"),
    ("japan", "Japan"),
]
COLS = ["--tender", "Tender", "--bid", "Bid_value", "--winner", "Winner"]
LABEL = ["--label", "Collusive_competitor"]
SCREENS = ["n", "cv", "spd", "diffp", "rd", "kurt", "skew", "ks"]
MISSING = -999.0


def build(bin_path):
    if bin_path:
        return bin_path
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "qinglian-detect", "--example", "bids"],
                   cwd=ROOT, check=True)
    return os.path.join(target, "release", "examples", "bids")


def run(cmd):
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return time.perf_counter() - start, p.stdout + p.stderr


def ks_uniform(b):
    n, lo, hi = len(b), b[0], b[-1]
    if n < 2 or hi <= lo:
        return np.nan
    f = (b - lo) / (hi - lo)
    i = np.arange(1, n + 1)
    return max((i / n - f).max(), (f - (i - 1) / n).max())


def screens(bids):
    """Textbook screens of one tender, as crates/detect/src/screens.rs computes them."""
    b = np.sort(np.asarray(bids, dtype=float))
    n = len(b)
    s = pd.Series(b)
    sd = b.std(ddof=1) if n > 1 else np.nan
    sd_losing = b[1:].std(ddof=1) if n > 2 else np.nan
    return {
        "n": n,
        "cv": sd / b.mean() if n > 1 else np.nan,
        "spd": (b[-1] - b[0]) / b[0] if n > 1 else np.nan,
        "diffp": (b[1] - b[0]) / b[0] if n > 1 else np.nan,
        "rd": (b[1] - b[0]) / sd_losing if n > 2 and sd_losing > 0 else np.nan,
        "kurt": s.kurt() if n > 3 else np.nan,
        "skew": s.skew() if n > 2 else np.nan,
        "ks": ks_uniform(b),
    }


def market_table(path):
    d = pd.read_csv(path)
    rows = {t: screens(g["Bid_value"].values) for t, g in d.groupby("Tender", sort=False)}
    x = pd.DataFrame.from_dict(rows, orient="index")
    x["label"] = d.groupby("Tender", sort=False)["Collusive_competitor"].first().astype(int)
    x.index = x.index.astype(str)
    return x


def metrics(y, score, flag):
    return {
        "ba": balanced_accuracy_score(y, flag),
        "auc": roc_auc_score(y, score),
        "rec1": recall_score(y, flag, pos_label=1),
        "rec0": recall_score(y, flag, pos_label=0),
    }


def parse_mixture(said):
    """The base rate and the mixture fit `bids score` reports on stderr."""
    def num(key):
        m = re.search(re.escape(key) + r" (-?[0-9.]+)", said)
        return float(m.group(1)) if m else None
    return {
        "base_rate": num("base rate"),
        "em": num("EM estimate"),
        "used": "mixture used" in said,
        "fitted": "mixture" in said and "no mixture" not in said,
        "separation": num("separation"),
        "sd_ratio": num("sd ratio"),
        "share": num("share"),
        "flag_share": num("flag share"),
    }


def peer_rf(seed):
    return RandomForestClassifier(n_estimators=300, class_weight="balanced", random_state=seed, n_jobs=-1)


def mean_sd(vals):
    v = np.asarray(vals)
    return f"{v.mean():.3f} ± {v.std(ddof=0):.3f}" if len(v) > 1 else f"{v[0]:.3f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "bidrigging"))
    ap.add_argument("--seeds", default="7,8,9")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    ap.add_argument("--bin")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    for f, _ in MARKETS:
        if not os.path.exists(os.path.join(args.data, f + ".csv")):
            sys.exit(f"error: {os.path.join(args.data, f + '.csv')} is missing (see ../shared/data/README.md)")
    exe = build(args.bin)
    tmp = tempfile.mkdtemp(prefix="cartels-")
    tables = {f: market_table(os.path.join(args.data, f + ".csv")) for f, _ in MARKETS}

    within, screen_auc, timing, screen_check = {}, {}, {}, {}
    for f, _ in MARKETS:
        path = os.path.join(args.data, f + ".csv")
        x = tables[f]
        out = os.path.join(tmp, f + "_screens.csv")
        run([exe, "screens", path, *COLS, "--out", out])
        s = pd.read_csv(out, dtype={"tender": str}).set_index("tender").reindex(x.index)
        screen_check[f] = float(np.nanmax(np.abs(s[SCREENS[1:]].values - x[SCREENS[1:]].values)))
        screen_auc[f] = roc_auc_score(x["label"], s["screen_score"].fillna(s["screen_score"].min() - 1))
        ours, ours8, peer, t_ours, t_peer = [], [], [], [], []
        for seed in seeds:
            out8 = os.path.join(tmp, f"{f}_cv8_{seed}.csv")
            run([exe, "cv", path, *COLS, *LABEL, "--folds", str(args.folds), "--seed", str(seed),
                 "--features", "screens", "--out", out8])
            oof8 = pd.read_csv(out8, dtype={"tender": str}).set_index("tender").reindex(x.index)
            ours8.append(metrics(x["label"], oof8["score"], oof8["flag"]))
            out = os.path.join(tmp, f"{f}_cv_{seed}.csv")
            dt, _ = run([exe, "cv", path, *COLS, *LABEL, "--folds", str(args.folds), "--seed", str(seed), "--out", out])
            t_ours.append(dt)
            oof = pd.read_csv(out, dtype={"tender": str}).set_index("tender").reindex(x.index)
            ours.append(metrics(x["label"], oof["score"], oof["flag"]))
            feats = x[SCREENS].fillna(MISSING).values
            y = x["label"].values
            proba = np.zeros(len(y))
            start = time.perf_counter()
            for k in range(args.folds):
                tr, te = oof["fold"].values != k, oof["fold"].values == k
                m = peer_rf(seed).fit(feats[tr], y[tr])
                proba[te] = m.predict_proba(feats[te])[:, 1]
            t_peer.append(time.perf_counter() - start)
            peer.append(metrics(y, proba, proba >= 0.5))
        within[f] = (ours, ours8, peer)
        timing[f] = (np.mean(t_ours), np.mean(t_peer))

    cross = {}
    for f, _ in MARKETS:
        train = [g for g, _ in MARKETS if g != f]
        model = os.path.join(tmp, f"model_not_{f}.json")
        run([exe, "train", *[os.path.join(args.data, g + ".csv") for g in train], *COLS, *LABEL,
             "--features", "portable", "--out", model])
        out = os.path.join(tmp, f"score_{f}.csv")
        _, said = run([exe, "score", os.path.join(args.data, f + ".csv"), *COLS, "--model", model, "--out", out])
        mix = parse_mixture(said)
        x = tables[f]
        sc = pd.read_csv(out, dtype={"tender": str}).set_index("tender").reindex(x.index)
        ours = metrics(x["label"], sc["score"], sc["flag"])
        # The forest's own likelihood-ratio flag (the flag before the mixture): the balanced
        # probability, i.e. the score at base rate 1/2, at least 1/2.
        out_half = os.path.join(tmp, f"score_half_{f}.csv")
        run([exe, "score", os.path.join(args.data, f + ".csv"), *COLS, "--model", model,
             "--base-rate", "0.5", "--out", out_half])
        half = pd.read_csv(out_half, dtype={"tender": str}).set_index("tender").reindex(x.index)["score"]
        ours_lr = metrics(x["label"], sc["score"], half >= 0.5)
        # Reference only, uses the test market's labels: the best balanced accuracy any threshold
        # on the same score reaches.
        y = x["label"].values
        oracle = max(balanced_accuracy_score(y, half.values >= c) for c in np.unique(half.values))
        ours_full_model = os.path.join(tmp, f"model_full_not_{f}.json")
        run([exe, "train", *[os.path.join(args.data, g + ".csv") for g in train], *COLS, *LABEL,
             "--features", "full", "--out", ours_full_model])
        out_full = os.path.join(tmp, f"score_full_{f}.csv")
        run([exe, "score", os.path.join(args.data, f + ".csv"), *COLS, "--model", ours_full_model, "--out", out_full])
        scf = pd.read_csv(out_full, dtype={"tender": str}).set_index("tender").reindex(x.index)
        ours_full = metrics(x["label"], scf["score"], scf["flag"])
        xt = pd.concat([tables[g] for g in train])
        m = peer_rf(seeds[0]).fit(xt[SCREENS].fillna(MISSING).values, xt["label"].values)
        proba = m.predict_proba(x[SCREENS].fillna(MISSING).values)[:, 1]
        cross[f] = dict(ours=ours, ours_lr=ours_lr, oracle=oracle, full=ours_full,
                        peer=metrics(x["label"], proba, proba >= 0.5), train=train, mix=mix,
                        flagged=float(np.mean(sc["flag"])))

    names = dict(MARKETS)
    lines = [BEGIN, "## Bid-rigging detection on real cartels", ""]
    lines += [
        f"Machine: {machine()}; "
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, pandas {pd.__version__}. "
        f"Run: `python3 benches/cartels_bench.py` ({time.strftime('%Y-%m-%d')}).",
        "",
        "Data: the three labelled markets of García Rodríguez et al. (2022) in ../shared/data/bidrigging "
        "(one row per bid; the label is constant within a tender). Everything is measured at tender level. "
        "Features come from `Bid_value` (and `Winner` for qinglian) only; the files' precomputed screen "
        "columns and dates are never read.",
        "",
        "- **qinglian**: `bids cv` — random forest (300 trees, leaves of at least 5 tenders, √features per split, "
        "class-balanced, hand-written in crates/detect/src/scorer) on the *full* feature set: the textbook screens, "
        "number of bids, log mean bid, subset screens (min/median/max CV over all 3- and 4-bid subsets, after "
        "Wallimann, Imhof and Huber 2022), gaps between consecutive bids, and the winner's rank and distances; "
        "Platt-calibrated on out-of-bag scores; flag = calibrated balanced probability ≥ 0.5.",
        "- **peer**: scikit-learn `RandomForestClassifier(n_estimators=300, class_weight='balanced')` on the eight "
        "textbook screens (n, CV, SPD, DIFFP, RD, KURT, SKEW, KS) computed from `Bid_value` exactly as qinglian "
        "computes them (missing = −999); flag = probability ≥ 0.5.",
        f"- Within market: tender-grouped stratified {args.folds}-fold cross-validation; the folds are the ones "
        f"`bids cv --seed S` wrote, used by both systems; seeds {', '.join(map(str, seeds))}; mean ± sd over seeds.",
        "- Cross market: train on two markets, test on the third (`bids train A B --features portable`, "
        "`bids score C`). qinglian uses the *portable* feature set — CV, spread and the median/max subset CVs "
        "as robust z-scores within each market, with the forest constrained to be decreasing in each "
        "(collusion compresses bids), markets weighted equally. The forest ranks the tenders; **where the flag "
        "goes** is set by a two-component Gaussian mixture on ln CV (crates/detect/src/bids/mixture.rs): its "
        "*shape* — how many competitive standard deviations lower the collusive tenders' ln CV sits, and the "
        "ratio of the two spreads — is learned from the labelled training markets (each market counts once); "
        "its location, scale and share of collusive tenders are fitted on the test market by EM without "
        "labels. If the fit is credible (two components beat one Gaussian by more than the BIC penalty, "
        "share inside (0.02, 0.98)), the flag marks the share of the test market's tenders that falls in the "
        "mixture's collusive region (collusive density above competitive), taking the tenders with the highest "
        "forest scores, and the mixture's share is the estimated base rate; otherwise the forest's own flag "
        "(balanced probability ≥ ½) and the EM base rate (Saerens et al. 2002) stay. Nothing is tuned on the "
        "test market's labels: the shape is learned on the two training markets only. The choice of this "
        "method — ln CV rather than other screens, the credibility rule, the flag share from the collusive "
        "region rather than from the share — was made after trying alternatives on all three markets "
        "leave-one-market-out, so with three markets the numbers below are not a clean out-of-sample test of "
        "that choice. The peer is the same scikit-learn forest on the raw screens of the two markets pooled.",
        "",
        "### Within market",
        "",
        "| market | tenders (collusive) | system | balanced accuracy | ROC-AUC | recall collusive | recall competitive | time per CV run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f, name in MARKETS:
        x = tables[f]
        ours, ours8, peer = within[f]
        for label, res, t in (("qinglian", ours, timing[f][0]), ("qinglian, 8 screens only", ours8, None),
                              ("scikit-learn RF", peer, timing[f][1])):
            lines.append(
                f"| {name} | {len(x)} ({int(x['label'].sum())}) | {label} | {mean_sd([r['ba'] for r in res])} | "
                f"{mean_sd([r['auc'] for r in res])} | {mean_sd([r['rec1'] for r in res])} | "
                f"{mean_sd([r['rec0'] for r in res])} | {'' if t is None else f'{t:.1f} s'} |"
            )
    lines += [
        "",
        "### Cross market (train on two, test on the third)",
        "",
        "| test market | trained on | system | balanced accuracy | ROC-AUC | recall collusive | recall competitive |",
        "|---|---|---|---|---|---|---|",
    ]
    for f, name in MARKETS:
        c = cross[f]
        on = " + ".join(names[g] for g in c["train"])
        rows = (("qinglian, portable", c["ours"]),
                ("qinglian, portable, forest's own flag (before)", c["ours_lr"]),
                ("qinglian, full features", c["full"]),
                ("scikit-learn RF, raw screens", c["peer"]))
        for label, r in rows:
            lines.append(f"| {name} | {on} | {label} | {r['ba']:.3f} | {r['auc']:.3f} | {r['rec1']:.3f} | {r['rec0']:.3f} |")
        lines.append(f"| {name} | {on} | best threshold on the portable score (uses the test labels; reference only) "
                     f"| {c['oracle']:.3f} |  |  |  |")
    lines += [
        "",
        "How the portable flag and base rate were set on each test market (shape learned on the two "
        "training markets; share, flag share and credibility fitted on the test market without labels):",
        "",
        "| test market | separation (sd) | sd ratio | mixture credible | flag set by | flagged | "
        "base rate estimated | EM estimate | true base rate |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f, name in MARKETS:
        c, mx = cross[f], cross[f]["mix"]
        fmt = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
        lines.append(
            f"| {name} | {fmt(mx['separation'])} | {fmt(mx['sd_ratio'])} | "
            f"{'yes' if mx['used'] else 'no'} | "
            f"{'mixture (top ' + format(mx['flag_share'], '.0%') + ' by score)' if mx['used'] else 'forest (balanced probability ≥ ½)'} | "
            f"{c['flagged']:.2f} | {fmt(mx['base_rate'])} ({'mixture' if mx['used'] else 'EM'}) | {fmt(mx['em'])} | "
            f"{tables[f]['label'].mean():.2f} |"
        )
    lines += [
        "",
        "### Unsupervised screen score (no labels)",
        "",
        "The market-relative CV screen of `bids screens` (−robust z of ln CV among the file's tenders; tenders "
        "with one bid score lowest), what a user without labelled cases gets:",
        "",
        "| market | ROC-AUC | max abs. difference of qinglian's screens from this script's |",
        "|---|---|---|",
    ]
    for f, name in MARKETS:
        lines.append(f"| {name} | {screen_auc[f]:.3f} | {screen_check[f]:.1e} |")
    lines += [
        "",
        "### Reading",
        "",
        "- **Within a market** qinglian's scorer reaches at least the peer's balanced accuracy and ROC-AUC "
        "on all three markets. On the same eight screens (`--features screens`) the hand-written forest "
        "is close to the peer — balanced accuracy higher on all three markets (leaves of 5 tenders and the "
        "calibrated flag), ROC-AUC within about ±0.02 — so the gain comes from the features: the subset "
        "screens, the gaps and the winner's position, most in Japan, where the winner is not always the "
        "lowest bidder.",
        "- **Graubünden/See-Gaster** stays hard for both systems: there the bids of collusive and "
        "competitive tenders are about equally dispersed, the signal is mostly the number of bids, and "
        "the unsupervised screen is at chance. Its cartels were incomplete (outsiders bid alongside), which "
        "the subset screens only partly recover.",
        "- **Across markets** a forest on raw screens is worse than chance: screen levels, bid counts and "
        "cartel shares differ between markets, and the pooled training is dominated by "
        "Graubünden/See-Gaster (4,344 tenders), where collusive tenders have more bids, which does not hold "
        "elsewhere. The portable model keeps the ranking where the screens carry the signal (Ticino and "
        "Japan, about what the unsupervised CV screen gives alone) and is at chance on Graubünden/See-Gaster. "
        "The forest's own flag put the threshold in the wrong place, because standardising within a market "
        "hides the market's cartel share (in Ticino the median tender is a collusive one); the mixture places "
        "it from the market's own CV distribution instead. What a user can rely on in a new market:",
        f"  - **Ticino** (a distinct mode of compressed bids): the flag reaches {cross['switzerland_ticino']['ours']['ba']:.2f} "
        f"balanced accuracy, against {cross['switzerland_ticino']['ours_lr']['ba']:.2f} before and "
        f"{cross['switzerland_ticino']['oracle']:.2f} for the best threshold chosen with the test labels. The "
        f"estimated cartel share ({cross['switzerland_ticino']['mix']['base_rate']:.2f} against "
        f"{tables['switzerland_ticino']['label'].mean():.2f}) is too low, so the probabilities are too low too; "
        "trust the flag and the ranking more than the probability.",
        f"  - **Japan**: the ranking is useful (ROC-AUC {cross['japan']['ours']['auc']:.2f}), the flag is not: it "
        f"marks {cross['japan']['flagged']:.0%} of the tenders where {tables['japan']['label'].mean():.0%} are "
        f"collusive (recall of competitive tenders {cross['japan']['ours']['rec0']:.2f}; balanced accuracy "
        f"{cross['japan']['ours']['ba']:.3f}, {cross['japan']['ours_lr']['ba']:.3f} before), and the estimated "
        "share is far off. Japanese bids lie about ten times closer together than Swiss ones, and Japan's CV "
        "distribution has a second mode of widely dispersed competitive tenders besides the main one where "
        "both classes sit (cartels only somewhat lower); the fitted competitive component stretches over "
        "both modes and the collusive one takes most of the main mode. The fit still passes the credibility "
        "check, so a credible fit is no guarantee.",
        "  - **Graubünden/See-Gaster**: the bids' dispersion carries no signal; the mixture reports itself as "
        "not credible, the flag falls back to the forest's, and both are at chance. Nothing here helps a user "
        "in such a market.",
        "  - In short: the cross-market flag is a usable first cut only where the CV distribution shows a distinct "
        "compressed mode (check the fit `bids score` reports); elsewhere rank tenders by the score for review, "
        "and set a threshold from a few labelled cases of the market when there are some. Alternatives tried "
        "and their numbers: docs/models/scorer.md.",
        "- Times are wall clock for one 5-fold run with both systems on two cores (qinglian 2 threads, "
        "scikit-learn `n_jobs=-1`), on a machine shared with other builds; they are indicative only.",
    ]
    lines += ["", END]
    section = "\n".join(lines) + "\n"
    text = open(args.out, encoding="utf-8").read() if os.path.exists(args.out) else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(args.out, "w", encoding="utf-8") as out:
        out.write(text)
    print(section)


if __name__ == "__main__":
    main()
