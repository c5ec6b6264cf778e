# Lab targets (included from the top-level Makefile). See docs/lab.md.
#   make lab [N=3]   boot N systemd hosts galera-1..N (idempotent), write inventory/lab.ini
#   make lab-down    stop every lab host and remove its netns, links, mounts, dirs
#   make lab-image   build the cached Debian 12 rootfs only
#   make lab-status  list hosts, pids, IPs, reachability
N ?= 3

.PHONY: lab lab-down lab-image lab-status lab-deps
lab:
	lab/lab.sh up $(N)
lab-down:
	lab/lab.sh down
lab-image:
	lab/lab.sh image
lab-status:
	lab/lab.sh status
lab-deps:
	lab/lab.sh deps
