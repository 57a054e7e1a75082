# atlasbot: every target sets itself up (virtual environment from the lock file) first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock

.PHONY: demo test lint typecheck contracts check run sandbox bench clean setup i18n

setup: $(STAMP)

# The venv is rebuilt whenever the lock file or the project metadata changes.
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "atlasbot needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m atlasbot demo

# pytest exits 5 when it collected no tests: that is a failure here, not a pass.
test: $(STAMP)
	@$(BIN)/python -m pytest -q $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "FAIL: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

lint: $(STAMP)
	$(BIN)/ruff check atlasbot tests bench
	$(BIN)/ruff format --check atlasbot tests bench

typecheck: $(STAMP)
	$(BIN)/mypy atlasbot bench

contracts: $(STAMP)
	$(BIN)/lint-imports

check: lint typecheck contracts test

run: $(STAMP)
	@test -n "$$ATLASBOT_TOKEN" || { echo "make run needs ATLASBOT_TOKEN (the bot token from BotFather)"; exit 2; }
	$(BIN)/python -m atlasbot db upgrade
	$(BIN)/python -m atlasbot run

sandbox: $(STAMP)
	$(BIN)/python -m atlasbot sandbox --port 8081

bench: $(STAMP)
	$(BIN)/python bench/planner.py
	$(BIN)/python bench/schedule.py
	$(BIN)/python bench/coverage.py

# Extract every marked text into the template and update the catalogs that exist (checked by
# compiling them; the bot compiles them in memory at first use, no .mo is kept).
# Then: `python tests/unit/test_catalogs.py fr` lists what a language still lacks.
i18n: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output -k _ -k N_ -k ngettext:1,2 \
		-o atlasbot/locale/atlasbot.pot atlasbot
	@for po in atlasbot/locale/*/LC_MESSAGES/atlasbot.po; do \
		[ -e "$$po" ] || continue; \
		$(BIN)/pybabel update -i atlasbot/locale/atlasbot.pot -D atlasbot -d atlasbot/locale \
			-l "$$(basename "$$(dirname "$$(dirname "$$po")")")" || exit 1; \
		$(BIN)/pybabel compile --statistics -i "$$po" -o /dev/null || exit 1; \
	done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
