# The doors into the project. `make run` and `make test` set up everything they need.
.DEFAULT_GOAL := help
SHELL := /bin/bash

.PHONY: help bootstrap run test lint migrate psql replica bench schema

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

bootstrap: ## install system packages, PostgREST, Flyway and the Python environment
	@scripts/bootstrap

run: bootstrap ## start the whole system locally with demo data (Ctrl-C stops it)
	@exec scripts/run

test: bootstrap ## lint and the full test suite on a throwaway cluster, side by side
	@scripts/test --lint

lint: bootstrap ## ruff, mypy (strict) and sqlfluff
	@scripts/lint

migrate: bootstrap ## apply pending migrations to the local cluster (starts it if needed)
	@scripts/pgcluster start
	@scripts/flyway/run migrate

psql: ## a psql shell on the local database as the superuser
	@source scripts/lib.sh && exec "$$PG_BIN/psql" -h "$$FRESHPLAN_PG_HOST" -p "$$FRESHPLAN_PG_PORT" -U postgres -d "$$FRESHPLAN_PG_DATABASE"

replica: bootstrap ## start a hot standby of the local cluster for analysts (docs/reporting.md)
	@scripts/pgcluster start
	@scripts/replica start

bench: bootstrap ## run the benchmarks in bench/ (results: docs/performance.md)
	@bench/run

schema: bootstrap ## rewrite sql/schema.sql from a fresh migration run
	@scripts/test schema
