"""bench/report.lua through bench/run.py's `wrk()`, against a tiny local server that behaves like the page
cache: the first request of a path is a miss, any repeat a hit (`X-Page-Cache`). Each call is a warm-up and a
measured run of 1 s each."""

import http.server
import shutil
import threading
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from bench import run

pytestmark = pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)

ARGS = SimpleNamespace(threads=2, connections=4, warmup=1)


class FakePageCache(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FakePageCacheHandler)
        self.paths: list[str] = []
        self.lock = threading.Lock()

    def handle_error(self, request, client_address):
        pass  # wrk resets its connections when its time is up


class FakePageCacheHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn behind wrk
    disable_nagle_algorithm = True

    def do_GET(self):
        with self.server.lock:
            hit = self.path in self.server.paths
            self.server.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.send_header("X-Page-Cache", "hit" if hit else "miss")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    fake = FakePageCache()
    thread = threading.Thread(target=fake.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.shutdown()
    fake.server_close()


def test_uncached_runs_never_repeat_a_value_even_across_runs(server):
    port = server.server_address[1]

    first = run.wrk(port, "/?q=droits", 1, ARGS, uncached=True, count=True)
    second = run.wrk(port, "/?q=droits", 1, ARGS, uncached=True, count=True)

    assert first["requests"] > 0 and second["requests"] > 0
    assert len(server.paths) == len(set(server.paths))  # warm-ups included: four wrk runs
    assert (first["hits"], first["misses"]) == (0, first["requests"])
    assert (second["hits"], second["misses"]) == (0, second["requests"])
    queries = [parse_qs(urlsplit(path).query) for path in server.paths]
    assert all(query["q"] == ["droits"] and len(query["utm_source"]) == 1 for query in queries)


def test_the_hits_of_a_cached_scenario_are_counted(server):
    port = server.server_address[1]

    result = run.wrk(port, "/", 1, ARGS, count=True)

    assert set(server.paths) == {"/"}
    assert result["counted"] is True
    assert result["hits"] == result["requests"] > 0  # the warm-up made the only miss
    assert result["misses"] == 0


def test_without_counting_no_hits_are_read(server):
    result = run.wrk(server.server_address[1], "/", 1, ARGS)

    assert (result["counted"], result["hits"], result["misses"]) == (False, 0, 0)
