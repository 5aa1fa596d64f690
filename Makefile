# Two commands on a fresh machine: `make serve` and `make test`. Both set up .venv first; nothing is
# reinstalled unless pyproject.toml changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install serve index test eval ablation calibrate-cite bench bench-scale bench-milvus bench-served bench-build bench-beir bench-squad train-answerer clean

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch first, pinned: 2.13.0 resolves to the local CPU wheel; anything else pulls GBs of CUDA.
# The first install downloads several hundred MB (torch, the model, onnxruntime): pip shows its progress.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing into $(VENV): the first time downloads several hundred MB."
	$(BIN)/pip install --progress-bar on torch==2.13.0
	$(BIN)/pip install --progress-bar on -e '.[test]'
	touch $@

index: $(STAMP)
	$(BIN)/runri index build

serve: index
	$(BIN)/runri serve --host $(HOST) --port $(PORT)

# The browser tests drive Debian's Chromium: installed only when a binary is missing. A grouped file
# target (&:), so the recipe runs once for both and never again once they exist.
CHROME_BINS := /usr/bin/chromium /usr/bin/chromedriver

$(CHROME_BINS) &:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver

# A CJK font, so the page's Chinese and Japanese text renders in the browser tests' screenshots (5 MB).
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

$(CJK_FONT):
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-wqy-microhei

# The suite, then the eval gate on the real index (fails when quality drops below eval/baseline.json).
test: index $(CHROME_BINS) $(CJK_FONT)
	$(BIN)/python -m pytest -q
	$(BIN)/runri eval

clean:
	rm -rf $(VENV) data .cache .coverage .pytest_cache .hypothesis eval/reports bench/results test-artifacts *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

eval: index
	$(BIN)/runri eval

ablation: $(STAMP)
	$(BIN)/python -m eval.ablation

# Sweep the /cite thresholds over eval/quotes.jsonl; the chosen values are RUNRI_CITE_* settings.
calibrate-cite: index
	$(BIN)/python -m eval.calibrate_cite --show

# Benchmarks: in-process query path by stage, HTTP load on 127.0.0.1 (1 and 2 uvicorn workers), index
# build and start-up, synthetic 10k/100k-chunk scale; JSON in bench/results/, a summary table at the end.
# Options: make bench WORKERS=1 DURATION=5 BENCH_ARGS='--only query,http'
WORKERS  ?= 1,2
DURATION ?= 10
bench: index
	$(BIN)/python -m bench.run --workers $(WORKERS) --duration $(DURATION) $(BENCH_ARGS)

# Dense (exact / HNSW / IVF) and BM25 at larger synthetic sizes; 1M takes several minutes on 2 cores.
SIZES ?= 1000000
bench-scale: index
	$(BIN)/python -m bench.scale --sizes $(SIZES)

# Milvus Lite beside FAISS + bm25s on the same synthetic chunks (ingest, dense/BM25/hybrid p50/p99, recall@10).
MILVUS_SIZES ?= 100000
bench-milvus: index
	$(BIN)/python -m bench.milvus_scale --sizes $(MILVUS_SIZES)

# `runri serve` on a synthetic index of about CHUNKS chunks (stand-in vectors, the product's build and server):
# RSS when ready and after questions, start-up time. 100k: ~10 min and ~4 GB here.
CHUNKS ?= 100000
bench-served: index
	$(BIN)/python -m bench.served_memory --chunks $(CHUNKS)

# Build throughput on the SQuAD 1.1 dev articles (../shared/bench-data); BUILD_ARGS='--code /path/to/old/checkout'.
bench-build: $(STAMP)
	$(BIN)/python -m bench.build_throughput $(BUILD_ARGS)

# BEIR SciFact through our own BM25 / MiniLM+FAISS / RRF stack; data read from ../shared/bench-data/scifact.
bench-beir: $(STAMP)
	$(BIN)/python -m bench.beir --sentence-leg

# The learned answer model (service/answer_model/): SQuAD dev training articles only, split by title;
# seeded, about 10-25 min on 2 cores (most of it indexing the articles), then the held-out figures
# into its MODEL_CARD.md.
train-answerer: $(STAMP)
	$(BIN)/pip install -e '.[train]'
	$(BIN)/python -m eval.train_answerer
	$(BIN)/python -m bench.squad --update-card

# The whole service on the held-out SQuAD articles, scored by the benchmark's own evaluate.py.
bench-squad: $(STAMP)
	$(BIN)/python -m bench.squad
