#!/usr/bin/env python3
"""The rule base over a demo lake, beside DuckDB on the same Parquet files.

1. Builds (or reuses) a workspace: `qinglian init`, `generate --scale SCALE`, `import` of every
   data file (skipped when the workspace already holds committed data).
2. Runs `qinglian --json rules bench` under /usr/bin/time: every rule over the committed lake,
   its wall time and hits, the whole run's wall time and peak RSS (nothing is stored).
3. Runs each rule's SQL, exactly as qinglian ran it (parameters substituted), in DuckDB with the
   same number of threads, over views of the same lake files. The qinglian SQL helpers get DuckDB
   macros where the meaning is the same (`ev`, `days_between`, `add_days`, `haversine_km`,
   `to_char`, `regexp_like`); rules that need the working-day calendar (`is_working_day`,
   `day_kind`, `holiday_name`, `working_days_between`) or SQL DuckDB refuses are listed as not
   compared. DuckDB's result rows are counted and set beside qinglian's hits.
4. Writes a Markdown section between `<!-- rules-bench:start -->` and `<!-- rules-bench:end -->`
   in --doc (the rest of the file is kept).

Usage:
  benches/rules_bench.py --qinglian target/release/qinglian --workspace /tmp/rules-large \
      --scale large --doc docs/benchmarks.md
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import machine  # noqa: E402

CALENDAR_HELPERS = ("is_working_day", "day_kind", "holiday_name", "working_days_between")

MACROS = [
    "CREATE OR REPLACE MACRO ev(d, b, r) AS d || ':' || b || ':' || CAST(r AS VARCHAR)",
    "CREATE OR REPLACE MACRO days_between(a, b) AS "
    "CAST(date_diff('day', CAST(a AS DATE), CAST(b AS DATE)) AS BIGINT)",
    "CREATE OR REPLACE MACRO add_days(d, n) AS CAST(d AS DATE) + CAST(n AS INTEGER)",
    "CREATE OR REPLACE MACRO to_char(d, f) AS strftime(d, f)",
    "CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)",
    "CREATE OR REPLACE MACRO haversine_km(lat1, lon1, lat2, lon2) AS "
    "2.0 * 6371.0088 * asin(sqrt(pow(sin(radians(lat2 - lat1) / 2), 2) + "
    "cos(radians(lat1)) * cos(radians(lat2)) * pow(sin(radians(lon2 - lon1) / 2), 2)))",
]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def ql(args, ws, *rest, **kw):
    return sh([args.qinglian, "--quiet", "--workspace", str(ws), *rest], **kw)


def committed(ws):
    lake = ws / "lake"
    return lake.is_dir() and any(lake.rglob("*.parquet"))


def build_workspace(args, ws):
    if committed(ws):
        print(f"reusing {ws}", file=sys.stderr)
        return None
    t0 = time.monotonic()
    sh([args.qinglian, "--quiet", "init", str(ws)], stdout=subprocess.DEVNULL)
    data = ws / "demo-data"
    ql(args, ws, "generate", "--scale", args.scale, "--out", str(data), stdout=subprocess.DEVNULL)
    t1 = time.monotonic()
    rows = 0
    for f in sorted(data.glob("*.csv")):
        out = ql(args, ws, "--json", "import", "--force", f.stem, str(f),
                 capture_output=True, text=True)
        rows += json.loads(out.stdout)["batch"]["rows_read"]
    t2 = time.monotonic()
    return {"generate_s": t1 - t0, "import_s": t2 - t1, "rows": rows}


def run_qinglian(args, ws):
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M %e %U %S", args.qinglian, "--quiet", "--json",
                        "--workspace", str(ws), "rules", "bench"],
                       capture_output=True, text=True, check=True)
    wall = time.monotonic() - t0
    peak_kib, _, user, sys_ = p.stderr.strip().splitlines()[-1].split()
    return json.loads(p.stdout), {"wall_s": wall, "peak_mib": int(peak_kib) / 1024,
                                  "cpu_s": float(user) + float(sys_)}


def duckdb_views(con, ws):
    for d in sorted((ws / "lake").iterdir()):
        files = sorted(str(f) for f in d.glob("*.parquet"))
        if files:
            con.execute(f"CREATE OR REPLACE VIEW {d.name} AS SELECT * FROM read_parquet({files!r})")


def run_duckdb(args, ws, timings):
    import duckdb
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    for m in MACROS:
        con.execute(m)
    duckdb_views(con, ws)
    out = {}
    for t in timings:
        if t["status"] != "ran":
            continue
        sql = t["sql"]
        used = [h for h in CALENDAR_HELPERS if re.search(rf"\b{h}\s*\(", sql)]
        if used:
            out[t["id"]] = {"skip": "needs the working-day calendar (" + ", ".join(used) + ")"}
            continue
        t0 = time.monotonic()
        try:
            rows = con.execute(sql).fetchall()
        except Exception as e:  # DuckDB refuses the dialect: report, do not compare
            out[t["id"]] = {"skip": "DuckDB: " + str(e).splitlines()[0][:120]}
            continue
        out[t["id"]] = {"ms": (time.monotonic() - t0) * 1000, "rows": len(rows)}
    return out, duckdb.__version__


def markdown(args, ws, built, timings, q, duck, duck_version, load):
    ran = [t for t in timings if t["status"] == "ran"]
    lines = [
        "<!-- rules-bench:start -->",
        f"Machine: {machine()}; load average {load[0]:.1f} before, {load[1]:.1f} after. "
        f"Run {time.strftime('%Y-%m-%d')}: `{' '.join(sys.argv)}`.",
        "",
    ]
    if built:
        lines.append(f"Workspace `{ws}` built by the script: {built['rows']:,} rows generated in "
                     f"{built['generate_s']:.0f} s and imported in {built['import_s']:.0f} s.")
        lines.append("")
    compared = [t for t in ran if "ms" in duck.get(t["id"], {})]
    q_cmp = sum(t["millis"] for t in compared)
    d_cmp = sum(duck[t["id"]]["ms"] for t in compared)
    lines += [
        "| measure | qinglian (DataFusion 55) | DuckDB " + duck_version + " |",
        "|---|---:|---:|",
        f"| whole rule base ({len(ran)} rules that have their data), wall | **{q['wall_s']:.1f} s** | — |",
        f"| peak RSS of the run | **{q['peak_mib']:.0f} MiB** | — |",
        f"| the {len(compared)} rules both engines run, sum of per-rule wall time | {q_cmp / 1000:.1f} s "
        f"| {d_cmp / 1000:.1f} s |",
        f"| ratio qinglian ÷ DuckDB on those rules (below 1 = qinglian faster) | "
        f"{q_cmp / d_cmp:.2f}× | 1 |" if d_cmp else "| ratio | — | — |",
        "",
        "| rule | qinglian ms | hits | DuckDB ms | DuckDB rows | ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in sorted(ran, key=lambda t: -t["millis"]):
        d = duck.get(t["id"], {})
        if "ms" in d:
            same = "" if d["rows"] == t["hits"] else " ≠"
            lines.append(f"| {t['id']} | {t['millis']:.0f} | {t['hits']} | {d['ms']:.0f} | "
                         f"{d['rows']}{same} | {t['millis'] / max(d['ms'], 0.001):.2f}× |")
        else:
            lines.append(f"| {t['id']} | {t['millis']:.0f} | {t['hits']} | — | — | "
                         f"{d.get('skip', '')} |")
    lines += [
        "",
        "Method: qinglian's `rules bench` registers every committed lake file of each dataset as one "
        "table and runs each rule in turn (plan, execute, turn rows into findings); its wall time "
        "includes process start and registration; peak RSS by `/usr/bin/time`. DuckDB runs the same "
        "SQL text over `read_parquet` views of the same files with the same thread count, "
        "`fetchall()` materialising the result. `≠` marks a rule whose DuckDB row count differs from "
        "qinglian's hits (a dialect difference in the SQL's meaning, to look into).",
        "<!-- rules-bench:end -->",
    ]
    return "\n".join(lines)


def write_doc(path, section):
    text = path.read_text() if path.exists() else ""
    start, end = "<!-- rules-bench:start -->", "<!-- rules-bench:end -->"
    if start in text and end in text:
        a, b = text.index(start), text.index(end) + len(end)
        text = text[:a] + section + text[b:]
    else:
        text = text.rstrip("\n") + "\n\n## Rule base over the large lake\n\n" + section + "\n"
    path.write_text(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--qinglian", default="target/release/qinglian")
    ap.add_argument("--workspace", type=Path, required=True)
    ap.add_argument("--scale", default="large")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--doc", type=Path)
    args = ap.parse_args()
    ws = args.workspace
    built = build_workspace(args, ws)
    load0 = os.getloadavg()[0]
    timings, q = run_qinglian(args, ws)
    duck, version = run_duckdb(args, ws, timings)
    load1 = os.getloadavg()[0]
    section = markdown(args, ws, built, timings, q, duck, version, (load0, load1))
    print(section)
    if args.doc:
        write_doc(args.doc, section)


if __name__ == "__main__":
    main()
