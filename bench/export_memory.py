"""Export throughput and peak memory, measured on a scratch PostgreSQL database.

    /work/main/.venv/bin/python bench/export_memory.py --rows 20000 --rows 200000

For each size: fills the scratch database with N applications (bulk_create, spread over a few postings),
then runs `manage.py export_applications --format csv|xlsx` in a subprocess and reports rows/s and the
child's peak RSS (VmHWM). The scratch database is dropped at the end unless --keep.
Not a test: numbers depend on the machine.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def admin_connection(server: str):
    import psycopg2

    connection = psycopg2.connect(f"{server}/postgres")
    connection.autocommit = True
    return connection


def recreate_database(server: str, name: str) -> None:
    connection = admin_connection(server)  # not `with`: psycopg2 would open a transaction block
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        connection.close()


def drop_database(server: str, name: str) -> None:
    from django.db import connections

    connections.close_all()
    connection = admin_connection(server)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        connection.close()


def fill(rows: int, postings: list) -> None:
    """Top up to `rows` applications."""
    from django.utils import timezone

    from applications.models import Application

    existing = Application.objects.count()
    now = timezone.now()
    batch = []
    for n in range(existing, rows):
        email = f"bench{n}@example.org"
        batch.append(
            Application(
                posting=postings[n % len(postings)],
                reference=f"B-{n:08d}",
                submission_token=uuid.uuid4(),
                first_name="Hélène",
                last_name=f"Candidate {n}",
                email=email,
                email_normalised=email,
                phone="+33 6 12 34 56 78",
                city="Besançon",
                country="FR",
                cv="applications/bench/cv.pdf",
                cv_name="cv.pdf",
                letter_text="Lettre de motivation.",
                languages={"fr": "C2", "en": "B2"},
                eligibility_confirmed=True,
                heard_from='=HYPERLINK("http://x")' if n % 100 == 0 else "Réseau",
                consented_at=now,
            )
        )
        if len(batch) == 5000:
            Application.objects.bulk_create(batch)
            batch = []
    if batch:
        Application.objects.bulk_create(batch)


def make_postings() -> list:
    from tests import factories as f

    session = f.make_session()
    return [
        f.published_posting(
            session=session, organisations={"sending": f.make_organisation(), "host": f.make_organisation()}
        )
        for _ in range(20)
    ]


# Runs manage.py in the child and reports the child's own high-water mark. Not os.wait4's ru_maxrss: Linux
# carries the parent's peak across fork+exec into it, and the parent here holds Django and the fill.
CHILD = """
import runpy, sys
sys.argv = [sys.argv[1], *sys.argv[2:]]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    with open("/proc/self/status") as status:
        sys.stderr.write([line for line in status if line.startswith("VmHWM:")][0])
"""


def run_export(fmt: str, env: dict) -> tuple[float, int, int]:
    """Seconds, peak RSS in KiB, output size in bytes."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / f"export.{fmt}"
        command = ["export_applications", "--format", fmt, "--output", str(output)]
        started = time.perf_counter()
        process = subprocess.run(
            [sys.executable, "-c", CHILD, str(ROOT / "manage.py"), *command],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        if process.returncode != 0:
            raise SystemExit(f"export_applications --format {fmt} failed:\n{process.stderr}")
        peak_kib = int(process.stderr.strip().splitlines()[-1].split()[1])
        return elapsed, peak_kib, output.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, action="append", help="Number of applications (repeatable).")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="passerelle_exports_bench")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = parser.parse_args()
    sizes = sorted(args.rows or [20000])

    database_url = f"{args.server}/{args.database}"
    recreate_database(args.server, args.database)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    env = {**os.environ, "DATABASE_URL": database_url, "PASSERELLE_VAR_DIR": tempfile.mkdtemp()}
    try:
        postings = make_postings()
        print(f"{'rows':>8} {'format':>6} {'seconds':>8} {'rows/s':>9} {'peak RSS MiB':>13} {'size MiB':>9}")
        for rows in sizes:
            started = time.perf_counter()
            fill(rows, postings)
            print(f"# {rows} rows in the database ({time.perf_counter() - started:.1f} s to fill)")
            for fmt in ("csv", "xlsx"):
                seconds, peak_kib, size = run_export(fmt, env)
                print(
                    f"{rows:>8} {fmt:>6} {seconds:>8.1f} {rows / seconds:>9.0f} "
                    f"{peak_kib / 1024:>13.1f} {size / 2**20:>9.1f}"
                )
    finally:
        if not args.keep:
            drop_database(args.server, args.database)


if __name__ == "__main__":
    main()
