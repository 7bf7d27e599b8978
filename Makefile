# taizhang — two commands: `make demo` and `make test`. Everything else here serves them.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export TAIZHANG_HOME := $(CURDIR)
# Deploy checks run against production settings with throwaway secrets.
DEPLOY_ENV := TAIZHANG_ENV=production SECRET_KEY=check-deploy-$(shell date +%s)-not-a-real-secret-0123456789abcdef \
	ALLOWED_HOSTS=taizhang.example.gov.cn TAIZHANG_VAR=$(CURDIR)/var/deploy-check

.PHONY: demo test setup lint typecheck checks pytest browser messages clean
APPS := $(notdir $(patsubst %/,%,$(dir $(wildcard src/taizhang/*/apps.py))))

demo: setup
	$(BIN)/taizhang migrate --noinput
	$(BIN)/taizhang demo
	$(BIN)/taizhang serve

test: setup browser lint typecheck checks pytest

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Browser tests drive Debian's Chromium (Playwright's own download cannot work offline); the translation
# checks use GNU gettext; the bulletin tests open the .docx in LibreOffice and read the PDF back (poppler).
DEBS := chromium fonts-noto-cjk gettext libreoffice-writer-nogui poppler-utils
browser:
	@{ test -x /usr/bin/chromium && command -v msgfmt >/dev/null && command -v soffice >/dev/null \
	   && command -v pdftotext >/dev/null; } || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO=sudo; \
	  else echo "Tests need Debian packages: sudo apt-get install $(DEBS)"; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(DEBS) >/dev/null; }

# Refresh every app's zh_Hans catalogue from the source, then compile it (translations: locale/zh_Hans).
messages: setup
	for app in $(APPS); do \
	  (cd src/taizhang/$$app && mkdir -p locale && ../../../$(BIN)/taizhang makemessages -l zh_Hans --no-location --no-obsolete -v0 \
	   && ../../../$(BIN)/taizhang compilemessages -v0); done

lint:
	$(BIN)/ruff check src benchmarks scripts .ci
	$(BIN)/ruff format --check src benchmarks scripts .ci

typecheck:
	$(BIN)/mypy

checks:
	$(BIN)/taizhang makemigrations --check --dry-run
	$(DEPLOY_ENV) $(BIN)/taizhang check --deploy --fail-level WARNING

# The suite, with coverage: >= 90% overall, 100% for services and workflows.
pytest:
	$(BIN)/pytest -n 2 --dist loadfile --cov --cov-report=
	$(BIN)/coverage report --fail-under=90
	$(BIN)/coverage report --fail-under=100 --include='*/services.py,*/workflow.py'

clean:
	rm -rf $(VENV) node_modules var .coverage
