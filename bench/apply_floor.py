"""What no apply view can go below on this stack: gunicorn and Django receiving the 1 MB upload, nothing else.

    python bench/apply_floor.py [--duration 10] [--threads 8] [--workers 4] [--pdf-size 1048576]

Starts gunicorn like bench/run.py does (4 sync workers, production settings, plain http) on
`bench/apply_floor_wsgi.py`: the project plus `/floor/receive`, a view that only parses the multipart body
and redirects. It needs no database content (the settings still read DATABASE_URL, default SQLite). With
`bench/loadgen.py`'s client it measures, one after the other for `--duration` s each:

- `/healthz`, the reference of bench/run.py's apply ratio;
- `receive`: POST of the same multipart body as the apply client (a few fields and the PDF) to the view;
- `healthz+receive`: a GET of /healthz then that POST, the least an application (form GET + POST) can cost.

For each it prints req/s, the ratio to /healthz and the CPU milliseconds per request of gunicorn's workers and
of the client, whose ratio is what the shared cores would give with nothing else running. Only 127.0.0.1 is
contacted; gunicorn is stopped at the end.
"""

import argparse
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402
from run import free_port, process_ticks, start_gunicorn, wait_for_healthz  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--pdf-size", type=int, default=1024 * 1024)
    args = parser.parse_args(argv)
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="passerelle-apply-floor-"))
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "PASSERELLE_MANIFEST_STATIC": "false",
        "PASSERELLE_VAR_DIR": str(tmp / "var"),
        "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    gunicorn = start_gunicorn(
        "apply_floor_wsgi:application", port, args.workers, env, tmp, pythonpath=f"{ROOT},{ROOT / 'bench'}"
    )
    try:
        wait_for_healthz(port, tmp)
        results = {name: measure(gunicorn.pid, port, name, args) for name in SCENARIOS}
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
    shutil.rmtree(tmp, ignore_errors=True)  # kept, with gunicorn's log, when the run failed
    reference = results["healthz"]
    print("| scenario | req/s | ratio to /healthz | server CPU ms/req | client CPU ms/req | CPU ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, result in results.items():
        print(
            f"| {name} | {result['rps']:.0f} | {result['rps'] / reference['rps']:.3f} | "
            f"{result['server_ms']:.2f} | {result['client_ms']:.2f} | "
            f"{reference['cpu_ms'] / result['cpu_ms']:.3f} |"
        )
    return 0


SCENARIOS = ["healthz", "receive", "healthz+receive"]


def measure(master: int, port: int, name: str, args) -> dict:
    runner = loadgen.Runner("127.0.0.1", port, args.duration, args.threads)
    pdf = loadgen.sized_pdf(args.pdf_size)
    values = {"first_name": "Amina", "last_name": "Charge", "email": "charge@example.org", "consent": "on"}

    def receive(connection):
        if name == "healthz+receive":
            connection.request("GET", "/healthz")
            connection.getresponse().read()
        body, content_type = loadgen.multipart(values, {"cv": ("CV.pdf", pdf, "application/pdf")})
        started = time.monotonic()
        connection.request("POST", "/floor/receive", body=body, headers={"Content-Type": content_type})
        response = connection.getresponse()
        response.read()
        ok = response.status == 302 and response.headers.get("Location") == f"/candidature/{len(pdf)}/"
        runner.record("ok" if ok else f"status:{response.status}", time.monotonic() - started)

    step = loadgen.healthz_step(runner) if name == "healthz" else receive
    workers = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    server, client = sum(process_ticks(pid) for pid in workers), time.process_time()
    result = runner.run(step)
    # The client runs in this process (threads): its CPU time is this process's.
    client = time.process_time() - client
    server = (sum(process_ticks(pid) for pid in workers) - server) / os.sysconf("SC_CLK_TCK")
    ok = result["ok"] or 1
    result.update(server_ms=server * 1000 / ok, client_ms=client * 1000 / ok)
    result["cpu_ms"] = result["server_ms"] + result["client_ms"]
    print(f"{name}: {result['ok']} in {result['elapsed_s']:.1f} s, outcomes {result['outcomes']}", flush=True)
    time.sleep(1)
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
