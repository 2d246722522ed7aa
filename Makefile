# Everyday tasks. `make demo` and `make test` are the quickstart: each sets up what it needs.
VENV := .venv
BIN := $(VENV)/bin
CODE := shop_analytics api

.PHONY: setup up down status demo test check lint format typecheck bench lock ui clean

setup:
	@scripts/setup.sh

up: setup
	$(BIN)/shop-analytics up

down:
	$(BIN)/shop-analytics down

status:
	$(BIN)/shop-analytics status

demo: setup
	$(BIN)/shop-analytics demo

test: setup lint typecheck
	$(BIN)/pytest

# The unit tier only: no service is started (about a minute).
check: setup lint typecheck
	$(BIN)/pytest -m unit

lint: setup
	$(BIN)/ruff check $(CODE) shop_analytics_tests bench
	$(BIN)/ruff format --check $(CODE) shop_analytics_tests bench

format: setup
	$(BIN)/ruff check --fix $(CODE) shop_analytics_tests bench
	$(BIN)/ruff format $(CODE) shop_analytics_tests bench

typecheck: setup
	$(BIN)/mypy $(CODE)

# Every benchmark under bench/, one after the other; each prints its figures. The API's load
# generator, wrk, comes from Debian.
bench: up
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk; } \
	  || { echo "bench: wrk is needed: apt-get install wrk" >&2; exit 1; }
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

ui: setup
	$(BIN)/shop-analytics ui

# Refreeze every transitive version after changing pyproject.toml.
lock:
	$(BIN)/python -m pip install -q -e '.[dev]'
	(echo "# Every transitive version, frozen from a working install (regenerate with: make lock)."; \
	  $(BIN)/pip freeze --exclude-editable | grep -v '^shop-analytics') > constraints.txt

clean: down
	rm -rf .local
