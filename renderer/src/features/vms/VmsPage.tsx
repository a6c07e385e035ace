import { useMemo, useState } from 'react';
import { DISPLAY_STATES, OS_PROFILES, type Vm, type VmAction } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { EmptyState } from '../../components/EmptyState';
import { formatKiB } from '../../components/format';
import { VirtualRows } from '../../components/VirtualRows';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';
import { navigate, useRoute } from '../../stores/route-store';
import { useVms } from '../../stores/vms-store';
import { CreateVmForm } from './CreateVmForm';
import { VmDetailPage } from './VmDetailPage';
import { filterVms, sortVms, type VmFilter, type VmSortKey } from './vm-filter';
import { ErrorBanner } from '../../components/ErrorBanner';

const BULK: VmAction[] = ['start', 'shutdown', 'forceOff', 'reboot', 'pause', 'resume'];
const ROW_HEIGHT = 40;

export function VmsPage() {
  const param = useRoute((s) => s.param);
  return param ? <VmDetailPage vmId={param} /> : <VmList />;
}

function VmList() {
  const t = useT();
  const [creating, setCreating] = useState(false);
  const client = useEngine((s) => s.client);
  const lang = useEngine((s) => s.settings.language);
  const byId = useVms((s) => s.byId);
  const hosts = useHosts((s) => s.byId);
  const [filter, setFilter] = useState<VmFilter>({ text: '', state: '', hostId: '', os: '', origin: '' });
  const [sort, setSort] = useState<{ key: VmSortKey; dir: 1 | -1 }>({ key: 'name', dir: 1 });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<HangarError | null>(null);

  const hostName = (id: string) => hosts[id]?.name ?? id;
  const all = useMemo(() => Object.values(byId), [byId]);
  // Sorted once per change of data or order; a keystroke only filters the sorted list.
  const sorted = useMemo(() => sortVms(all, sort.key, sort.dir, hostName), [all, sort, hosts]);
  const shown = useMemo(() => filterVms(sorted, filter, hostName), [sorted, filter, hosts]);
  const chosen = shown.filter((v) => selected.has(v.id));
  const origins = useMemo(() => [...new Set(all.map((v) => v.origin).filter((o): o is string => !!o))].sort(), [all]);

  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const allShownSelected = shown.length > 0 && chosen.length === shown.length;
  const bulk = (action: VmAction) => {
    if (chosen.length === 0 || !client) return;
    setError(null);
    client.call('vms.action', { vmIds: chosen.map((v) => v.id), action }).catch((e: unknown) => setError(HangarError.from(e)));
  };
  /** Deletes the chosen VMs' definitions; their disks stay (per-disk choices are on each VM's page). */
  const bulkDelete = () => {
    if (chosen.length === 0 || !client) return;
    const running = chosen.filter((v) => v.state !== 'stopped' && v.state !== 'crashed').length;
    if (!window.confirm(t('vms.bulkDeleteConfirm', { count: chosen.length, running }))) return;
    setError(null);
    for (const vm of chosen) client.call('vms.delete', { vmId: vm.id, deleteDisks: [], force: true }).catch((e: unknown) => setError(HangarError.from(e)));
    setSelected(new Set());
  };
  const sortBy = (key: VmSortKey) => setSort((s) => ({ key, dir: s.key === key ? ((-s.dir) as 1 | -1) : 1 }));
  const header = (key: VmSortKey, label: string) => (
    <button type="button" className="th-sort" onClick={() => sortBy(key)} aria-sort={sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
      {label}
      {sort.key === key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}
    </button>
  );

  return (
    <section className="vms-page">
      <div className="page-head">
        <h1>{t('vms.title')}</h1>
        <span className="muted" data-testid="vm-count">
          {t('vms.count', { shown: shown.length, total: all.length })}
        </span>
        {!creating && (
          <button type="button" className="btn btn-primary" data-testid="create-vm" onClick={() => setCreating(true)}>
            {t('vm.create.open')}
          </button>
        )}
      </div>
      {creating && <CreateVmForm onDone={() => setCreating(false)} />}
      <div className="toolbar">
        <input
          type="search"
          data-testid="vm-search"
          placeholder={t('vms.search')}
          aria-label={t('vms.search')}
          value={filter.text}
          onChange={(e) => setFilter((f) => ({ ...f, text: e.target.value }))}
        />
        <select aria-label={t('vms.filter.state')} data-testid="vm-filter-state" value={filter.state} onChange={(e) => setFilter((f) => ({ ...f, state: e.target.value as VmFilter['state'] }))}>
          <option value="">{t('vms.filter.anyState')}</option>
          {DISPLAY_STATES.map((s) => (
            <option key={s} value={s}>
              {t(`vm.state.${s}`)}
            </option>
          ))}
        </select>
        <select aria-label={t('vms.filter.host')} data-testid="vm-filter-host" value={filter.hostId} onChange={(e) => setFilter((f) => ({ ...f, hostId: e.target.value }))}>
          <option value="">{t('vms.filter.anyHost')}</option>
          {Object.values(hosts).map((h) => (
            <option key={h.id} value={h.id}>
              {h.name}
            </option>
          ))}
        </select>
        <select aria-label={t('vms.filter.os')} data-testid="vm-filter-os" value={filter.os} onChange={(e) => setFilter((f) => ({ ...f, os: e.target.value }))}>
          <option value="">{t('vms.filter.anyOs')}</option>
          {OS_PROFILES.map((o) => (
            <option key={o} value={o}>
              {t(`vm.os.${o}`)}
            </option>
          ))}
        </select>
        {origins.length > 0 && (
          <select aria-label={t('vms.filter.origin')} data-testid="vm-filter-origin" value={filter.origin} onChange={(e) => setFilter((f) => ({ ...f, origin: e.target.value }))}>
            <option value="">{t('vms.filter.anyOrigin')}</option>
            {origins.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        )}
        <div className="bulk" data-testid="vm-bulk">
          {BULK.map((a) => (
            <button key={a} type="button" className="btn btn-small" disabled={chosen.length === 0} onClick={() => bulk(a)} data-testid={`vm-bulk-${a}`}>
              {t(`vm.action.${a}`)}
            </button>
          ))}
          <button type="button" className="btn btn-small btn-danger" disabled={chosen.length === 0} onClick={bulkDelete} data-testid="vm-bulk-delete">
            {t('vm.action.delete')}
          </button>
        </div>
      </div>
      <ErrorBanner error={error} />
      {all.length === 0 && !creating ? (
        <EmptyState title={t('vms.empty')} help={t('vms.emptyHelp')} />
      ) : (
        <div className="vgrid" role="table" aria-label={t('vms.title')} data-testid="vm-grid" data-query={filter.text}>
          <div className="vrow vhead" role="row">
            <span role="columnheader">
              <input
                type="checkbox"
                aria-label={t('vms.selectAll')}
                checked={allShownSelected}
                onChange={() => setSelected(allShownSelected ? new Set() : new Set(shown.map((v) => v.id)))}
              />
            </span>
            <span role="columnheader">{header('name', t('vms.col.name'))}</span>
            <span role="columnheader">{header('state', t('vms.col.state'))}</span>
            <span role="columnheader">{header('host', t('vms.col.host'))}</span>
            <span role="columnheader">{header('vcpus', t('vms.col.vcpus'))}</span>
            <span role="columnheader">{header('memory', t('vms.col.memory'))}</span>
          </div>
          <VirtualRows
            items={shown}
            rowHeight={ROW_HEIGHT}
            testId="vm-rows"
            render={(vm: Vm) => (
              <div key={vm.id} className="vrow" role="row" data-testid="vm-row" data-vm-name={vm.name} data-state={vm.state}>
                <span role="cell">
                  <input type="checkbox" aria-label={vm.name} checked={selected.has(vm.id)} onChange={() => toggle(vm.id)} />
                </span>
                <span role="cell" className="strong ellipsis" title={vm.title ?? vm.name} translate="no">
                  <a href={`#/vms/${encodeURIComponent(vm.id)}`} onClick={(e) => { e.preventDefault(); navigate('vms', vm.id); }}>
                    {vm.name}
                  </a>
                </span>
                <span role="cell">
                  <span className={`badge vm-${vm.state}`} data-testid="vm-state">
                    {t(`vm.state.${vm.state}`)}
                  </span>
                </span>
                <span role="cell" className="ellipsis">{hostName(vm.hostId)}</span>
                <span role="cell">{vm.vcpus}</span>
                <span role="cell">{formatKiB(vm.memoryKiB, lang)}</span>
              </div>
            )}
          />
        </div>
      )}
    </section>
  );
}
