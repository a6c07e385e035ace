import type { VmDetails } from '../../../../engine/contract';

/** The boot orders offered (the rest stay editable in the XML tab). */
export const BOOT_CHOICES = [['hd'], ['cdrom', 'hd'], ['network', 'hd']] as const;

/**
 * What may change of a VM in its state, the same for the Details tab and the Overview's inline
 * edits (the engine refuses the rest with CONFLICT anyway): name, vCPUs and firmware only when
 * stopped; memory live up to the configured maximum.
 */
export function editRules(details: VmDetails) {
  // A VM whose start failed (Error) or that crashed runs nothing: it changes like a stopped one.
  const stopped = details.vm.state === 'stopped' || details.vm.state === 'error' || details.vm.state === 'crashed';
  return {
    stopped,
    name: stopped,
    vcpus: stopped,
    firmware: stopped,
    /** The most memory a running VM can be given without a restart (MiB); null when stopped. */
    liveMemoryMaxMiB: stopped ? null : Math.round(details.maxMemoryKiB / 1024),
  };
}
