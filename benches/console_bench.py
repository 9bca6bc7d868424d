#!/usr/bin/env python3
"""The console with 1 million warnings: dashboard and inbox server time, then a load test.

Usage: python3 benches/console_bench.py [--warnings 1000000] [--work /tmp/qinglian-console-bench]
                                        [--requests 200] [--users 50] [--seconds 60]

Needs release binaries (built with the whole workspace, see docs/benchmarks.md):
target/release/qinglian and target/release/examples/warnings_bench (the seeder of the warning
workflow benchmark), and `wrk` (Debian package wrk).

1. Seeds N warnings with their histories into a fresh desk with `warnings_bench --queries 0
   --transitions 0 --keep` (skipped when WORK/seed/desk.sqlite exists from an earlier run),
   and copies it into a fresh workspace (`qinglian init`); opening it applies the console's
   migrations (the dashboard tallies are filled from the existing warnings then).
2. Adds an inspector (sees everything) and a liaison (one department), starts
   `qinglian serve` on loopback, signs in through the form.
3. Sequentially requests each page R times and reports p50/p95/p99 of the server's own time
   (the `Server-Timing: app;dur=` header every answer carries: from the request entering the
   router to the answer's headers) and of the client's time over loopback.
4. Load: `wrk` with one thread per connection, each signed in as its own session, cycling
   through dashboard and inbox pages for S seconds; requests/s, latency percentiles, errors.
Prints a Markdown section.
"""
import argparse, http.client, json, os, re, shutil, subprocess, sys, tempfile, time, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import machine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "qinglian")
SEEDER = os.path.join(ROOT, "target", "release", "examples", "warnings_bench")

# What is measured: the dashboard (page and its chart data) and the inbox with the filters
# people use; the seeder's departments are 部门00..部门39, rules R-000..R-119, four years from
# 2022-11.
DEPT = urllib.parse.quote("部门07")
PAGES = [
    ("dashboard page", "/dashboard"),
    ("dashboard data (charts)", "/dashboard/data.json"),
    ("inbox, default (open, by deadline)", "/warnings"),
    ("inbox, department + level", f"/warnings?department={DEPT}&level=2"),
    ("inbox, state + overdue", "/warnings?state=verifying&overdue=1"),
    ("inbox, closed too, page 20", "/warnings?all=1&page=20"),
    ("inbox, rule", "/warnings?rule=R-042&all=1"),
    ("inbox, month", "/warnings?month=2024-03&all=1"),
    ("inbox, date range (a quarter)", "/warnings?from=2025-01-01&to=2025-03-31&all=1"),
    ("inbox, amount range", "/warnings?amount_min=1000000&amount_max=2000000"),
]
LIAISON_PAGES = [
    ("dashboard data, liaison (one department)", "/dashboard/data.json"),
    ("inbox, liaison", "/warnings"),
]


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round((len(xs) - 1) * p))]


class Client:
    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        t = time.perf_counter()
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        elapsed = (time.perf_counter() - t) * 1000
        c.close()
        return r, data, elapsed

    def sign_in(self, user, password):
        r, body, _ = self.request("GET", "/sign-in")
        csrf = re.search(r"ql_csrf=([^;]+)", r.getheader("Set-Cookie") or "").group(1)
        form = urllib.parse.urlencode({"username": user, "password": password, "totp": "", "csrf": csrf})
        r, body, _ = self.request("POST", "/sign-in", form, {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"ql_csrf={csrf}"})
        cookies = ";".join(r.headers.get_all("Set-Cookie") or [])
        m = re.search(r"ql_session=([^;]+)", cookies)
        if r.status != 303 or not m:
            sys.exit(f"sign-in of {user} failed: {r.status} {body[:300]!r}")
        return f"ql_session={m.group(1)}"


def add_user(ws, name, role, dept=None):
    cmd = [BIN, "--workspace", ws, "users", "add", name, "--role", role]
    if dept:
        cmd += ["--department", dept]
    if role in ("admin", "inspector"):
        cmd.append("--no-totp")
    out = run(cmd)
    return re.search(r"password: (\S+)", out).group(1)


def measure(client, cookie, pages, n):
    rows = []
    for label, path in pages:
        server, client_ms = [], []
        for i in range(n + 3):
            r, body, ms = client.request("GET", path, headers={"Cookie": cookie})
            if r.status != 200:
                sys.exit(f"{path}: {r.status} {body[:300]!r}")
            st = re.search(r"dur=([0-9.]+)", r.getheader("Server-Timing") or "")
            if i >= 3:  # the first answers warm the page cache and the statement cache
                server.append(float(st.group(1)))
                client_ms.append(ms)
        rows.append((label, path, n, pct(server, .5), pct(server, .95), pct(server, .99), pct(client_ms, .95)))
    return rows


WRK_LUA = """
local cookies = {%(cookies)s}
local paths = {%(paths)s}
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("cookie", cookies[(next_id - 1) %% #cookies + 1])
  thread:set("offset", next_id)
end
function init(args)
  i = offset
end
function request()
  i = i + 1
  return wrk.format("GET", paths[i %% #paths + 1], { ["Cookie"] = cookie })
end
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%%d seconds=%%.3f connect=%%d read=%%d write=%%d status=%%d timeout=%%d p50=%%.3f p90=%%.3f p99=%%.3f max=%%.3f\\n",
    summary.requests, summary.duration / 1e6, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
"""


def main():
    global BIN
    ap = argparse.ArgumentParser()
    ap.add_argument("--warnings", type=int, default=1_000_000)
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "qinglian-console-bench"))
    ap.add_argument("--requests", type=int, default=200, help="sequential requests per page")
    ap.add_argument("--users", type=int, default=50, help="concurrent signed-in users in the load test")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--port", type=int, default=18080)
    ap.add_argument("--bin", default=BIN, help="the qinglian binary (default: the release build)")
    args = ap.parse_args()
    BIN = args.bin
    for b in (BIN, SEEDER):
        if not os.path.exists(b):
            sys.exit(f"missing {b}: build release binaries first (docs/benchmarks.md, Console)")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    os.makedirs(args.work, exist_ok=True)
    seed = os.path.join(args.work, "seed")
    if not os.path.exists(os.path.join(seed, "desk.sqlite")):
        t = time.perf_counter()
        run([SEEDER, "--warnings", str(args.warnings), "--queries", "0", "--transitions", "0",
             "--dir", seed, "--keep"])
        print(f"seeded {args.warnings} warnings in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    ws = os.path.join(args.work, "ws")
    shutil.rmtree(ws, ignore_errors=True)
    run([BIN, "--quiet", "init", ws])
    for suffix in ("", "-wal", "-shm"):
        target = os.path.join(ws, "desk.sqlite" + suffix)
        if os.path.exists(target):
            os.remove(target)
        if os.path.exists(os.path.join(seed, "desk.sqlite" + suffix)) and suffix != "-shm":
            shutil.copyfile(os.path.join(seed, "desk.sqlite" + suffix), target)
    t = time.perf_counter()
    inspector = add_user(ws, "bench", "inspector")  # opening the desk migrates it (tallies)
    migrate_s = time.perf_counter() - t
    liaison = add_user(ws, "bench-liaison", "liaison", "部门07")
    db_mb = sum(os.path.getsize(os.path.join(ws, f)) for f in os.listdir(ws) if f.startswith("desk.sqlite")) / 1e6

    server = subprocess.Popen([BIN, "--workspace", ws, "serve", "--bind", f"127.0.0.1:{args.port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = Client(args.port)
        for _ in range(600):
            try:
                if client.request("GET", "/readyz")[0].status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            sys.exit("the server did not become ready")
        cookie = client.sign_in("bench", inspector)
        rows = measure(client, cookie, PAGES, args.requests)
        rows += measure(client, client.sign_in("bench-liaison", liaison), LIAISON_PAGES, args.requests)

        cookies = [client.sign_in("bench", inspector) for _ in range(args.users)]
        lua = os.path.join(args.work, "console.lua")
        with open(lua, "w") as f:
            f.write(WRK_LUA % {
                "cookies": ", ".join(json.dumps(c) for c in cookies),
                "paths": ", ".join(json.dumps(p) for _, p in PAGES),
            })
        wrk_cmd = ["wrk", "-t", str(args.users), "-c", str(args.users), "-d", f"{args.seconds}s",
                   "--timeout", "10s", "-s", lua, f"http://127.0.0.1:{args.port}"]
        out = run(wrk_cmd)
        res = dict(kv.split("=") for kv in re.search(r"RESULT (.*)", out).group(1).split())
    finally:
        server.terminate()
        server.wait(timeout=30)

    errors = sum(int(res[k]) for k in ("connect", "read", "write", "status", "timeout"))
    print("## Console\n")
    print(f"Machine: {machine()}. Load average at start: {os.getloadavg()[0]:.2f}.\n")
    print(f"{args.warnings:,} warnings in the desk ({db_mb:.0f} MB); opening it the first time "
          f"(migrations, tallies filled from the warnings) took {migrate_s:.1f} s.\n")
    print(f"Sequential, one signed-in user, {args.requests} requests per page after 3 warm-up ones. "
          "Server time is the `Server-Timing: app;dur=` header (router entry to response headers); "
          "client p95 is the same requests timed by the script over loopback.\n")
    print("| page | path | n | server p50 ms | server p95 ms | server p99 ms | client p95 ms |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, path, n, p50, p95, p99, c95 in rows:
        print(f"| {label} | `{urllib.parse.unquote(path)}` | {n} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {c95:.1f} |")
    print(f"\nLoad: {args.users} signed-in sessions, one connection each, for {args.seconds} s, cycling "
          f"through the {len(PAGES)} pages above (`{' '.join(wrk_cmd[:-3])} …`):\n")
    rps = int(res["requests"]) / float(res["seconds"])
    print("| requests | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {int(res['requests']):,} | {rps:.0f} | {float(res['p50']):.1f} | {float(res['p90']):.1f} | "
          f"{float(res['p99']):.1f} | {float(res['max']):.1f} | {errors} |")
    if errors:
        print(f"\nerrors: {res}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
