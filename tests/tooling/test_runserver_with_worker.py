"""`manage.py runserver_with_worker`: a task worker beside the development server, stopped with it."""

import os
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.commands.runserver import Command as RunserverCommand


class FakeWorker:
    pid = 4242

    def __init__(self, args, **kwargs):
        self.args = args
        self.terminated = False
        FakeWorker.started.append(self)

    def terminate(self):
        self.terminated = True

    def wait(self, timeout=None):
        return 0


@pytest.fixture
def fake_worker(monkeypatch):
    FakeWorker.started = []
    monkeypatch.setattr(subprocess, "Popen", FakeWorker)
    return FakeWorker


def stop_server(*args, **options):
    raise KeyboardInterrupt


def run_both_reloader_processes(monkeypatch):
    """What `make run` does: the watching process, then the serving one it starts (RUN_MAIN=true)."""
    monkeypatch.delenv("RUN_MAIN", raising=False)
    call_command("runserver_with_worker", "127.0.0.1:8123")
    monkeypatch.setenv("RUN_MAIN", "true")
    with pytest.raises(KeyboardInterrupt):
        call_command("runserver_with_worker", "127.0.0.1:8123")


def test_the_development_server_runs_one_worker_process_and_stops_it_with_the_server(
    monkeypatch, fake_worker
):
    def serve_or_watch(self, *args, **options):
        if os.environ.get("RUN_MAIN") == "true":
            raise KeyboardInterrupt  # the serving process, stopped by Ctrl-C

    monkeypatch.setattr(RunserverCommand, "handle", serve_or_watch)

    run_both_reloader_processes(monkeypatch)

    [worker] = fake_worker.started
    assert worker.args[2:5] == ["db_worker", "--queue-name", "*"]
    assert worker.args[1].endswith("manage.py")
    # db_worker's own reloader (on by default under DEBUG) would fork a second worker process.
    assert "--no-reload" in worker.args
    assert worker.terminated


def test_the_watching_process_starts_no_worker(monkeypatch, fake_worker):
    monkeypatch.delenv("RUN_MAIN", raising=False)
    monkeypatch.setattr(RunserverCommand, "handle", lambda self, *args, **options: None)

    call_command("runserver_with_worker", "127.0.0.1:8123")

    assert fake_worker.started == []


def test_without_the_reloader_the_server_still_gets_its_worker(monkeypatch, fake_worker):
    monkeypatch.delenv("RUN_MAIN", raising=False)
    monkeypatch.setattr(RunserverCommand, "handle", stop_server)

    with pytest.raises(KeyboardInterrupt):
        call_command("runserver_with_worker", "127.0.0.1:8123", use_reloader=False)

    [worker] = fake_worker.started
    assert "--no-reload" in worker.args
    assert worker.terminated
