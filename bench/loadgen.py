"""A small closed-loop HTTP load generator for what wrk cannot do: the apply flow (GET the form, POST it).

Each request of the apply flow needs a fresh CSRF token and a one-time submission token read from the form,
and a unique e-mail address; wrk's Lua cannot parse HTML per request, so this runs N threads with
`http.client`, each doing GET form -> POST multipart (1 MB PDF) for a fixed time. The same client also
measures `/healthz`, so the apply throughput is compared with a reference taken by the same tool.

No Django import: this is the client side, run in its own process by bench/run.py.
"""

import http.client
import json
import re
import statistics
import sys
import threading
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script or imported as bench.loadgen

from pdfs import minimal_pdf  # noqa: E402


def sized_pdf(size: int) -> bytes:
    """A valid one-page PDF padded with a binary stream to about `size` bytes."""
    return minimal_pdf(["Curriculum vitae - candidature de test de charge"], padding=max(0, size - 900))


class FormParser(HTMLParser):
    """Collects the fields of the first multipart form of a page: inputs, selects (with options), textareas."""

    def __init__(self):
        super().__init__()
        self.in_form = False
        self.done = False
        self.fields: list[dict] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.done:
            return
        if tag == "form" and "multipart" in (attrs.get("enctype") or ""):
            self.in_form = True
        elif not self.in_form:
            return
        elif tag == "input" and attrs.get("name"):
            self.fields.append({"tag": "input", **attrs})
        elif tag == "textarea" and attrs.get("name"):
            self.fields.append({"tag": "textarea", **attrs})
        elif tag == "select" and attrs.get("name"):
            self._select = {"tag": "select", "options": [], **attrs}
            self.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def fill_form(html: str, email: str) -> tuple[dict[str, str], list[str]]:
    """The values a careful candidate would send, and the names of the file inputs."""
    parser = FormParser()
    parser.feed(html)
    known = {
        "first_name": "Amina",
        "last_name": "Charge",
        "email": email,
        "phone": "+33 6 12 34 56 78",
        "city": "Lyon",
        "heard_from": "Test de charge",
        "letter_text": "Je souhaite m'engager pour l'accès aux droits des personnes exilées.",
        "website": "",  # the honeypot stays empty
    }
    values: dict[str, str] = {}
    files: list[str] = []
    for field in parser.fields:
        name, kind = field["name"], field.get("type", "")
        if field["tag"] == "select":
            options = [o for o in field["options"] if o]
            if name == "country" and "FR" in options:
                values[name] = "FR"
            elif options:
                values[name] = options[-1]
        elif kind == "file":
            files.append(name)
        elif kind == "checkbox":
            if name in ("consent", "eligibility_confirmed") or "required" in field:
                values[name] = field.get("value") or "on"
        elif kind == "hidden":
            values[name] = field.get("value", "")
        elif name in known:
            values[name] = known[name]
        elif field["tag"] == "textarea":
            values[name] = known["letter_text"]
    return values, files


HIDDEN_INPUT_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class FormFiller:
    """`fill_form` for many GETs of the same form: the HTML parser reads the first page (~3 ms for the apply
    form, in pure Python, on the cores the server needs), later pages only give the values of their hidden
    inputs (the CSRF and one-time submission tokens, ~10 µs). A page whose hidden inputs differ from the first
    one's is parsed in full again."""

    def __init__(self):
        self.values: dict[str, str] = {}
        self.files: list[str] = []
        self.hidden: set[str] = set()

    def fill(self, html: str, email: str) -> tuple[dict[str, str], list[str]]:
        hidden = dict(HIDDEN_INPUT_RE.findall(html))
        if not self.values or set(hidden) != self.hidden or html.count('type="hidden"') != len(hidden):
            self.values, self.files = fill_form(html, email)
            self.hidden = set(hidden)
        return {**self.values, **hidden, "email": email}, self.files


def multipart(values: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = f"----passerelle-bench-{uuid.uuid4().hex}"
    parts = []
    for name, value in values.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content, content_type) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


COOKIE_RE = re.compile(r"^([^=;]+)=([^;]*)")


def cookies_from(response: http.client.HTTPResponse) -> dict[str, str]:
    return cookies_from_headers(response.headers.get_all("Set-Cookie") or [])


def cookies_from_headers(headers: list[str]) -> dict[str, str]:
    found = {}
    for header in headers:
        match = COOKIE_RE.match(header)
        if match:
            found[match.group(1)] = match.group(2)
    return found


class Runner:
    def __init__(self, host: str, port: int, duration: float, threads: int):
        self.host, self.port, self.duration, self.threads = host, port, duration, threads
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.outcomes: dict[str, int] = {}

    def record(self, outcome: str, latency: float | None = None) -> None:
        with self.lock:
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
            if latency is not None:
                self.latencies.append(latency)

    def run(self, step) -> dict:
        deadline = time.monotonic() + self.duration

        def loop():
            connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            while time.monotonic() < deadline:
                try:
                    step(connection)
                except (OSError, http.client.HTTPException) as exc:
                    self.record(f"error:{type(exc).__name__}")
                    connection.close()
                    connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            connection.close()

        started = time.monotonic()
        workers = [threading.Thread(target=loop) for _ in range(self.threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.monotonic() - started
        latencies = sorted(self.latencies)
        ok = self.outcomes.get("ok", 0)
        return {
            "elapsed_s": elapsed,
            "outcomes": self.outcomes,
            "ok": ok,
            "rps": ok / elapsed,
            "p50_ms": statistics.median(latencies) * 1000 if latencies else None,
            "p90_ms": latencies[int(len(latencies) * 0.9)] * 1000 if latencies else None,
        }


def healthz_step(runner: Runner):
    def step(connection):
        started = time.monotonic()
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        runner.record(
            "ok" if response.status == 200 else f"status:{response.status}", time.monotonic() - started
        )

    return step


def accepted(status: int, location: str, form_path: str) -> bool:
    """Whether the answer to a POST of the form is the one of an application taken: a redirect to the
    posting's "sent" page. A duplicate gets the same answer (the page must not tell whether an address
    applied), so run.py also checks that rows == successes."""
    return status in (302, 303) and location.endswith(form_path.rstrip("/") + "/confirmation/")


def apply_step(runner: Runner, form_path: str, pdf: bytes):
    fillers: dict[int, FormFiller] = {}  # one per client thread

    def step(connection):
        email = f"charge-{uuid.uuid4().hex}@example.org"
        connection.request("GET", form_path)
        response = connection.getresponse()
        html = response.read().decode("utf-8", "replace")
        if response.status != 200:
            runner.record(f"form-status:{response.status}")
            return
        cookies = cookies_from(response)
        filler = fillers.setdefault(threading.get_ident(), FormFiller())
        values, file_fields = filler.fill(html, email)
        if "cv" not in file_fields:
            runner.record("form-without-cv")
            return
        body, content_type = multipart(values, {"cv": ("CV Amina Charge.pdf", pdf, "application/pdf")})
        headers = {
            "Content-Type": content_type,
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Referer": f"http://{runner.host}:{runner.port}{form_path}",
        }
        started = time.monotonic()
        connection.request("POST", form_path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if accepted(response.status, response.headers.get("Location", ""), form_path):
            runner.record("ok", time.monotonic() - started)
        else:
            runner.record(f"post-status:{response.status}")

    return step


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=["healthz", "apply"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--form-path", default="")
    parser.add_argument("--pdf-size", type=int, default=1024 * 1024)
    args = parser.parse_args(argv)
    runner = Runner("127.0.0.1", args.port, args.duration, args.threads)
    if args.scenario == "healthz":
        result = runner.run(healthz_step(runner))
    else:
        result = runner.run(apply_step(runner, args.form_path, sized_pdf(args.pdf_size)))
    print("BENCH_JSON " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
