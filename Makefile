# aftermath: `make help` lists the targets.
SHELL := /bin/bash
export CGO_ENABLED := 1
# The driver's Arrow API (query --format parquet|arrow) is behind this tag.
export GOFLAGS := -tags=duckdb_arrow

BIN        := bin/aftermath
DEMO_DIR   := demo
PKGS       := ./...

.PHONY: help build demo screenshot test accuracy accuracy-ci bench bench-go fuzz lint clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

build: ## build bin/aftermath
	go build -o $(BIN) ./cmd/aftermath

demo: build ## generate a sample workspace, ingest it, show what is in the warehouse
	@scripts/demo.sh $(BIN) $(DEMO_DIR)

screenshot: build ## refresh docs/report.png: a report of a fixed sample workspace, shot in headless Chromium
	@scripts/screenshot.sh $(BIN) docs/report.png

test: ## run the whole test suite
	go test -count=1 -timeout 20m $(PKGS)

accuracy: ## replay ../shared/corpus/status-updates.csv through ingest+transform; table per provider and field (skips without it); AFTERMATH_ACCURACY_EXTRA / AFTERMATH_ACK_EXTRA add the outside sets
	AFTERMATH_ACCURACY=1 AFTERMATH_CORPUS=$(abspath ../shared/corpus/status-updates.csv) go test -count=1 -run 'TestAccuracyOnStatusPages|TestAccuracyAgainstGroundTruth|TestAcknowledgementLanguage' -v ./transform

accuracy-ci: ## as make accuracy, but fails only below today's figures (the ratchet); logs every missed issue-8 floor
	AFTERMATH_ACCURACY=1 AFTERMATH_ACCURACY_FLOORS=ratchet AFTERMATH_CORPUS=$(abspath ../shared/corpus/status-updates.csv) go test -count=1 -run 'TestAccuracyOnStatusPages|TestAccuracyAgainstGroundTruth' -v ./transform

bench: build ## run the benchmarks (hours) and write their figures into docs/benchmarks.md
	@scripts/bench.sh $(BIN)

bench-go: ## Go benchmarks of the hot paths (recognisers, signatures, links), benchstat format, into BENCHOUT (bin/bench-go.txt)
	@scripts/bench-go.sh $${BENCHOUT:-bin/bench-go.txt}

fuzz: ## run every fuzz target for FUZZTIME each (default 30s; FUZZ=regexp picks targets, FUZZPARALLEL workers)
	@scripts/fuzz.sh $${FUZZTIME:-30s} $${FUZZ:-.}

lint: ## gofmt, go vet and go mod tidy must leave the tree unchanged
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet $(PKGS)
	@cp go.mod /tmp/aftermath.go.mod.bak; cp go.sum /tmp/aftermath.go.sum.bak; go mod tidy; \
	  if ! diff -q go.mod /tmp/aftermath.go.mod.bak >/dev/null || ! diff -q go.sum /tmp/aftermath.go.sum.bak >/dev/null; then \
	    echo "go mod tidy changed go.mod/go.sum: commit the tidy result"; exit 1; fi

clean: ## remove build and demo outputs
	rm -rf bin $(DEMO_DIR)
