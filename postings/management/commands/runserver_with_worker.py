"""`runserver` with a `db_worker` beside it, so that tasks queued with django.tasks (emails) run in development."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.commands.runserver import Command as RunserverCommand


class Command(RunserverCommand):
    help = "Lance le serveur de développement et, à côté, le worker des tâches (manage.py db_worker)."

    def handle(self, *args, **options):
        # The autoreloader runs this command twice: an outer process that watches files and an inner one
        # (RUN_MAIN=true) that serves and is restarted on every change. Only the outer one owns the worker.
        if os.environ.get("RUN_MAIN") == "true":
            return super().handle(*args, **options)
        worker = subprocess.Popen(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "db_worker", "--queue-name", "*"]
        )
        self.stdout.write(f"Worker des tâches démarré (pid {worker.pid}).")
        try:
            return super().handle(*args, **options)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
