# Kagami: `make run` starts everything; `make test` runs every test.
.PHONY: run test build unit integration bench format clean

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh

build:
	swift build -c release

unit:
	swift test

integration:
	@bash scripts/test.sh --integration-only

bench:
	@bash bench/run-all.sh

format:
	swift format --in-place --recursive Package.swift Sources Tests

clean:
	rm -rf .build var
