#!/bin/sh
# mkguest.sh OUTDIR: builds the tiny guest virt_install's lab test boots
# (no internet, so no cloud image): Debian's kernel and a busybox initramfs
# made from Debian packages (apt-get download; nothing is installed).
# The guest loads virtio-net and the virtio-scsi CD-ROM drivers, takes a DHCP
# lease, then a second one for the same MAC under another client id that
# it never configures (the dead lease cloud-init's first boot leaves
# behind), mounts the cloud-init seed (label cidata) and serves it over
# HTTP on port 80, and accepts TCP on port 22 (the lease probe's port).
# Result: OUTDIR/vmlinuz and OUTDIR/initrd.img. Idempotent.
set -eu
# Bump when the guest changes: a cached guest of another version is rebuilt.
version=3
out=${1:?usage: mkguest.sh OUTDIR}
mkdir -p "$out"
[ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] && [ "$(cat "$out/version" 2>/dev/null)" = "$version" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
apt-get download -q "$kpkg" busybox-static >/dev/null 2>&1 || { echo "apt-get download $kpkg busybox-static failed" >&2; exit 1; }
mkdir x root
for d in *.deb; do dpkg-deb -x "$d" x; done
kver=$(ls x/lib/modules | head -1)
cp x/boot/vmlinuz-"$kver" "$out/vmlinuz.tmp"
mkdir -p root/bin root/proc root/sys root/dev root/mnt root/www root/lib/modules
cp x/bin/busybox root/bin/busybox
mods="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net
scsi_common scsi_mod virtio_scsi cdrom sr_mod isofs"
for m in $mods; do
	f=$(find x/lib/modules/"$kver" -name "$m.ko" | head -1)
	[ -n "$f" ] || { echo "module $m not found in $kpkg" >&2; exit 1; }
	cp "$f" root/lib/modules/
done
echo "$mods" | tr ' ' '\n' | sed '/^$/d' > root/lib/modules/order
cat > root/udhcpc.script <<'S'
#!/bin/sh
case "$1" in bound|renew) ip addr add "$ip/$mask" dev "$interface" ;; esac
S
cat > root/init <<'S'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m.ko; done
ip link set lo up; ip link set eth0 up
udhcpc -i eth0 -s /udhcpc.script -t 30 -T 2 -q
udhcpc -i eth0 -s /bin/true -t 5 -T 2 -q -x 0x3d:ff706c6179 || true
sleep 2
if mount -t iso9660 -o ro /dev/sr0 /mnt; then cp /mnt/* /www/; fi
echo "$(cat /proc/cmdline)" > /www/cmdline
httpd -p 80 -h /www
httpd -p 22 -h /www
echo "play test guest ready"
while true; do sleep 3600; done
S
chmod 755 root/init root/udhcpc.script
# busybox's own cpio: the machine may have no cpio package.
bb=$work/x/bin/busybox
(cd root && find . | "$bb" cpio -o -H newc > "$work/initrd.cpio")
gzip -1 -c "$work/initrd.cpio" > "$out/initrd.img.tmp"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
mv "$out/initrd.img.tmp" "$out/initrd.img"
echo "$version" > "$out/version"
