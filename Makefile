# play — build, test, lab and demo targets. `make help` lists them.
GO      ?= go
TAGS    ?= libvirt_dlopen
N       ?= 3
BIN     := bin/play
LAB_INV := $(CURDIR)/inventory/lab.ini
export PATH := /usr/local/go/bin:$(PATH)

.PHONY: help build test test-vm unit lint demo deps bench clean

help:
	@echo "make demo   - install what is missing, build play, bring up the lab, run playbooks/galera.yml"
	@echo "make test   - lint, unit tests, then lab tests on real hosts (lab up, go test, lab down)"
	@echo "make test-vm - real cloud-init guests under libvirt/TCG: lab.yml, inventory, become, teardown"
	@echo "make unit   - unit tests only (no lab)"
	@echo "make lab N=3 / make lab-down / make lab-status - the namespaced systemd lab"

build:
	$(GO) build -tags $(TAGS) -o $(BIN) ./cmd/play

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...

unit: build
	$(GO) test -tags $(TAGS) -count=1 ./...

# The lab is brought up for the tests and always taken down after them,
# whatever the tests' outcome; the exit status is the tests'.
test: lint build
	lab/lab.sh deps
	lab/lab.sh up $(N)
	lab/lab.sh up 2 --prefix db --group db
	PLAY_LAB_TEST=big PLAY_LAB_INVENTORY=$(LAB_INV) PLAY_BIN=$(CURDIR)/$(BIN) $(GO) test -p 1 -tags $(TAGS) -count=1 -timeout 70m ./... ; \
	  rc=$$?; lab/lab.sh down; exit $$rc

# Real cloud-init guests under libvirt (TCG): builds the base image once
# (lab/vm/mkimage.sh, cached), provisions with playbooks/lab.yml, tears
# down with playbooks/lab-teardown.yml. Needs root; skips with the reason
# where libvirtd, qemu or mmdebstrap are missing.
test-vm: build
	PLAY_VM_TEST=1 PLAY_BIN=$(CURDIR)/$(BIN) $(GO) test -tags $(TAGS) -count=1 -timeout 60m -run 'TestLabPlaybookRealGuests' -v ./modules/

deps:
	lab/lab.sh deps

demo: deps build
	lab/lab.sh up $(N)
	$(BIN) run playbooks/galera.yml

clean:
	rm -rf bin

-include lab/lab.mk
-include bench/bench.mk
