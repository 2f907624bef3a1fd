"""Load test of the apply flow against a real gunicorn, on PostgreSQL and on SQLite.

    /work/main/.venv/bin/python bench/load_apply.py [--database sqlite|postgres|both] [--requests 1000]
        [--concurrency 20] [--workers 4] [--postgres-url postgres://postgres@127.0.0.1:5432]

For each database it makes a scratch database (a new SQLite file, or a PostgreSQL database
`passerelle_load_apply` dropped and created again), migrates it, creates one published posting, runs
`collectstatic` and starts `gunicorn config.wsgi -w 4` on a free port of 127.0.0.1 with production-like
settings (DEBUG off, a SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, no TLS redirect, the apply rate limit raised).
Then `--concurrency` threads send `--requests` applications, each as a candidate would: GET the form (CSRF
cookie and token, submission token, the posting's language fields), POST it multipart with a small PDF and a
unique email. Cookies are handled by hand: with DEBUG off the CSRF cookie is `__Host-` and Secure, which a
browser would not send back over plain http; this client is not a browser.

Afterwards it checks (`check`): rows == stored files == successful responses, no duplicate email, no 500,
"database is locked" in no response; 429/503 answers are counted, not failures. Every request has a
timeout, only 127.0.0.1 is contacted, and gunicorn is stopped at the end whatever happens.
It is a script, not part of the test suite (`tests/test_load_apply_check.py` only tests `check`).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))  # run as a script or imported as bench.load_apply

from pdfs import minimal_pdf  # noqa: E402

HOST = "127.0.0.1"
TIMEOUT = 30  # seconds per HTTP request
START_TIMEOUT = 60  # seconds for gunicorn to answer
PG_DATABASE = "passerelle_load_apply"

MINIMAL_PDF = minimal_pdf(["Curriculum vitae"])


@dataclass
class LoadResult:
    """What one run observed: HTTP answers on one side, the database and the storage on the other."""

    database: str
    requests: int
    duration: float = 0.0
    statuses: Counter = field(default_factory=Counter)  # status of the POST (or "error: ..." when none)
    successes: int = 0  # POSTs answered 302 to a confirmation page
    locked_bodies: int = 0  # responses whose body mentions "database is locked"
    rows: int = 0
    distinct_emails: int = 0
    stored_files: int = 0
    server_log_locked: int = 0  # "database is locked" lines in gunicorn's own log (not seen by users)

    def as_dict(self) -> dict:
        return {
            "database": self.database,
            "requests": self.requests,
            "duration_s": round(self.duration, 1),
            "requests_per_s": round(self.requests / self.duration, 1) if self.duration else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items(), key=lambda kv: str(kv[0]))},
            "successes": self.successes,
            "rows": self.rows,
            "distinct_emails": self.distinct_emails,
            "stored_files": self.stored_files,
            "locked_in_responses": self.locked_bodies,
            "locked_in_server_log": self.server_log_locked,
        }


def check(result: LoadResult) -> list[str]:
    """Every way the run went wrong, as sentences; an empty list means the run is sound.

    Overload answers (429, 503) are allowed: they are refusals the candidate sees as such, not lost data.
    """
    problems = []
    if result.rows != result.successes:
        problems.append(f"{result.rows} rows for {result.successes} successful responses")
    if result.stored_files != 2 * result.rows:  # a CV and a letter each
        problems.append(f"{result.stored_files} stored files for {result.rows} rows (2 each expected)")
    if result.distinct_emails != result.rows:
        problems.append(f"{result.rows - result.distinct_emails} duplicate application(s)")
    if result.statuses.get(500):
        problems.append(f"{result.statuses[500]} response(s) 500")
    unexpected = {s: n for s, n in result.statuses.items() if s not in (302, 429, 503, 500)}
    if unexpected:
        problems.append(f"unexpected answers: {unexpected}")
    if result.locked_bodies:
        problems.append(f"'database is locked' reached users {result.locked_bodies} time(s)")
    accounted = sum(result.statuses.values())
    if accounted != result.requests:
        problems.append(f"{accounted} answers for {result.requests} requests")
    return problems


# The client ---------------------------------------------------------------------------------------------


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = f"----passerelle{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, data, content_type) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def apply_once(port: int, path: str, n: int) -> tuple[object, bool]:
    """One candidate: GET the form, POST it. Returns (status of the POST, body mentions a locked database)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers={"Host": HOST})
        form = connection.getresponse()
        page = form.read().decode("utf-8", "replace")
        if form.status != 200:
            return form.status, "database is locked" in page
        jar = _cookies(form)
        fields = {
            "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1),
            "submission_token": re.search(r'name="submission_token" value="([^"]+)"', page).group(1),
            "first_name": "Camille",
            "last_name": f"Charge{n}",
            "email": f"charge.{n}.{uuid.uuid4().hex[:6]}@example.org",
            "phone": "",
            "city": "Lyon",
            "country": "FR",
            "letter_text": "",
            "heard_from": "",
            "consent": "on",
            "website": "",
        }
        for language in sorted(set(re.findall(r'name="(language_[a-z]{2,3})"', page))):
            fields[language] = "B2"
        if 'name="eligibility_confirmed"' in page:
            fields["eligibility_confirmed"] = "on"
        body, content_type = _multipart(
            fields,
            {
                "cv": ("cv.pdf", MINIMAL_PDF, "application/pdf"),
                "letter_file": ("lettre.pdf", MINIMAL_PDF, "application/pdf"),
            },
        )
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Host": HOST,
                "Content-Type": content_type,
                "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            },
        )
        answer = connection.getresponse()
        text = answer.read().decode("utf-8", "replace")
        status = answer.status
        if status == 302 and "/confirmation/" not in (answer.getheader("Location") or ""):
            status = f"302 elsewhere: {answer.getheader('Location')}"
        return status, "database is locked" in text
    except (OSError, http.client.HTTPException, AttributeError) as error:
        return f"error: {type(error).__name__}", False
    finally:
        connection.close()


# The server ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _manage(env: dict, *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.stdout


def _scratch_postgres(base_url: str) -> str:
    import psycopg2

    connection = psycopg2.connect(f"{base_url.rstrip('/')}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {PG_DATABASE}")
    connection.close()
    return f"{base_url.rstrip('/')}/{PG_DATABASE}"


SETUP = """
from tests import factories as f
from applications.models import Application
posting = f.published_posting(title="Mission de charge", slug="mission-de-charge")
print(posting.slug)
"""

COUNT = """
import json
from applications.models import Application
rows = Application.objects.count()
emails = Application.objects.values("email_normalised").distinct().count()
print(json.dumps({"rows": rows, "emails": emails}))
"""


def run(database: str, *, requests: int, concurrency: int, workers: int, postgres_url: str) -> LoadResult:
    scratch = Path(tempfile.mkdtemp(prefix=f"passerelle-load-{database}-"))
    media = scratch / "private"
    url = f"sqlite:///{scratch / 'load.sqlite3'}" if database == "sqlite" else _scratch_postgres(postgres_url)
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": f"load-test-{uuid.uuid4().hex}{uuid.uuid4().hex}",
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": url,
        "PRIVATE_MEDIA_ROOT": str(media),
        "PASSERELLE_VAR_DIR": str(scratch),
        "STATIC_ROOT": str(scratch / "static"),
        "APPLY_RATE_LIMIT": str(requests * 10),
        "LOG_LEVEL": "WARNING",
    }
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput")
    slug = _manage(env, "shell", "-c", SETUP).strip().splitlines()[-1]
    path = f"/offres/{slug}/candidater/"
    port = _free_port()
    log_path = scratch / "gunicorn.log"
    result = LoadResult(database=database, requests=requests)
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-w",
                str(workers),
                "-b",
                f"{HOST}:{port}",
                "--timeout",
                "60",
            ],  # fmt: skip
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_up(port, path)
            counter = iter(range(requests))
            lock = threading.Lock()

            def one(_):
                with lock:
                    n = next(counter)
                return apply_once(port, path, n)

            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                outcomes = list(pool.map(one, range(requests)))
            result.duration = time.monotonic() - started
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=30)
    for status, locked in outcomes:
        result.statuses[status] += 1
        result.successes += status == 302
        result.locked_bodies += locked
    counts = json.loads(_manage(env, "shell", "-c", COUNT).strip().splitlines()[-1])
    result.rows, result.distinct_emails = counts["rows"], counts["emails"]
    result.stored_files = sum(1 for p in media.rglob("*") if p.is_file()) if media.exists() else 0
    result.server_log_locked = log_path.read_text(errors="replace").count("database is locked")
    if database == "sqlite" or not os.environ.get("KEEP_SCRATCH"):
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def _wait_until_up(port: int, path: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", path, headers={"Host": HOST})
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    raise RuntimeError(f"gunicorn did not answer on {HOST}:{port} within {START_TIMEOUT} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    failed = False
    for database in ("postgres", "sqlite") if args.database == "both" else (args.database,):
        result = run(
            database,
            requests=args.requests,
            concurrency=args.concurrency,
            workers=args.workers,
            postgres_url=args.postgres_url,
        )
        problems = check(result)
        print(json.dumps({**result.as_dict(), "problems": problems}, indent=2))
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
