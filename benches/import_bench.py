#!/usr/bin/env python3
"""Scale harness for import: qinglian vs DuckDB on the same payments CSV, in one run.

Usage: python3 benches/import_bench.py [--rows-file FILE] [--scale large] [--write]

Generates the demo payments file (unless --rows-file is given), then measures, each in a
fresh process with /usr/bin/time-style peak RSS from wait4():
  * `qinglian import payments FILE` into a fresh workspace (validates every row,
    pseudonymises accounts, writes Parquet);
  * DuckDB `COPY (SELECT * FROM read_csv(FILE)) TO 'x.parquet'` (the peer; no validation).
Prints a Markdown section with rows/s, MB/s, peak RSS and the ratio; `--write` also puts it
in place of the import section of docs/benchmarks.md.

Builds with `cargo build --release --workspace --locked` (the whole workspace, so features
unify as in every other build) unless --no-build.
"""
import argparse, os, platform, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "qinglian")


def run_measured(cmd, **kw):
    """Wall seconds, peak RSS bytes and CPU seconds (user + system) of one process."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, **kw)
    _, status, ru = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return elapsed, ru.ru_maxrss * 1024, ru.ru_utime + ru.ru_stime  # ru_maxrss is KiB on Linux


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def count_rows(path):
    with open(path, "rb") as f:
        return sum(buf.count(b"\n") for buf in iter(lambda: f.read(1 << 24), b"")) - 1


def write_section(path, section):
    """Replaces the `## Import: payments CSV` section (up to the next `## ` heading or marker)."""
    with open(path) as f:
        lines = f.read().split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("## Import: payments CSV"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(("## ", "<!-- BEGIN"))), len(lines))
    # Keep hand-written notes that follow the measured part (from the first '### ' heading on).
    notes = next((i for i in range(start + 1, end) if lines[i].startswith("### ")), end)
    new = section.rstrip("\n").split("\n") + [""] + lines[notes:end]
    with open(path, "w") as f:
        f.write("\n".join(lines[:start] + new + lines[end:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows-file")
    ap.add_argument("--scale", default="large")
    ap.add_argument("--seed", default="7")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--no-build", action="store_true", help="use the existing target/release/qinglian")
    ap.add_argument("--repeat", type=int, default=3, help="alternating runs of each tool; medians are reported")
    ap.add_argument("--write", action="store_true", help="replace the import section of docs/benchmarks.md")
    ap.add_argument("--example", help="time this build of crates/ingest/examples/ingest_file (the pipeline alone, "
                    "no workspace, batch record or ledger) instead of `qinglian import`")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "--workspace", "--locked"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="qlbench-")
    try:
        if args.rows_file:
            csv = args.rows_file
        else:
            gen_dir = os.path.join(tmp, "data")
            t, _, _ = run_measured([BIN, "--quiet", "generate", "--scale", args.scale, "--seed", args.seed, "--out", gen_dir])
            print(f"generated {args.scale} in {t:.1f} s", file=sys.stderr)
            csv = os.path.join(gen_dir, "payments.csv")
        size = os.path.getsize(csv)
        rows = count_rows(csv)
        # warm the page cache equally for both
        subprocess.run(["cat", csv], stdout=subprocess.DEVNULL, check=True)

        import duckdb  # noqa: F401  (checked before timing)
        out_pq = os.path.join(tmp, "duck.parquet")
        script = (
            "import duckdb,sys; con=duckdb.connect(); con.execute('SET enable_progress_bar=false'); "
            f"con.execute(\"COPY (SELECT * FROM read_csv('{csv}')) TO '{out_pq}' (FORMAT PARQUET, COMPRESSION SNAPPY)\")"
        )
        load_start = os.getloadavg()[0]
        q_runs, d_runs, loads = [], [], []
        for i in range(args.repeat):
            loads.append(os.getloadavg()[0])
            # Alternate the tools so that both see the same mix of background load.
            ws = os.path.join(tmp, f"ws{i}")
            if args.example:
                os.makedirs(ws)
                cmd = [args.example, "payments", csv, os.path.join(ws, "out.parquet")]
            else:
                subprocess.run([BIN, "--quiet", "init", ws], check=True, stdout=subprocess.DEVNULL)
                cmd = [BIN, "--quiet", "--workspace", ws, "import", "payments", csv]
            q_runs.append(run_measured(cmd, stdout=subprocess.DEVNULL))
            shutil.rmtree(ws, ignore_errors=True)
            d_runs.append(run_measured([sys.executable, "-c", script]))
            os.remove(out_pq)
            print(f"run {i + 1}: qinglian {q_runs[-1][0]:.2f} s, duckdb {d_runs[-1][0]:.2f} s", file=sys.stderr)
        load_end = os.getloadavg()[0]
        q_t, q_rss, q_cpu = (median([r[k] for r in q_runs]) for k in range(3))
        d_t, d_rss, d_cpu = (median([r[k] for r in d_runs]) for k in range(3))
        duck_version = subprocess.run([sys.executable, "-c", "import duckdb;print(duckdb.__version__)"], capture_output=True, text=True).stdout.strip()

        mb = size / 1e6
        cpu = platform.processor() or "unknown"
        try:
            with open("/proc/cpuinfo") as f:
                cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
        except Exception:
            pass
        floor = 1_000_000
        section = f"""## Import: payments CSV → lake (measured {time.strftime('%Y-%m-%d')})

Machine: {os.cpu_count()} cores, {cpu}, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB.
Input: `qinglian generate --scale {args.scale} --seed {args.seed}` payments.csv, {rows:,} rows, {mb:,.0f} MB (page cache warm).
Method: `python3 benches/import_bench.py --repeat {args.repeat}{" --example " + os.path.relpath(args.example, ROOT) if args.example else ""}` — each tool in a fresh process, the two
alternating, {args.repeat} runs each, medians of wall time, peak RSS (wait4) and CPU time (user + system).
Load average (1 min) {load_start:.1f} at the start, {load_end:.1f} at the end.

| tool | what it does | time (s) | rows/s | MB/s | CPU s | CPU-µs/row | peak RSS (MiB) |
|---|---|---:|---:|---:|---:|---:|---:|
| {"qinglian ingest pipeline (`ingest_file` example)" if args.example else "qinglian import"} | parse, validate every cell, pseudonymise accounts, quarantine, Parquet (snappy), SHA-256 of the source{"" if args.example else ", batch record, ledger entry"} | {q_t:.2f} | {rows / q_t:,.0f} | {mb / q_t:,.1f} | {q_cpu:.1f} | {q_cpu / rows * 1e6:.2f} | {q_rss / 2**20:,.0f} |
| DuckDB {duck_version} `read_csv` → Parquet | type inference, Parquet (snappy); no validation | {d_t:.2f} | {rows / d_t:,.0f} | {mb / d_t:,.1f} | {d_cpu:.1f} | {d_cpu / rows * 1e6:.2f} | {d_rss / 2**20:,.0f} |

Ratio qinglian / DuckDB: throughput **{d_t / q_t:.2f}×**, CPU per row {q_cpu / d_cpu:.2f}×, memory {q_rss / max(d_rss, 1):.2f}×.

Each run (wall s, qinglian / DuckDB, 1-minute load before the pair): {"; ".join(f"{q[0]:.2f} / {d[0]:.2f} at {l:.1f}" for q, d, l in zip(q_runs, d_runs, loads))}.
Best run of each: qinglian **{rows / min(r[0] for r in q_runs):,.0f} rows/s**, DuckDB **{rows / min(r[0] for r in d_runs):,.0f} rows/s**.

Floor of the issue ({floor:,} rows/s): {"**met**" if rows / q_t >= floor else "**not met**"} by the median ({rows / q_t:,.0f} rows/s
wall clock), {"**met**" if rows / min(r[0] for r in q_runs) >= floor else "**not met**"} by the best run. CPU-bound rate with both cores free, derived (rows ÷ (CPU s ÷ 2), not measured):
qinglian {rows / (q_cpu / 2):,.0f} rows/s, DuckDB {rows / (d_cpu / 2):,.0f} rows/s.
"""
        print(section)
        if args.write:
            write_section(os.path.join(ROOT, "docs", "benchmarks.md"), section)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
