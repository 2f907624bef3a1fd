"""`runserver` with a `db_worker` beside it, so that tasks queued with django.tasks (emails) run in development."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.commands.runserver import Command as RunserverCommand


class Command(RunserverCommand):
    help = "Run the development server and, beside it, one task worker (manage.py db_worker)."

    def handle(self, *args, **options):
        # The autoreloader runs this command twice: an outer process that only watches files and an inner one
        # (RUN_MAIN=true) that serves and is restarted on every change. The serving process owns the worker,
        # started without a reloader of its own (db_worker reloads by default under DEBUG, which made a second
        # process): the worker is restarted with the server, so it runs the changed code too.
        if options["use_reloader"] and os.environ.get("RUN_MAIN") != "true":
            return super().handle(*args, **options)
        worker = subprocess.Popen(
            [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "db_worker",
                "--queue-name",
                "*",
                "--no-reload",
            ]
        )
        self.stdout.write(f"Task worker started (pid {worker.pid}).")
        try:
            return super().handle(*args, **options)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
