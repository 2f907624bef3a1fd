"""Load test of the real stack: PostgreSQL, gunicorn with production settings, wrk and a Python apply client.

    python bench/run.py [--scales 1000:20000,10000:200000] [--duration 15] [--output docs/performance.md]
        [--scenarios healthz,listing,filtered,filtered_uncached,search,detail,admin_list,apply,exports]
        [--db-prefix NAME]

For each scale (postings:applications) it creates a scratch database on 127.0.0.1 (user postgres, trust
auth), migrates, generates the data (`bench/generate_data.py`), runs `collectstatic`, starts gunicorn
(DEBUG off, full middleware, plain http) on a free port, measures each scenario for a fixed time after a
warm-up, times the CSV and XLSX exports with `/usr/bin/time -v`, stops gunicorn and drops the database.
Every throughput is reported as a ratio to `/healthz` measured the same way in the same run. It writes
the report (docs/performance.md) and exits 1 when a budget is missed, 2 when the run itself failed.
`--scenarios` runs only some of them (every one by default); the report then shows only those.
"""

import argparse
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402

PYTHON = sys.executable
PG = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"]
RECRUITER_PASSWORD = "bench-" + secrets.token_hex(12)

# "*_uncached": the same page, each request with a query string of its own (bench/report.lua), so none is
# served from the page cache: what a page costs to render (filter options still cached). No budget.
WRK_SCENARIOS = [
    "healthz",
    "listing",
    "listing_uncached",
    "filtered",
    "filtered_uncached",
    "search",
    "search_uncached",
    "detail",
    "admin_list",
]
SCENARIOS = [*WRK_SCENARIOS, "apply", "exports"]

# The scale the issue sets the budgets at (10k postings, 200k applications).
BUDGET_SCALE = 10_000
BUDGETS = {
    "listing": 0.6,
    "filtered": 0.3,
    "search": 0.3,
    "detail": 0.6,
    "apply": 0.2,
    "listing_p50_100k_over_1k": 1.5,
    "csv_rows_per_s": 50_000,
    "csv_peak_rss_mb": 120,
    "csv_rss_growth": 1.25,  # peak RSS at 200k rows / at 20k rows: "flat"
    "xlsx_peak_rss_mb": 200,
}

SETUP_SCRIPT = r"""
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from postings.models import Posting

user = get_user_model().objects.get(username="bench-recruteur")
user.set_password(PASSWORD)
user.save(update_fields=["password"])
group = Group.objects.filter(name="Recruteurs").first()
if group is not None:
    user.groups.add(group)
else:
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_application", "change_application"]))
open_postings = Posting.objects.open_for_applications().filter(slug__startswith="bench-")
# The detail page of a posting with a session, two languages and pay components: a full page.
detail = open_postings.filter(session__isnull=False).order_by("pk").first() or open_postings.order_by("pk").first()
# Applications go to the latest deadline, so the posting stays open for the whole run.
target = open_postings.order_by("-deadline").first()
print("SETUP_JSON " + json.dumps({
    "detail": reverse("postings:detail", kwargs={"slug": detail.slug}),
    "apply": reverse("applications:apply", kwargs={"slug": target.slug}),
    "apply_slug": target.slug,
    "admin_list": reverse("admin:applications_application_changelist"),
    "login": reverse("admin:login"),
    "open_postings": open_postings.count(),
}))
"""

COUNT_SCRIPT = r"""
import json
from applications.models import Application
rows = Application.objects.filter(posting__slug=SLUG).exclude(reference__startswith="BENCH-")
print("COUNT_JSON " + json.dumps({"rows": rows.count(), "files": [a.cv.name for a in rows]}))
"""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def start_gunicorn(
    application: str, port: int, workers: int, env: dict, tmp: Path, pythonpath: str = ""
) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:`port` with `workers` sync workers, logging to `tmp`/gunicorn.log."""
    return subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            application,
            *(["--pythonpath", pythonpath] if pythonpath else []),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(tmp / "gunicorn.log", "a"),
        stderr=subprocess.STDOUT,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    pg = subprocess.run(
        [*PG, "-At", "-c", "show server_version"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "postgresql": pg,
        "python": platform.python_version(),
        "commit": subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        "kernel": platform.release(),
    }


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


class Stack:
    """One scale: scratch database, data, gunicorn. Always torn down by `close()`."""

    def __init__(self, postings: int, applications: int, args):
        self.postings, self.applications, self.args = postings, applications, args
        self.db = f"{args.db_prefix}_{postings}"
        self.tmp = Path(tempfile.mkdtemp(prefix=f"passerelle-bench-{postings}-"))
        self.port = free_port()
        self.gunicorn = None
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.db}",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "PASSERELLE_REQUIRE_SECRET": "true",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "PASSERELLE_VAR_DIR": str(self.tmp / "var"),
            "PRIVATE_MEDIA_ROOT": str(self.tmp / "private"),
            "STATIC_ROOT": str(self.tmp / "static"),
            "LOG_LEVEL": "WARNING",
            # One client address sends every application: lift the per-address limit for this run only.
            "APPLY_RATE_LIMIT": "1000000000",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        if args.pgoptions:
            # libpq reads PGOPTIONS: server settings for every connection (e.g. "-c jit=off"), no code change.
            self.env["PGOPTIONS"] = args.pgoptions

    def manage(self, *args, capture=False, timeout=1800) -> subprocess.CompletedProcess:
        return self.script("manage.py", *args, capture=capture, timeout=timeout)

    def script(self, path: str, *args, capture=False, timeout=1800) -> subprocess.CompletedProcess:
        """Run a Python script of the project (manage.py, a bench script) with the bench's environment."""
        return subprocess.run(
            [PYTHON, path, *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=timeout,
            capture_output=capture,
            text=True,
        )

    def shell(self, script: str, marker: str) -> dict:
        out = self.manage("shell", "-c", script, capture=True).stdout
        line = next(line for line in out.splitlines() if line.startswith(marker))
        return json.loads(line[len(marker) :])

    def prepare(self) -> dict:
        subprocess.run([*PG, "-c", f"DROP DATABASE IF EXISTS {self.db}"], check=True, timeout=120)
        subprocess.run([*PG, "-c", f"CREATE DATABASE {self.db}"], check=True, timeout=120)
        log(f"{self.db}: migrate")
        self.manage("migrate", "--no-input", "-v0")
        log(f"generate {self.postings} postings, {self.applications} applications")
        started = time.monotonic()
        self.script(
            "bench/generate_data.py",
            "--postings",
            str(self.postings),
            "--applications",
            str(self.applications),
            "--seed",
            str(self.args.seed),
        )
        generate_s = time.monotonic() - started
        subprocess.run([*PG, "-d", self.db, "-c", "VACUUM ANALYZE"], check=True, timeout=900)
        self.manage("collectstatic", "--no-input", "-v0")
        setup = self.shell(SETUP_SCRIPT.replace("PASSWORD", repr(RECRUITER_PASSWORD)), "SETUP_JSON ")
        setup["generate_s"] = generate_s
        return setup

    def start(self, extra_env: dict | None = None) -> None:
        self.gunicorn = start_gunicorn(
            "config.wsgi", self.port, self.args.workers, {**self.env, **(extra_env or {})}, self.tmp
        )
        for _ in range(150):
            try:
                if get(self.port, "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            "gunicorn did not answer /healthz within 30 s; see " + str(self.tmp / "gunicorn.log")
        )

    def busy_ticks(self) -> int:
        """CPU time (1/100 s) used so far by gunicorn's workers."""
        pid = self.gunicorn.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return 0
        return sum(process_ticks(child) for child in children)

    def postgres_ticks(self) -> dict[str, int]:
        """CPU time (1/100 s) used so far by each PostgreSQL backend connected to this database."""
        query = (
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = subprocess.run(
            [*PG, "-d", self.db, "-At", "-c", query], capture_output=True, text=True, timeout=30
        ).stdout.split()
        return {pid: process_ticks(pid) for pid in pids}

    def cpu(self, run) -> tuple[dict, dict]:
        """Run `run()` and return its result with the CPU seconds it cost: gunicorn's workers, the database's
        backends, and the client (the child processes this script waited for meanwhile). Unlike req/s, these
        hardly depend on what else the shared machine is doing."""
        server, database, client = self.busy_ticks(), self.postgres_ticks(), os.times()
        result = run()
        after_client, after_database = os.times(), self.postgres_ticks()
        ticks = os.sysconf("SC_CLK_TCK")
        return result, {
            "server": (self.busy_ticks() - server) / ticks,
            "postgres": sum(t - database.get(pid, 0) for pid, t in after_database.items()) / ticks,
            "client": (after_client.children_user - client.children_user)
            + (after_client.children_system - client.children_system),
        }

    def settle(self, limit: float = 180) -> float:
        """Wait until the requests a timed-out client left behind are done: idle workers, no active query.

        A sync worker finishes a request even after wrk has gone, so a slow scenario would otherwise eat into
        the next one's time.
        """
        started = time.monotonic()
        query = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'active' AND pid <> pg_backend_pid()"
        )
        while time.monotonic() - started < limit:
            before = self.busy_ticks()
            time.sleep(0.5)
            active = subprocess.run(
                [*PG, "-d", self.db, "-At", "-c", query], capture_output=True, text=True, timeout=30
            ).stdout.strip()
            if self.busy_ticks() - before <= 2 and active == "0":
                return time.monotonic() - started
        raise RuntimeError(f"the server was still busy {limit:.0f} s after the last scenario")

    def stop(self) -> None:
        if self.gunicorn is not None and self.gunicorn.poll() is None:
            self.gunicorn.send_signal(signal.SIGTERM)
            try:
                self.gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.gunicorn.kill()
                self.gunicorn.wait(timeout=30)

    def close(self) -> None:
        self.stop()
        if not self.args.keep_db:
            subprocess.run([*PG, "-c", f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)"], timeout=300)
            shutil.rmtree(self.tmp, ignore_errors=True)


def process_ticks(pid) -> int:
    """CPU time (1/100 s, user + system) used so far by one process; 0 once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, str]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read().decode("utf-8", "replace")
    connection.close()
    return response.status, response.headers, body


def login(port: int, login_path: str, username: str, password: str) -> str:
    """Log in through the admin form like a browser; returns the Cookie header value of the session."""
    import http.client

    status, headers, html = get(port, login_path)
    cookies = loadgen.cookies_from_headers(headers.get_all("Set-Cookie") or [])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(
        "POST",
        login_path,
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Referer": f"http://127.0.0.1:{port}{login_path}",
        },
    )
    response = connection.getresponse()
    response.read()
    cookies.update(loadgen.cookies_from_headers(response.headers.get_all("Set-Cookie") or []))
    connection.close()
    session = {k: v for k, v in cookies.items() if "sessionid" in k}
    if response.status != 302 or not session:
        raise RuntimeError(f"recruiter login failed (HTTP {response.status})")
    return "; ".join(f"{k}={v}" for k, v in session.items())


def wrk(port: int, path: str, duration: int, args, headers: dict | None = None, uncached=False) -> dict:
    command = [
        "wrk",
        "-t",
        str(args.threads),
        "-c",
        str(args.connections),
        "--timeout",
        "30s",
        "-s",
        str(ROOT / "bench" / "report.lua"),
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    url = f"http://127.0.0.1:{port}{path}"
    env = {**os.environ, "BENCH_UNCACHED": "1"} if uncached else None
    subprocess.run(
        [*command, "-d", f"{args.warmup}s", url], capture_output=True, check=True, timeout=120, env=env
    )
    out = subprocess.run(
        [*command, "-d", f"{duration}s", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 120,
        env=env,
    ).stdout
    result = json.loads(next(line for line in out.splitlines() if line.startswith("BENCH_JSON "))[11:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(
        result[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    if result["requests"] == 0:
        result["errors"] += 1  # nothing completed in the time given: a failure, not a 0 ms latency
    return result


def python_load(port: int, scenario: str, duration: int, args, form_path: str = "") -> dict:
    command = [
        PYTHON,
        str(ROOT / "bench" / "loadgen.py"),
        scenario,
        "--port",
        str(port),
        "--duration",
        str(duration),
        "--threads",
        str(args.connections),
    ]
    if form_path:
        command += ["--form-path", form_path]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration + 300).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith("BENCH_JSON "))[11:])


def timed_export(stack: Stack, fmt: str) -> dict:
    output = stack.tmp / f"export.{fmt}"
    started = time.monotonic()
    done = subprocess.run(
        [
            "/usr/bin/time",
            "-v",
            PYTHON,
            "manage.py",
            "export_applications",
            "--format",
            fmt,
            "--output",
            str(output),
        ],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        return {"error": done.stderr.split("\tCommand being timed")[0][-800:]}
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    rows = re.search(r"(\d+) candidature", done.stderr)
    rows = int(rows.group(1)) if rows else None
    size = output.stat().st_size
    output.unlink()
    return {
        "rows": rows,
        "seconds": elapsed,
        "rows_per_s": rows / elapsed if rows else None,
        "peak_rss_mb": rss_kb / 1024,
        "bytes": size,
    }


def median_export(runs: list[dict]) -> dict:
    """The run of median speed, with the highest peak RSS of all runs and every run's seconds."""
    failed = [run for run in runs if "error" in run]
    if failed:
        return failed[0]
    median = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
    return {
        **median,
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "runs_seconds": [round(run["seconds"], 2) for run in runs],
    }


def measure(stack: Stack, setup: dict, args) -> dict:
    port, d = stack.port, args.duration
    results: dict = {"setup": setup, "loadavg": {}}
    cookie = login(port, setup["login"], "bench-recruteur", RECRUITER_PASSWORD)
    scenarios = {
        "healthz": ("/healthz", None),
        "listing": ("/", None),
        "listing_uncached": ("/", None),
        "filtered": ("/?kind=volunteer&country=BE", None),
        "filtered_uncached": ("/?kind=volunteer&country=BE", None),
        "search": ("/?q=droits+etrangers", None),
        "search_uncached": ("/?q=droits+etrangers", None),
        "detail": (setup["detail"], None),
        "admin_list": (setup["admin_list"], {"Cookie": cookie}),
    }
    scenarios = {name: scenario for name, scenario in scenarios.items() if name in args.scenarios}
    for name, (path, headers) in scenarios.items():
        status, _headers, _body = get(port, path, headers)
        if status != 200:
            raise RuntimeError(f"preflight: {name} {path} answered HTTP {status}, expected 200")
    results["settle_s"] = {}
    for name, (path, headers) in scenarios.items():
        results["settle_s"][name] = stack.settle()
        results["loadavg"][name] = loadavg()
        log(f"wrk {name} {path} ({d} s)")
        results[name] = wrk(port, path, d, args, headers, uncached=name.endswith("_uncached"))
        results[name]["path"] = path
    if "apply" in args.scenarios:
        measure_apply(stack, setup, args, results)
    compared = [name for name in ("healthz", "listing", "admin_list") if name in scenarios]
    if args.compare_pgoptions and "healthz" in compared and len(compared) > 1:
        # The same scenarios once more on a server whose connections use the suggested PostgreSQL setting:
        # the before/after of that fix, measured in the same run.
        stack.stop()
        stack.start({"PGOPTIONS": args.compare_pgoptions})
        results["compare"] = {}
        for name in compared:
            path, headers = scenarios[name]
            stack.settle()
            log(f"wrk {name} with PGOPTIONS={args.compare_pgoptions!r} ({d} s)")
            results["compare"][name] = wrk(port, path, d, args, headers)
            results["compare"][name]["path"] = path
        stack.settle()
        stack.stop()
    if "exports" in args.scenarios:
        log("exports (csv, xlsx)")
        # The CSV export takes a few seconds: three runs, the median reported (one run moved by ±20 % with the
        # machine's other load). The XLSX export takes a minute: one run.
        results["csv"] = median_export([timed_export(stack, "csv") for _ in range(3)])
        results["xlsx"] = timed_export(stack, "xlsx")
    return results


def measure_apply(stack: Stack, setup: dict, args, results: dict) -> None:
    """The apply flow with the Python client, its /healthz reference, and rows == files == successes."""
    port, d = stack.port, args.duration
    results["settle_s"]["py_healthz"] = stack.settle()
    log(f"python client: healthz ({d} s)")
    results["py_healthz"], cpu = stack.cpu(lambda: python_load(port, "healthz", d, args))
    results["py_healthz"]["cpu_s"] = cpu
    results["settle_s"]["apply"] = stack.settle()
    log(f"python client: apply with a 1 MB PDF ({d} s)")
    results["loadavg"]["apply"] = loadavg()
    results["apply"], cpu = stack.cpu(lambda: python_load(port, "apply", d, args, setup["apply"]))
    results["apply"]["cpu_s"] = cpu
    count = stack.shell(COUNT_SCRIPT.replace("SLUG", repr(setup["apply_slug"])), "COUNT_JSON ")
    private = Path(stack.env["PRIVATE_MEDIA_ROOT"])
    stored = [name for name in count["files"] if (private / name).is_file()]
    results["apply"].update({"rows": count["rows"], "stored_files": len(set(stored))})


# Report ------------------------------------------------------------------------------------------------


def fmt_ratio(value, budget):
    if value is None:
        return "–", None
    ok = value >= budget
    return f"{value:.2f} ({'≥' if ok else '<'} {budget})", ok


def evaluate(all_results: dict, args) -> tuple[list[str], list[str]]:
    """Markdown lines of the report, and the budgets missed."""
    lines, missed = [], []
    scales = sorted(all_results)
    for postings in scales:
        r = all_results[postings]
        ref = r["healthz"]["rps"] if "healthz" in r else None
        lines += [
            "",
            f"### {postings:,} postings, {r['applications']:,} applications".replace(",", " "),
            "",
            f"Data generated in {r['setup']['generate_s']:.0f} s ({r['setup']['open_postings']} postings open). "
            "Load average (1 min) at the start of each scenario: "
            + ", ".join(f"{k} {v}" for k, v in r["loadavg"].items())
            + ". Seconds waited before each scenario for the previous one's leftover requests to finish: "
            + ", ".join(f"{k} {v:.0f}" for k, v in r.get("settle_s", {}).items())
            + ".",
            "",
            "| scenario | path | req/s | ratio to /healthz | budget | p50 ms | p90 ms | p99 ms | errors |",
            "| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
        ]
        for name in [name for name in WRK_SCENARIOS if name in r]:
            s = r[name]
            ratio = s["rps"] / ref
            budget = BUDGETS.get(name)
            verdict = "reference" if name == "healthz" else "–"
            if budget is not None:
                ok = ratio >= budget and s["errors"] == 0
                verdict = f"≥ {budget} {'✅' if ok else '❌'}"
                if not ok:
                    missed.append(f"{postings} postings: {name} ratio {ratio:.3f} < {budget}")
            path = (
                f"`{s['path']}` + a new `utm_source` per request"
                if name.endswith("_uncached")
                else f"`{s['path']}`"
            )
            lines.append(
                f"| {name} | {path} | {s['rps']:.1f} | {ratio:.3f} | {verdict} | {s['p50_ms']:.1f} | "
                f"{s['p90_ms']:.1f} | {s['p99_ms']:.1f} | {s['errors']} |"
            )
        if "apply" not in r:
            lines.append("")
        if "apply" in r:
            py_ref, apply = r["py_healthz"], r["apply"]
            apply_ratio = apply["rps"] / py_ref["rps"] if py_ref["rps"] else 0
            consistent = apply["rows"] == apply["stored_files"] == apply["ok"]
            ok = apply_ratio >= BUDGETS["apply"] and consistent
            if not ok:
                missed.append(
                    f"{postings} postings: apply ratio {apply_ratio:.3f} (budget {BUDGETS['apply']}), rows "
                    f"{apply['rows']} / files {apply['stored_files']} / successes {apply['ok']}"
                )
            lines += [
                f"| healthz (Python client) | `/healthz` | {py_ref['rps']:.0f} | reference | – | "
                f"{py_ref['p50_ms']:.1f} | {py_ref['p90_ms']:.1f} | – | "
                f"{sum(v for k, v in py_ref['outcomes'].items() if k != 'ok')} |",
                f"| apply POST 1 MB (Python client) | `{r['setup']['apply']}` | {apply['rps']:.1f} | "
                f"{apply_ratio:.3f}{f' (vs wrk /healthz: {apply["rps"] / ref:.3f})' if ref else ''} | ≥ {BUDGETS['apply']} "
                f"{'✅' if ok else '❌'} | {apply['p50_ms'] or 0:.1f} | {apply['p90_ms'] or 0:.1f} | – | "
                f"{sum(v for k, v in apply['outcomes'].items() if k != 'ok')} |",
                "",
                f"Apply: {apply['ok']} successful POSTs (302 to the confirmation), {apply['rows']} new rows, "
                f"{apply['stored_files']} CV files on disk: {'consistent ✅' if consistent else 'MISMATCH ❌'}. "
                f"Outcomes: `{json.dumps(apply['outcomes'])}`.",
                "",
            ]
            if "cpu_s" in apply and "cpu_s" in py_ref and apply["ok"] and py_ref["ok"]:
                lines += [cpu_line(py_ref, apply), ""]
        if "compare" in r:
            c = r["compare"]
            lines += [
                f"Same scenarios on a second server started with `PGOPTIONS={args.compare_pgoptions!r}` "
                "(the setting suggested below), for comparison:",
                "",
                "| scenario | req/s | ratio to its /healthz | p50 ms | p90 ms | errors |",
                "| --- | ---: | ---: | ---: | ---: | ---: |",
            ]
            for name in c:
                lines.append(
                    f"| {name} | {c[name]['rps']:.1f} | {c[name]['rps'] / c['healthz']['rps']:.3f} | "
                    f"{c[name]['p50_ms']:.1f} | {c[name]['p90_ms']:.1f} | {c[name]['errors']} |"
                )
            lines.append("")
        for fmt_name in [name for name in ("csv", "xlsx") if name in r]:
            e = r[fmt_name]
            if "error" in e:
                lines.append(f"{fmt_name.upper()} export failed: `{e['error'].strip()[-300:]}`")
                missed.append(f"{postings} postings: {fmt_name} export failed")
                continue
            lines.append(
                f"{fmt_name.upper()} export (`manage.py export_applications --format {fmt_name}`): {e['rows']} rows "
                f"in {e['seconds']:.1f} s = {e['rows_per_s']:.0f} rows/s, peak RSS {e['peak_rss_mb']:.0f} MB, "
                f"{e['bytes'] / 1e6:.1f} MB written (process start-up included"
                + (
                    f"; median of {len(e['runs_seconds'])} runs: "
                    + ", ".join(f"{t:.1f}" for t in e["runs_seconds"])
                    + " s"
                    if e.get("runs_seconds")
                    else ""
                )
                + ")."
            )
        lines.append("")
    # The export budgets are the at 10k postings / 200k applications: judged there when that scale ran
    # (the largest scale otherwise); the other scales' figures are in their sections above.
    big_scale = BUDGET_SCALE if BUDGET_SCALE in all_results else scales[-1]
    big = all_results[big_scale]
    small = all_results[scales[0]]
    lines += ["### Budgets across scales", ""]
    csv = big.get("csv", {"error": "not run"})
    if "error" not in csv:
        for label, value, budget, higher in [
            (
                f"CSV rows/s at {big['applications']} rows ({big_scale} postings)",
                csv["rows_per_s"],
                BUDGETS["csv_rows_per_s"],
                True,
            ),
            (
                f"CSV peak RSS MB at {big['applications']} rows ({big_scale} postings)",
                csv["peak_rss_mb"],
                BUDGETS["csv_peak_rss_mb"],
                False,
            ),
        ]:
            ok = value >= budget if higher else value <= budget
            lines.append(
                f"- {label}: {value:.0f} (budget {'≥' if higher else '≤'} {budget}) {'✅' if ok else '❌'}"
            )
            if not ok:
                missed.append(f"{label}: {value:.0f}")
    if len(scales) > 1 and "error" not in csv and "error" not in small.get("csv", {"error": "not run"}):
        growth = csv["peak_rss_mb"] / small["csv"]["peak_rss_mb"]
        ok = growth <= BUDGETS["csv_rss_growth"]
        lines.append(
            f"- CSV peak RSS {small['applications']} → {big['applications']} rows: {small['csv']['peak_rss_mb']:.0f} → "
            f"{csv['peak_rss_mb']:.0f} MB (×{growth:.2f}, flat means ≤ ×{BUDGETS['csv_rss_growth']}) "
            f"{'✅' if ok else '❌'}"
        )
        if not ok:
            missed.append(f"CSV peak RSS grows ×{growth:.2f}")
    xlsx = big.get("xlsx", {"error": "not run"})
    if "error" not in xlsx:
        ok = xlsx["peak_rss_mb"] <= BUDGETS["xlsx_peak_rss_mb"]
        lines.append(
            f"- XLSX peak RSS at {big['applications']} rows: {xlsx['peak_rss_mb']:.0f} MB (budget ≤ "
            f"{BUDGETS['xlsx_peak_rss_mb']}) {'✅' if ok else '❌'}"
        )
        if not ok:
            missed.append(f"XLSX peak RSS {xlsx['peak_rss_mb']:.0f} MB")
    p50 = {p: all_results[p]["listing"]["p50_ms"] for p in scales if "listing" in all_results[p]}
    if 100_000 in p50 and 1000 in p50:
        ratio = p50[100_000] / p50[1000]
        ok = ratio <= BUDGETS["listing_p50_100k_over_1k"]
        lines.append(
            f"- Listing p50 at 100k / at 1k postings: {ratio:.2f} (budget ≤ 1.5) {'✅' if ok else '❌'}"
        )
        if not ok:
            missed.append(f"listing p50 100k/1k {ratio:.2f}")
    elif p50:
        lines.append(
            "- Listing p50 at 100k / at 1k postings: not measured in this run (100k scale not run); "
            + (
                f"at {scales[-1]} / {scales[0]} postings: {p50[scales[-1]] / p50[scales[0]]:.2f}."
                if len(p50) > 1
                else "only one scale."
            )
        )
    uncached = {
        p: all_results[p]["listing_uncached"]["p50_ms"]
        for p in scales
        if "listing_uncached" in all_results[p]
    }
    if len(uncached) > 1:
        small, large = min(uncached), max(uncached)
        lines.append(
            "- Listing p50 with every request rendered (no page-cache hit; no budget): "
            + ", ".join(f"{p} postings {ms:.1f} ms" for p, ms in uncached.items())
            + f"; {large} / {small} postings: {uncached[large] / uncached[small]:.2f}."
        )
    return lines, missed


def cpu_line(py_ref: dict, apply: dict) -> str:
    """CPU milliseconds per request of each side, and the throughput ratio they imply on an idle machine."""
    parts = ("server", "postgres", "client")
    per = {
        name: {part: result["cpu_s"][part] * 1000 / result["ok"] for part in parts}
        for name, result in (("healthz", py_ref), ("apply", apply))
    }
    totals = {name: sum(values.values()) for name, values in per.items()}
    return (
        "CPU per request, gunicorn workers + PostgreSQL backends + client: /healthz "
        + " + ".join(f"{per['healthz'][part]:.2f}" for part in parts)
        + f" = {totals['healthz']:.2f} ms; one application (form GET + POST) "
        + " + ".join(f"{per['apply'][part]:.1f}" for part in parts)
        + f" = {totals['apply']:.1f} ms. Their ratio, {totals['healthz'] / totals['apply']:.3f}, is the apply "
        "ratio the two cores would give with nothing else running (it moves far less than req/s with the "
        "machine's other load)."
    )


def write_report(path: Path, all_results: dict, info: dict, args, command: str) -> list[str]:
    body, missed = evaluate(all_results, args)
    text = [
        "# Performance",
        "",
        "<!-- Written by bench/run.py; rerun it rather than editing the figures by hand. -->",
        "",
        f"Recorded {str(getattr(args, 'recorded_at', None) or datetime.datetime.now(datetime.UTC))[:16].replace('T', ' ')} UTC "
        f"with `{command}`" + (f", code at commit {info['commit']}." if info.get("commit") else "."),
        "",
        f"Machine: {info['nproc']} CPU ({info['cpu']}), {info['memory_gb']} GB RAM, PostgreSQL "
        f"{info['postgresql']}, Python {info['python']}, Linux {info['kernel']}. Server: gunicorn "
        f"`config.wsgi`, {args.workers} sync workers, production settings (DEBUG off, full middleware, "
        f"plain http{', PGOPTIONS=' + repr(args.pgoptions) if args.pgoptions else ''}). Load: wrk {args.threads} threads × {args.connections} connections, {args.warmup} s "
        f"warm-up then {args.duration} s per scenario, from the same machine; the apply flow and its own "
        f"/healthz reference by `bench/loadgen.py` ({args.connections} threads).",
        "",
        "Ratios, not absolute numbers, are the budgets: the machine is shared, so absolute req/s move with "
        "its load (shown per scenario), while a ratio to `/healthz` measured in the same run moves much less.",
        *body,
        "",
        "## Verdict",
        "",
        *(["All budgets met."] if not missed else [f"- ❌ {m}" for m in missed]),
        "",
    ]
    path.write_text("\n".join(text) + "\n" + args.notes_text)
    return missed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="1000:20000,10000:200000", help="postings:applications,...")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--json", default="", help="Also write the raw results to this JSON file.")
    parser.add_argument(
        "--notes",
        default=str(ROOT / "bench" / "NOTES.md"),
        help="Markdown appended to the report (analysis of the figures).",
    )
    parser.add_argument(
        "--pgoptions", default="", help='PostgreSQL settings for every connection, e.g. "-c jit=off".'
    )
    parser.add_argument(
        "--compare-pgoptions",
        default="",
        help="Measure listing and admin list again on a server with these PGOPTIONS, e.g. '-c jit=off' "
        "(off by default: config/settings.py already sets jit=off on every connection).",
    )
    parser.add_argument("--keep-db", action="store_true", help="Keep the scratch databases and files.")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help="Comma-separated subset of: " + ", ".join(SCENARIOS) + " (default: all). A page scenario brings "
        "the wrk /healthz reference along; apply brings its own Python-client reference.",
    )
    parser.add_argument(
        "--db-prefix",
        default="passerelle_benchrun",
        help="Name of the scratch databases: PREFIX_<postings> (dropped and created again).",
    )
    parser.add_argument(
        "--from-json", default="", help="Write the report again from a --json file of an earlier run."
    )
    args = parser.parse_args(argv)
    args.scenarios = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = sorted(set(args.scenarios) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}; choose among {', '.join(SCENARIOS)}")
    if set(args.scenarios) & set(WRK_SCENARIOS):
        args.scenarios.append("healthz")  # the reference of every page's ratio
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db_prefix):
        parser.error("--db-prefix: lower-case letters, digits and underscores only")
    notes = Path(args.notes)
    args.notes_text = ("\n" + notes.read_text()) if notes.is_file() else ""
    if args.from_json:
        source = Path(args.from_json)
        saved = json.loads(source.read_text())
        if "results" not in saved:  # a file written before the run's context was saved with the results
            saved = {"args": {}, "machine": machine(), "command": "python bench/run.py", "results": saved}
        saved.setdefault(
            "recorded_at", datetime.datetime.fromtimestamp(source.stat().st_mtime, datetime.UTC).isoformat()
        )
        args.recorded_at = saved["recorded_at"]
        args.__dict__.update(
            {k: v for k, v in saved["args"].items() if k not in ("output", "notes", "notes_text")}
        )
        results = {int(k): v for k, v in saved["results"].items()}
        missed = write_report(Path(args.output), results, saved["machine"], args, saved["command"])
        return 1 if missed else 0
    if set(args.scenarios) & set(WRK_SCENARIOS) and shutil.which("wrk") is None:
        log("wrk is missing: apt-get install -y wrk")
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, timeout=600)
    scales = [tuple(int(x) for x in item.split(":")) for item in args.scales.split(",")]
    info = machine()
    all_results = {}
    for postings, applications in scales:
        stack = Stack(postings, applications, args)
        try:
            setup = stack.prepare()
            stack.start()
            results = measure(stack, setup, args)
        except (subprocess.SubprocessError, RuntimeError, OSError, StopIteration) as exc:
            log(f"run failed at {postings} postings: {exc!r}")
            return 2
        finally:
            stack.close()
        results["applications"] = applications
        all_results[postings] = results
    command = "python bench/run.py " + " ".join(argv)
    if args.json:
        saved = {
            "args": {k: v for k, v in vars(args).items() if k != "notes_text"},
            "machine": info,
            "recorded_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "command": command.strip(),
            "results": all_results,
        }
        Path(args.json).write_text(json.dumps(saved, indent=1, default=str))
    missed = write_report(Path(args.output), all_results, info, args, command.strip())
    log(f"report written to {args.output}; {len(missed)} budget(s) missed")
    for item in missed:
        log(f"missed: {item}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
