import { useCallback, useMemo, useState } from 'react';
import { CloneVmForm } from '../clone/CloneVmForm';
import { originText } from '../../components/origin-text';
import { DISPLAY_STATES, OS_PROFILES, type Vm, type VmAction } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { EmptyState } from '../../components/EmptyState';
import { VirtualRows } from '../../components/VirtualRows';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';
import { navigate, useRoute } from '../../stores/route-store';
import { useVms } from '../../stores/vms-store';
import { CreateVmForm } from './CreateVmForm';
import { AffinityGroups } from '../placement/AffinityGroups';
import { VmDetailPage } from './VmDetailPage';
import { filterVms, sortVms, type VmFilter, type VmSortKey } from './vm-filter';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useUsageFeed } from '../../stores/usage-store';
import { ColumnChooser } from './ColumnChooser';
import { COLUMN_DEFS, gridTemplate, loadColumns, saveColumns, type ColumnChoice } from './vm-columns';
import { VmRow, type RowContext } from './VmRow';
import { WarmBanner } from './LastSeen';
import { whyNot, type VmButton } from './action-rules';
import { deleteVm, runVmAction } from '../../api/vms';
import { MigrateDialog } from '../migration/MigrateDialog';
import { whyNotMigrate } from '../migration/migrate-rules';

const BULK: VmAction[] = ['start', 'shutdown', 'forceOff', 'reboot', 'pause', 'resume'];
const ROW_HEIGHT = 40;

export function VmsPage() {
  const param = useRoute((s) => s.param);
  return param ? <VmDetailPage vmId={param} /> : <VmList />;
}

function VmList() {
  const t = useT();
  const [creating, setCreating] = useState(false);
  const [cloning, setCloning] = useState<Vm | null>(null);
  const [showGroups, setShowGroups] = useState(false);
  const [migrating, setMigrating] = useState<Vm[] | null>(null);
  const lang = useEngine((s) => s.settings.language);
  const byId = useVms((s) => s.byId);
  const hosts = useHosts((s) => s.byId);
  const [filter, setFilter] = useState<VmFilter>({ text: '', state: '', hostId: '', os: '', origin: '' });
  const [sort, setSort] = useState<{ key: VmSortKey; dir: 1 | -1 }>({ key: 'name', dir: 1 });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<HangarError | null>(null);
  const intervalSec = useEngine((s) => s.settings.metricsIntervalSec);
  const [columns, setColumnsState] = useState<ColumnChoice[]>(loadColumns);
  const setColumns = (c: ColumnChoice[]) => {
    setColumnsState(c);
    saveColumns(c);
  };
  const shownColumns = useMemo(() => columns.filter((c) => c.shown).map((c) => c.id), [columns]);
  const template = useMemo(() => gridTemplate(shownColumns), [shownColumns]);
  useUsageFeed();

  // Host names only: a host's state changes often (reconnecting, facts), its name rarely, and only a
  // name change may re-sort or re-filter 10,000 rows (issue 20: first render and relaunch).
  const namesKey = Object.values(hosts)
    .map((h) => `${h.id}\u0000${h.name}`)
    .join('\n');
  const hostNames = useMemo(() => new Map(Object.values(hosts).map((h) => [h.id, h.name])), [namesKey]);
  const hostName = useCallback((id: string) => hostNames.get(id) ?? id, [hostNames]);
  const all = useMemo(() => Object.values(byId), [byId]);
  // Sorted once per change of data or order; a keystroke only filters the sorted list.
  const sorted = useMemo(() => sortVms(all, sort.key, sort.dir, hostName), [all, sort, hostName]);
  const shown = useMemo(() => filterVms(sorted, filter, hostName), [sorted, filter, hostName]);
  const chosen = shown.filter((v) => selected.has(v.id));
  // Names defined on more than one host: those rows say which host they are (issue 19).
  const hostsByName = useMemo(() => {
    const m = new Map<string, string[]>();
    for (const v of all) {
      const list = m.get(v.name);
      if (list) list.push(v.hostId);
      else m.set(v.name, [v.hostId]);
    }
    return m;
  }, [all]);
  const toggle = useCallback(
    (id: string) =>
      setSelected((s) => {
        const n = new Set(s);
        if (n.has(id)) n.delete(id);
        else n.add(id);
        return n;
      }),
    [],
  );
  const ctx = useMemo<RowContext>(
    () => ({
      t,
      lang,
      intervalSec,
      hostName: (id) => hosts[id]?.name ?? id,
      host: (id) => hosts[id],
      twins: (vm) => {
        const on = hostsByName.get(vm.name);
        return on && on.length > 1 ? on.filter((h) => h !== vm.hostId).map((h) => hosts[h]?.name ?? h) : [];
      },
      act: (vm, action) => {
        setError(null);
        runVmAction([vm.id], action).catch((e: unknown) => setError(HangarError.from(e)));
      },
    }),
    [t, lang, intervalSec, hosts, hostsByName],
  );
  const origins = useMemo(() => [...new Set(all.map((v) => v.origin).filter((o): o is string => !!o))].sort(), [all]);

  const allShownSelected = shown.length > 0 && chosen.length === shown.length;
  const bulk = (action: VmAction) => {
    if (chosen.length === 0) return;
    setError(null);
    runVmAction(chosen.map((v) => v.id), action).catch((e: unknown) => setError(HangarError.from(e)));
  };
  /** Deletes the chosen VMs' definitions; their disks stay (per-disk choices are on each VM's page). */
  const bulkDelete = () => {
    if (chosen.length === 0) return;
    const running = chosen.filter((v) => v.state !== 'stopped' && v.state !== 'crashed').length;
    if (!window.confirm(t('vms.bulkDeleteConfirm', { count: chosen.length, running }))) return;
    setError(null);
    for (const vm of chosen) deleteVm({ vmId: vm.id, deleteDisks: [], force: true }).catch((e: unknown) => setError(HangarError.from(e)));
    setSelected(new Set());
  };
  /** Why a bulk action is off: the first chosen VM whose state does not allow it, named. */
  const bulkWhy = (action: VmButton): string | null => {
    for (const vm of chosen) {
      const why = whyNot(action, vm.state);
      if (why) return t('vms.bulk.why', { name: vm.name, why: t(why, { action: t(`vm.action.${action}`), state: t(`vm.state.${vm.state}`) }) });
    }
    return null;
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
        <span className="page-actions">
          <button type="button" className="btn" data-testid="affinity-toggle" aria-expanded={showGroups} onClick={() => setShowGroups((x) => !x)}>
            {t('placement.groups.title')}
          </button>
          {!creating && (
            <button type="button" className="btn btn-primary" data-testid="create-vm" onClick={() => setCreating(true)}>
              {t('vm.create.open')}
            </button>
          )}
        </span>
      </div>
      {creating && <CreateVmForm onDone={() => setCreating(false)} />}
      {cloning && <CloneVmForm vm={cloning} onDone={() => setCloning(null)} />}
      {showGroups && <AffinityGroups />}
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
                {originText(o, t)}
              </option>
            ))}
          </select>
        )}
        <ColumnChooser columns={columns} onChange={setColumns} />
        <div className="bulk" data-testid="vm-bulk">
          <button type="button" className="btn btn-small" data-testid="vm-bulk-clone" disabled={chosen.length !== 1} onClick={() => setCloning(chosen[0] ?? null)}>
            {t('clone.action')}
          </button>
          {[...BULK, 'delete' as const].map((a) => {
            const why = bulkWhy(a);
            return (
              <button
                key={a}
                type="button"
                className={a === 'delete' ? 'btn btn-small btn-danger' : 'btn btn-small'}
                disabled={chosen.length === 0 || why !== null}
                title={why ?? undefined}
                onClick={() => (a === 'delete' ? bulkDelete() : bulk(a))}
                data-testid={`vm-bulk-${a}`}
              >
                {t(`vm.action.${a}`)}
              </button>
            );
          })}
          <BulkMigrate chosen={chosen} onOpen={setMigrating} />
        </div>
      </div>
      {migrating && <MigrateDialog vms={migrating} onClose={() => setMigrating(null)} />}
      <ErrorBanner error={error} />
      <WarmBanner vms={all} hosts={hosts} t={t} />
      {all.length === 0 && !creating ? (
        <EmptyState title={t('vms.empty')} help={t('vms.emptyHelp')} />
      ) : (
        <div className="vgrid" role="table" aria-label={t('vms.title')} data-testid="vm-grid" data-query={filter.text}>
          <div className="vrow vhead" role="row" style={{ gridTemplateColumns: template }}>
            <span role="columnheader">
              <input
                type="checkbox"
                aria-label={t('vms.selectAll')}
                checked={allShownSelected}
                onChange={() => setSelected(allShownSelected ? new Set() : new Set(shown.map((v) => v.id)))}
              />
            </span>
            {shownColumns.map((id) => {
              const def = COLUMN_DEFS[id];
              return (
                <span key={id} role="columnheader" data-col={id}>
                  {def.sort ? header(def.sort, t(def.label)) : t(def.label)}
                </span>
              );
            })}
          </div>
          <VirtualRows
            items={shown}
            rowHeight={ROW_HEIGHT}
            testId="vm-rows"
            render={(vm: Vm) => <VmRow key={vm.id} vm={vm} columns={shownColumns} template={template} selected={selected.has(vm.id)} onToggle={toggle} ctx={ctx} />}
          />
        </div>
      )}
    </section>
  );
}

/** The list's Migrate: one dialog for the chosen VMs, one task each; off (saying which VM and why) when one of them cannot move now. */
function BulkMigrate({ chosen, onOpen }: { chosen: Vm[]; onOpen: (vms: Vm[]) => void }) {
  const t = useT();
  const stuck = chosen.find((v) => whyNotMigrate(v.state) !== null);
  const why = stuck ? t('vms.bulk.why', { name: stuck.name, why: t(whyNotMigrate(stuck.state)!, { action: t('migrate.action'), state: t(`vm.state.${stuck.state}`) }) }) : null;
  return (
    <button type="button" className="btn btn-small" data-testid="vm-bulk-migrate" disabled={chosen.length === 0 || why !== null} title={why ?? undefined} onClick={() => onOpen(chosen)}>
      {t('migrate.action')}
    </button>
  );
}
