import { useEffect, useState } from 'react';
import type { Host, Vm } from '../../../../engine/contract';
import type { Translate } from '../../i18n/translate';
import { useEngine } from '../../stores/engine-store';

/**
 * Warm start (issue 20): the VMs Hangar shows from what it last saw, before their host answers or
 * while it cannot be reached. A VM with `lastSeen` is not live: its last-known state is shown greyed
 * with its age ("as of 12 min ago") or "Refreshing…" while its host reconnects; actions need the host.
 */

/** The current time, moving on every `ms` so ages stay true on a page left open. */
export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** "12 min. ago" / "12분 전": how long ago `at` was, in the user's language. */
export function ageText(t: Translate, lang: string, at: number, now: number): string {
  const mins = Math.floor((now - at) / 60_000);
  if (mins < 1) return t('warm.justNow');
  const rel = new Intl.RelativeTimeFormat(lang, { numeric: 'auto', style: 'short' });
  if (mins < 60) return rel.format(-mins, 'minute');
  const hours = Math.floor(mins / 60);
  if (hours < 24) return rel.format(-hours, 'hour');
  return rel.format(-Math.floor(hours / 24), 'day');
}

/** Whether the host is reconnecting (its VMs will be corrected soon) rather than out of reach. */
export const isRefreshing = (host: Host | undefined): boolean => host?.state === 'connecting';

/** The state cell of a VM not live: its last-known state greyed, and the age or "Refreshing…". */
export function LastSeenState({ vm, host, t, hostName, stacked = false }: { vm: Vm & { lastSeen: NonNullable<Vm['lastSeen']> }; host: Host | undefined; t: Translate; hostName: string; stacked?: boolean }) {
  const lang = useEngine((s) => s.settings.language);
  const now = useNow();
  const age = ageText(t, lang, vm.lastSeen.at, now);
  const refreshing = isRefreshing(host);
  return (
    <span className={stacked ? 'last-seen stacked' : 'last-seen'} data-testid="vm-last-seen" data-refreshing={refreshing} title={t('warm.notLive', { host: hostName, age })}>
      <span className={`badge vm-${vm.lastSeen.state} stale`} data-testid="vm-state" aria-label={t('warm.lastState', { state: t(`vm.state.${vm.lastSeen.state}`) })}>
        {t(`vm.state.${vm.lastSeen.state}`)}
      </span>{' '}
      <span className="muted small" data-testid="vm-age">
        {refreshing ? t('warm.refreshing') : t('warm.asOf', { age })}
      </span>
    </span>
  );
}

/** A host that is not connected but was: when it last was (host list and page). */
export function HostLastSeen({ host, t }: { host: Host; t: Translate }) {
  const lang = useEngine((s) => s.settings.language);
  const now = useNow();
  if (host.state === 'connected' || !host.lastSeenAt) return null;
  const age = ageText(t, lang, host.lastSeenAt, now);
  return (
    <span className="muted small host-last-seen" data-testid="host-last-seen" data-refreshing={isRefreshing(host)}>
      {isRefreshing(host) ? t('warm.hostRefreshing', { age }) : t('warm.hostLastSeen', { age })}
    </span>
  );
}

/** Above the VM list and on the dashboard: how many VMs are shown from what was last seen, and why. */
export function WarmBanner({ vms, hosts, t }: { vms: readonly Vm[]; hosts: Record<string, Host>; t: Translate }) {
  let refreshing = 0;
  let offline = 0;
  for (const vm of vms) {
    if (!vm.lastSeen) continue;
    if (isRefreshing(hosts[vm.hostId])) refreshing++;
    else offline++;
  }
  if (!refreshing && !offline) return null;
  return (
    <div className="warm-banner" role="status" data-testid="warm-banner" data-refreshing={refreshing} data-offline={offline}>
      {refreshing > 0 && <p>{t('warm.banner.refreshing', { count: refreshing })}</p>}
      {offline > 0 && <p>{t('warm.banner.offline', { count: offline })}</p>}
    </div>
  );
}
