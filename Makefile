# TokenTray. `make run` builds and starts the app, `make test` runs every test
# (inside a private headless desktop, see .ci/desktop-session). Both install the
# Debian/Ubuntu packages they need first (.ci/deps). `make help` lists the rest.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
MAKEFLAGS += --no-print-directory

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     := bin/tokentray
# `make run` starts the tray agent; `make run ARGS="token"` runs a command.
ARGS    ?=
TESTFLAGS ?=

# Tools installed with `go install` (staticcheck) live in $(go env GOPATH)/bin.
GOPATH_BIN := $(firstword $(subst :, ,$(shell go env GOPATH 2>/dev/null)))/bin
export PATH := $(GOPATH_BIN):$(PATH)

DEPS    := bash .ci/deps
DESKTOP := bash .ci/desktop-session

.PHONY: run build test lint bench bench-agent package package-linux package-windows install-test clean help

run: build ## Build and start the app (pass arguments with ARGS="...")
	./$(BIN) $(ARGS)

build: ## Build bin/tokentray
	$(DEPS) build
	go build -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN) .
	go build -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN)-window ./ui/window/cmd/tokentray-window

test: ## Lint, then run all tests with -race inside a private headless desktop (TESTFLAGS="...")
	$(DEPS) test
	$(MAKE) lint
	$(DESKTOP) go test -race -count=1 $(TESTFLAGS) ./...

lint: ## gofmt check, go vet, staticcheck
	$(DEPS) lint
	@files="$$(find . \( -path ./.git -o -path ./bin -o -path ./dist -o -path ./tmp \
		-o -name testdata -o -name vendor \) -prune -o -name '*.go' -print0 | xargs -0 -r gofmt -l)"; \
	if [[ -n $$files ]]; then \
		echo "gofmt: these files need formatting (run gofmt -w on them):"; \
		echo "$$files"; \
		exit 1; \
	fi
	go vet ./...
	staticcheck ./...

bench: ## Run the benchmarks
	go test -run '^$$' -bench . -benchmem ./...

bench-agent: ## Measure the resident agent vs a Fyne tray app and curl+jq (~4 min; see BENCHMARKS.md)
	$(DEPS) test
	$(DESKTOP) bash .ci/bench-agent

# Release artifacts in dist/ (packaging/build): validates the desktop entry and
# AppStream metainfo, links $(VERSION) into the binaries and checks it.
package: ## Linux tar.xz + Windows .exe in dist/ (validators included; see packaging/README.md)
	$(DEPS) package
	VERSION='$(VERSION)' bash packaging/build linux windows

package-linux: ## Only the Linux tar.xz in dist/
	$(DEPS) package
	VERSION='$(VERSION)' bash packaging/build linux

package-windows: ## Only dist/tokentray.exe (cgo cross-build with MinGW-w64)
	$(DEPS) package
	VERSION='$(VERSION)' bash packaging/build windows

install-test: ## user-install the Linux tarball in a headless desktop, start it from its launcher, stop it
	$(DEPS) test
	$(DEPS) package
	@[[ -f dist/tokentray-$(VERSION)-linux-amd64.tar.xz ]] || $(MAKE) package-linux
	bash packaging/install-test dist/tokentray-$(VERSION)-linux-amd64.tar.xz

clean: ## Remove build output
	rm -rf bin dist
	go clean -testcache

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | expand -t 17
