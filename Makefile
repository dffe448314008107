# Family Pathways — every install step lives here so a clean clone (and CI) needs nothing else.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PACKAGES := shared services/router services/referral-intake services/notifier services/ledger
STAMP  := $(VENV)/.installed

.PHONY: install test demo bench up down docs clean lock

install: $(STAMP)

$(STAMP): constraints.txt requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	command -v kcat >/dev/null || (apt-get update -qq && apt-get install -y -qq kcat)  # a Kafka client we did not write, for tests
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)  # the browser the inbox page journey drives
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade "pip==25.3"
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt \
		-r requirements-dev.txt $(foreach p,$(PACKAGES),-e ./$(p))
	touch $@

test: install
	$(BIN)/python -m pytest

demo: install
	$(BIN)/python deploy/demo.py

bench: install
	$(BIN)/python bench/run.py

up: install
	$(BIN)/python deploy/stack.py up

down: install
	$(BIN)/python deploy/stack.py down

# Regenerate the AsyncAPI documents in docs/asyncapi/ (a test fails while they are stale).
docs: install
	$(BIN)/python -m pathways_shared.asyncapi

# Re-pin after changing a dependency: writes every installed third-party version to constraints.txt.
lock: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache
