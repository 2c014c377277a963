# Wenzheng — two set-up commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SUPERVISE_EVERY ?= 300
GROUP_EVERY ?= 5
ROLLUPS_EVERY ?= 60
PG_URL ?= postgres://postgres@127.0.0.1:5432/wenzheng
REDIS ?= redis://127.0.0.1:6379/0

.PHONY: run test test-postgres test-fuzz test-browser lint typecheck install demo train supervise \
	bench-intake bench-classifier bench-dialogue bench-insights bench-public bench-replies \
	clean messages

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

var:
	mkdir -p var

demo: install var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_city

train: install var
	$(PY) manage.py train_classifier --if-missing

# Serve the demo city on http://$(HOST):$(PORT) (ASGI: HTTP and WebSockets) and run the
# supervision command in the background every $(SUPERVISE_EVERY) seconds, and the insight
# roll-ups refresh every $(ROLLUPS_EVERY) seconds, and the hot-issue grouping of new messages
# every $(GROUP_EVERY) seconds.
run: demo train
	@$(PY) manage.py demo_accounts
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C stops)"
	@$(PY) manage.py supervise --every $(SUPERVISE_EVERY) --quiet & sup=$$!; \
	$(PY) manage.py refresh_rollups --every $(ROLLUPS_EVERY) --quiet & ref=$$!; \
	$(PY) manage.py group_messages --every $(GROUP_EVERY) --quiet & grp=$$!; \
	trap "kill $$sup $$ref $$grp 2>/dev/null" EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite on SQLite with the in-memory channel layer (browser tests: `make test-browser`).
test: install
	$(PY) -m pytest -q -m "not browser and not postgres and not fuzz"

# The whole suite on PostgreSQL + Redis (CI); fails if either cannot be reached.
test-postgres: install
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS) WENZHENG_REQUIRE_SERVICES=1 \
		$(PY) -m pytest -q -m "not browser and not fuzz"

# Schemathesis against /api/schema/, in process, on the demo city, as a visitor and five roles
# (token headers): no 5xx, every answer documented and shaped as the schema says. Fixed seed,
# bounded examples (FUZZ_EXAMPLES per operation and generation mode).
FUZZ_EXAMPLES ?= 10
test-fuzz: install
	WENZHENG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -m fuzz tests/security

# Browser tests in Debian's chromium (apt-get install chromium fonts-noto-cjk).
test-browser: install
	$(PY) -m pytest -q -m browser

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: install
	$(PY) -m mypy backend interaction classifier frontend

messages: install
	$(PY) manage.py compilemessages --ignore=.venv

supervise: install
	$(PY) manage.py supervise

bench-intake: install
	$(PY) bench/intake_bench.py

bench-classifier: install
	$(PY) bench/classifier_bench.py

bench-dialogue: install
	REDIS_URL=$(REDIS) $(PY) bench/dialogue_bench.py

bench-insights: install
	$(PY) bench/insights_bench.py

bench-replies: install
	$(PY) bench/reply_quality_bench.py

# Public listing and search over 1,000,000 published cases (PostgreSQL + Redis), and masking speed.
bench-public: install
	$(PY) bench/public_bench.py

clean:
	rm -rf var staticfiles
