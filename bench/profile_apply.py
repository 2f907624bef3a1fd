"""Where the time of one application goes, in-process: the WSGI application called directly, no HTTP server.

    DATABASE_URL=postgres://... python bench/profile_apply.py [--rounds 200] [--profile get|post|both]
        [--pdf-size 1048576] [--top 40]

Run against a database filled by `bench/generate_data.py`. It sets production settings (DEBUG off,
a SECRET_KEY, plain http, the apply rate limit lifted) unless the environment already gives them, writes the
candidates' files to a temporary folder, and calls `config.wsgi.application` with hand-built WSGI environs: the
request bodies are built once per round outside the timed part, so the figures are the server's work only
(what gunicorn would add is the socket and the HTTP parsing). It prints the median time of the form GET and of
the POST, and with `--profile` the cProfile listing (cumulative) of the chosen half. The rows it creates go to
the posting with the latest deadline and are deleted at the end, with their files.
"""

import argparse
import atexit
import cProfile
import io
import os
import pstats
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from loadgen import cookies_from_headers, fill_form, multipart, sized_pdf  # noqa: E402


def configure() -> Path:
    private = Path(tempfile.mkdtemp(prefix="passerelle-profile-apply-"))
    atexit.register(shutil.rmtree, private, ignore_errors=True)
    defaults = {
        "DEBUG": "false",
        "PASSERELLE_MANIFEST_STATIC": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "APPLY_RATE_LIMIT": "1000000000",
        "LOG_LEVEL": "WARNING",
        "PRIVATE_MEDIA_ROOT": str(private),
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    return Path(os.environ["PRIVATE_MEDIA_ROOT"])


def environ(method: str, path: str, *, body: bytes = b"", content_type: str = "", cookie: str = "") -> dict:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "HTTP_REFERER": f"http://127.0.0.1{path}",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def call(application, env: dict) -> tuple[str, dict, bytes]:
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers

    response = application(env, start_response)
    try:
        body = b"".join(response)
    finally:
        if hasattr(response, "close"):
            response.close()
    return captured["status"], captured["headers"], body


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--profile", choices=["", "get", "post", "both"], default="")
    parser.add_argument("--pdf-size", type=int, default=1024 * 1024)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="cumulative")
    args = parser.parse_args(argv)
    private = configure()

    from django.urls import reverse

    from applications.models import Application
    from config.wsgi import application
    from postings.models import Posting

    target = Posting.objects.open_for_applications().order_by("-deadline").first()
    form_path = reverse("applications:apply", kwargs={"slug": target.slug})
    pdf = sized_pdf(args.pdf_size)
    before = set(Application.objects.filter(posting=target).values_list("pk", flat=True))
    profiler = cProfile.Profile()
    timings = {"get": [], "post": []}
    statuses: dict[str, int] = {}
    try:
        for round_number in range(args.warmup + args.rounds):
            measured = round_number >= args.warmup
            env = environ("GET", form_path)
            started = time.perf_counter()
            if measured and args.profile in ("get", "both"):
                profiler.enable()
            status, headers, html = call(application, env)
            profiler.disable()
            get_s = time.perf_counter() - started
            cookies = cookies_from_headers([v for k, v in headers if k.lower() == "set-cookie"])
            values, _files = fill_form(html.decode(), f"profile-{uuid.uuid4().hex}@example.org")
            body, content_type = multipart(values, {"cv": ("CV Profil.pdf", pdf, "application/pdf")})
            env = environ(
                "POST",
                form_path,
                body=body,
                content_type=content_type,
                cookie="; ".join(f"{k}={v}" for k, v in cookies.items()),
            )
            started = time.perf_counter()
            if measured and args.profile in ("post", "both"):
                profiler.enable()
            status, headers, _body = call(application, env)
            profiler.disable()
            post_s = time.perf_counter() - started
            location = dict(headers).get("Location", "")
            outcome = "ok" if status.startswith("302") and "/candidature/" in location else status
            statuses[outcome] = statuses.get(outcome, 0) + 1
            if measured:
                timings["get"].append(get_s)
                timings["post"].append(post_s)
    finally:
        created = Application.objects.filter(posting=target).exclude(pk__in=before)
        names = [name for application in created for name in application.stored_files()]
        count = created.count()
        created.delete()
        for name in names:
            (private / name).unlink(missing_ok=True)
    print(
        f"posting {target.slug}, {args.rounds} rounds, outcomes {statuses}, {count} rows created and deleted"
    )
    for name, values in timings.items():
        values.sort()
        print(
            f"{name}: median {statistics.median(values) * 1000:.2f} ms, "
            f"p90 {values[int(len(values) * 0.9)] * 1000:.2f} ms, min {values[0] * 1000:.2f} ms"
        )
    if args.profile:
        stats = pstats.Stats(profiler)
        stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
