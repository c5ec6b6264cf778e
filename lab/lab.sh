#!/usr/bin/env bash
# lab.sh — real systemd hosts on this machine, for play's integration tests.
#
# Each lab host is a Debian 12 tree booted by systemd-nspawn (systemd is PID 1,
# so systemctl, unit files and galera_new_cluster behave as on real guests)
# inside its own network namespace, wired to the bridge playbr0 (10.77.0.0/24).
# Hosts get no route off the bridge: everything they need is in the image.
#
#   lab.sh deps                      install what the lab needs (Debian packages)
#   lab.sh image                     build the cached rootfs (once per package list)
#   lab.sh up [N] [--prefix P] [--group G] [--ip-base B]
#   lab.sh down [--prefix P]         stop hosts (all, or only those named P-*)
#   lab.sh status                    list hosts, pids, IPs, reachability
#   lab.sh ssh NAME [CMD...]         run a command on a host with the lab key
#
# docs/lab.md explains the design and the cgroup/nspawn choices.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
INVENTORY=${PLAY_LAB_INVENTORY_OUT:-$REPO_DIR/inventory/lab.ini}

CACHE_DIR=/var/cache/play-lab
STATE_DIR=/var/lib/play-lab
HOSTS_DIR=$STATE_DIR/hosts
STATE_FILE=$STATE_DIR/hosts.tsv # name<TAB>group<TAB>ip<TAB>image
KEY=$STATE_DIR/id_ed25519
KNOWN_HOSTS=$STATE_DIR/known_hosts
LOCK_FILE=$STATE_DIR/lock

BRIDGE=playbr0
SUBNET=10.77.0
BRIDGE_ADDR=$SUBNET.1
SUITE=bookworm
BOOT_TIMEOUT=${PLAY_LAB_BOOT_TIMEOUT:-90}

# Everything the hosts need is preinstalled: hosts have no route to any mirror.
# Changing this list (or customize_image) changes the cache key and rebuilds.
IMAGE_PACKAGES=(
	systemd systemd-sysv dbus udev libpam-systemd
	openssh-server sudo iproute2 iputils-ping procps less cron rsync socat
	ca-certificates python3 python3-apt python3-pymysql
	mariadb-server mariadb-client mariadb-backup galera-4 sysbench
	firewalld nftables netbase apache2
	dnf dnf-plugins-core rpm createrepo-c
)

log() { printf 'lab: %s\n' "$*" >&2; }
die() {
	printf 'lab: error: %s\n' "$*" >&2
	exit 1
}

need_root() {
	[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, mounts and nspawn need it); try: sudo $0 $*"
}

# ---------------------------------------------------------------- preconditions

check_netns() {
	local probe=play-probe-$$
	if ! ip netns add "$probe" 2>/dev/null; then
		die "cannot create a network namespace ('ip netns add' failed): the lab needs CAP_SYS_ADMIN and a kernel with CONFIG_NET_NS"
	fi
	ip netns del "$probe"
}

check_overlay() {
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
	grep -qw overlay /proc/filesystems || die "overlayfs is not available (no 'overlay' in /proc/filesystems; try: modprobe overlay)"
}

# systemd-nspawn needs a cgroup hierarchy it can manage. On a machine whose PID 1
# is not systemd, nothing mounts one, so we mount what nspawn expects: a cgroup2
# tree at /sys/fs/cgroup when no cgroup is mounted at all. A hybrid layout
# (v1 controllers + name=systemd + unified), as on these VMs, works as it is.
check_cgroups() {
	if [[ -e /sys/fs/cgroup/cgroup.controllers || -d /sys/fs/cgroup/systemd || -d /sys/fs/cgroup/unified ]]; then
		return 0
	fi
	log "no cgroup hierarchy mounted; mounting cgroup2 on /sys/fs/cgroup for systemd-nspawn"
	mkdir -p /sys/fs/cgroup
	mount -t cgroup2 cgroup2 /sys/fs/cgroup || die "cannot mount cgroup2 on /sys/fs/cgroup; systemd-nspawn needs a cgroup hierarchy"
}

check_tools() {
	local missing=() t
	for t in ip systemd-nspawn ssh ssh-keygen ssh-keyscan flock setsid; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	((${#missing[@]} == 0)) || die "missing tools: ${missing[*]} (run: $0 deps)"
}

preflight() {
	need_root "$@"
	check_tools
	check_overlay
	check_cgroups
	check_netns
}

# ---------------------------------------------------------------- deps

cmd_deps() {
	need_root deps
	local pkgs=(systemd-container mmdebstrap iproute2 openssh-client ca-certificates util-linux
		kmod procps debian-archive-keyring)
	local missing=() p
	for p in "${pkgs[@]}"; do
		grep -q 'install ok installed' <<<"$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" || missing+=("$p")
	done
	if ((${#missing[@]})); then
		log "installing: ${missing[*]}"
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
	else
		log "all lab packages present"
	fi
	check_overlay
	check_cgroups
	check_netns
	log "deps ok"
}

# ---------------------------------------------------------------- image

# The machine's own Debian sources (the only mirror reachable here): the apt
# source files that name our suite. PLAY_LAB_MIRROR overrides (a URI or a file).
mirror_sources() {
	if [[ -n ${PLAY_LAB_MIRROR:-} ]]; then
		printf '%s\n' "$PLAY_LAB_MIRROR"
		return
	fi
	local f found=0
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		if grep -v '^[[:space:]]*#' "$f" | grep -Eq "(^|[[:space:]])$SUITE(-updates|-security)?([[:space:]]|$)"; then
			printf '%s\n' "$f"
			found=1
		fi
	done
	((found)) || printf '%s\n' "http://deb.debian.org/debian"
}

# customize_image ROOT makes the tree boot cleanly as a container and strips
# everything host-specific; per-host identity is written by `up`.
customize_image() {
	local root=$1
	# sshd: root by key only, no DNS lookups (hosts have no resolver).
	cat >"$root/etc/ssh/sshd_config.d/play-lab.conf" <<-'EOF'
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		UseDNS no
		MaxSessions 10
	EOF
	rm -f "$root"/etc/ssh/ssh_host_*
	# Each host gets its own machine-id, hostname, host keys and resolver state.
	rm -f "$root/etc/machine-id" "$root/var/lib/dbus/machine-id" "$root/var/lib/systemd/random-seed"
	: >"$root/etc/hostname"
	: >"$root/etc/resolv.conf"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
	# Root has no password (locked) and logs in by key only.
	chroot "$root" passwd -l root >/dev/null
	install -d -m 700 "$root/root/.ssh"
	systemctl --root="$root" enable ssh.service >/dev/null 2>&1
	# Units that fail or stall in a container: no consoles, no network wait,
	# no first-boot prompts, no timers that try to reach the network.
	systemctl --root="$root" mask \
		systemd-networkd-wait-online.service getty.target console-getty.service \
		getty@tty1.service serial-getty@.service systemd-firstboot.service \
		apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
		fstrim.timer systemd-timesyncd.service >/dev/null 2>&1
	# Tests and playbooks start these themselves; firewalld's default zone would
	# also cut galera traffic between hosts.
	systemctl --root="$root" disable mariadb.service firewalld.service >/dev/null 2>&1 || true
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_Packages
}

image_key() {
	{
		printf '%s\n' "$SUITE" "${IMAGE_PACKAGES[@]}"
		declare -f customize_image
	} | sha256sum | cut -c1-16
}

image_dir() { printf '%s/rootfs-%s\n' "$CACHE_DIR" "$(image_key)"; }

cmd_image() {
	need_root image
	local dir
	dir=$(image_dir)
	if [[ -f $dir/etc/os-release ]]; then
		log "image cached: $dir"
		printf '%s\n' "$dir"
		return 0
	fi
	command -v mmdebstrap >/dev/null || die "mmdebstrap missing (run: $0 deps)"
	mkdir -p "$CACHE_DIR"
	# Build next to the final place and rename: a failed build never looks cached.
	local tmp=$dir.tmp.$$ start
	rm -rf "$tmp"
	start=$(date +%s)
	local pkgs
	pkgs=$(
		IFS=,
		printf '%s' "${IMAGE_PACKAGES[*]}"
	)
	local mirrors=()
	mapfile -t mirrors < <(mirror_sources)
	log "building $SUITE rootfs from ${mirrors[*]} into $dir"
	if ! mmdebstrap --variant=apt --mode=root --include="$pkgs" "$SUITE" "$tmp" "${mirrors[@]}" </dev/null >&2; then
		rm -rf "$tmp"
		die "mmdebstrap failed"
	fi
	customize_image "$tmp"
	mv "$tmp" "$dir"
	log "image built in $(($(date +%s) - start)) s: $dir ($(du -sh "$dir" | cut -f1))"
	prune_images "$dir"
	printf '%s\n' "$dir"
}

# Old images are deleted once no host's overlay uses them.
prune_images() {
	local keep=$1 d
	for d in "$CACHE_DIR"/rootfs-*; do
		[[ -d $d && $d != "$keep" ]] || continue
		if [[ $d == *.tmp.* ]] || ! grep -qxF "$d" <<<"$(cut -f4 "$STATE_FILE" 2>/dev/null)"; then
			log "removing old image $d"
			rm -rf "$d"
		fi
	done
}

# ---------------------------------------------------------------- state

state_lines() {
	if [[ -f $STATE_FILE ]]; then cat "$STATE_FILE"; fi
}

state_field() { # NAME FIELD(2=group 3=ip 4=image) -> value, or nothing
	state_lines | awk -F'\t' -v n="$1" -v f="$2" '$1 == n { print $f }'
}

state_put() { # NAME GROUP IP IMAGE
	local tmp=$STATE_FILE.tmp
	{
		state_lines | awk -F'\t' -v n="$1" '$1 != n'
		printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"
	} >"$tmp"
	mv "$tmp" "$STATE_FILE"
}

state_del() { # NAME
	local tmp=$STATE_FILE.tmp
	state_lines | awk -F'\t' -v n="$1" '$1 != n' >"$tmp"
	mv "$tmp" "$STATE_FILE"
}

ip_used() { grep -qxF "$1" <<<"$(state_lines | cut -f3)"; }

# Host i of prefix galera is 10.77.0.(10+i), as the docs and playbooks expect;
# other prefixes take the lowest free address from .100 unless --ip-base is given.
pick_ip() { # NAME INDEX BASE
	local name=$1 i=$2 base=$3 cur octet
	cur=$(state_field "$name" 3)
	if [[ -n $cur ]]; then
		printf '%s\n' "$cur"
		return
	fi
	if [[ -n $base ]]; then
		octet=$((base + i))
		((octet > 1 && octet < 255)) || die "address $SUBNET.$octet out of range"
		ip_used "$SUBNET.$octet" && die "$SUBNET.$octet is already used by another lab host"
		printf '%s.%s\n' "$SUBNET" "$octet"
		return
	fi
	for octet in $(seq 100 250); do
		ip_used "$SUBNET.$octet" || {
			printf '%s.%s\n' "$SUBNET" "$octet"
			return
		}
	done
	die "no free lab address left"
}

veth_name() { printf 'pl-%s\n' "${1##*.}"; } # IP -> host-side veth (IFNAMSIZ-safe)

nspawn_pid() { # NAME -> pid if its nspawn runs
	local pf=$HOSTS_DIR/$1/nspawn.pid pid
	[[ -f $pf ]] || return 1
	pid=$(<"$pf")
	[[ -n $pid && -d /proc/$pid ]] || return 1
	grep -q systemd-nspawn "/proc/$pid/cmdline" 2>/dev/null || return 1
	printf '%s\n' "$pid"
}

ssh_opts() {
	printf '%s\n' -i "$KEY" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o BatchMode=yes -o ConnectTimeout=3 -o LogLevel=ERROR
}

host_ssh() { # IP CMD...
	local ip=$1
	shift
	local opts=()
	mapfile -t opts < <(ssh_opts)
	# shellcheck disable=SC2029 # the command is meant to run remotely as given
	ssh "${opts[@]}" "root@$ip" "$@"
}

# ---------------------------------------------------------------- up

ensure_bridge() {
	if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
		ip link add "$BRIDGE" type bridge
	fi
	# grep -q on a pipe would let `ip` die of SIGPIPE, which pipefail turns
	# into "not found": read the whole listing first.
	grep -q "inet $BRIDGE_ADDR/" <<<"$(ip addr show dev "$BRIDGE")" || ip addr add "$BRIDGE_ADDR/24" dev "$BRIDGE"
	ip link set "$BRIDGE" up
}

ensure_key() {
	mkdir -p "$STATE_DIR"
	chmod 700 "$STATE_DIR"
	[[ -f $KEY ]] || ssh-keygen -q -t ed25519 -N '' -C play-lab -f "$KEY"
}

ensure_net() { # NAME IP
	local name=$1 ip=$2 ns=play-$1 veth
	veth=$(veth_name "$ip")
	grep -qxF "$ns" <<<"$(ip netns list | awk '{print $1}')" || ip netns add "$ns"
	if ! ip link show "$veth" >/dev/null 2>&1; then
		ip link add "$veth" type veth peer name eth0 netns "$ns"
	fi
	ip link set "$veth" master "$BRIDGE" up
	ip -n "$ns" link set lo up
	grep -q "inet $ip/" <<<"$(ip -n "$ns" addr show dev eth0)" || ip -n "$ns" addr add "$ip/24" dev eth0
	ip -n "$ns" link set eth0 up
}

ensure_root() { # NAME IMAGE
	local h=$HOSTS_DIR/$1 image=$2
	mkdir -p "$h/up" "$h/work" "$h/root"
	mountpoint -q "$h/root" ||
		mount -t overlay overlay -o "lowerdir=$image,upperdir=$h/up,workdir=$h/work" "$h/root"
}

# Per-host identity, written through the overlay into the upper layer.
write_identity() { # NAME
	local name=$1 r=$HOSTS_DIR/$1/root
	printf '%s\n' "$name" >"$r/etc/hostname"
	if [[ ! -s $r/etc/machine-id ]]; then
		tr -d '-' </proc/sys/kernel/random/uuid >"$r/etc/machine-id"
	fi
	install -d -m 700 "$r/root/.ssh"
	install -m 600 "$KEY.pub" "$r/root/.ssh/authorized_keys"
	if ! compgen -G "$r/etc/ssh/ssh_host_*_key" >/dev/null; then
		ssh-keygen -A -f "$r" >/dev/null
	fi
}

# /etc/hosts on every running host lists every lab host (hosts come and go).
# The lab owns one marked block of each host's /etc/hosts; lines a playbook
# added outside it (a mirror's name, say) survive hosts coming and going.
# A file without the block (the image's, or an older lab's) is replaced.
write_hosts_files() {
	local name group ip image block f
	block=$(printf '%s\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\tplaybr0-gateway' \
		"$HOSTS_BEGIN" "$BRIDGE_ADDR")
	while IFS=$'\t' read -r name group ip image; do
		if [[ -n $name ]]; then block+=$'\n'"$ip"$'\t'"$name"; fi
	done <<<"$(state_lines)"
	block+=$'\n'"$HOSTS_END"
	while IFS=$'\t' read -r name group ip image; do
		[[ -n $name && -d $HOSTS_DIR/$name/root/etc ]] || continue
		mountpoint -q "$HOSTS_DIR/$name/root" || continue
		f=$HOSTS_DIR/$name/root/etc/hosts
		{
			printf '%s\n' "$block"
			if grep -qxF "$HOSTS_BEGIN" "$f" 2>/dev/null; then
				sed "/^$HOSTS_BEGIN\$/,/^$HOSTS_END\$/d" "$f"
			fi
		} >"$f.lab.$$"
		mv "$f.lab.$$" "$f"
	done <<<"$(state_lines)"
}
HOSTS_BEGIN='# BEGIN play-lab hosts (lab.sh rewrites this block)'
HOSTS_END='# END play-lab hosts'

start_host() { # NAME
	local name=$1 h=$HOSTS_DIR/$1
	nspawn_pid "$name" >/dev/null && return 0
	# --keep-unit + --register=no: no D-Bus or systemd on the machine needed.
	# --resolv-conf=off: hosts have no DNS; an empty resolv.conf fails fast
	# instead of timing out (MariaDB and sudo look names up).
	# CAP_NET_ADMIN: each host has its own network namespace, so the
	# capability reaches only that namespace (firewalld's nftables rules).
	# /proc/sys stays read-only under nspawn: sysctl writes files only.
	setsid systemd-nspawn -D "$h/root" --keep-unit --register=no --boot \
		--network-namespace-path="/run/netns/play-$name" -M "$name" \
		--capability=CAP_NET_ADMIN \
		--resolv-conf=off --link-journal=no --console=read-only \
		</dev/null >"$h/console.log" 2>&1 9>&- &
	printf '%s\n' "$!" >"$h/nspawn.pid"
}

wait_ssh() { # NAME IP DEADLINE
	local name=$1 ip=$2 deadline=$3
	while :; do
		if host_ssh "$ip" true </dev/null 2>/dev/null; then
			return 0
		fi
		if ! nspawn_pid "$name" >/dev/null; then
			log "$name: systemd-nspawn exited; last console lines:"
			tail -n 20 "$HOSTS_DIR/$name/console.log" >&2 || true
			return 1
		fi
		if (($(date +%s) >= deadline)); then
			log "$name: sshd on $ip did not answer within ${BOOT_TIMEOUT}s; last console lines:"
			tail -n 20 "$HOSTS_DIR/$name/console.log" >&2 || true
			return 1
		fi
		sleep 0.5
	done
}

write_known_hosts() {
	local tmp=$KNOWN_HOSTS.tmp name group ip image
	: >"$tmp"
	while IFS=$'\t' read -r name group ip image; do
		[[ -n $name ]] || continue
		ssh-keyscan -T 5 -t ed25519,ecdsa,rsa "$ip" </dev/null 2>/dev/null |
			awk -v n="$name" -v ip="$ip" '$1 == ip { $1 = ip "," n; print }' >>"$tmp"
	done <<<"$(state_lines)"
	mv "$tmp" "$KNOWN_HOSTS"
}

write_inventory() {
	mkdir -p "$(dirname "$INVENTORY")"
	if [[ ! -s $STATE_FILE ]]; then
		rm -f "$INVENTORY"
		return
	fi
	local tmp=$INVENTORY.tmp g
	{
		printf '# Written by lab/lab.sh; do not edit.\n'
		while read -r g; do
			printf '[%s]\n' "$g"
			awk -F'\t' -v g="$g" '$2 == g { print $1 " ansible_host=" $3 }' "$STATE_FILE" | sort -V
			printf '\n'
		done < <(cut -f2 "$STATE_FILE" | awk '!seen[$0]++')
		printf '[all:vars]\nansible_user=root\nansible_ssh_private_key_file=%s\n' "$KEY"
		printf 'ansible_ssh_known_hosts_file=%s\nansible_python_interpreter=/usr/bin/python3\n' "$KNOWN_HOSTS"
	} >"$tmp"
	mv "$tmp" "$INVENTORY"
}

cmd_up() {
	local n=${N:-3} prefix=galera group="" base=""
	while (($#)); do
		case $1 in
		--prefix) prefix=${2:?--prefix needs a value}; shift 2 ;;
		--group) group=${2:?--group needs a value}; shift 2 ;;
		--ip-base) base=${2:?--ip-base needs a value}; shift 2 ;;
		[0-9]*) n=$1; shift ;;
		*) die "up: unknown argument '$1'" ;;
		esac
	done
	[[ $n =~ ^[0-9]+$ && $n -ge 1 ]] || die "up: N must be a positive number, got '$n'"
	[[ $prefix =~ ^[a-z][a-z0-9]*$ ]] || die "up: --prefix must be lowercase letters/digits, got '$prefix'"
	group=${group:-$prefix}
	[[ -z $base && $prefix == galera ]] && base=10
	preflight up
	# Each systemd host holds a few inotify instances; the kernel's default
	# of 128 per user stops somewhere past 40 hosts.
	if (($(cat /proc/sys/fs/inotify/max_user_instances) < 1024)); then
		sysctl -qw fs.inotify.max_user_instances=1024
	fi

	local image start
	start=$(date +%s)
	image=$(cmd_image)
	ensure_key
	ensure_bridge
	mkdir -p "$HOSTS_DIR"

	local i name ip himage names=() ips=()
	for ((i = 1; i <= n; i++)); do
		name=$prefix-$i
		ip=$(pick_ip "$name" "$i" "$base")
		# A host that is already up keeps the image its overlay was built on.
		himage=$(state_field "$name" 4)
		[[ -n $himage && -d $himage ]] || himage=$image
		state_put "$name" "$group" "$ip" "$himage"
		names+=("$name")
		ips+=("$ip")
	done
	for ((i = 0; i < n; i++)); do
		name=${names[i]}
		ensure_net "$name" "${ips[i]}"
		ensure_root "$name" "$(state_field "$name" 4)"
		write_identity "$name"
	done
	write_hosts_files
	for name in "${names[@]}"; do
		start_host "$name"
	done
	local deadline=$(($(date +%s) + BOOT_TIMEOUT)) failed=0
	for ((i = 0; i < n; i++)); do
		wait_ssh "${names[i]}" "${ips[i]}" "$deadline" || failed=1
	done
	((failed == 0)) || die "some hosts did not come up (see $HOSTS_DIR/*/console.log)"
	write_known_hosts
	write_inventory
	log "up: ${#names[@]} host(s) ready in $(($(date +%s) - start)) s; inventory $INVENTORY"
}

# ---------------------------------------------------------------- down

stop_host() { # NAME
	local name=$1 h=$HOSTS_DIR/$1 pid ip i
	if pid=$(nspawn_pid "$name"); then
		# SIGTERM makes nspawn ask the container's systemd to power off.
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 200; i++)); do
			[[ -d /proc/$pid ]] || break
			sleep 0.1
		done
		if [[ -d /proc/$pid ]]; then
			log "$name: nspawn $pid still running after 20 s; killing it"
			kill -KILL "$pid" 2>/dev/null || true
			while [[ -d /proc/$pid ]]; do sleep 0.1; done
		fi
	fi
	if mountpoint -q "$h/root" 2>/dev/null; then
		umount "$h/root" 2>/dev/null || umount -l "$h/root"
	fi
	ip=$(state_field "$name" 3)
	if [[ -n $ip ]]; then
		ip link del "$(veth_name "$ip")" 2>/dev/null || true
	fi
	ip netns del "play-$name" 2>/dev/null || true
	rm -rf "$h"
	state_del "$name"
}

cmd_down() {
	local prefix=""
	while (($#)); do
		case $1 in
		--prefix) prefix=${2:?--prefix needs a value}; shift 2 ;;
		*) die "down: unknown argument '$1'" ;;
		esac
	done
	need_root down
	local names=() name d
	mapfile -t names < <(state_lines | cut -f1)
	# Also sweep host dirs the state file lost track of (an interrupted up).
	for d in "$HOSTS_DIR"/*/; do
		[[ -d $d ]] && names+=("$(basename "$d")")
	done
	local selected=() pid
	for name in $(printf '%s\n' "${names[@]}" | awk 'NF && !seen[$0]++'); do
		[[ -z $prefix || $name == "$prefix"-* ]] || continue
		selected+=("$name")
	done
	# Ask every container to power off at once; stop_host then waits for each.
	for name in "${selected[@]}"; do
		if pid=$(nspawn_pid "$name"); then kill -TERM "$pid" 2>/dev/null || true; fi
	done
	for name in "${selected[@]}"; do
		stop_host "$name"
	done
	if [[ -z $prefix ]]; then
		# Anything named like ours that survived (e.g. state file removed by hand).
		local ns
		for ns in $(ip netns list | awk '$1 ~ /^play-/ {print $1}'); do
			ip netns del "$ns" 2>/dev/null || true
		done
	fi
	if [[ ! -s $STATE_FILE ]]; then
		ip link del "$BRIDGE" 2>/dev/null || true
		rm -f "$STATE_FILE" "$KNOWN_HOSTS"
		rm -rf "$HOSTS_DIR"
	else
		write_hosts_files
		write_known_hosts
	fi
	write_inventory
	log "down${prefix:+ ($prefix-*)}: done"
}

# ---------------------------------------------------------------- status

cmd_status() {
	need_root status
	if [[ ! -s $STATE_FILE ]]; then
		echo "no lab hosts"
		return 0
	fi
	printf '%-14s %-12s %-12s %-8s %s\n' NAME GROUP IP PID SSH
	local name group ip image pid reach
	while IFS=$'\t' read -r name group ip image; do
		[[ -n $name ]] || continue
		pid=$(nspawn_pid "$name" || echo -)
		reach=no
		# </dev/null: ssh must not eat the state file this loop reads.
		[[ $pid != - ]] && host_ssh "$ip" true </dev/null 2>/dev/null && reach=yes
		printf '%-14s %-12s %-12s %-8s %s\n' "$name" "$group" "$ip" "$pid" "$reach"
	done <"$STATE_FILE"
}

cmd_ssh() {
	local name=${1:?usage: lab.sh ssh NAME [CMD...]} ip
	shift
	ip=$(state_field "$name" 3)
	[[ -n $ip ]] || die "no lab host named $name"
	host_ssh "$ip" "$@"
}

# ---------------------------------------------------------------- main

with_lock() {
	mkdir -p "$STATE_DIR"
	exec 9>"$LOCK_FILE"
	flock -w 600 9 || die "another lab.sh holds $LOCK_FILE for over 10 min"
	"$@"
}

main() {
	local cmd=${1:-}
	(($#)) && shift
	case $cmd in
	deps) cmd_deps ;;
	image) need_root image && with_lock cmd_image >/dev/null ;;
	up) with_lock cmd_up "$@" ;;
	down) with_lock cmd_down "$@" ;;
	status) cmd_status ;;
	ssh) cmd_ssh "$@" ;;
	*)
		sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
		[[ -z $cmd || $cmd == help || $cmd == -h || $cmd == --help ]] || exit 2
		;;
	esac
}

main "$@"
