#!/usr/bin/env bash
# Namespace plumbing for the Hangar test lab (called by test/lab/lab.mjs; root only).
#
#   host.sh bridge-up                      create the lab bridge with the laptop address
#   host.sh host-up NAME ADDR HOSTDIR      network + mount + UTS namespaces for one host, with its
#                                          own virtlogd, libvirtd and sshd (HOSTDIR prepared by lab.mjs)
#   host.sh exec NAME CMD...               run a command inside a host (all its namespaces)
#   host.sh down                           kill every process in the lab's namespaces, delete them
#                                          and the bridge
#
# Names: bridge hangarlab0 (10.66.0.1/24), netns hangar-NAME, veth hl-NAME <-> eth0 (in the netns).
set -euo pipefail

BRIDGE=hangarlab0
LAPTOP_CIDR=10.66.0.1/24
NS_PREFIX=hangar-

log() { echo "[lab] $*" >&2; }

holder_pid() { # NAME -> pid of the process that holds the host's mount/UTS namespaces
  local name="$1" f
  f="$(cat "/run/hangar-lab/$name.hostdir" 2>/dev/null || true)"
  [ -n "$f" ] && [ -f "$f/run/holder.pid" ] || return 1
  local pid
  pid="$(cat "$f/run/holder.pid")"
  [ -d "/proc/$pid" ] || return 1
  echo "$pid"
}

in_host() { # NAME CMD... : run inside all of a host's namespaces, cwd /
  local name="$1"; shift
  local pid
  pid="$(holder_pid "$name")" || { log "host $name is not up"; return 1; }
  nsenter -t "$pid" -n -m -u --wd=/ -- "$@"
}

cmd_bridge_up() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  ip addr replace "$LAPTOP_CIDR" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

cmd_host_up() {
  local name="$1" addr="$2" hostdir="$3"
  local ns="$NS_PREFIX$name" veth="hl-$name"
  mkdir -p /run/hangar-lab
  echo "$hostdir" > "/run/hangar-lab/$name.hostdir"

  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set "$veth" master "$BRIDGE" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up

  # The holder: enters the netns (ip netns exec also mounts a sysfs for that netns), makes a private
  # mount + UTS namespace, mounts the host's private directories, then sleeps. Daemons are started
  # inside its namespaces with nsenter.
  rm -f "$hostdir/run/holder.pid" "$hostdir/run/holder.ready"
  setsid ip netns exec "$ns" unshare --mount --uts --propagation private -- \
    bash "$(dirname "$0")/holder.sh" "$name" "$hostdir" </dev/null >"$hostdir/log/holder.log" 2>&1 &
  local i=0
  while [ ! -f "$hostdir/run/holder.ready" ]; do
    i=$((i + 1))
    if [ $i -gt 200 ]; then log "$name: namespace holder did not come up"; cat "$hostdir/log/holder.log" >&2; return 1; fi
    sleep 0.05
  done

  in_host "$name" /usr/sbin/virtlogd -d -p "$hostdir/run/virtlogd.pid"
  in_host "$name" /usr/sbin/libvirtd -d -p "$hostdir/run/libvirtd.pid" -f /etc/libvirt/libvirtd.conf
  in_host "$name" /usr/sbin/sshd -f "$hostdir/ssh/sshd_config" -E "$hostdir/log/sshd.log"
}

ns_inode() { stat -L -c %i "$1" 2>/dev/null || true; }

cmd_down() {
  local nss ns pids all="" p
  nss="$(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NS_PREFIX" || true)"
  # Every process whose network namespace is one of ours (holders, daemons, QEMU, dnsmasq, ssh
  # sessions, ...). Processes are matched by namespace inode so a half-deleted netns is also found.
  local inodes=""
  for ns in $nss; do inodes="$inodes $(ns_inode "/run/netns/$ns")"; done
  if [ -d /run/hangar-lab ]; then
    for f in /run/hangar-lab/*.hostdir; do
      [ -f "$f" ] || continue
      local hd; hd="$(cat "$f")"
      for pf in "$hd"/run/*.pid; do
        [ -f "$pf" ] || continue
        p="$(cat "$pf" 2>/dev/null || true)"
        [ -n "$p" ] && [ -d "/proc/$p" ] && inodes="$inodes $(ns_inode "/proc/$p/ns/net")"
      done
    done
  fi
  local self; self="$(ns_inode /proc/self/ns/net)"
  if [ -n "${inodes// /}" ]; then
    for round in TERM TERM TERM KILL KILL; do
      all=""
      for d in /proc/[0-9]*; do
        local i; i="$(ns_inode "$d/ns/net")"
        [ -z "$i" ] || [ "$i" = "$self" ] && continue
        for want in $inodes; do
          if [ "$i" = "$want" ]; then all="$all ${d#/proc/}"; break; fi
        done
      done
      [ -z "${all// /}" ] && break
      kill -"$round" $all 2>/dev/null || true
      sleep 0.5
    done
  fi
  for ns in $nss; do ip netns del "$ns" 2>/dev/null || true; done
  for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^hl-' || true); do
    ip link del "$l" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -rf /run/hangar-lab
}

case "${1:-}" in
  bridge-up) cmd_bridge_up ;;
  host-up) shift; cmd_host_up "$@" ;;
  exec) shift; in_host "$@" ;;
  down) cmd_down ;;
  *) echo "usage: host.sh bridge-up | host-up NAME ADDR HOSTDIR | exec NAME CMD... | down" >&2; exit 2 ;;
esac
