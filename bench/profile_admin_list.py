"""The admin application list of the bench's recruiter, in-process: CPU per page in Django and in PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_100000 DEBUG=false ... \
        python bench/profile_admin_list.py [--requests 20] [--warmup 5] [--path /admin/...] [--profile 30]

Reads the same environment as `manage.py` (run it with bench/run.py's production settings: DEBUG off). Each
request goes through Django's test client with the recruiter logged in by the project's login backend, as
`bench/run.py` logs in. For each request it records the process's CPU time (`time.process_time`), the CPU time
of the PostgreSQL backend serving the connection (`/proc/<pid>/schedstat`, so the database must run on this
machine), the number of queries and the wall time; it prints the medians as one JSON line. `--profile N` runs
N more requests under cProfile and prints the functions with the most cumulative time.

Public pages too: `--anonymous` sends no session, and `--fresh` adds a `utm_source` of its own to every request,
as `bench/run.py`'s uncached scenarios do, so that the page cache never answers (e.g.
`--anonymous --fresh --path "/?kind=volunteer&country=BE"`).

Comparing two versions of the code: run this script from each checkout in turn, several times, alternating
(`PASSERELLE_ROOT` chooses the checkout whose code is imported), and compare medians.
"""

import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(os.environ.get("PASSERELLE_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import argparse  # noqa: E402

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group, Permission  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

RECRUITER = "bench-recruteur"
BACKEND = "config.auth.PasserelleModelBackend"


def recruiter():
    """The bench's recruiter with the permissions `bench/run.py` gives them."""
    user = get_user_model().objects.get(username=RECRUITER)
    group = Group.objects.filter(name="Recruteurs").first()
    if group is not None:
        user.groups.add(group)
    else:
        user.user_permissions.add(
            *Permission.objects.filter(codename__in=["view_application", "change_application"])
        )
    return user


def backend_cpu_ns() -> int:
    """CPU time used so far by the PostgreSQL backend of this process's connection."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def with_fresh_param(path: str, number: int) -> str:
    return f"{path}{'&' if '?' in path else '?'}utm_source=profile-{os.getpid()}-{number}"


def one(client: Client, path: str, *, fresh: bool = False) -> dict:
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    db_before = backend_cpu_ns()
    wall = time.perf_counter()
    cpu = time.process_time()
    with connection.execute_wrapper(count):
        response = client.get(path)
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    db = backend_cpu_ns() - db_before
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code}")
    if fresh and response.get("X-Page-Cache") == "hit":
        raise SystemExit(f"{path}: served by the page cache")
    return {
        "django_cpu_ms": cpu * 1000,
        "pg_cpu_ms": db / 1e6,
        "wall_ms": wall * 1000,
        "queries": len(queries),
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--path", default="")
    parser.add_argument("--profile", type=int, default=0, help="Requests to run under cProfile afterwards.")
    parser.add_argument("--label", default=str(ROOT))
    parser.add_argument("--anonymous", action="store_true", help="No session (a public page's visitor).")
    parser.add_argument("--fresh", action="store_true", help="A utm_source of its own for every request.")
    args = parser.parse_args()

    path = args.path or reverse("admin:applications_application_changelist")
    numbers = iter(range(10**9))
    next_path = (lambda: with_fresh_param(path, next(numbers))) if args.fresh else (lambda: path)
    client = Client()
    if not args.anonymous:
        client.force_login(recruiter(), backend=BACKEND)
    for _ in range(args.warmup):
        one(client, next_path(), fresh=args.fresh)
    runs = [one(client, next_path(), fresh=args.fresh) for _ in range(args.requests)]
    result = {"label": args.label, "path": path, "requests": len(runs)}
    for key in ("django_cpu_ms", "pg_cpu_ms", "wall_ms", "queries", "bytes"):
        result[key] = round(statistics.median(run[key] for run in runs), 2)
    result["total_cpu_ms"] = round(result["django_cpu_ms"] + result["pg_cpu_ms"], 2)
    print(json.dumps(result), flush=True)

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.profile):
            client.get(next_path())
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    main()
