#!/usr/bin/env bash
# Builds the Hangar lab test guest from Debian packages into a cache directory:
#   vmlinuz      - the Debian kernel (linux-image-amd64), for direct kernel boot
#   initrd.img   - a busybox-static initramfs (busybox init, serial + VGA shells, DHCP, ACPI
#                  power button -> poweroff, qemu-guest-agent when /usr/sbin/qemu-ga exists)
#   hangar-test.iso - a small bootable hybrid ISO (grub-mkrescue) that boots the same guest
#                  (falls back to the grub-rescue-pc prebuilt ISO when grub-mkrescue is absent)
#   base.qcow2   - a qcow2 base image (the hybrid ISO converted), for template tests
#   guest.json   - what was built (read by lab.mjs)
# Usage: build-guest.sh CACHE_DIR
# Idempotent: a finished build (guest.json present, same recipe version) is reused.
set -euo pipefail

OUT="$1"
RECIPE=6 # bump when anything below changes the output
BANNER="HANGAR-TEST-GUEST READY"

KVER="$(ls -1 /lib/modules | grep -E 'amd64$' | sort -V | tail -n1 || true)"
if [ -z "$KVER" ] || [ ! -f "/boot/vmlinuz-$KVER" ]; then
  echo "build-guest: no Debian kernel found (install linux-image-amd64)" >&2
  exit 1
fi
# the key also says whether the optional parts could be built, so installing them later rebuilds
HAS_AGENT=0; [ -x /usr/sbin/qemu-ga ] && HAS_AGENT=1
HAS_MKRESCUE=0; command -v grub-mkrescue >/dev/null && [ -d /usr/lib/grub/i386-pc ] && command -v xorriso >/dev/null && HAS_MKRESCUE=1
KEY="k$KVER-r$RECIPE-a$HAS_AGENT-g$HAS_MKRESCUE"
if [ -f "$OUT/guest.json" ] && grep -q "\"key\": \"$KEY\"" "$OUT/guest.json"; then
  exit 0
fi

command -v busybox >/dev/null || { echo "build-guest: busybox-static missing" >&2; exit 1; }
file_is_static() { ! ldd "$1" >/dev/null 2>&1; }
BB="$(command -v busybox)"
[ -x /bin/busybox ] && BB=/bin/busybox
file_is_static "$BB" || { echo "build-guest: $BB is not static (install busybox-static)" >&2; exit 1; }

mkdir -p "$OUT"
WORK="$(mktemp -d "$OUT/.build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
R="$WORK/root"
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root,lib/modules,var/log,mnt}
ln -s ../run "$R/var/run"
cp "$BB" "$R/bin/busybox"
for app in $("$BB" --list-full); do
  [ -e "$R/$app" ] || ln -s /bin/busybox "$R/$app"
done
ln -sf /bin/busybox "$R/init"

# Kernel modules (with their dependencies, from modules.dep).
MODDIR="/lib/modules/$KVER"
want="virtio_pci virtio_net virtio_blk virtio_console virtio_balloon virtio_rng evdev button bochs"
declare -A seen=()
order=()
add_mod() {
  local rel="$1" deps d
  [ -n "${seen[$rel]:-}" ] && return 0
  seen[$rel]=1
  deps="$(grep -E "^${rel}:" "$MODDIR/modules.dep" | cut -d: -f2)"
  for d in $deps; do add_mod "$d"; done
  order+=("$rel")
}
for m in $want; do
  rel="$(grep -E "/${m}\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" | head -n1 | cut -d: -f1 || true)"
  [ -n "$rel" ] && add_mod "$rel"
done
: > "$R/etc/modules.order"
for rel in "${order[@]}"; do
  base="$(basename "$rel")"
  case "$base" in
    *.ko.xz) xz -dc "$MODDIR/$rel" > "$R/lib/modules/${base%.xz}"; base="${base%.xz}" ;;
    *.ko.zst) zstd -qdc "$MODDIR/$rel" > "$R/lib/modules/${base%.zst}"; base="${base%.zst}" ;;
    *.ko.gz) gzip -dc "$MODDIR/$rel" > "$R/lib/modules/${base%.gz}"; base="${base%.gz}" ;;
    *) cp "$MODDIR/$rel" "$R/lib/modules/$base" ;;
  esac
  echo "$base" >> "$R/etc/modules.order"
done
# the display driver stack is loaded after the banner (it only matters for VNC)
grep -vE '^(drm|drm_kms_helper|ttm|drm_ttm_helper|drm_vram_helper|bochs)\.ko$' "$R/etc/modules.order" > "$R/etc/modules.early"
grep -E '^(drm|drm_kms_helper|ttm|drm_ttm_helper|drm_vram_helper|bochs)\.ko$' "$R/etc/modules.order" > "$R/etc/modules.late" || true

# qemu-guest-agent (dynamic binary: copy it with the shared libraries it needs).
AGENT=false
if [ -x /usr/sbin/qemu-ga ]; then
  AGENT=true
  cp /usr/sbin/qemu-ga "$R/usr/sbin/qemu-ga"
  for lib in $(ldd /usr/sbin/qemu-ga | grep -oE '/[^ ]+'); do
    mkdir -p "$R$(dirname "$lib")"
    cp -L "$lib" "$R$lib"
  done
  # ld.so is looked up by its canonical path
  mkdir -p "$R/lib64"
  [ -e "$R/lib64/ld-linux-x86-64.so.2" ] || cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
fi

cat > "$R/etc/inittab" <<'EOF'
::sysinit:/etc/rc.sh
ttyS0::respawn:-/bin/sh
tty1::respawn:-/bin/sh
::ctrlaltdel:/sbin/poweroff
::shutdown:/etc/rc.shutdown
EOF

cat > "$R/etc/rc.sh" <<EOF
#!/bin/sh
BANNER="$BANNER"
EOF
cat >> "$R/etc/rc.sh" <<'EOF'
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /run/lock
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mkdir -p /run/lock
hostname hangar-guest
echo "hangar-guest" > /etc/hostname
for m in $(cat /etc/modules.early); do insmod "/lib/modules/$m" 2>/dev/null; done
ip link set lo up

say() { echo "$*"; echo "$*" > /dev/tty1 2>/dev/null; }

# ACPI power button -> clean poweroff. Every "Power Button" input device gets a watcher that
# blocks until the first event arrives (busybox has no evdev reader; one read() is enough).
i=0
while [ $i -lt 50 ]; do
  ls /sys/class/input/event* >/dev/null 2>&1 && break
  sleep 0.1; i=$((i+1))
done
for ev in /sys/class/input/event*; do
  [ -e "$ev" ] || continue
  name="$(cat "$ev/device/name" 2>/dev/null)"
  case "$name" in
    *"Power Button"*)
      n="${ev##*/}"
      ( dd if="/dev/input/$n" of=/dev/null bs=24 count=1 2>/dev/null && say "HANGAR-TEST-GUEST POWER BUTTON" && poweroff ) &
      ;;
  esac
done

# DHCP on every ethernet NIC (virtio_net), in the background.
for dev in /sys/class/net/*; do
  n="${dev##*/}"
  [ "$n" = lo ] && continue
  ip link set "$n" up
  udhcpc -i "$n" -b -q -t 20 -T 1 -s /etc/udhcpc.script >/dev/null 2>&1 &
done

# qemu-guest-agent on the virtio-serial port named org.qemu.guest_agent.0
if [ -x /usr/sbin/qemu-ga ]; then
  for p in /sys/class/virtio-ports/*; do
    [ -e "$p/name" ] || continue
    if [ "$(cat "$p/name")" = "org.qemu.guest_agent.0" ]; then
      /usr/sbin/qemu-ga -m virtio-serial -p "/dev/${p##*/}" -d -f /run/qemu-ga.pid -t /run 2>/dev/null
      say "HANGAR-TEST-GUEST AGENT STARTED"
    fi
  done
fi

# Text on the VGA console so a VNC viewer shows pixels. With direct (PVH) kernel boot there is no
# VGA text console, so the bochs DRM driver brings up fbcon, which redraws tty1.
( for m in $(cat /etc/modules.late); do insmod "/lib/modules/$m" 2>/dev/null; done ) &
{
  echo
  echo "  ##############################################"
  echo "  #   Hangar test guest  (busybox initramfs)   #"
  echo "  ##############################################"
  echo
  echo "  $BANNER"
  echo
} > /dev/tty1 2>/dev/null
echo "$BANNER"
# hangar.probe=1: lab.mjs's KVM probe only wants to see the banner
grep -q 'hangar.probe=1' /proc/cmdline && poweroff -f
EOF
chmod +x "$R/etc/rc.sh"

cat > "$R/etc/rc.shutdown" <<'EOF'
#!/bin/sh
echo "HANGAR-TEST-GUEST POWERING OFF"
[ -f /run/qemu-ga.pid ] && kill "$(cat /run/qemu-ga.pid)" 2>/dev/null
sync
EOF
chmod +x "$R/etc/rc.shutdown"

# qemu-ga's guest-shutdown runs /sbin/shutdown -h|-r -P +0 "msg"; busybox has no shutdown applet.
rm -f "$R/sbin/shutdown"
cat > "$R/sbin/shutdown" <<'EOF'
#!/bin/sh
case " $* " in
  *" -r "*) exec reboot ;;
  *" -H "*) exec halt ;;
  *) exec poweroff ;;
esac
EOF
chmod +x "$R/sbin/shutdown"

cat > "$R/etc/udhcpc.script" <<'EOF'
#!/bin/sh
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    if [ -n "$router" ]; then
      ip route del default 2>/dev/null
      for r in $router; do ip route add default via "$r" dev "$interface"; break; done
    fi
    : > /etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
    echo "HANGAR-TEST-GUEST IP $interface $ip" > /dev/console
    echo "HANGAR-TEST-GUEST IP $interface $ip" > /dev/tty1 2>/dev/null
    ;;
esac
exit 0
EOF
chmod +x "$R/etc/udhcpc.script"
echo 'root::0:0:root:/root:/bin/sh' > "$R/etc/passwd"
echo 'root:x:0:' > "$R/etc/group"
echo 'export PS1="hangar-guest# "' > "$R/etc/profile"

(cd "$R" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$WORK/initrd.img"
cp "/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
# The bzImage's payload is an ELF vmlinux with a PVH entry note: QEMU boots that directly, skipping
# the in-guest decompression, which is the slowest part of a boot under TCG (~9 s -> ~3.5 s).
VMLINUX=false
off="$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$WORK/vmlinuz" | head -n1 | cut -d: -f1 || true)"
if [ -n "$off" ] && { tail -c +$((off + 1)) "$WORK/vmlinuz" || true; } | xz -dc --single-stream > "$WORK/vmlinux" 2>/dev/null \
   && [ "$(head -c 4 "$WORK/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then
  VMLINUX=true
else
  rm -f "$WORK/vmlinux"
fi
CMDLINE="console=tty0 console=ttyS0,115200 panic=-1 quiet loglevel=3"

# Bootable ISO (hybrid: boots as CD and as a disk) with the same kernel + initramfs.
ISO_KIND=prebuilt
if command -v grub-mkrescue >/dev/null && [ -d /usr/lib/grub/i386-pc ] && command -v xorriso >/dev/null; then
  I="$WORK/iso"
  mkdir -p "$I/boot/grub"
  cp "$WORK/vmlinuz" "$WORK/initrd.img" "$I/boot/"
  cat > "$I/boot/grub/grub.cfg" <<EOF
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=1
set default=0
menuentry "Hangar test guest" {
  linux /boot/vmlinuz $CMDLINE
  initrd /boot/initrd.img
}
EOF
  if grub-mkrescue -d /usr/lib/grub/i386-pc -o "$WORK/hangar-test.iso" "$I" >"$WORK/mkrescue.log" 2>&1; then
    ISO_KIND=grub-mkrescue
  else
    cat "$WORK/mkrescue.log" >&2
  fi
fi
if [ "$ISO_KIND" = prebuilt ]; then
  cp /usr/lib/grub-rescue/grub-rescue-cdrom.iso "$WORK/hangar-test.iso"
fi
qemu-img convert -q -f raw -O qcow2 "$WORK/hangar-test.iso" "$WORK/base.qcow2"

for f in vmlinuz vmlinux initrd.img hangar-test.iso base.qcow2; do [ -f "$WORK/$f" ] && mv -f "$WORK/$f" "$OUT/$f"; done
KERNEL="$OUT/vmlinuz"
$VMLINUX && KERNEL="$OUT/vmlinux"
cat > "$OUT/guest.json" <<EOF
{
  "key": "$KEY",
  "kernelVersion": "$KVER",
  "kernel": "$KERNEL",
  "bzImage": "$OUT/vmlinuz",
  "initrd": "$OUT/initrd.img",
  "cmdline": "$CMDLINE",
  "banner": "$BANNER",
  "iso": "$OUT/hangar-test.iso",
  "isoKind": "$ISO_KIND",
  "isoBootsGuest": $([ "$ISO_KIND" = grub-mkrescue ] && echo true || echo false),
  "baseImage": "$OUT/base.qcow2",
  "guestAgent": $AGENT
}
EOF
echo "build-guest: built test guest (kernel $KVER, ISO $ISO_KIND, agent $AGENT) in $OUT"
