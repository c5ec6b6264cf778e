# make bench — play against ansible-playbook on the same lab hosts, in the
# same run (docs/bench.md). Not part of `make test`: it takes many minutes
# and its figures depend on the machine.
#   make bench                          5 rounds, 3 and 50 hosts
#   make bench BENCH_ROUNDS=3 BENCH_LARGE=0
#   make bench BENCH_ARGS='-large-rounds 1 -large-modes converged'
BENCH_ROUNDS ?= 5
BENCH_LARGE  ?= 50
BENCH_ARGS   ?=

.PHONY: bench bench-tools bench-smoke

# ansible-core comes from Debian (the only package mirror reachable here).
bench-tools:
	@command -v ansible-playbook >/dev/null || { \
	  echo "bench: installing ansible-core"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ansible-core; }
	lab/lab.sh deps

bench: build bench-tools
	$(GO) build -o bin/playbench ./bench/cmd/playbench
	bin/playbench -rounds $(BENCH_ROUNDS) -large $(BENCH_LARGE) -play $(BIN) $(BENCH_ARGS)

# The bench's parsing and aggregation, without the lab.
bench-smoke:
	$(GO) test -count=1 ./bench/...
