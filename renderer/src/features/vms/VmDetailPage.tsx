import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { FINAL_JOB_STATES, type VmAction, type VmDetails } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { formatKiB } from '../../components/format';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';
import { navigate } from '../../stores/route-store';
import { useVms } from '../../stores/vms-store';
import { EventHistory } from '../../components/EventHistory';
import { DeleteVmForm } from './DeleteVmForm';
import { CloneVmForm } from '../clone/CloneVmForm';
import { DetailsForm } from './DetailsForm';
import { DisksTab } from './DisksTab';
import { NicsTab } from './NicsTab';
import { VmOverview } from './VmOverview';
import { VmDiagnosticsTab } from '../diagnostics/VmDiagnosticsTab';
import { VmMetricsTab } from '../metrics/VmMetricsTab';
import { SnapshotsTab } from '../snapshots/SnapshotsTab';
import { ErrorBanner } from '../../components/ErrorBanner';
import { downloadText } from '../../components/download';
import { whyNot } from './action-rules';
import { StartFailure } from './StartFailure';
import { VmWhere } from './VmWhere';
import { LastSeenState } from './LastSeen';
import { defineVmXml, getVm, runVmAction } from '../../api/vms';
import { Tabs } from '../../components/Tabs';
import { GoneNotice } from '../../components/GoneNotice';
import { MigrateDialog } from '../migration/MigrateDialog';
import { useVmMigrationJob, VmMigration } from '../migration/MigrationProgress';
import { whyNotMigrate } from '../migration/migrate-rules';


/** noVNC and xterm.js load when a console is first opened, not with the app. */
const ConsoleTab = lazy(() => import('../console/ConsoleTab').then((m) => ({ default: m.ConsoleTab })));

const ACTIONS: VmAction[] = ['start', 'startPaused', 'shutdown', 'forceOff', 'reboot', 'reset', 'pause', 'resume', 'save'];
const TABS = ['overview', 'details', 'metrics', 'console', 'snapshots', 'disks', 'nics', 'events', 'diagnostics', 'xml'] as const;
type Tab = (typeof TABS)[number];

export function VmDetailPage({ vmId }: { vmId: string }) {
  const t = useT();
  const client = useEngine((s) => s.client);
  const lang = useEngine((s) => s.settings.language);
  const listed = useVms((s) => s.byId[vmId]);
  const migrationJob = useVmMigrationJob(vmId);
  const migrationLive = migrationJob !== undefined && !FINAL_JOB_STATES.includes(migrationJob.state);
  // While a job moves the VM, a moment between its hosts' inventories (undefined on one, not yet
  // seen on the other) is not the VM being gone: the page keeps showing it as last seen.
  const lastSeen = useRef(listed);
  if (listed) lastSeen.current = listed;
  const vm = listed ?? (migrationLive ? lastSeen.current : undefined);
  const hosts = useHosts((s) => s.byId);
  // A link from before a VM's id was its UUID (`host:uuid`) still opens that VM.
  const legacy = vmId.slice(vmId.indexOf(':') + 1);
  const legacyFound = useVms((s) => legacy !== vmId && s.byId[legacy] !== undefined);
  useEffect(() => {
    if (legacyFound) navigate('vms', legacy);
  }, [legacyFound, legacy]);
  const [details, setDetails] = useState<VmDetails | null>(null);
  const [tab, setTab] = useState<Tab>('overview');
  const [error, setError] = useState<HangarError | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [cloning, setCloning] = useState(false);
  const [migrating, setMigrating] = useState(false);
  const [xmlDraft, setXmlDraft] = useState<string | null>(null);

  const load = useCallback(() => {
    if (!client) return;
    getVm(vmId).then(setDetails, (e: unknown) => setError(HangarError.from(e)));
  }, [client, vmId]);
  // The live list says when the VM changed; details (XML, pending changes) follow it.
  useEffect(load, [load, vm?.state, vm?.memoryKiB, vm?.vcpus, vm?.nics, vm?.disks]);

  if (!vm) return <GoneNotice text={t('vm.gone')} back={t('vm.back')} onBack={() => navigate('vms')} />;
  const run = (p: Promise<unknown>) => {
    setError(null);
    p.then(load, (e: unknown) => setError(HangarError.from(e)));
  };
  const stopped = vm.state === 'stopped';
  const deleteWhy = whyNot('delete', vm.state);
  const migrateWhy = whyNotMigrate(vm.state) ?? (migrationLive ? 'vm.why.settled' : null);

  return (
    <section data-testid="vm-detail" data-vm-name={vm.name} data-state={vm.state}>
      <div className="page-head vm-head">
        <div className="vm-head-title">
          <button type="button" className="btn btn-small" onClick={() => navigate('vms')}>
            ← {t('vm.back')}
          </button>
          <h1>
            {vm.name}{' '}
            {vm.lastSeen ? (
              <LastSeenState vm={{ ...vm, lastSeen: vm.lastSeen }} host={hosts[vm.hostId]} t={t} hostName={hosts[vm.hostId]?.name ?? vm.hostId} />
            ) : (
              <span className={`badge vm-${vm.state}`} data-testid="vm-detail-state">
                {t(`vm.state.${vm.state}`)}
              </span>
            )}
          </h1>
          <VmWhere vm={vm} hostName={(id) => hosts[id]?.name ?? id} t={t} />
        </div>
        <div className="vm-head-actions">
          <span className="row-actions" role="group" aria-label={t('vm.actions.power')}>
          {ACTIONS.map((a) => {
            const why = whyNot(a, vm.state);
            return (
              <button
                key={a}
                type="button"
                className="btn btn-small"
                data-testid={`vm-action-${a}`}
                disabled={why !== null}
                title={why ? t(why, { action: t(`vm.action.${a}`), state: t(`vm.state.${vm.state}`) }) : undefined}
                onClick={() => run(runVmAction([vm.id], a))}
              >
                {t(`vm.action.${a}`)}
              </button>
            );
          })}
          </span>
          <span className="row-actions" role="group" aria-label={t('vm.actions.object')}>
          <button type="button" className="btn btn-small" data-testid="vm-action-clone" onClick={() => setCloning(true)}>
            {t('clone.action')}
          </button>
          <button
            type="button"
            className="btn btn-small"
            data-testid="vm-action-migrate"
            disabled={migrateWhy !== null}
            title={migrateWhy ? t(migrateWhy, { action: t('migrate.action'), state: t(`vm.state.${vm.state}`) }) : undefined}
            onClick={() => setMigrating(true)}
          >
            {t('migrate.action')}
          </button>
          <button
            type="button"
            className="btn btn-small btn-danger"
            data-testid="vm-action-delete"
            disabled={deleteWhy !== null}
            title={deleteWhy ? t(deleteWhy, { action: t('vm.action.delete'), state: t(`vm.state.${vm.state}`) }) : undefined}
            onClick={() => setDeleting(true)}
          >
            {t('vm.action.delete')}
          </button>
          </span>
        </div>
      </div>
      {cloning && <CloneVmForm vm={vm} onDone={() => setCloning(false)} />}
      {migrating && <MigrateDialog vms={[vm]} onClose={() => setMigrating(false)} />}
      <VmMigration vmId={vm.id} />
      {deleting && details && <DeleteVmForm details={details} onDone={(deleted) => (deleted ? navigate('vms') : setDeleting(false))} />}
      {details && details.pendingChanges.length > 0 && (
        <div className="banner warn" role="status" data-testid="pending-changes">
          <strong>{t('vm.pending.title')}</strong>
          <ul>
            {details.pendingChanges.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </div>
      )}
      <StartFailure vm={vm} onError={setError} />
      <ErrorBanner error={error} testId="vm-error" />
      <Tabs tabs={TABS} current={tab} onSelect={setTab} testIdPrefix="vm-tab" label={(x) => t(`vm.tab.${x}`)} />
      {tab === 'overview' && details && <VmOverview vm={vm} details={details} onSaved={setDetails} onError={setError} onOpenConsole={() => setTab('console')} onRefresh={load} />}
      {tab === 'details' && details && <DetailsForm details={details} onSaved={setDetails} onError={setError} />}
      {tab === 'disks' && details && <DisksTab details={details} onChanged={setDetails} onError={setError} />}
      {tab === 'nics' && details && <NicsTab details={details} onChanged={setDetails} onError={setError} />}
      {tab === 'snapshots' && <SnapshotsTab vm={vm} />}
      {tab === 'metrics' && <VmMetricsTab vmId={vm.id} vmName={vm.name} />}
      {tab === 'console' && (
        <Suspense fallback={<p className="muted">{t('connection.connecting')}</p>}>
          <ConsoleTab vmId={vm.id} />
        </Suspense>
      )}
      {tab === 'diagnostics' && <VmDiagnosticsTab vmId={vm.id} startFailure={vm.stateReason} />}
      {tab === 'events' && <EventHistory vmId={vm.id} refreshKey={vm.state} />}
      {tab === 'xml' && details && (
        <div className="xml-view">
          <div className="page-head">
            <h2>{t('vm.xml.persistent')}</h2>
            <div className="row-actions">
              {xmlDraft === null ? (
                <button type="button" className="btn btn-small" data-testid="vm-xml-edit" onClick={() => setXmlDraft(details.persistentXml)}>
                  {t('vm.xml.edit')}
                </button>
              ) : (
                <>
                  <button
                    type="button"
                    className="btn btn-small btn-primary"
                    data-testid="vm-xml-save"
                    onClick={() => {
                      setError(null);
                      defineVmXml(vm.id, xmlDraft).then(
                        (d) => {
                          setDetails(d);
                          setXmlDraft(null);
                        },
                        (e: unknown) => setError(HangarError.from(e)),
                      );
                    }}
                  >
                    {t('common.save')}
                  </button>
                  <button type="button" className="btn btn-small" onClick={() => setXmlDraft(null)}>
                    {t('common.cancel')}
                  </button>
                </>
              )}
              <button type="button" className="btn btn-small" data-testid="vm-xml-download" onClick={() => downloadText(`${vm.name}.xml`, details.persistentXml, 'application/xml')}>
                {t('vm.xml.download')}
              </button>
            </div>
          </div>
          {xmlDraft === null ? (
            <pre data-testid="vm-xml-persistent">{details.persistentXml}</pre>
          ) : (
            <textarea className="xml-edit" data-testid="vm-xml-editor" spellCheck={false} value={xmlDraft} onChange={(e) => setXmlDraft(e.target.value)} />
          )}
          {details.liveXml !== details.persistentXml && !stopped && (
            <>
              <h2>{t('vm.xml.live')}</h2>
              <pre>{details.liveXml}</pre>
            </>
          )}
        </div>
      )}
    </section>
  );
}
