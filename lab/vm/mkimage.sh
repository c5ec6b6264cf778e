#!/bin/sh
# mkimage.sh CACHEDIR: builds the lab's libvirt base image from Debian's
# packages (this machine reaches no cloud-image download, only Debian's
# mirror): a Debian 12 root filesystem with the cloud kernel, systemd,
# cloud-init (NoCloud), openssh-server and sudo, as an ext4 filesystem on
# the whole disk (no partition table, no bootloader) converted to qcow2,
# plus the kernel and initrd to boot it directly (virt_install kernel,
# initrd, cmdline "root=/dev/vda rw console=ttyS0"). dbus is there for
# systemd-logind, which turns libvirt's ACPI shutdown into a clean poweroff.
#
# The result lands in CACHEDIR/<key>/ with key = a hash of this script, so
# a changed script builds a new image and an unchanged one is reused; other
# keys' images are deleted. Prints that directory (base.qcow2, vmlinuz,
# initrd.img) on stdout; the build log goes to stderr.
# Needs root, mmdebstrap, mkfs.ext4 (e2fsprogs), qemu-img and Debian's mirror
# (the machine's apt sources for the suite; PLAY_VM_MIRROR overrides).
set -eu
cache=${1:?usage: mkimage.sh CACHEDIR}
suite=bookworm
key=$(sha256sum "$0" | cut -c1-16)
out=$cache/$key
mkdir -p "$cache"
chmod 755 "$cache"
# One build at a time; a second caller waits and then finds the image.
exec 9>"$cache/.lock"
flock 9
if [ -s "$out/base.qcow2" ] && [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ]; then
	echo "$out"
	exit 0
fi
for tool in mmdebstrap mkfs.ext4 qemu-img; do
	command -v "$tool" >/dev/null || { echo "mkimage.sh: $tool is not installed" >&2; exit 1; }
done
set --
if [ -n "${PLAY_VM_MIRROR:-}" ]; then
	set -- "$PLAY_VM_MIRROR"
else
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && grep -v '^[[:space:]]*#' "$f" | grep -Eq "(^|[[:space:]])$suite([[:space:]]|$)" && set -- "$@" "$f"
	done
	[ $# -gt 0 ] || set -- http://deb.debian.org/debian
fi
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
echo "mkimage.sh: building the $suite guest image from $*" >&2
mmdebstrap --variant=apt --mode=root \
	--include=linux-image-cloud-amd64,systemd,systemd-sysv,udev,dbus,cloud-init,openssh-server,sudo,iproute2,netbase,e2fsprogs \
	"$suite" "$root" "$@" </dev/null >&2

# DHCP by systemd-networkd on the first NIC; cloud-init's own network
# rendering is off (below), so the guest takes one lease with one client
# id from the first boot on: no dead second lease for the inventory to skip.
cat >"$root/etc/systemd/network/80-play-dhcp.network" <<'N'
[Match]
Name=en* eth*

[Network]
DHCP=ipv4

[DHCPv4]
# Asks for a DHCPRELEASE at shutdown; networkd 252 does not send one at
# poweroff all the same, so virt_install state=absent releases the lease
# on the hypervisor (dhcp_release) instead.
SendRelease=yes
N
chroot "$root" systemctl enable systemd-networkd.service >&2
# Nothing periodic in a lab guest; TCG guests have no cycles to spare.
chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer >&2 || true

# cloud-init: the NoCloud seed only (no probing for clouds that are not
# there) and only the modules a lab guest needs: under TCG every module
# costs seconds of Python start-up.
cat >"$root/etc/cloud/cloud.cfg.d/90-play-lab.cfg" <<'C'
datasource_list: [NoCloud, None]
network: {config: disabled}
manage_etc_hosts: true
ssh_genkeytypes: [ed25519, ecdsa]
cloud_init_modules: [seed_random, bootcmd, write_files, resizefs, set_hostname, update_hostname, update_etc_hosts, users_groups, ssh]
cloud_config_modules: [runcmd]
cloud_final_modules: [scripts_user, final_message]
C

# Per-guest identity comes at first boot: machine-id (and with it the DHCP
# client id), SSH host keys (cloud-init's ssh module), hostname.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root"/etc/ssh/ssh_host_*
echo localhost >"$root/etc/hostname"
# sshd must not fail for want of host keys when the guest boots without a
# seed: one ed25519 key then (ssh-keygen -A would also make an RSA key,
# minutes of emulated CPU under TCG).
mkdir -p "$root/etc/systemd/system/ssh.service.d"
cat >"$root/etc/systemd/system/ssh.service.d/play-hostkeys.conf" <<'K'
[Service]
ExecStartPre=/bin/sh -c 'ls /etc/ssh/ssh_host_*_key >/dev/null 2>&1 || ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key'
K
echo '/dev/vda / ext4 defaults,errors=remount-ro 0 1' >"$root/etc/fstab"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/lib/cloud/*

kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -1)
mkdir -p "$work/out"
cp "$kernel" "$work/out/vmlinuz"
cp "$initrd" "$work/out/initrd.img"
truncate -s 3G "$work/root.ext4"
mkfs.ext4 -q -L root -d "$root" "$work/root.ext4" >&2
qemu-img convert -f raw -O qcow2 "$work/root.ext4" "$work/out/base.qcow2" >&2
chmod 644 "$work/out"/*
chmod 755 "$work/out"
for old in "$cache"/*/; do
	case "$old" in "$cache/build."*) continue ;; esac
	[ "${old%/}" = "$out" ] || rm -rf "${old%/}"
done
rm -rf "$out"
mv "$work/out" "$out"
echo "$out"
