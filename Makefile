# The two commands of the README are `make demo` and `make test`; CI runs `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: setup setup-test assets browser fonts demo test lint bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

setup: $(BIN)/python assets fonts  ## install shebao into .venv (CLI at .venv/bin/shebao)
	$(BIN)/pip install -q -e .

setup-test: $(BIN)/python assets browser  ## install shebao with the test tools
	$(BIN)/pip install -q -e '.[test]'

assets:  ## front-end packages from the npm registry, served locally (no CDN)
	@if [ -f package.json ]; then npm ci --no-audit --no-fund --loglevel=error; fi

browser:  ## Debian's Chromium for the browser tests (the test tool never downloads one) and a CJK font
	@if ! command -v chromium >/dev/null 2>&1 || [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else echo "请安装 Chromium 与中文字体（Debian: apt-get install chromium fonts-wqy-microhei）以运行浏览器与 PDF 测试"; fi; fi

fonts:  ## a CJK font for the PDF notices (HTML notices need none)
	@if [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; fi

demo: setup  ## embedded database + synthetic population, served on 127.0.0.1:8000
	$(BIN)/shebao demo

test: setup-test  ## the whole suite; PostgreSQL cases need TEST_DATABASE_URL (CI sets it)
	$(BIN)/pytest

lint:
	$(BIN)/ruff check shebao tests benchmarks

bench:
	$(BIN)/python benchmarks/bench_synth.py --persons 1000000
	$(BIN)/python benchmarks/bench_policy.py
	$(BIN)/python benchmarks/bench_screening.py
