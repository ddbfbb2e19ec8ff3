# Voorrang. `make run` starts the service with a demo feed; `make test` runs
# every test, installing what they need first.
GO ?= go
FUZZTIME ?= 10m
BENCHTIME ?= 2s
# Build with the Go release go.mod names (toolchain line), fetched from the
# Go proxy when the installed one is older: it carries the standard
# library's security fixes that vulncheck asks for.
export GOTOOLCHAIN := auto

.PHONY: run test lint gotest nodetest bench fuzz build vulncheck

run:
	$(GO) run ./cmd/voorrang --demo

build:
	$(GO) build -o voorrang ./cmd/voorrang

test: lint
	.ci/testenv
	$(GO) test -race -count=1 ./...
	node --test test/browser/*.test.mjs
	.ci/vulncheck

# govulncheck (pinned) against a pinned vulnerability database from the Go
# module proxy; fails on a vulnerability the code calls.
vulncheck:
	.ci/vulncheck

# The panel's browser tests alone (Debian's Chromium, playwright-core).
nodetest:
	.ci/testenv
	node --test test/browser/*.test.mjs

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# The HL7 parser against the @medplum/core peer on the same corpus; ingest
# (MLLP -> Redis -> ACK) and worklist pages against the bare Redis round
# trip, in one run; websocket fan-out to 500 and 1,000 panels; the panel
# with 2,000 rows in Chromium; the what-if simulator on a large
# department's year against a plain sort of as many studies; ingest with
# 1-3 instances on a local Redis Cluster, WAIT on and off, and the live
# feed's delay on Cluster against standalone; the statistics over a
# large hospital's year against the plain read of its records; then the
# Go benchmarks (hl7, triage, the ingest handler without Redis, a page of
# 5,000 studies on Redis, a day of turnaround records decoded, the stats
# queries on a year in memory).
bench:
	.ci/testenv
	$(GO) run ./bench/hl7peer -benchtime $(BENCHTIME)
	bench/ingest.sh
	$(GO) test -run '^$$' -bench 'WS' -benchtime 50x ./ui/
	node bench/panel.mjs
	$(GO) run ./bench/whatif
	$(GO) run ./bench/clusterbench
	$(GO) run ./bench/stats
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./hl7/ ./triage/ ./ingest/ ./worklist/... ./stats/

# Every parser of outside input, one fuzz target after the other, each
# for FUZZTIME (one worker each: the machine is shared). Crashers found are
# kept under the package's testdata/fuzz and run by every `go test`.
FUZZ_TARGETS = \
	./hl7/:FuzzParse ./hl7/:FuzzParsePath ./hl7/:FuzzSplit ./hl7/mllp/:FuzzReader \
	./worklist/:FuzzPositions ./ui/:FuzzParsePositions \
	./ingest/:FuzzDecodeAIResult ./ingest/:FuzzDecodeFHIR ./ingest/:FuzzServeMLLP \
	./sim/readingroom/:FuzzParseScenario

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "== $${t#*:} ($${t%%:*}), $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) -parallel 1 "$${t%%:*}"; \
	done
