import { MaintenanceBadge } from '../maintenance/MaintenanceBadge';
import { useState } from 'react';
import type { Host } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { EmptyState } from '../../components/EmptyState';
import { formatKiB } from '../../components/format';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';
import { useVms } from '../../stores/vms-store';
import { navigate, useRoute } from '../../stores/route-store';
import { AddHostForm } from './AddHostForm';
import { HostDetailPage } from './HostDetailPage';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useUsageFeed } from '../../stores/usage-store';
import { HostUsageCells } from './HostUsage';
import { HostProblem } from './HostProblem';
import { accelText } from './accel';
import { connectHost, disconnectHost, removeHost, updateHost } from '../../api/hosts';
import { TableHead } from '../../components/TableHead';
import { HostLastSeen } from '../vms/LastSeen';

function HostRow({ host, vmCount, running, onError }: { host: Host; vmCount: number; running: number; onError: (e: HangarError) => void }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const act = (p: Promise<unknown>) => p.catch((e: unknown) => onError(HangarError.from(e)));
  const [edit, setEdit] = useState<{ name: string; tags: string } | null>(null);
  if (edit) {
    return (
      <tr data-testid="host-row-edit">
        <td colSpan={10}>
          <form
            className="row-actions"
            onSubmit={(e) => {
              e.preventDefault();
              const tags = edit.tags.split(',').map((s) => s.trim()).filter(Boolean);
              act(updateHost({ hostId: host.id, name: edit.name.trim(), tags }).then(() => setEdit(null)));
            }}
          >
            <input data-testid="host-edit-name" aria-label={t('hosts.add.name')} value={edit.name} onChange={(e) => setEdit({ ...edit, name: e.target.value })} />
            <input data-testid="host-edit-tags" aria-label={t('hosts.add.tags')} value={edit.tags} onChange={(e) => setEdit({ ...edit, tags: e.target.value })} />
            <button type="submit" className="btn btn-small btn-primary" data-testid="host-edit-save">
              {t('common.save')}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setEdit(null)}>
              {t('common.cancel')}
            </button>
          </form>
        </td>
      </tr>
    );
  }
  return (
    <tr data-testid="host-row" data-host-name={host.name} data-state={host.state}>
      <td>
        <a
          className="strong"
          href={`#/hosts/${host.id}`}
          onClick={(e) => {
            e.preventDefault();
            navigate('hosts', host.id);
          }}
        >
          {host.name}
        </a>
        <div className="muted small">
          {host.user ? `${host.user}@` : ''}
          {host.address}
          {host.port ? `:${host.port}` : ''}
        </div>
        {host.tags.length > 0 && <div className="tags">{host.tags.map((tag) => <span key={tag} className="tag">{tag}</span>)}</div>}
      </td>
      <td>
        <span className={`badge host-${host.state}`} data-testid="host-state">
          {t(`hosts.state.${host.state}`)}
        </span>{' '}
        <MaintenanceBadge state={host.maintenance} />
        <HostLastSeen host={host} t={t} />
        <HostProblem host={host} />
      </td>
      <td>{host.facts ? `${host.facts.cpus}` : '—'}</td>
      <td>{host.facts ? formatKiB(host.facts.memoryKiB, lang) : '—'}</td>
      <td className="small">{host.facts ? `libvirt ${host.facts.libvirtVersion}` : '—'}</td>
      <td className="small accel-cell" data-testid="host-accel">{host.facts ? accelText(t, host.facts) : '—'}</td>
      <HostUsageCells host={host} />
      <td data-testid="host-vm-count" data-running={running} data-total={vmCount}>
        {t('hosts.runningOf', { running: new Intl.NumberFormat(lang).format(running), total: new Intl.NumberFormat(lang).format(vmCount) })}
      </td>
      <td className="row-actions">
        <button type="button" className="btn btn-small" data-testid="host-edit" onClick={() => setEdit({ name: host.name, tags: host.tags.join(', ') })}>
          {t('hosts.edit')}
        </button>
        {host.state === 'disconnected' ? (
          <button type="button" className="btn btn-small" onClick={() => act(connectHost(host.id))}>
            {t('hosts.connect')}
          </button>
        ) : (
          <button type="button" className="btn btn-small" onClick={() => act(disconnectHost(host.id))}>
            {t('hosts.disconnect')}
          </button>
        )}
        <button
          type="button"
          className="btn btn-small"
          onClick={() => {
            if (window.confirm(t('hosts.removeConfirm', { name: host.name }))) act(removeHost(host.id));
          }}
        >
          {t('hosts.remove')}
        </button>
      </td>
    </tr>
  );
}

export function HostsPage() {
  const param = useRoute((s) => s.param);
  return param ? <HostDetailPage hostId={param} /> : <HostList />;
}

function HostList() {
  const t = useT();
  const hosts = Object.values(useHosts((s) => s.byId)).sort((a, b) => a.name.localeCompare(b.name));
  const vms = useVms((s) => s.byId);
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<HangarError | null>(null);
  const counts = new Map<string, number>();
  const running = new Map<string, number>();
  for (const vm of Object.values(vms)) {
    counts.set(vm.hostId, (counts.get(vm.hostId) ?? 0) + 1);
    if (vm.state === 'running' || vm.state === 'paused') running.set(vm.hostId, (running.get(vm.hostId) ?? 0) + 1);
  }
  useUsageFeed();
  return (
    <section>
      <div className="page-head">
        <h1>{t('hosts.title')}</h1>
        {!adding && (
          <button type="button" className="btn btn-primary" data-testid="add-host" onClick={() => setAdding(true)}>
            {t('hosts.add.open')}
          </button>
        )}
      </div>
      {adding && <AddHostForm onDone={() => setAdding(false)} />}
      <ErrorBanner error={error} />
      {hosts.length === 0 ? (
        !adding && <EmptyState title={t('hosts.empty')} help={t('hosts.emptyHelp')} />
      ) : (
        <table className="table">
          <TableHead cols={[t('hosts.col.host'), t('hosts.col.state'), t('hosts.col.cpus'), t('hosts.col.memory'), t('hosts.col.software'), t('hosts.col.accel'), t('hosts.col.cpuUse'), t('hosts.col.memUse'), t('hosts.col.vmsRunning'), t('tasks.col.actions')]} />
          <tbody>
            {hosts.map((h) => (
              <HostRow key={h.id} host={h} vmCount={counts.get(h.id) ?? 0} running={running.get(h.id) ?? 0} onError={setError} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
