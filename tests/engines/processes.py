"""Real server processes for the tests that cross process boundaries (shared cache, object storage)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, *, timeout: float = 30, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers, whatever it says
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing answered {url} within {timeout} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def manage(*args: str, env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def site_env(**overrides: str) -> dict:
    """Production-like settings for a server process of the tests: DEBUG off, no TLS redirect."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "CACHE_URL", "STORAGE_URL", "DATABASE_URL"}
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="test-servers-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        PASSERELLE_MANIFEST_STATIC="false",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


@contextmanager
def gunicorn(env: dict, *, count: int = 1):
    """`count` gunicorn servers (one worker each) on free loopback ports; yields their base URLs."""
    processes, urls = [], []
    try:
        for _ in range(count):
            port = free_port()
            process = subprocess.Popen(
                [str(BIN / "gunicorn"), "config.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
                cwd=BASE_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            processes.append(process)
            urls.append(f"http://127.0.0.1:{port}")
        for process, url in zip(processes, urls, strict=True):
            wait_for(f"{url}/healthz", process=process)
        yield urls
    finally:
        for process in processes:
            stop(process)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
