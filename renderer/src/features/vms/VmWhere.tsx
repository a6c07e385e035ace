import { useEffect, useRef, useState } from 'react';
import { hostsRunningTwice, type Vm } from '../../../../engine/contract';
import type { Translate } from '../../i18n/translate';

/**
 * Where a VM is (DESIGN §8): the host of the copy shown, the copies on other hosts, and a warning
 * when two copies run at once. The VM is its UUID, so a move between hosts changes this line, not
 * the page: an open page says where the VM went.
 */
export function VmWhere({ vm, hostName, t }: { vm: Vm; hostName: (id: string) => string; t: Translate }) {
  const moved = useMoved(vm.hostId);
  const runs = vm.state === 'running' || vm.state === 'paused' || vm.state === 'stopping' || vm.state === 'starting';
  const twice = hostsRunningTwice(vm);
  const incoming = vm.otherCopies.filter((c) => c.state === 'migrating').map((c) => hostName(c.hostId));
  const inactive = vm.otherCopies.filter((c) => c.state !== 'migrating' && !twice.includes(c.hostId)).map((c) => hostName(c.hostId));
  const host = hostName(vm.hostId);
  return (
    <div className="vm-where">
      <div className="muted small" data-testid="vm-where-host" data-host-id={vm.hostId}>
        {runs ? t('vm.where.runsOn', { host }) : t('vm.where.on', { host })}
        {incoming.length > 0 && <> · <span data-testid="vm-where-incoming">{t('vm.where.incoming', { hosts: incoming.join(', ') })}</span></>}
        {inactive.length > 0 && <> · <span data-testid="vm-where-copies">{t('vm.where.copies', { hosts: inactive.join(', ') })}</span></>}
      </div>
      {moved && (
        <div className="muted small" role="status" data-testid="vm-where-moved">
          {t('vm.where.moved', { from: hostName(moved), to: host })}
        </div>
      )}
      {twice.length > 0 && (
        <p className="banner error" role="alert" data-testid="vm-where-twice">
          {t('vm.where.twice', { hosts: twice.map(hostName).join(', ') })}
        </p>
      )}
    </div>
  );
}

/** The host the VM was on before it last moved while this page was open, or null. */
function useMoved(hostId: string): string | null {
  const first = useRef(hostId);
  const [from, setFrom] = useState<string | null>(null);
  useEffect(() => {
    if (first.current !== hostId) {
      setFrom(first.current);
      first.current = hostId;
    }
  }, [hostId]);
  return from;
}

/** The list's host cell: the host, and a badge naming the other copies on hover. */
export function VmHostCell({ vm, hostName, t }: { vm: Vm; hostName: (id: string) => string; t: Translate }) {
  const twice = hostsRunningTwice(vm);
  return (
    <span role="cell" className="name-cell" data-testid="vm-host">
      <span className="ellipsis">{hostName(vm.hostId)}</span>
      {vm.otherCopies.length > 0 && (
        <span
          className={`badge copies${twice.length ? ' twice' : ''}`}
          data-testid="vm-copies"
          title={twice.length ? t('vm.where.twice', { hosts: twice.map(hostName).join(', ') }) : t('vm.where.copies', { hosts: vm.otherCopies.map((c) => hostName(c.hostId)).join(', ') })}
        >
          +{vm.otherCopies.length}
        </span>
      )}
    </span>
  );
}
