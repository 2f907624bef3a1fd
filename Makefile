# Passerelle: two commands matter, `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install catalogues migrate demo serve lint ci clean browser-deps office-deps

run: install catalogues migrate demo serve

test: install catalogues
	$(PY) -m pytest $(PYTEST_ARGS)

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Passerelle needs Python 3.12 or newer (3.13 recommended, see .python-version); found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Translation catalogues (.po) to .mo in pure Python (polib): no GNU gettext needed on the machine.
catalogues: install
	$(PY) manage.py compile_catalogues

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py load_reference_data
	$(PY) manage.py create_demo_recruiter

serve:
	@echo "Passerelle: http://127.0.0.1:8000/  (admin: http://127.0.0.1:8000/admin/)"
	DEBUG=true $(PY) manage.py runserver_with_worker 127.0.0.1:8000

# The browser tests (tests/browser/) drive Debian's Chromium through Playwright; without it they are skipped.
# Playwright's own browser download cannot work on a closed network, so the system package is used instead.
browser-deps: install
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

# The export tests open the CSV files with LibreOffice headless, as a person with a spreadsheet would
# (tests/applications/test_export_formats.py); without it they are skipped, except in CI.
office-deps:
	@command -v soffice >/dev/null || (apt-get update -qq && apt-get install -y -qq libreoffice-calc-nogui)

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 var/

# Load test of the real stack on scratch PostgreSQL databases (see bench/README.md), at the scales its budgets
# are set for; writes docs/performance.md, exits 1 on a missed budget, 2 when the run failed. The catalogues are
# compiled so that pages are measured translated, as served. More options: BENCH_ARGS="--baseline before.json".
BENCH_SCALES ?= 10000:200000,100000:200000
.PHONY: bench
bench: install catalogues
	@command -v wrk >/dev/null || apt-get install -y wrk || sudo apt-get install -y wrk
	$(PY) bench/run.py --scales $(BENCH_SCALES) $(BENCH_ARGS)

# The production topology on loopback: PostgreSQL, Redis, an S3 endpoint (moto), two gunicorn servers, one
# task worker and nginx in front (bench/cluster.py, deploy/). Needs Debian's nginx and redis-server.
.PHONY: cluster
cluster: install
	@command -v nginx >/dev/null || apt-get install -y nginx-light || apt-get install -y nginx
	@command -v redis-server >/dev/null || apt-get install -y redis-server
	$(PY) bench/cluster.py $(CLUSTER_ARGS)
