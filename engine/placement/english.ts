import type { Message } from '../contract/message';

/**
 * The English of placement's reasons, for the error's message (logs, the CLI, tests); the UI
 * reads the Message in details and says it in the user's language (renderer i18n, same keys).
 */
const EN: Record<string, string> = {
  'placement.why.excluded': '{host} is excluded from this placement',
  'placement.why.notConnected': '{host} is not connected ({state})',
  'placement.why.maintenance': '{host} is in maintenance',
  'placement.why.noFacts': "{host} has not reported its capacity yet",
  'placement.why.missingTags': '{host} lacks the tags {tags}',
  'placement.why.tainted': '{host} is kept for VMs that ask for {tags}',
  'placement.why.noPool': '{host} has no storage pool {pool}',
  'placement.why.poolInactive': 'the storage pool {pool} on {host} is not running',
  'placement.why.noNetwork': '{host} has no network {network}',
  'placement.why.noVolume': '{host} has no volume {volume} in pool {pool}',
  'placement.why.volumeUnchecked': 'could not check the volume {volume} in pool {pool} on {host}: {error}',
  'placement.why.moreVcpusThanCpus': '{host} has {cpus} CPUs, fewer than the {vcpus} vCPUs asked for',
  'placement.why.memory': '{host} has {free} MiB of memory free, the VM needs {need} MiB ({allocatable} MiB allocatable, {committed} MiB used by running VMs, {reserved} MiB held for VMs being created)',
  'placement.why.vcpus': '{host} has {free} vCPUs free, the VM needs {need} ({allocatable} allocatable, {committed} used by running VMs, {reserved} held for VMs being created)',
  'placement.why.antiAffinity': '{host} already runs {vms} of the anti-affinity group {group}',
  'placement.why.affinity': 'the affinity group {group} keeps its VMs on {hosts}, not {host}',
  'placement.warn.antiAffinity': 'placed on {host} with {vms} of the anti-affinity group {group}: no other host could keep them apart',
  'placement.warn.affinity': 'placed on {host}, away from the affinity group {group} on {hosts}',
  'placement.warn.cpuUnchecked': 'the CPU of {host} ({model}) was not checked against the VM\'s ({vmModel})',
};

export function english(msg: Message): string {
  const text = EN[msg.key] ?? msg.key;
  return text.replace(/\{(\w+)\}/g, (all, k: string) => (msg.args && k in msg.args ? String(msg.args[k]) : all));
}
