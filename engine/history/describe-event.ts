import type { HistoryEvent } from '../contract/events-history';
import type { Message } from '../contract/message';
import type { LibvirtEvent } from '../libvirt';

/** virDomainEventType, in order. */
const LIFECYCLE = ['defined', 'undefined', 'started', 'suspended', 'resumed', 'stopped', 'shutdown', 'pmsuspended', 'crashed'] as const;
/** virDomainEventStoppedDetailType: why a domain stopped. */
const STOPPED_DETAIL = ['shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed', 'fromSnapshot'] as const;

/** What a libvirt event means for a person, or null when it is not worth a line in the history. */
export function describeLibvirtEvent(ev: LibvirtEvent): { message: Message; severity: HistoryEvent['severity'] } | null {
  if (!('dom' in ev)) return null;
  const name = ev.dom.name;
  switch (ev.kind) {
    case 'domain-lifecycle': {
      const what = LIFECYCLE[ev.event];
      if (!what) return null;
      if (what === 'stopped') {
        const why = STOPPED_DETAIL[ev.detail] ?? 'shutdown';
        return { message: { key: `event.vm.stopped.${why}`, args: { name } }, severity: why === 'crashed' || why === 'failed' ? 'error' : 'info' };
      }
      return { message: { key: `event.vm.${what}`, args: { name } }, severity: what === 'crashed' ? 'error' : 'info' };
    }
    case 'domain-reboot':
      return { message: { key: 'event.vm.rebooted', args: { name } }, severity: 'info' };
    case 'domain-device-added':
      return { message: { key: 'event.vm.deviceAdded', args: { name, device: ev.devAlias } }, severity: 'info' };
    case 'domain-device-removed':
      return { message: { key: 'event.vm.deviceRemoved', args: { name, device: ev.devAlias } }, severity: 'info' };
    default:
      return null;
  }
}
