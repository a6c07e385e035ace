import { useEffect, useState, type ReactNode } from 'react';
import type { HistoryEvent, UpdateVmParams, Vm, VmDetails } from '../../../../engine/contract';
import type { z } from 'zod';
import { HangarError } from '../../../../engine/contract/errors';
import { formatBytes, formatKiB } from '../../components/format';
import { formatPercent, UsageBar } from '../../components/UsageBar';
import { translateMessage, type MessageKey } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';
import { isFresh, useUsage, useUsageFeed } from '../../stores/usage-store';
import { AlertList } from '../diagnostics/AlertList';
import { useAlerts } from '../diagnostics/diagnostics-store';
import { ConsoleThumbnail } from './ConsoleThumbnail';
import { stateReasonText } from './state-reason';
import { BootOrderOptions } from './BootOrderOptions';
import { editRules } from './vm-edit-rules';
import { listEvents } from '../../api/events';
import { updateVm } from '../../api/vms';

type Update = Omit<z.input<typeof UpdateVmParams>, 'vmId'>;

/** A value with an "edit" link that turns into its own small form (Cockpit's pattern). */
function Inline({ id, label, shown, edit, disabledWhy, onSave, validate }: { id: string; label: string; shown: ReactNode; edit: string; disabledWhy: string | null; onSave: (v: string) => Promise<unknown>; validate?: (v: string) => string | null; children?: never }) {
  const t = useT();
  const [draft, setDraft] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (draft === null) {
    return (
      <span className="inline-value">
        <span data-testid={`ov-${id}`}>{shown}</span>{' '}
        <button type="button" className="link-btn" aria-label={`${t('vm.ov.edit')}: ${label}`} data-testid={`ov-edit-${id}`} disabled={disabledWhy !== null} title={disabledWhy ?? undefined} onClick={() => setDraft(edit)}>
          {t('vm.ov.edit')}
        </button>
      </span>
    );
  }
  const problem = validate?.(draft) ?? null;
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (problem) return;
        setBusy(true);
        onSave(draft).then(
          () => setDraft(null),
          () => undefined,
        ).finally(() => setBusy(false));
      }}
    >
      <input data-testid={`ov-input-${id}`} aria-label={label} value={draft} autoFocus onChange={(e) => setDraft(e.target.value)} aria-invalid={problem !== null} />
      <button type="submit" className="btn btn-small btn-primary" disabled={busy || problem !== null} data-testid={`ov-save-${id}`}>
        {t('common.save')}
      </button>
      <button type="button" className="btn btn-small" onClick={() => setDraft(null)}>
        {t('common.cancel')}
      </button>
      {problem && <span className="error small">{problem}</span>}
    </form>
  );
}

/** The last few events of this VM, newest first. */
function RecentEvents({ vmId, refreshKey }: { vmId: string; refreshKey: unknown }) {
  const t = useT();
  const client = useEngine((s) => s.client);
  const lang = useEngine((s) => s.settings.language);
  const [events, setEvents] = useState<HistoryEvent[]>([]);
  useEffect(() => {
    if (!client) return;
    listEvents({ vmId, limit: 5 }).then((r) => setEvents(r.events), () => setEvents([]));
  }, [client, vmId, refreshKey]);
  if (events.length === 0) return <p className="muted">{t('events.empty')}</p>;
  return (
    <ul className="plain-list small" data-testid="ov-events">
      {events.map((e) => (
        <li key={e.id} data-severity={e.severity}>
          <span className="muted nowrap">{new Date(e.at).toLocaleString(lang)}</span> {translateMessage(t, e.message)}
        </li>
      ))}
    </ul>
  );
}


/**
 * The VM's one-screen summary (issue 19): state and why, live usage, addresses, the platform it
 * really runs on, a console still, hardware, recent events and alerts, and inline edits that go
 * through the same contract call and rules as the Details tab.
 */
export function VmOverview({ vm, details, onSaved, onError, onOpenConsole, onRefresh }: { vm: Vm; details: VmDetails; onSaved: (d: VmDetails) => void; onError: (e: HangarError | null) => void; onOpenConsole: () => void; onRefresh: () => void }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const intervalSec = useEngine((s) => s.settings.metricsIntervalSec);
  const host = useHosts((s) => s.byId[vm.hostId]);
  const usage = useUsage((s) => s.vm[vm.id]);
  const alerts = useAlerts().filter((a) => a.vmId === vm.id);
  useUsageFeed();
  const running = vm.state === 'running' || vm.state === 'paused';
  // The process's resident memory comes with the details: follow it while the VM runs.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(onRefresh, 30_000);
    return () => clearInterval(timer);
  }, [running, onRefresh]);

  const rules = editRules(details);
  const num = new Intl.NumberFormat(lang);
  const update = (u: Update) => {
    onError(null);
    return updateVm({ vmId: vm.id, ...u }).then(onSaved, (e: unknown) => {
      onError(HangarError.from(e));
      throw e;
    });
  };
  const stopFirst = rules.stopped ? null : t('vm.ov.stopFirst');
  const fresh = running && isFresh(usage, intervalSec);
  const allocated = vm.memoryKiB * 1024;
  const rss = details.processRssKiB === null ? null : details.processRssKiB * 1024;
  const over = rss !== null && rss > allocated;
  const p = details.platform;
  const tcg = p.domainType === 'qemu';

  return (
    <div className="overview" data-testid="vm-overview">
      <section className="panel ov-general">
        <h2>{t('vm.ov.general')}</h2>
        <dl className="about">
          <dt>{t('vms.col.state')}</dt>
          <dd data-testid="ov-state">
            <span className={`badge vm-${vm.state}`}>{t(`vm.state.${vm.state}`)}</span>
            {vm.libvirtReason && <span className="muted"> ({stateReasonText(t, vm.libvirtReason)})</span>}
          </dd>
          <dt>{t('vm.create.name')}</dt>
          <dd>
            <Inline id="name" label={t('vm.create.name')} shown={vm.name} edit={vm.name} disabledWhy={rules.name ? null : stopFirst} onSave={(v) => update({ name: v.trim() })} validate={(v) => (/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(v.trim()) ? null : t('vm.ov.badName'))} />
          </dd>
          <dt>{t('vms.col.title')}</dt>
          <dd>
            <Inline id="title" label={t('vms.col.title')} shown={<span className="user-text">{vm.title ?? '—'}</span>} edit={vm.title ?? ''} disabledWhy={null} onSave={(v) => update({ title: v.trim() })} validate={(v) => (v.length > 256 ? t('vm.ov.tooLong') : null)} />
          </dd>
          <dt>{t('vm.description')}</dt>
          <dd>
            <Inline id="description" label={t('vm.description')} shown={<span className="user-text">{details.description ?? '—'}</span>} edit={details.description ?? ''} disabledWhy={null} onSave={(v) => update({ description: v })} validate={(v) => (v.length > 4096 ? t('vm.ov.tooLong') : null)} />
          </dd>
          <dt>{t('vms.col.memory')}</dt>
          <dd>
            <Inline
              id="memory"
              label={t('vms.col.memory')}
              shown={formatKiB(vm.memoryKiB, lang)}
              edit={String(Math.round(vm.memoryKiB / 1024))}
              disabledWhy={null}
              onSave={(v) => update({ memoryMiB: Number(v) })}
              validate={(v) => {
                const n = Number(v);
                if (!/^\d+$/.test(v) || n < 32) return t('vm.ov.memoryMin');
                if (rules.liveMemoryMaxMiB !== null && n > rules.liveMemoryMaxMiB) return t('vm.edit.memoryLive', { max: num.format(rules.liveMemoryMaxMiB) });
                return null;
              }}
            />
          </dd>
          <dt>{t('vms.col.vcpus')}</dt>
          <dd>
            <Inline id="vcpus" label={t('vms.col.vcpus')} shown={num.format(vm.vcpus)} edit={String(vm.vcpus)} disabledWhy={rules.vcpus ? null : stopFirst} onSave={(v) => update({ vcpus: Number(v) })} validate={(v) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 256 ? null : t('vm.ov.vcpusRange'))} />
          </dd>
          <dt>{t('vm.edit.boot')}</dt>
          <dd>
            <select
              data-testid="ov-boot"
              aria-label={t('vm.edit.boot')}
              value={details.bootOrder.join(',')}
              onChange={(e) => void update({ bootOrder: e.target.value.split(',') as ('hd' | 'cdrom' | 'network')[] }).catch(() => undefined)}
            >
              <BootOrderOptions current={details.bootOrder} />
            </select>
          </dd>
          <dt>{t('vm.edit.autostart')}</dt>
          <dd>
            <label className="switch">
              <input type="checkbox" role="switch" data-testid="ov-autostart" checked={details.autostart} onChange={(e) => void update({ autostart: e.target.checked }).catch(() => undefined)} />
              <span>{details.autostart ? t('vm.ov.autostartOn') : t('vm.ov.autostartOff')}</span>
            </label>
          </dd>
        </dl>
      </section>

      <section className="panel ov-usage">
        <h2>{t('vm.ov.usage')}</h2>
        {fresh && usage.cpu !== null ? (
          <UsageBar testId="ov-cpu" fraction={usage.cpu / 100} label={t('vm.ov.cpuOf', { pct: formatPercent(usage.cpu, lang), vcpus: num.format(vm.vcpus) })} />
        ) : (
          <p className="muted">{running ? t('vm.ov.waitingSample') : t('vm.ov.notRunning')}</p>
        )}
        {fresh && usage.memUsed !== null && <UsageBar testId="ov-mem" fraction={usage.memUsed / (usage.memTotal ?? allocated)} label={t('vm.ov.memGuest', { used: formatBytes(usage.memUsed, lang), total: formatBytes(usage.memTotal ?? allocated, lang) })} />}
        {rss !== null && (
          <UsageBar testId="ov-rss" warn={over} fraction={rss / allocated} label={`${t('vm.ov.memProcess', { used: formatBytes(rss, lang), total: formatBytes(allocated, lang) })}${over ? ` — ${t('vm.ov.overAllocation')}` : ''}`} />
        )}
        <h2>{t('vm.ov.addresses')}</h2>
        {vm.addresses.length ? (
          <ul className="plain-list mono" data-testid="ov-addresses">
            {vm.addresses.map((a) => (
              <li key={a}>{a}</li>
            ))}
          </ul>
        ) : (
          <p className="muted">{running ? t('vm.ov.noAddress') : '—'}</p>
        )}
        <dl className="about">
          <dt>{t('vm.ov.guestOs')}</dt>
          <dd data-testid="ov-guest-os">{details.guestOs ?? (vm.os ? t(`vm.os.${vm.os as 'linux'}`) : t('vm.ov.noAgent'))}</dd>
        </dl>
      </section>

      <section className="panel ov-console">
        <h2>{t('vm.tab.console')}</h2>
        <ConsoleThumbnail vmId={vm.id} running={running} onOpen={onOpenConsole} />
      </section>

      <section className="panel ov-platform">
        <h2>{t('vm.ov.platform')}</h2>
        <dl className="about">
          <dt>{t('vms.col.host')}</dt>
          <dd data-testid="ov-host">{host?.name ?? vm.hostId}</dd>
          <dt>UUID</dt>
          <dd className="mono small" data-testid="ov-uuid">{vm.uuid}</dd>
          <dt>{t('vm.ov.machine')}</dt>
          <dd className="mono" data-testid="ov-machine">{p.machine ?? '—'}</dd>
          <dt>{t('vm.firmware')}</dt>
          <dd data-testid="ov-firmware">{details.firmware === 'efi' ? 'UEFI' : 'BIOS'}</dd>
          <dt>{t('vm.ov.cpuModel')}</dt>
          <dd className="mono" data-testid="ov-cpu-model">{p.cpuModel ?? t('vm.ov.cpuDefault')}</dd>
          <dt>{t('vm.ov.accel')}</dt>
          <dd data-testid="ov-accel" data-domain-type={p.domainType} className={tcg ? 'warn-text' : undefined}>
            {p.domainType === 'kvm' ? t('vm.ov.accelKvm') : tcg ? t('vm.ov.accelTcg') : p.domainType}
          </dd>
          <dt>{t('vm.ov.emulator')}</dt>
          <dd className="mono small">{p.emulator ?? '—'}</dd>
        </dl>
      </section>

      <section className="panel ov-hw">
        <h2>{t('vm.disks')}</h2>
        <table className="table compact" data-testid="ov-disks">
          <tbody>
            {details.disks.map((d) => {
              const v = details.diskVolumes[d.target];
              return (
                <tr key={d.target} data-target={d.target}>
                  <td className="mono">{d.target}</td>
                  <td className="mono">{d.device}</td>
                  <td data-testid="ov-disk-size">{v ? formatBytes(v.capacity, lang) : '—'}</td>
                  <td data-pool-name={v?.pool}>{v?.pool ?? '—'}</td>
                  <td className="mono small ellipsis" title={d.source ?? undefined}>
                    {d.source ?? t('vm.ov.empty')}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <h2>{t('vm.tab.nics')}</h2>
        <table className="table compact" data-testid="ov-nics">
          <tbody>
            {details.nics.map((n, i) => (
              <tr key={n.mac ?? i}>
                <td className="mono">{n.mac ?? '—'}</td>
                <td>{n.source ?? '—'}</td>
                <td>{n.model ?? '—'}</td>
                <td>{n.linkUp ? t('vm.ov.linkUp') : t('vm.ov.linkDown')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="panel ov-events">
        <h2>{t('diag.alerts.title')}</h2>
        <AlertList items={alerts} testId="ov-alerts" showWhere={false} />
        <h2>{t('vm.ov.recent')}</h2>
        <RecentEvents vmId={vm.id} refreshKey={vm.state} />
      </section>
    </div>
  );
}
