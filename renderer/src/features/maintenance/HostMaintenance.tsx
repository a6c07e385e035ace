import { useEffect, useState } from 'react';
import { EVACUATION_ACTIONS, HangarError, type EvacuationAction, type EvacuationStep, type Host, type HostMaintenance as Maintenance, type MaintenancePlan } from '../../../../engine/contract';
import { enterMaintenance, exitMaintenance, hostMaintenance, maintenancePlan } from '../../api/maintenance';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatTime } from '../../components/format';
import { jobTone, ProgressBar } from '../../components/ProgressBar';
import { Select } from '../../components/Select';
import { TableHead } from '../../components/TableHead';
import { translateMessage } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';
import { useJobs } from '../../stores/jobs-store';
import { useVms } from '../../stores/vms-store';
import { MaintenanceBadge } from './MaintenanceBadge';

/** While the host is being emptied its record changes step by step: read it this often. */
const POLL_MS = 1500;

/**
 * Hosts → host → Maintenance: the plan first, VM by VM (action, target, or why it cannot leave),
 * with a per-VM choice of action; then Enter, the evacuation's progress and each VM's outcome;
 * Leave moves nothing back.
 */
export function HostMaintenance({ host }: { host: Host }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [m, setM] = useState<Maintenance | null>(null);
  const [plan, setPlan] = useState<MaintenancePlan | null>(null);
  const [actions, setActions] = useState<Record<string, EvacuationAction>>({});
  const [timeout, setTimeoutSec] = useState('120');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<HangarError | null>(null);
  const state = useHosts((s) => s.byId[host.id]?.maintenance ?? 'none');
  const job = useJobs((s) => (m?.jobId ? s.byId[m.jobId] : undefined));
  // The plan follows the VMs coming to and leaving the host, and the host's link.
  const vmKey = `${useHosts((s) => s.byId[host.id]?.state)}:${useVms((s) => Object.values(s.byId).filter((v) => v.hostId === host.id).map((v) => `${v.id}/${v.state}`).sort().join(','))}`;

  const fail = (e: unknown) => setError(HangarError.from(e));
  useEffect(() => {
    let live = true;
    const load = () => hostMaintenance(host.id).then((x) => live && setM(x), fail);
    void load();
    const timer = state === 'preparing' ? setInterval(load, POLL_MS) : null;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [host.id, state, job?.state]);
  useEffect(() => {
    if (state !== 'none') return;
    let live = true;
    maintenancePlan(host.id, actions).then((p) => live && setPlan(p), fail);
    return () => {
      live = false;
    };
  }, [host.id, state, JSON.stringify(actions), vmKey]);

  const run = (p: Promise<unknown>) => {
    setBusy(true);
    setError(null);
    p.then(() => hostMaintenance(host.id).then(setM), fail).finally(() => setBusy(false));
  };
  const inService = state === 'none';
  const steps = inService ? (plan?.steps ?? []) : (m?.plan?.steps ?? []);
  const blocked = steps.filter((s) => s.blocked).length;
  const hostName = (id: string | null) => (id ? (useHosts.getState().byId[id]?.name ?? id) : null);
  const target = (s: EvacuationStep) => (s.blocked ? t('maintenance.target.none') : (hostName(s.targetHostId) ?? (s.action === 'shutdown' ? t('maintenance.target.stays') : t('maintenance.target.none'))));

  return (
    <div data-testid="host-maintenance" data-state={state}>
      <p className="muted">{t('maintenance.intro')}</p>
      <p>
        <MaintenanceBadge state={state} />
        {m?.since && !inService ? <span className="muted small"> {t('maintenance.since', { time: formatTime(m.since, lang) })}</span> : null}
      </p>
      <ErrorBanner error={error} />
      {m?.error && !inService && (
        <p className="error" data-testid="maintenance-error">
          {translateMessage(t, m.error)}
        </p>
      )}
      {state === 'preparing' && job && <ProgressBar value={job.progress} label={t('maintenance.progress', { percent: Math.round((job.progress ?? 0) * 100) })} tone={jobTone(job.state)} />}
      <h3>{inService ? t('maintenance.plan') : t('maintenance.outcome')}</h3>
      {steps.length === 0 ? (
        <p className="muted" data-testid="maintenance-empty">{t('maintenance.empty')}</p>
      ) : (
        <table className="table" data-testid="maintenance-plan">
          <TableHead cols={[t('maintenance.col.vm'), t('maintenance.col.action'), t('maintenance.col.target'), t('maintenance.col.outcome')]} />
          <tbody>
            {steps.map((s) => (
              <tr key={s.vmId} data-testid="maintenance-step" data-vm={s.name} data-state={s.state} data-action={s.action ?? ''} data-blocked={s.blocked ? 'yes' : 'no'}>
                <td>{s.name}</td>
                <td>
                  {inService && s.action && s.action !== 'moveDefinition' ? (
                    <Select
                      testId="maintenance-action"
                      value={actions[s.vmId] ?? s.action}
                      onChange={(v) => setActions((a) => ({ ...a, [s.vmId]: v as EvacuationAction }))}
                      options={EVACUATION_ACTIONS.filter((a) => a !== 'moveDefinition').map((a) => [a, t(`maintenance.action.${a}`)] as const)}
                    />
                  ) : s.action ? (
                    t(`maintenance.action.${s.action}`)
                  ) : (
                    '—'
                  )}
                </td>
                <td data-testid="maintenance-target">{target(s)}</td>
                <td data-testid="maintenance-outcome">
                  {s.blocked ? (
                    <span className="error">{t('maintenance.cannotLeave', { reason: translateMessage(t, s.blocked) })}</span>
                  ) : inService ? (
                    ''
                  ) : (
                    <>
                      <span className={`badge step-${s.state}`}>{t(`maintenance.step.${s.state}`)}</span> {s.error ? <span className="error">{translateMessage(t, s.error)}</span> : null}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {inService && blocked > 0 && <p className="warn-text" data-testid="maintenance-blocked">{t('maintenance.blockedCount', { count: blocked })}</p>}
      <div className="actions maint-actions">
        {inService ? (
          <>
            <label>
              {t('maintenance.shutdownTimeout')}{' '}
              <input type="number" min={5} max={3600} value={timeout} onChange={(e) => setTimeoutSec(e.target.value)} data-testid="maintenance-timeout" style={{ width: '6em' }} />
            </label>{' '}
            <button type="button" className="btn" disabled={busy} onClick={() => run(maintenancePlan(host.id, actions).then(setPlan))}>
              {t('maintenance.refresh')}
            </button>{' '}
            <button type="button" className="btn btn-primary" data-testid="maintenance-enter" disabled={busy || !plan} onClick={() => run(enterMaintenance(host.id, actions, plan?.steps.map((s) => s.vmId) ?? [], Number(timeout) || undefined).catch((e: unknown) => {
                // The host changed since the plan was shown: show the new one with the reason.
                void maintenancePlan(host.id, actions).then(setPlan);
                throw e;
              }))}>
              {t('maintenance.enter')}
            </button>
          </>
        ) : (
          <>
            <button type="button" className="btn" data-testid="maintenance-leave" disabled={busy} onClick={() => run(exitMaintenance(host.id))}>
              {t('maintenance.leave')}
            </button>{' '}
            <span className="muted small">{t('maintenance.leaveHelp')}</span>
          </>
        )}
      </div>
    </div>
  );
}
