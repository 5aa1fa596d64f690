# Two commands on a fresh machine: `make serve` and `make test`. Both set up .venv first; nothing is
# reinstalled unless pyproject.toml changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install serve index test eval ablation calibrate-cite bench bench-beir clean

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, pinned: 2.13.0 resolves to the local CPU wheel; anything else pulls GBs of CUDA.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

index: $(STAMP)
	$(BIN)/runri index build

serve: index
	$(BIN)/runri serve --host $(HOST) --port $(PORT)

# The suite, then the eval gate on the real index (fails when quality drops below eval/baseline.json).
test: index
	$(BIN)/python -m pytest -q
	$(BIN)/runri eval

clean:
	rm -rf $(VENV) data .pytest_cache .hypothesis eval/reports bench/results *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

eval: index
	$(BIN)/runri eval

ablation: $(STAMP)
	$(BIN)/python -m eval.ablation

# Sweep the /cite thresholds over eval/quotes.jsonl; the chosen values are RUNRI_CITE_* settings.
calibrate-cite: index
	$(BIN)/python -m eval.calibrate_cite --show

# BEIR SciFact through our own BM25 / MiniLM+FAISS / RRF stack; data read from ../shared/bench-data/scifact.
bench-beir: $(STAMP)
	$(BIN)/python -m bench.beir
