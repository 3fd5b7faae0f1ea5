# eaeu-customs-exchange. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOOL      := go tool -modfile=tools/go.mod
BUF       := $(TOOL) buf
DATA_DIR  ?= .data
# The two third-party proto sources, both read from the Go module cache.
GATEWAY_GOOGLEAPIS := github.com/grpc-ecosystem/grpc-gateway/v2@v2.2.0
PROTOVALIDATE      := github.com/bufbuild/protovalidate@v1.2.2
TEST_FLAGS ?= -race -count=1

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: run
run: ## Run the service in development mode (embedded SQLite, dev CA and certificates in .data, or DATA_DIR).
	go run ./server --dev --data-dir=$(DATA_DIR)

.PHONY: certs
certs: ## Create (if absent) the development CA, server and per-role client certificates in .data/certs.
	go run ./server certs --data-dir=$(DATA_DIR)

.PHONY: test
test: ## Run every test (PostgreSQL too when EAEU_TEST_POSTGRES_DSN is set).
	go test $(TEST_FLAGS) ./...

.PHONY: third-party
third-party: ## Copy google/api and buf/validate protos from the Go module cache into third_party/protos.
	@set -euo pipefail; \
	gw=$$(go mod download -modfile=tools/go.mod -json $(GATEWAY_GOOGLEAPIS) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
	pv=$$(go mod download -modfile=tools/go.mod -json $(PROTOVALIDATE) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
	rm -rf third_party/protos && mkdir -p third_party/protos/google/api third_party/protos/buf/validate; \
	install -m 0644 $$gw/third_party/googleapis/google/api/annotations.proto third_party/protos/google/api/; \
	install -m 0644 $$gw/third_party/googleapis/google/api/http.proto third_party/protos/google/api/; \
	install -m 0644 $$pv/proto/protovalidate/buf/validate/validate.proto third_party/protos/buf/validate/

.PHONY: generate
generate: third-party ## Regenerate gen/ from proto/ (byte for byte reproducible).
	rm -rf gen/eaeu gen/openapiv2/eaeu.swagger.json
	$(BUF) generate
	gofmt -l gen/ >/dev/null

.PHONY: lint
lint: ## buf lint, buf format check, gofmt check, go vet.
	$(BUF) lint
	$(BUF) format --diff --exit-code proto
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^gen/')); \
		if [ -n "$$unformatted" ]; then echo "not gofmt-ed:"; echo "$$unformatted"; exit 1; fi
	go vet ./...

.PHONY: breaking
breaking: ## buf breaking (FILE rules) against the main branch.
	@if git rev-parse --verify -q main >/dev/null && git ls-tree -r --name-only main -- proto | grep -q '\.proto$$'; then \
		$(BUF) breaking --against '.git#branch=main'; \
	else echo "breaking: main has no proto/ yet, nothing to compare"; fi

.PHONY: drift
drift: generate ## Fail when regenerating changes gen/ or third_party/.
	@git add -N gen third_party >/dev/null 2>&1 || true
	@if ! git diff --exit-code --stat -- gen third_party; then echo "gen/ drifted from proto/: run make generate and commit"; exit 1; fi

.PHONY: check
check: drift lint breaking test ## Everything CI checks: generate drift, lint, breaking, vet, tests.

.PHONY: bench
bench: ## Benchmarks; figures are ratios to a baseline measured in the same run.
	go test -run '^$$' -bench . -benchtime=1x -benchmem -timeout 30m ./server/...
	go test -run '^$$' -bench . -benchtime=3s -benchmem ./internal/rules/...

.PHONY: build
build: ## Build the server binary into bin/.
	CGO_ENABLED=0 go build -o bin/customs-exchange ./server
