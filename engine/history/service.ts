import { Message } from '../contract/message';
import type { ErrorData } from '../contract/errors';
import { HangarError } from '../contract/errors';
import { FINAL_JOB_STATES, type Job } from '../contract/jobs';
import type { Vm } from '../contract/vms';
import type { EventHub } from '../events/event-hub';
import type { Collection } from '../events/collection';
import type { Host } from '../contract/hosts';
import type { FleetEvents } from '../hosts/fleet';
import type { Logger } from '../logger';
import type { Service } from '../rpc/service';
import type { Db } from '../store/db';
import { describeLibvirtEvent } from './describe-event';
import { EventLog } from './event-log';

/**
 * What happened, kept: libvirt's domain events, a host's state changes and replaced keys, and every
 * finished task, recorded as they come; `events.list` reads them back per host or VM.
 */
export async function historyService(deps: {
  db: Db;
  hub: EventHub;
  logger: Logger;
  fleet: FleetEvents & { readonly hosts: Pick<Collection<Host>, 'get' | 'onDelta'> };
  vm: (vmId: string) => Vm | undefined;
}): Promise<Service & { readonly log: EventLog }> {
  const { fleet, hub } = deps;
  const history = new EventLog(deps.db, deps.logger);
  await history.init();
  fleet.on('event', (hostId, ev) => {
    const d = describeLibvirtEvent(ev);
    if (d && 'dom' in ev) history.record({ hostId, vmUuid: ev.dom.uuid, ...d });
  });
  const hostStates = new Map<string, string>();
  fleet.hosts.onDelta((d) => {
    if (d.kind !== 'delta') return;
    for (const h of d.upsert) {
      if (hostStates.get(h.id) === h.state) continue;
      hostStates.set(h.id, h.state);
      if (h.state === 'connected' || h.state === 'unreachable' || h.state === 'disconnected') {
        history.record({ hostId: h.id, severity: h.state === 'unreachable' ? 'warning' : 'info', message: { key: `event.host.${h.state}`, args: { name: h.name, ...(h.lastError ? { error: h.lastError.message } : {}) } } });
      }
    }
  });
  // Never silent: a replaced host key is part of the host's history.
  fleet.on('keyReplaced', (hostId, change) => {
    const name = fleet.hosts.get(hostId)?.name ?? hostId;
    history.record({ hostId, severity: 'warning', message: { key: 'event.host.keyReplaced', args: { name, previous: change.previous, next: change.next } } });
  });
  // A finished task is part of the history of what it acted on.
  hub.subscribe('job.updated', {}, (job: Job) => {
    if (!FINAL_JOB_STATES.includes(job.state)) return;
    // A removed host has no history left to add to.
    if (!job.hostId || !fleet.hosts.get(job.hostId)) return;
    const vmUuid = job.target?.kind === 'vm' ? job.target.id : null; // a VM's id is its UUID (DESIGN §8)
    // A failure says why, in the history too (the Tasks page is not where a person looks first).
    const reason = job.state === 'failed' && job.error ? reasonArgs(job.error) : {};
    history.record({ hostId: job.hostId, vmUuid, severity: job.state === 'failed' ? 'error' : 'info', message: { key: job.title.key, args: { ...job.title.args, outcome: job.state, ...reason } } });
  });
  return {
    name: 'history',
    log: history,
    handlers: {
      'events.list': async (p) => {
        const vm = p.vmId ? deps.vm(p.vmId) : undefined;
        if (p.vmId && !vm) throw new HangarError('NOT_FOUND', `No VM ${p.vmId}`);
        // A VM's history is its UUID's, on every host it ran on.
        return { events: await history.list({ hostId: vm ? undefined : p.hostId, vmUuid: vm?.uuid, limit: p.limit }) };
      },
    },
    close: () => history.flush(),
  };
}

/**
 * A failure's reason as flat Message args: the engine's English text (`reason`), and, when the
 * error carried its words as a Message, that key and its args (`reasonKey`, `reason.<arg>`), so the
 * history reads in the user's language like the rest of the page.
 */
export function reasonArgs(error: ErrorData): Record<string, string | number> {
  const out: Record<string, string | number> = { reason: error.message };
  const msg = Message.safeParse(error.details?.['message']);
  if (msg.success) {
    out['reasonKey'] = msg.data.key;
    for (const [k, v] of Object.entries(msg.data.args ?? {})) out[`reason.${k}`] = v;
  }
  return out;
}
