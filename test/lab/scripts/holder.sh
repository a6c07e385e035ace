#!/usr/bin/env bash
# Runs as the namespace holder of one lab host, already inside its network namespace and a fresh
# private mount + UTS namespace (see host.sh). Mounts the host's private directories over the
# system ones, sets the hostname, then sleeps forever; lab.mjs/host.sh enter it with nsenter.
set -euo pipefail
name="$1"
H="$2"

hostname "$name"
# A private /run (sockets, pid files of this host only; /run/sshd is sshd's privilege-separation dir)
mount -t tmpfs -o mode=0755,size=64m "hangar-$name-run" /run
mkdir -p /run/libvirt /run/sshd /run/lock /run/user
chmod 0755 /run/sshd
mount --bind "$H/etc-libvirt" /etc/libvirt
mount --bind "$H/var-lib-libvirt" /var/lib/libvirt
mount --bind "$H/var-log-libvirt" /var/log/libvirt
mount --bind "$H/var-cache-libvirt" /var/cache/libvirt
mount --bind "$H/root" /root
mount --bind "$H/etc-hosts" /etc/hosts
mount --bind "$H/etc-hostname" /etc/hostname

echo $$ > "$H/run/holder.pid"
touch "$H/run/holder.ready"
exec sleep infinity
