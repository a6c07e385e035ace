import { shellQuote } from '../../ssh/shell-quote';

/**
 * What a bundle collects from each host over its SSH connection: read-only commands whose output
 * becomes one file each. The command lines here are constants, or built with shellQuote from names
 * libvirt reported — never a string a user typed, unquoted.
 *
 * Coverage: 003b §3.2's proposed layout, plus every command of sos's `virsh` and `kvm` plugins and
 * the files of its `libvirt` plugin (see files.ts), minus the files sos forbids.
 */
export interface CommandItem {
  /** Path inside the host's folder of the bundle. */
  out: string;
  command: string;
  timeoutMs?: number;
  /**
   * Set when `command` is exactly one virsh command (`virsh [-r] -c qemu:///system ARGS…`): a batch
   * then runs it inside one virsh session with its neighbours instead of a process of its own.
   */
  virsh?: VirshCall;
}

export interface VirshCall {
  /** Needs a read-write connection (qemu-agent-command); read-only otherwise. */
  rw?: boolean;
  args: readonly string[];
}

const V = 'virsh -r -c qemu:///system';

export function hostCommands(sinceEpochSec: number | null): CommandItem[] {
  const since = sinceEpochSec === null ? [] : ['--since', `@${sinceEpochSec}`];
  const journal = (units: string[]): string => shellQuote(['journalctl', '--no-pager', '-o', 'short-iso-precise', ...units.flatMap((u) => ['-u', u]), ...since]);
  const c = (out: string, command: string, timeoutMs?: number): CommandItem => ({ out, command, ...(timeoutMs ? { timeoutMs } : {}) });
  /** A read-only virsh command of constant words: the same line as before, and batchable. */
  const vc = (out: string, ...args: string[]): CommandItem => ({ out, command: `${V} ${args.join(' ')}`, virsh: { args } });
  return [
    // Identity, time and packages.
    c('os-release', 'cat /etc/os-release'),
    c('uname.txt', 'uname -a'),
    c('uptime.txt', 'uptime'),
    c('clock.txt', 'date -u +%s.%N'),
    c('timedatectl.txt', 'timedatectl'),
    c('chrony-tracking.txt', 'chronyc tracking'),
    c('packages.txt', "(dpkg-query -W -f '${Package} ${Version}\\n' 2>/dev/null || rpm -qa) | grep -Ei '^(libvirt|qemu|ovmf|edk2|seabios|swtpm|libguestfs|ipxe)'"),
    // virsh plugin of sos (all read-only).
    vc('virsh-version.txt', 'version', '--daemon'),
    vc('capabilities.xml', 'capabilities'),
    vc('domcapabilities.xml', 'domcapabilities'),
    vc('nodeinfo.txt', 'nodeinfo'),
    vc('freecell.txt', 'freecell', '--all'),
    vc('node-memory-tune.txt', 'node-memory-tune'),
    vc('pool-capabilities.xml', 'pool-capabilities'),
    vc('nodecpumap.txt', 'nodecpumap'),
    vc('maxvcpus-kvm.txt', 'maxvcpus', 'kvm'),
    vc('sysinfo.xml', 'sysinfo'),
    vc('nodedev-tree.txt', 'nodedev-list', '--tree'),
    c('virt-host-validate.txt', 'virt-host-validate qemu', 60_000),
    vc('libvirt/list-all.txt', 'list', '--all'),
    vc('libvirt/net-list.txt', 'net-list', '--all'),
    vc('libvirt/nwfilter-list.txt', 'nwfilter-list'),
    vc('libvirt/pool-list.txt', 'pool-list', '--all', '--details'),
    vc('libvirt/secret-list.txt', 'secret-list'),
    c('libvirt/nodedev-xml.txt', dumpEach(`${V} nodedev-list`, 'nodedev-dumpxml'), 120_000),
    c('libvirt/nwfilter-xml.txt', dumpEach(`${V} nwfilter-list --name 2>/dev/null || ${V} nwfilter-list | awk 'NR>2 && $2 {print $2}'`, 'nwfilter-dumpxml')),
    c('libvirt/daemon-log-settings.txt', 'virt-admin daemon-log-filters; virt-admin daemon-log-outputs'),
    c('libvirt/tls-expiry.txt', 'for f in /etc/pki/CA/cacert.pem /etc/pki/libvirt/*.pem /etc/pki/qemu/*.pem /etc/pki/libvirt-vnc/*.pem /etc/pki/libvirt-spice/*.pem; do [ -f "$f" ] || continue; case "$f" in *key*) continue;; esac; echo "$f|$(openssl x509 -noout -subject -enddate -in "$f" 2>&1 | tr \'\\n\' \'|\')"; done'),
    c('libvirt/var-lib-libvirt-qemu-ls.txt', 'ls -laR /var/lib/libvirt/qemu'),
    // kvm plugin of sos.
    c('kvm_stat.txt', 'kvm_stat --once', 30_000),
    c('kvm-params.txt', 'grep -r . /sys/module/kvm*/parameters/'),
    c('dev-kvm.txt', 'ls -l /dev/kvm'),
    c('kvm-srcversion.txt', 'for m in kvm kvm_intel kvm_amd ksm; do f=/sys/module/$m/srcversion; [ -f "$f" ] && echo "$f: $(cat "$f")"; done; true'),
    // CPU, memory, storage.
    c('lscpu.txt', 'lscpu'),
    c('cpuinfo-flags.txt', "grep -m1 '^flags' /proc/cpuinfo"),
    c('meminfo.txt', 'cat /proc/meminfo'),
    c('hugepages.txt', 'grep -i huge /proc/meminfo'),
    c('numactl.txt', 'numactl --hardware'),
    c('sched_schedstats.txt', 'cat /proc/sys/kernel/sched_schedstats'),
    c('df.txt', 'df -PT'),
    c('lsblk.json', 'lsblk -J -o NAME,SIZE,TYPE,FSTYPE,MOUNTPOINT,MODEL'),
    c('findmnt.txt', 'findmnt -l'),
    // Logs (journal within the window) and units.
    c('logs/journal-libvirt.txt', journal(['libvirtd', 'virtqemud', 'virtlogd', 'virtnetworkd', 'virtstoraged', 'virtproxyd', 'virtlockd']), 60_000),
    c('logs/journal-kernel.txt', shellQuote(['journalctl', '--no-pager', '-k', '-o', 'short-iso-precise', ...since]), 60_000),
    c('logs/journal-NetworkManager.txt', journal(['NetworkManager']), 60_000),
    c('logs/dmesg.txt', 'dmesg -T'),
    c('logs/failed-units.txt', 'systemctl --failed --no-pager'),
    c('logs/audit-avc.txt', 'ausearch -m AVC,USER_AVC -ts recent'),
    // Network (mirrors KubeVirt's node-gather).
    c('network/ip-addr.txt', 'ip -d addr'),
    c('network/ip-link.txt', 'ip -d link'),
    c('network/routes.txt', 'ip route; ip -6 route'),
    c('network/bridges.txt', 'ip -o link show type bridge'),
    c('network/bridge-link.txt', 'bridge link show'),
    c('network/bridge-vlan.json', 'bridge -j vlan show'),
    c('network/bridge-fdb.txt', 'bridge fdb show'),
    c('network/nftables.txt', 'nft list ruleset'),
    c('network/iptables-save.txt', 'iptables-save'),
    c('network/sriov.txt', 'for f in /sys/bus/pci/devices/*/sriov_numvfs /sys/bus/pci/devices/*/sriov_totalvfs; do [ -f "$f" ] && echo "$f: $(cat "$f")"; done; true'),
    c('network/dev-vfio.txt', 'ls -al /dev/vfio'),
    c('lspci-vv.txt', 'lspci -vv', 30_000),
    c('proc-cmdline.txt', 'cat /proc/cmdline'),
    // QEMU processes: which still run a binary replaced by an update ("(deleted)").
    c('qemu-processes.txt', 'for p in /run/libvirt/qemu/*.pid; do [ -f "$p" ] || continue; pid=$(cat "$p"); echo "$(basename "$p" .pid)|$pid|$(readlink /proc/$pid/exe 2>&1)|$(ps -o etimes= -p $pid 2>/dev/null | tr -d " ")"; done'),
  ];
}

/**
 * `=== NAME` and the object's XML for each name the list prints. One virsh session dumps them all
 * when every name is a plain word (a process per object cost most of a small host's bundle); a name
 * with anything else in it (or a leading dash) makes it one virsh per name, quoted by the shell, as
 * before. The output is the same either way.
 */
function dumpEach(list: string, dump: string): string {
  return `L=$(${list}); s=; ok=1; for d in $L; do case $d in -*|*[!A-Za-z0-9_.:-]*) ok=;; esac; s="$s echo === $d; ${dump} $d;"; done; if [ -n "$ok" ]; then [ -z "$s" ] || ${V} "$s"; else for d in $L; do echo "=== $d"; ${V} ${dump} "$d"; done; fi`;
}

/** Per libvirt-managed process (sos libvirt plugin: /proc/<pid>/{cgroup,maps,numa_maps,limits}; environ is left out: it can carry secrets). */
export function qemuProcCommand(pid: number): string {
  const p = String(Math.trunc(pid));
  return `for f in cgroup limits numa_maps maps status; do echo "=== /proc/${p}/$f"; cat /proc/${p}/$f; done; echo "=== taskset"; taskset -ac -p ${p}`;
}

/** Per domain, with --vms-details: by UUID (what libvirt returned), quoted. */
export function vmCommands(uuid: string, running: boolean): CommandItem[] {
  const v = (out: string, ...args: string[]): CommandItem => ({ out, command: shellQuote(['virsh', '-r', '-c', 'qemu:///system', ...args]), virsh: { args } });
  const items = [
    v('dominfo.txt', 'dominfo', '--domain', uuid),
    v('domstate.txt', 'domstate', '--reason', '--domain', uuid),
    v('domblklist.txt', 'domblklist', '--details', '--domain', uuid),
    v('domiflist.txt', 'domiflist', '--domain', uuid),
    v('snapshots.txt', 'snapshot-list', '--tree', '--domain', uuid),
    v('dumpxml-inactive.xml', 'dumpxml', '--inactive', '--domain', uuid),
  ];
  if (running) {
    items.push(
      v('domcontrol.txt', 'domcontrol', '--domain', uuid),
      v('domstats.txt', 'domstats', '--raw', '--', uuid),
      v('domjobinfo.txt', 'domjobinfo', '--domain', uuid),
      v('domjobinfo-completed.txt', 'domjobinfo', '--completed', '--domain', uuid),
      v('domblkinfo.txt', 'domblkinfo', '--all', '--domain', uuid),
      v('vcpuinfo.txt', 'vcpuinfo', '--domain', uuid),
      v('dommemstat.txt', 'dommemstat', '--domain', uuid),
      v('domifaddr-lease.txt', 'domifaddr', '--source', 'lease', '--domain', uuid),
      v('guestinfo.txt', 'guestinfo', '--domain', uuid),
      guestPing(uuid),
    );
  }
  return items;
}

function guestPing(uuid: string): CommandItem {
  const args = ['qemu-agent-command', '--timeout', '5', '--domain', uuid, '--cmd', '{"execute":"guest-ping"}'];
  return { out: 'guest-ping.txt', command: shellQuote(['virsh', '-c', 'qemu:///system', ...args]), virsh: { rw: true, args } };
}

/** `--` ends the options: a path named `-f…` or `--help` is a file to inspect, never an option. */
export function qemuImgInfoCommand(path: string): string {
  return shellQuote(['qemu-img', 'info', '-U', '--backing-chain', '--output=json', '--', path]);
}

/** The pool as `--pool=NAME`: one word virsh cannot read as an option whatever the name starts with. */
export function volListCommand(pool: string): string {
  return shellQuote(['virsh', '-r', '-c', 'qemu:///system', ...volListArgs(pool)]);
}

export function volListArgs(pool: string): string[] {
  return ['vol-list', '--details', `--pool=${pool}`];
}

/**
 * Files sos's libvirt plugin copies (globs are expanded by the host's shell; they are constants).
 * tar reads them in one stream; forbidden files are excluded on the host and checked again here.
 */
export const FILE_GLOBS: readonly string[] = [
  '/etc/libvirt/*.conf',
  '/etc/libvirt/nwfilter/*.xml',
  '/etc/libvirt/qemu/*.xml',
  '/etc/libvirt/qemu/networks/*.xml',
  '/etc/libvirt/qemu/networks/autostart/*.xml',
  '/etc/libvirt/storage/*.xml',
  '/etc/libvirt/storage/autostart/*.xml',
  '/run/libvirt',
  '/var/lib/libvirt/dnsmasq',
  '/var/lib/libvirt/qemu/snapshot/*/*.xml',
  '/var/log/libvirt/libvirtd.log',
  '/var/log/libvirt/qemu/*.log*',
  '/var/log/libvirt/lxc/*.log',
  '/var/log/libvirt/uml/*.log',
  '/var/log/swtpm/libvirt/qemu/*.log',
  '/var/log/containers/libvirt',
  '/var/log/containers/qemu',
  '/root/.cache/virt-manager/*.log',
  '/root/.virt-manager/*.log',
];

export const TAR_EXCLUDES: readonly string[] = [
  '/etc/libvirt/passwd.db',
  '/etc/libvirt/krb5.tab',
  '*/master-key.aes',
  '/etc/libvirt/secrets',
  '/run/libvirt/common/system.token',
  '*.sock',
  '*-sock',
  '*-sock-ro',
  '*-sock-admin',
];

/**
 * One tar stream of the files: existing paths only (a missing glob is not an error); /sys files
 * report size 4096 but tar reads what is there. Everything from constants above.
 */
export function filesTarCommand(): string {
  const excludes = TAR_EXCLUDES.map((e) => `--exclude=${shellQuote([e])}`).join(' ');
  const globs = FILE_GLOBS.join(' ');
  return `cd / && set -- ; for f in ${globs}; do [ -e "$f" ] && set -- "$@" "$f"; done; [ $# -gt 0 ] || exit 0; find "$@" -type f -print0 2>/dev/null | tar -c -f - --null -T - --ignore-failed-read --warning=no-file-changed ${excludes} 2>/dev/null; true`;
}
