import type { HostManager } from './host-manager';

/**
 * What services further out need of the fleet, as narrow interfaces rather than the HostManager
 * class: the hosts as the UI sees them and a host's libvirt link. Tests hand in a small object.
 */
export type FleetHosts = Pick<HostManager, 'libvirt'> & { readonly hosts: Pick<HostManager['hosts'], 'get' | 'values'> };
/** Services that also reach a host itself: an SSH shell, a tunnel to an endpoint on it, its SSH destination. */
export type FleetLinks = FleetHosts & Pick<HostManager, 'ssh' | 'dial' | 'sshDestination'>;
/** The fleet's lifecycle and libvirt events, for services that follow hosts as they come and go. */
export type FleetEvents = Pick<HostManager, 'on'>;
