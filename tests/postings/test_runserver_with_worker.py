"""`manage.py runserver_with_worker`: a task worker beside the development server, stopped with it."""

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


def test_it_starts_a_db_worker_and_stops_it_with_the_server(monkeypatch, fake_worker):
    monkeypatch.delenv("RUN_MAIN", raising=False)
    monkeypatch.setattr(RunserverCommand, "handle", stop_server)

    with pytest.raises(KeyboardInterrupt):
        call_command("runserver_with_worker", "127.0.0.1:8123")

    [worker] = fake_worker.started
    assert worker.args[2:4] == ["db_worker", "--queue-name"]
    assert worker.args[1].endswith("manage.py")
    assert worker.terminated


def test_the_reloaded_server_process_starts_no_second_worker(monkeypatch, fake_worker):
    monkeypatch.setenv("RUN_MAIN", "true")
    monkeypatch.setattr(RunserverCommand, "handle", lambda self, *args, **options: None)

    call_command("runserver_with_worker", "127.0.0.1:8123")

    assert fake_worker.started == []
