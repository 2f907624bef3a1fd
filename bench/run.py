"""Load test of the real stack: PostgreSQL, gunicorn with production settings, wrk and a Python apply client.

    python bench/run.py [--scales 10000:200000,100000:200000] [--duration 15] [--output docs/performance.md]
        [--scenarios healthz,listing,listing_uncached,...,apply,exports] [--db-prefix NAME]
        [--json FILE] [--baseline FILE] [--from-json FILE]

For each scale (postings:applications) it creates a scratch database on 127.0.0.1 (user postgres, trust
auth), migrates, generates the data (`bench/generate_data.py`), runs `collectstatic`, starts gunicorn
(DEBUG off, full middleware, plain http) on a free port, measures each scenario for a fixed time after a
warm-up (with the CPU its requests cost gunicorn's workers and PostgreSQL, and the page-cache hits),
measures the apply flow and the upload floor, times the CSV and XLSX exports with `/usr/bin/time -v`, stops
gunicorn and drops the database. Every throughput is reported as a ratio to `/healthz` measured the same way
in the same run. It writes the report (docs/performance.md, by bench/report.py, which holds the budgets) and
exits 1 when a budget is missed, 2 when the run itself failed. `--scenarios` runs only some of them; the
report then shows only those, and lists the budgets it could not judge. `--baseline` adds the ratio and p50
of an earlier `--json` run beside each scenario.
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
import traceback
import urllib.parse
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402
import report  # noqa: E402

PYTHON = sys.executable
PG = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"]
RECRUITER_PASSWORD = "bench-" + secrets.token_hex(12)

FILTERED = "/?kind=volunteer&country=BE"
SEARCH = "/?q=droits+etrangers"
# A word of nearly every generated posting (4,003 of the 4,063 open ones at 10k postings): the search ranks
# thousands of matches.
BROAD_SEARCH = "/?q=personnes"
SCENARIOS = [*report.WRK_SCENARIOS, "apply", "exports"]
# The cached filtered listing and search have no budget: run them with --scenarios when wanted.
DEFAULT_SCENARIOS = [name for name in SCENARIOS if name not in ("filtered", "search")]
# No page-cache header to count on these: /healthz and the back office are never cached.
UNCOUNTED = {"healthz", "admin_list"}

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


def wait_for_healthz(port: int, tmp: Path) -> None:
    for _ in range(150):
        try:
            if get(port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within 30 s; see {tmp / 'gunicorn.log'}")


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
        wait_for_healthz(self.port, self.tmp)

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


def wrk(
    port: int,
    path: str,
    duration: float,
    args,
    headers: dict | None = None,
    *,
    uncached: bool = False,
    count: bool = False,
    cpu=None,
) -> dict:
    """A warm-up of `args.warmup` s (its figures dropped), then `duration` s measured: wrk's figures, and with
    `cpu` (Stack.cpu) what the measured run cost the server. `uncached`: every request gets a query string
    of its own, unique across runs; `count`: page-cache hits and misses are counted (bench/report.lua)."""
    wrk_once(port, path, args.warmup, args, headers, uncached=uncached, count=False)
    measured = lambda: wrk_once(port, path, duration, args, headers, uncached=uncached, count=count)  # noqa: E731
    if cpu is None:
        return measured()
    result, cpu_s = cpu(measured)
    return {**result, "cpu_s": cpu_s}


def wrk_once(
    port: int, path: str, duration: float, args, headers=None, *, uncached=False, count=False
) -> dict:
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "--timeout", "30s"]
    command += ["-s", str(ROOT / "bench" / "report.lua"), "-d", f"{duration}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    # A run id of its own for every wrk run, warm-up included: the values of one run are never in the cache.
    env = {**os.environ, "BENCH_RUN_ID": secrets.token_hex(4)}
    env.update({"BENCH_UNCACHED": "1"} if uncached else {})
    env.update({"BENCH_COUNT": "1"} if count else {})
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"],
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
    return {**result, "path": path, "uncached": uncached}


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
    results: dict = {"setup": setup, "loadavg": {}, "settle_s": {}}
    session = {"Cookie": login(port, setup["login"], "bench-recruteur", RECRUITER_PASSWORD)}
    # (path, headers, a query string of its own for every request); report.WRK_SCENARIOS gives the order.
    scenarios = {
        "healthz": ("/healthz", None, False),
        "listing": ("/", None, False),
        "listing_uncached": ("/", None, True),
        "filtered": (FILTERED, None, False),
        "filtered_uncached": (FILTERED, None, True),
        "search": (SEARCH, None, False),
        "search_uncached": (SEARCH, None, True),
        "broad_search_uncached": (BROAD_SEARCH, None, True),
        "detail": (setup["detail"], None, False),
        "detail_uncached": (setup["detail"], None, True),
        "recruiter_listing": ("/", session, False),
        "admin_list": (setup["admin_list"], session, False),
    }
    scenarios = {name: scenario for name, scenario in scenarios.items() if name in args.scenarios}
    for name, (path, headers, _uncached) in scenarios.items():
        status, _headers, _body = get(port, path, headers)
        if status != 200:
            raise RuntimeError(f"preflight: {name} {path} answered HTTP {status}, expected 200")
    for name, (path, headers, uncached) in scenarios.items():
        results["settle_s"][name] = stack.settle()
        results["loadavg"][name] = loadavg()
        log(f"wrk {name} {path} ({d} s)")
        count = name not in UNCOUNTED
        results[name] = wrk(port, path, d, args, headers, uncached=uncached, count=count, cpu=stack.cpu)
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
            path, headers, _uncached = scenarios[name]
            stack.settle()
            log(f"wrk {name} with PGOPTIONS={args.compare_pgoptions!r} ({d} s)")
            results["compare"][name] = wrk(port, path, d, args, headers)
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
    results["settle_s"]["apply_floor"] = stack.settle()
    results["apply_floor"] = measure_floor(stack, args)


def measure_floor(stack: Stack, args) -> dict:
    """bench/apply_floor.py's `healthz+receive` (a GET of /healthz and the same 1 MB POST to a view that only
    parses it), on a gunicorn of its own started like the stack's, right after the apply run: the least an
    application can cost, measured under the same load of the machine. One scenario, so ~`duration` s."""
    import apply_floor  # imports this module: not at the top

    port = free_port()
    server = start_gunicorn(
        "apply_floor_wsgi:application",
        port,
        args.workers,
        stack.env,
        stack.tmp,
        pythonpath=f"{ROOT},{ROOT / 'bench'}",
    )
    try:
        wait_for_healthz(port, stack.tmp)
        log(f"upload floor: healthz+receive ({args.duration} s)")
        options = SimpleNamespace(duration=args.duration, threads=args.connections, pdf_size=1024 * 1024)
        return apply_floor.measure(server.pid, port, "healthz+receive", options)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scales",
        default="10000:200000,100000:200000",
        help="postings:applications,... (default: the scales of the budgets, 10k/200k and 100k/200k)",
    )
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    parser.add_argument("--json", default="", help="Also write the raw results to this JSON file.")
    parser.add_argument(
        "--baseline",
        default="",
        help="A --json file of an earlier run (e.g. on the code before a change): the report shows its ratio "
        "and p50 beside each scenario measured at the same scale.",
    )
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
        default=",".join(DEFAULT_SCENARIOS),
        help="Comma-separated subset of: " + ", ".join(SCENARIOS) + " (default: all but filtered and search, "
        "the cached ones without a budget). A page scenario brings the wrk /healthz reference along; apply "
        "brings its own Python-client reference and the upload floor.",
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
    wrk_scenarios = set(args.scenarios) & set(report.WRK_SCENARIOS)
    if wrk_scenarios and "healthz" not in args.scenarios:
        args.scenarios.insert(0, "healthz")  # the reference of every page's ratio
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.db_prefix):
        parser.error("--db-prefix: lower-case letters, digits and underscores only")
    notes = Path(args.notes)
    args.notes_text = ("\n" + notes.read_text()) if notes.is_file() else ""
    baseline = report.load_results(Path(args.baseline))["results"] if args.baseline else None
    if args.from_json:
        source = Path(args.from_json)
        saved = report.load_results(source)
        saved.setdefault(
            "recorded_at", datetime.datetime.fromtimestamp(source.stat().st_mtime, datetime.UTC).isoformat()
        )
        args.recorded_at = saved["recorded_at"]
        kept = ("output", "notes", "notes_text", "baseline", "from_json")
        args.__dict__.update({k: v for k, v in saved["args"].items() if k not in kept})
        info = saved.get("machine") or machine()
        missed = report.write_report(
            Path(args.output), saved["results"], info, args, saved["command"], baseline
        )
        return 1 if missed else 0
    if wrk_scenarios and shutil.which("wrk") is None:
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
        except Exception as exc:
            log(f"run failed at {postings} postings: {exc!r}")
            traceback.print_exc()
            return 2
        finally:
            stack.close()
        results["applications"] = applications
        all_results[postings] = results
    command = ("python bench/run.py " + " ".join(argv)).strip()
    if args.json:
        saved = {
            "args": {k: v for k, v in vars(args).items() if k != "notes_text"},
            "machine": info,
            "recorded_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "command": command,
            "results": all_results,
        }
        Path(args.json).write_text(json.dumps(saved, indent=1, default=str))
    missed = report.write_report(Path(args.output), all_results, info, args, command, baseline)
    log(f"report written to {args.output}; {len(missed)} budget(s) missed")
    for item in missed:
        log(f"missed: {item}")
    return 1 if missed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception:  # a failed run, not a missed budget (exit 1)
        traceback.print_exc()
        sys.exit(2)
