"""Load test of the cluster (bench/cluster.py) through nginx, with faults. Not part of CI.

    .venv/bin/python bench/load_cluster.py [--requests 1000] [--concurrency 20] [--file-size 1048576]
        [--scenarios one,two,kill,redis,s3] [--out bench/load_cluster.json]

Each scenario starts the cluster afresh (empty database, empty bucket), then `--concurrency` threads send
`--requests` applications through nginx the way a candidate does: GET the form, POST it with a CV of
`--file-size` bytes. A candidate who gets an error page sends the same form again (same submission token,
as the browser's back-and-resend would), for up to 60 s; so a server killed after its commit but before its
answer cannot create a second application.

- `one`, `two`: no fault, one then two gunicorn servers behind nginx (throughput and their ratio);
- `kill`: halfway, one gunicorn server (master and workers) is SIGKILLed, and restarted 5 s later;
- `redis`: at a third of the run, Redis is stopped for 10 s, then started again (empty);
- `s3`: at a third of the run, the S3 endpoint is stopped for 10 s (connections refused), then started again.

Afterwards: rows == files in the bucket == candidates who got their confirmation page; no duplicate (one row
per email); no orphan file (`find_orphan_files`); no 500; every error page a candidate saw was one of the
two that say what happened (nginx's deploy/nginx/50x.html, Django's 503 page). Only 127.0.0.1 is contacted.
"""

import argparse
import http.client
import json
import re
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))

from cluster import BUCKET, HOST, Cluster  # noqa: E402
from load_apply import _cookies, _multipart  # noqa: E402
from pdfs import minimal_pdf  # noqa: E402

TIMEOUT = 30
GIVE_UP_AFTER = 60  # seconds a candidate keeps sending the same form again
CLEAR_PAGES = ("Service momentanément indisponible",)


class Candidate:
    def __init__(self, port: int, path: str, n: int, cv: bytes):
        self.port, self.path, self.n, self.cv = port, path, n, cv
        self.email = f"charge.{n}.{uuid.uuid4().hex[:6]}@example.org"
        self.answers: list[object] = []  # every answer to every POST, in order
        self.unclear: list[str] = []  # error answers that do not say what happened
        self.confirmation: str | None = None

    def request(self, method: str, body: bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        try:
            connection.request(method, self.path, body=body, headers={"Host": HOST, **(headers or {})})
            response = connection.getresponse()
            return response, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def form(self):
        deadline = time.monotonic() + GIVE_UP_AFTER
        while True:
            try:
                response, page = self.request("GET")
                if response.status == 200:
                    return response, page
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                return None, ""
            time.sleep(1)

    def apply(self) -> "Candidate":
        form, page = self.form()
        if form is None:
            self.answers.append("form never shown")
            return self
        jar = _cookies(form)
        fields = {
            "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1),
            "submission_token": re.search(r'name="submission_token" value="([^"]+)"', page).group(1),
            "first_name": "Camille",
            "last_name": f"Charge{self.n}",
            "email": self.email,
            "phone": "",
            "city": "Lyon",
            "country": "FR",
            "letter_text": "Je souhaite rejoindre votre équipe.",
            "heard_from": "",
            "consent": "on",
            "website": "",
        }
        for language in sorted(set(re.findall(r'name="(language_[a-z]{2,3})"', page))):
            fields[language] = "B2"
        if 'name="eligibility_confirmed"' in page:
            fields["eligibility_confirmed"] = "on"
        body, content_type = _multipart(fields, {"cv": ("cv.pdf", self.cv, "application/pdf")})
        headers = {"Content-Type": content_type, "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
        deadline = time.monotonic() + GIVE_UP_AFTER
        while True:
            try:
                response, text = self.request("POST", body, headers)
                status = response.status
                location = response.getheader("Location") or ""
            except (OSError, http.client.HTTPException) as error:
                status, text, location = f"no answer ({type(error).__name__})", "", ""
            self.answers.append(status)
            if status == 302 and "/confirmation/" in location:
                self.confirmation = location
                return self
            if isinstance(status, int) and not any(phrase in text for phrase in CLEAR_PAGES):
                self.unclear.append(f"{status}: {text[:120]!r}")
            if status in (400, 409, 410, 429) or time.monotonic() > deadline:
                return self
            time.sleep(1)


def run_scenario(name: str, args) -> dict:
    servers = 1 if name == "one" else 2
    cv = minimal_pdf(["Curriculum vitae"], padding=args.file_size)
    with Cluster(servers=servers, base_port=args.base_port) as cluster:
        slug = cluster.start()
        path = f"/offres/{slug}/candidater/"
        done = Counter()
        lock = threading.Lock()
        events: list[str] = []
        started = time.monotonic()

        def note(text: str) -> None:
            events.append(f"{time.monotonic() - started:6.1f} s  {text}")

        def one(n: int) -> Candidate:
            candidate = Candidate(cluster.nginx_port, path, n, cv).apply()
            with lock:
                done["n"] += 1
            return candidate

        def saboteur() -> None:
            trigger = args.requests // 2 if name == "kill" else args.requests // 3
            while done["n"] < trigger:
                time.sleep(0.05)
            if name == "kill":
                note(f"SIGKILL gunicorn-1 (master and workers) after {done['n']} applications")
                cluster.stop("gunicorn-1", signal.SIGKILL)
                time.sleep(5)
                cluster.start_app(0)
                note("gunicorn-1 restarted and answering")
            elif name == "redis":
                note(f"Redis stopped after {done['n']} applications")
                cluster.stop("redis")
                time.sleep(10)
                cluster.start_redis()
                note("Redis started again (empty)")
            elif name == "s3":
                note(f"S3 endpoint stopped after {done['n']} applications")
                cluster.stop("s3-relay")
                time.sleep(10)
                cluster.start_s3_relay()
                note("S3 endpoint started again")

        fault = threading.Thread(target=saboteur, daemon=True)
        if name in ("kill", "redis", "s3"):
            fault.start()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            candidates = list(pool.map(one, range(args.requests)))
        duration = time.monotonic() - started
        if fault.is_alive():
            fault.join(timeout=60)

        counts = json.loads(
            cluster.manage(
                "shell",
                "-c",
                "import json; from applications.models import Application as A; "
                "print(json.dumps({'rows': A.objects.count(), "
                "'emails': A.objects.values('email_normalised').distinct().count()}))",
            )
            .strip()
            .splitlines()[-1]
        )
        keys = [
            item["Key"]
            for page in cluster.s3.get_paginator("list_objects_v2").paginate(
                Bucket=BUCKET, Prefix="applications/"
            )
            for item in page.get("Contents", [])
        ]
        orphan_report = cluster.manage("find_orphan_files")
        orphans = int(re.search(r"(\d+) orphan file\(s\)", orphan_report).group(1))
        missing = int(re.search(r"(\d+) application file\(s\) missing", orphan_report).group(1))
        log_500 = sum(
            (cluster.dir / f"gunicorn-{i + 1}.log").read_text(errors="replace").count("Internal Server Error")
            for i in range(servers)
        )

    answers = Counter(str(answer) for candidate in candidates for answer in candidate.answers)
    confirmed = {candidate.confirmation for candidate in candidates if candidate.confirmation}
    result = {
        "scenario": name,
        "servers": servers,
        "requests": args.requests,
        "concurrency": args.concurrency,
        "file_size": len(cv),
        "duration_s": round(duration, 1),
        "applications_per_s": round(len(confirmed) / duration, 2),
        "confirmed": len(confirmed),
        "rows": counts["rows"],
        "distinct_emails": counts["emails"],
        "bucket_files": len(keys),
        "orphans": orphans,
        "missing_files": missing,
        "answers": dict(sorted(answers.items())),
        "candidates_who_sent_again": sum(len(c.answers) > 1 for c in candidates),
        "candidates_without_confirmation": sum(c.confirmation is None for c in candidates),
        "unclear_error_pages": sum(len(c.unclear) for c in candidates),
        "unclear_examples": [u for c in candidates for u in c.unclear][:3],
        "server_errors_logged": log_500,
        "events": events,
    }
    result["problems"] = check(result)
    return result


def check(result: dict) -> list[str]:
    problems = []
    if not result["rows"] == result["bucket_files"] == result["confirmed"]:
        problems.append(
            f"rows {result['rows']}, files {result['bucket_files']}, confirmations {result['confirmed']} differ"
        )
    if result["distinct_emails"] != result["rows"]:
        problems.append(f"{result['rows'] - result['distinct_emails']} duplicate application(s)")
    if result["orphans"] or result["missing_files"]:
        problems.append(f"{result['orphans']} orphan file(s), {result['missing_files']} missing file(s)")
    if result["answers"].get("500"):
        problems.append(f"{result['answers']['500']} answer(s) 500")
    if result["unclear_error_pages"]:
        problems.append(f"{result['unclear_error_pages']} error page(s) that do not say what happened")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--file-size", type=int, default=1024 * 1024)
    parser.add_argument("--scenarios", default="one,two,kill,redis,s3")
    parser.add_argument("--base-port", type=int, default=8180)
    parser.add_argument("--out", default=str(BASE_DIR / "bench" / "load_cluster.json"))
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    results = []
    for name in args.scenarios.split(","):
        result = run_scenario(name, args)
        print(json.dumps(result, indent=2), flush=True)
        results.append(result)
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 1 if any(result["problems"] for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
