# The two commands of the README: `make run` and `make test`.
# Everything else here is a step they depend on.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VAR := var
# `make run` and every command of the README read one config: $(VAR)/itops.toml, written
# once from the example config with [storage] url set to $(DATABASE_URL) (your copy: edit
# it; `rm -rf var/` starts clean). CONFIG=FILE uses another file instead.
EXAMPLE_CONFIG := config/itops.example.toml
CONFIG ?= $(VAR)/itops.toml
DATABASE_URL ?= $(or $(ITOPS_DATABASE_URL),sqlite:///$(CURDIR)/$(VAR)/itops.db)
# `make run` seeds a DEMO office into an empty database; DEMO=no starts clean.
DEMO ?= yes

# Debian packages the suite talks to for real (see README, "Tests").
DEB_PACKAGES := systemd poppler-utils chromium restic borgbackup clamav clamav-daemon \
	prometheus prometheus-blackbox-exporter libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 fonts-dejavu-core iproute2 openssl snmpd snmp wrk

# axe-core (accessibility rules) for the browser tests, from the npm registry, local only.
AXE := .cache/npm/node_modules/axe-core/axe.min.js

.PHONY: run test test-faults screenshots lint deb-deps venv migrate clean axe config

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed

deb-deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(AXE):
	@command -v npm >/dev/null || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null; }
	npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@4 >/dev/null

axe: $(AXE)

# Written once, never overwritten: only the [storage] url differs from the example.
$(VAR)/itops.toml:
	mkdir -p $(VAR)
	sed '/^\[storage\]/,/^\[/ s|^url = "[^"]*"|url = "$(DATABASE_URL)"|' $(EXAMPLE_CONFIG) > $@.tmp
	mv $@.tmp $@
	@echo "itops: wrote $@ (the example config with [storage] url = \"$(DATABASE_URL)\")"

config: $(CONFIG)

migrate: venv $(CONFIG)
	$(BIN)/itops --config $(CONFIG) db upgrade

run: migrate
	@# First start on an empty database: a DEMO office (the command says which it did).
	@if [ "$(DEMO)" != no ]; then \
		$(BIN)/itops --config $(CONFIG) demo seed --if-empty; \
	else echo "itops: DEMO=no, no DEMO data seeded"; fi
	@echo "itops: starting with $(CONFIG); dashboard at http://$$(sed -n 's/^bind *= *"\(.*\)".*/\1/p' $(CONFIG) | head -n1)"
	@echo "itops: first user (in another terminal): $(BIN)/itops --config $(CONFIG) user add admin --role admin"
	$(BIN)/itops --config $(CONFIG) run

# Most tests wait on sockets, subprocesses and browsers, not the CPU: four workers take the
# suite from ~23 to ~7.5 minutes on a 2-core machine. TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 4

test: deb-deps $(VENV)/.installed-test $(AXE)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy itops checks inventory reports itops_agent
	$(BIN)/python -m pytest -m "not faults" -n $(TEST_WORKERS) --dist worksteal

# The browser tests again, saving a full-page PNG of every page they open (test-output/).
screenshots: deb-deps $(VENV)/.installed-test $(AXE)
	ITOPS_SCREENSHOTS=1 $(BIN)/python -m pytest -m "not faults" -n $(TEST_WORKERS) --dist worksteal \
		tests/web/test_web_browser.py tests/web/test_web_browser_dashboard.py \
		tests/web/test_web_browser_reports.py tests/web/test_web_flows.py

# Crashes, database restarts, disk full, clock steps, hostile targets (tests/faults/).
test-faults: deb-deps $(VENV)/.installed-test
	$(BIN)/python -m pytest -m faults tests/faults

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy itops checks inventory reports itops_agent

clean:
	rm -rf $(VENV) $(VAR) .pytest_cache .ruff_cache .mypy_cache .cache test-output
