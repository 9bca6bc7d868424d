#!/usr/bin/env python3
"""The model base over a demo lake: every detector's wall time, rows read and rows per second,
and the run's wall time and peak memory.

1. Uses a workspace that already holds the demo (`qinglian demo --no-serve --scale large
   --workspace DIR`); with --scorer-model, writes `[models] scorer_model` into its
   qinglian.toml so that MOD-SCORER runs too (a model from `qinglian bids train`).
2. Runs `qinglian --json run --no-rules --no-raise` under /usr/bin/time -v: the twelve
   detectors over the committed lake, findings stored and recorded as in any run.
3. Writes a Markdown section between `<!-- models-bench:start -->` and
   `<!-- models-bench:end -->` in --doc (the rest of the file is kept).

Usage:
  benches/models_bench.py --qinglian target/release/qinglian --workspace /tmp/models-large \
      --scorer-model /tmp/models-large/models/bids.json --doc docs/benchmarks.md
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import machine  # noqa: E402

START, END = "<!-- models-bench:start -->", "<!-- models-bench:end -->"


def set_scorer(ws, model):
    cfg = ws / "qinglian.toml"
    text = cfg.read_text()
    rel = Path(model).resolve().relative_to(ws.resolve())
    text = re.sub(r"(?ms)^\[models\]\n(?:[^\[].*\n)*", "", text)
    cfg.write_text(text.rstrip("\n") + f'\n\n[models]\nscorer_model = "{rel}"\n')


def run(args, ws):
    cmd = ["/usr/bin/time", "-v", args.qinglian, "--quiet", "--json", "--workspace", str(ws),
           "run", "--no-rules", "--no-raise"]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"qinglian failed:\n{p.stderr[-3000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return json.loads(p.stdout), wall, rss * 1024


def section(summary, wall, rss, args):
    today = datetime.date.today().isoformat()
    scorer_flag = " --scorer-model ..." if args.scorer_model else ""
    scorer = (
        "with the scorer model given by --scorer-model"
        if args.scorer_model
        else "with the scorer the demo trains on its labelled closed cases (`demo-data/bid_cases.csv`)"
    )
    lines = [
        "## Models over the lake",
        "",
        f"Machine: {machine()}. Run: `python3 benches/models_bench.py --qinglian "
        f"target/release/qinglian --workspace {args.workspace}{scorer_flag} --doc "
        f"docs/benchmarks.md` ({today}), release build, 1-minute load {args.load:.1f} "
        "at the start.",
        "",
        "Method: the `large` demo workspace (`qinglian demo --no-serve --scale large`: 10 million "
        f"payments, other datasets at medium size) {scorer}; "
        "`qinglian --json run --no-rules --no-raise` under "
        "`/usr/bin/time -v`. Each detector's time is its wall time in the run: reading its "
        "columns from the lake (the payments once, by the first payment-side detector), the "
        "detector, and keeping its findings in the desk; rows are the lake rows it read "
        "(MOD-IFOREST: payments and expense claims).",
        "",
        "| model | rows read | hits | seconds | rows/s |",
        "|---|---:|---:|---:|---:|",
    ]
    total = 0.0
    for m in summary["models"]:
        s = m["millis"] / 1000
        total += s
        rate = f"{m['rows'] / s:,.0f}" if s > 0 and m["rows"] else "—"
        status = "" if m["status"] == "ran" else f" ({m['status']})"
        lines.append(f"| {m['id']}{status} | {m['rows']:,} | {m['hits']:,} | {s:.1f} | {rate} |")
    lines += [
        "",
        f"All twelve: {total:.1f} s of detector time, {wall:.1f} s wall for the whole command "
        f"(opening the workspace and recording the ledger batch included), peak RSS "
        f"{rss / 2**30:.2f} GiB. Budget: 120 s wall, 4 GiB.",
        "",
    ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qinglian", default="target/release/qinglian")
    ap.add_argument("--workspace", required=True)
    ap.add_argument("--scorer-model")
    ap.add_argument("--doc")
    args = ap.parse_args()
    ws = Path(args.workspace)
    if args.scorer_model:
        set_scorer(ws, args.scorer_model)
    args.load = os.getloadavg()[0]
    summary, wall, rss = run(args, ws)
    text = section(summary, wall, rss, args)
    print(text)
    if args.doc:
        doc = Path(args.doc)
        old = doc.read_text()
        block = f"{START}\n{text}{END}"
        if START in old and END in old:
            new = old[: old.index(START)] + block + old[old.index(END) + len(END):]
        else:
            new = old.rstrip("\n") + "\n\n" + block + "\n"
        doc.write_text(new)


if __name__ == "__main__":
    main()
