import { useEffect, useState } from 'react';
import { AFFINITY_KINDS, HangarError, type AffinityGroup } from '../../../../engine/contract';
import { addVmToGroup, createAffinityGroup, deleteAffinityGroup, listAffinityGroups, removeVmFromGroup, updateAffinityGroup } from '../../api/placement';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useT } from '../../i18n/use-t';
import { useVms } from '../../stores/vms-store';

type Kind = AffinityGroup['kind'];
type Enforcement = AffinityGroup['enforcement'];

/**
 * VM–VM affinity groups (seed 000 F22): keep VMs apart (anti-affinity) or together (affinity),
 * as a rule placement must keep (hard) or a preference (soft). A change applies from each VM's
 * next placement; it moves nothing now.
 */
export function AffinityGroups() {
  const t = useT();
  const vms = Object.values(useVms((s) => s.byId)).sort((a, b) => a.name.localeCompare(b.name));
  const [groups, setGroups] = useState<AffinityGroup[]>([]);
  const [error, setError] = useState<HangarError | null>(null);
  const [draft, setDraft] = useState({ name: '', kind: 'antiAffinity' as Kind, enforcement: 'hard' as Enforcement });
  const [adding, setAdding] = useState<Record<string, string>>({});
  const run = (p: Promise<unknown>) =>
    void p.then(
      () => listAffinityGroups().then(setGroups),
      (e: unknown) => setError(HangarError.from(e)),
    );
  useEffect(() => run(Promise.resolve()), []);
  const act = (p: () => Promise<unknown>) => {
    setError(null);
    run(p());
  };
  return (
    <div className="panel" data-testid="affinity-groups">
      <h2>{t('placement.groups.title')}</h2>
      <p className="muted small">{t('placement.groups.help')}</p>
      <ErrorBanner error={error} testId="affinity-error" />
      {groups.length === 0 && <p className="muted" data-testid="affinity-empty">{t('placement.groups.none')}</p>}
      {groups.map((g) => {
        const memberIds = new Set(g.members.map((m) => m.vmUuid));
        const candidates = vms.filter((v) => !memberIds.has(v.uuid));
        return (
          <div key={g.id} className="affinity-group" data-testid="affinity-group" data-group={g.name}>
            <h3>{g.name}</h3>
            <div className="toolbar">
              <select aria-label={t('placement.groups.kind')} data-testid="affinity-kind" value={g.kind} onChange={(e) => act(() => updateAffinityGroup({ groupId: g.id, kind: e.target.value as Kind }))}>
                {AFFINITY_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`placement.kind.${k}`)}
                  </option>
                ))}
              </select>
              <select aria-label={t('placement.groups.enforcement')} data-testid="affinity-enforcement" value={g.enforcement} onChange={(e) => act(() => updateAffinityGroup({ groupId: g.id, enforcement: e.target.value as Enforcement }))}>
                <option value="hard">{t('placement.enforcement.hard')}</option>
                <option value="soft">{t('placement.enforcement.soft')}</option>
              </select>
              <button type="button" className="btn btn-small" data-testid="affinity-delete" onClick={() => act(() => deleteAffinityGroup(g.id))}>
                {t('placement.groups.delete')}
              </button>
            </div>
            <ul className="plain-list" data-testid="affinity-members">
              {g.members.length === 0 && <li className="muted">{t('placement.groups.noMembers')}</li>}
              {g.members.map((m) => {
                const vm = vms.find((v) => v.uuid === m.vmUuid);
                return (
                  <li key={m.vmUuid}>
                    {vm ? <a href={`#/vms/${encodeURIComponent(vm.id)}`}>{vm.name}</a> : <span className="muted">{t('placement.groups.goneVm', { name: m.name })}</span>}{' '}
                    <button type="button" className="btn btn-small" data-testid="affinity-remove" onClick={() => act(() => removeVmFromGroup(g.id, vm?.id ?? m.vmUuid))}>
                      {t('placement.groups.remove')}
                    </button>
                  </li>
                );
              })}
            </ul>
            <div className="toolbar">
              <select aria-label={t('placement.groups.addVm')} data-testid="affinity-add-vm" value={adding[g.id] ?? ''} onChange={(e) => setAdding((a) => ({ ...a, [g.id]: e.target.value }))}>
                <option value="">{t('placement.groups.chooseVm')}</option>
                {candidates.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.name}
                  </option>
                ))}
              </select>
              <button
                type="button"
                className="btn btn-small"
                data-testid="affinity-add"
                disabled={!adding[g.id]}
                onClick={() => {
                  const vmId = adding[g.id]!;
                  setAdding((a) => ({ ...a, [g.id]: '' }));
                  act(() => addVmToGroup(g.id, vmId));
                }}
              >
                {t('placement.groups.addVm')}
              </button>
            </div>
          </div>
        );
      })}
      <form
        className="toolbar"
        data-testid="affinity-create"
        onSubmit={(e) => {
          e.preventDefault();
          act(() => createAffinityGroup({ name: draft.name.trim(), kind: draft.kind, enforcement: draft.enforcement }).then(() => setDraft((d) => ({ ...d, name: '' }))));
        }}
      >
        <input aria-label={t('placement.groups.name')} placeholder={t('placement.groups.name')} data-testid="affinity-new-name" value={draft.name} onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))} />
        <select aria-label={t('placement.groups.kind')} data-testid="affinity-new-kind" value={draft.kind} onChange={(e) => setDraft((d) => ({ ...d, kind: e.target.value as Kind }))}>
          {AFFINITY_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`placement.kind.${k}`)}
            </option>
          ))}
        </select>
        <select aria-label={t('placement.groups.enforcement')} data-testid="affinity-new-enforcement" value={draft.enforcement} onChange={(e) => setDraft((d) => ({ ...d, enforcement: e.target.value as Enforcement }))}>
          <option value="hard">{t('placement.enforcement.hard')}</option>
          <option value="soft">{t('placement.enforcement.soft')}</option>
        </select>
        <button type="submit" className="btn btn-primary" data-testid="affinity-new-submit" disabled={!draft.name.trim()}>
          {t('placement.groups.create')}
        </button>
      </form>
    </div>
  );
}
