import { useEffect, useMemo, useState } from 'react';
import { OS_PROFILES, type CreateVmParams, type OsProfile } from '../../../../engine/contract';
import { kvmUsable } from '../../../../engine/contract/hosts';
import { HangarError } from '../../../../engine/contract/errors';
import { formatBytes } from '../../components/format';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Select } from '../../components/Select';
import { CreateResult } from './CreateResult';
import { listVolumes } from '../../api/storage';
import { createVm } from '../../api/vms';
import { listAffinityGroups } from '../../api/placement';
import { PlacementRefusal, refusalsOf } from '../placement/PlacementRefusal';
import type { AffinityGroup, Message, PlacementStrategy } from '../../../../engine/contract';
import { Field } from '../../components/Field';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import { LibraryPick, libraryNeedsCopy, runLibraryCreate } from '../templates/LibraryPick';

type SourceKind = 'library' | 'iso' | 'clone-overlay' | 'clone-copy' | 'import' | 'blank';
const SOURCES: SourceKind[] = ['library', 'iso', 'clone-overlay', 'clone-copy', 'import', 'blank'];

interface Volume {
  name: string;
  capacity: number;
  /** The hosts that have it: with Automatic placement, the VM goes to one of them. */
  hosts: string[];
}

export function CreateVmForm({ onDone }: { onDone: () => void }) {
  const t = useT();
  const client = useEngine((s) => s.client);
  const lang = useEngine((s) => s.settings.language);
  const hosts = Object.values(useHosts((s) => s.byId)).filter((h) => h.state === 'connected');
  const [f, setF] = useState({
    name: '',
    hostId: '',
    osProfile: 'linux' as OsProfile,
    vcpus: '1',
    memoryMiB: '512',
    accel: 'auto' as 'auto' | 'kvm' | 'tcg',
    firmware: 'bios' as 'bios' | 'uefi',
    source: 'iso' as SourceKind,
    sourcePool: '',
    sourceVolume: '',
    diskPool: 'default',
    diskSizeGiB: '10',
    network: 'default',
    start: false,
    cloudInit: false,
    ciUser: '',
    ciPassword: '',
    ciKeys: '',
    ciUserData: '',
    affinityGroupIds: [] as string[],
    strategy: '' as PlacementStrategy | '',
    libraryItem: '',
    libraryMode: 'copy' as 'copy' | 'overlay',
    copyFirst: false,
  });
  const [groups, setGroups] = useState<AffinityGroup[]>([]);
  const [warnings, setWarnings] = useState<Message[]>([]);
  useEffect(() => {
    void listAffinityGroups().then(setGroups, () => setGroups([]));
  }, []);
  const [volumes, setVolumes] = useState<Volume[]>([]);
  const [error, setError] = useState<HangarError | null>(null);
  const [busy, setBusy] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const set = <K extends keyof typeof f>(k: K, v: (typeof f)[K]) => setF((x) => ({ ...x, [k]: v }));
  const host = hosts.find((h) => h.id === f.hostId);
  // Where the VM may go: the chosen host, or with Automatic placement every connected host (the
  // engine places it on one that has the source volume and the disk pool).
  const targets = host ? [host] : hosts;
  const targetKey = targets.map((h) => h.id).join(',');
  const pools = useMemo(() => [...new Set(targets.flatMap((h) => h.facts?.pools.map((p) => p.name) ?? []))].sort(), [targetKey]);
  const networks = [...new Set(targets.flatMap((h) => h.facts?.networks.map((n) => n.name) ?? []))].sort();
  const kvmBroken = targets.filter((h) => h.facts && !kvmUsable(h.facts)).map((h) => h.name);

  useEffect(() => {
    if (!client || !f.sourcePool) return setVolumes([]);
    let live = true;
    const withPool = targets.filter((h) => h.facts?.pools.some((p) => p.name === f.sourcePool));
    void Promise.all(withPool.map((h) => listVolumes(h.id, f.sourcePool).then((r) => ({ h, vols: r.volumes }), () => ({ h, vols: [] })))).then((lists) => {
      const byName = new Map<string, Volume>();
      for (const { h, vols } of lists) {
        for (const v of vols) {
          const seen = byName.get(v.name);
          if (seen) seen.hosts.push(h.name);
          else byName.set(v.name, { name: v.name, capacity: v.capacity, hosts: [h.name] });
        }
      }
      if (live) setVolumes([...byName.values()].sort((a, b) => a.name.localeCompare(b.name)));
    });
    return () => {
      live = false;
    };
  }, [client, targetKey, f.sourcePool]);

  if (jobId) return <CreateResult jobId={jobId} name={f.name.trim()} warnings={warnings} onBack={() => setJobId(null)} onClose={onDone} />;
  const refusals = refusalsOf(error);

  function params(): CreateVmParams {
    const ref = { pool: f.sourcePool, volume: f.sourceVolume };
    const source: CreateVmParams['source'] =
      f.source === 'library'
        ? { kind: 'library', itemId: f.libraryItem, mode: f.libraryMode }
        : f.source === 'iso' ? { kind: 'iso', iso: ref } : f.source === 'import' ? { kind: 'import', disk: ref } : f.source === 'blank' ? { kind: 'blank' } : { kind: 'clone', base: ref, mode: f.source === 'clone-copy' ? 'copy' : 'overlay' };
    return {
      name: f.name.trim(),
      ...(f.hostId ? { hostId: f.hostId } : {}),
      osProfile: f.osProfile,
      vcpus: Number(f.vcpus),
      memoryMiB: Number(f.memoryMiB),
      accel: f.accel,
      firmware: f.firmware,
      source,
      diskPool: f.diskPool,
      diskSizeGiB: Number(f.diskSizeGiB),
      network: f.network || null,
      start: f.start,
      affinityGroupIds: f.affinityGroupIds,
      ...(f.strategy ? { placementStrategy: f.strategy } : {}),
      ...(f.cloudInit
        ? {
            cloudInit: f.ciUserData.trim()
              ? { userData: f.ciUserData }
              : {
                  hostname: f.name.trim(),
                  ...(f.ciUser.trim() ? { user: f.ciUser.trim() } : {}),
                  ...(f.ciPassword ? { password: f.ciPassword } : {}),
                  sshAuthorizedKeys: f.ciKeys.split('\n').map((k) => k.trim()).filter(Boolean),
                },
          }
        : {}),
    };
  }

  return (
    <PanelForm
      title={t('vm.create.title')}
      testId="create-vm-form"
      onSubmit={() => {
        setBusy(true);
        setError(null);
        // A template not yet on the chosen host: copied there first, once the person said so.
        const copyFirst = f.source === 'library' && f.hostId && libraryNeedsCopy(f.libraryItem, f.hostId) ? { itemId: f.libraryItem, hostId: f.hostId, pool: f.diskPool } : null;
        runLibraryCreate(copyFirst, () => createVm(params()))
          .then(
            (ref) => {
              setWarnings(ref.placement?.warnings ?? []);
              setJobId(ref.jobId);
            },
            (err: unknown) => setError(HangarError.from(err)),
          )
          .finally(() => setBusy(false));
      }}
    >
      <Field label={t('vm.create.name')}>
        <input data-testid="vm-create-name" required value={f.name} onChange={(e) => set('name', e.target.value)} />
      </Field>
      <Field label={t('vms.col.host')}>
        <select data-testid="vm-create-host" value={f.hostId} onChange={(e) => set('hostId', e.target.value)}>
          <option value="">{t('vm.create.autoHost')}</option>
          {hosts.map((h) => (
            <option key={h.id} value={h.id}>
              {h.maintenance === 'none' ? h.name : `${h.name} (${t(`maintenance.state.${h.maintenance}`)})`}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('placement.strategy')}>
        <select data-testid="vm-create-strategy" value={f.strategy} disabled={Boolean(f.hostId)} onChange={(e) => set('strategy', e.target.value as PlacementStrategy | '')}>
          <option value="">{t('placement.strategy.default')}</option>
          <option value="spread">{t('placement.strategy.spread')}</option>
          <option value="pack">{t('placement.strategy.pack')}</option>
        </select>
      </Field>
      {groups.length > 0 && (
        <fieldset className="field span-all" data-testid="vm-create-groups">
          <legend>{t('placement.groups.title')}</legend>
          {groups.map((g) => (
            <label key={g.id} className="check">
              <input
                type="checkbox"
                checked={f.affinityGroupIds.includes(g.id)}
                onChange={(e) => set('affinityGroupIds', e.target.checked ? [...f.affinityGroupIds, g.id] : f.affinityGroupIds.filter((x) => x !== g.id))}
              />
              {g.name} ({t(`placement.kind.${g.kind}`)}, {t(`placement.enforcement.${g.enforcement}`)})
            </label>
          ))}
        </fieldset>
      )}
      {f.source !== 'library' && (
      <Field label={t('vm.create.os')}>
        <select data-testid="vm-create-os" value={f.osProfile} onChange={(e) => set('osProfile', e.target.value as OsProfile)}>
          {OS_PROFILES.map((o) => (
            <option key={o} value={o}>
              {t(`vm.os.${o}`)}
            </option>
          ))}
        </select>
      </Field>
      )}
      <Field label={t('vms.col.vcpus')}>
        <input data-testid="vm-create-vcpus" inputMode="numeric" value={f.vcpus} onChange={(e) => set('vcpus', e.target.value.replace(/\D/g, ''))} />
      </Field>
      <Field label={t('vm.edit.memory')}>
        <input data-testid="vm-create-memory" inputMode="numeric" value={f.memoryMiB} onChange={(e) => set('memoryMiB', e.target.value.replace(/\D/g, ''))} />
      </Field>
      <Field label={t('vm.firmware')}>
        <select data-testid="vm-create-firmware" value={f.firmware} onChange={(e) => set('firmware', e.target.value as 'bios' | 'uefi')}>
          <option value="bios">BIOS</option>
          <option value="uefi">UEFI</option>
        </select>
      </Field>
      <Field label={t('vm.create.accel')}>
        <select data-testid="vm-create-accel" value={f.accel} onChange={(e) => set('accel', e.target.value as 'auto' | 'kvm' | 'tcg')}>
          <option value="auto">{t('vm.accel.auto')}</option>
          <option value="kvm">KVM</option>
          <option value="tcg">{t('vm.accel.tcg')}</option>
        </select>
        {f.accel === 'kvm' && kvmBroken.length > 0 && (
          <span className="warn small" data-testid="vm-create-kvm-warning">
            {t('vm.accel.kvmUnusable', { host: kvmBroken.join(', ') })}
          </span>
        )}
      </Field>
      <Field label={t('vm.create.source')}>
        <select data-testid="vm-create-source" value={f.source} onChange={(e) => set('source', e.target.value as SourceKind)}>
          {SOURCES.map((s) => (
            <option key={s} value={s}>
              {s === 'library' ? t('templates.pick.source') : t(`vm.source.${s}`)}
            </option>
          ))}
        </select>
      </Field>
      {f.source === 'library' && (
        <LibraryPick
          itemId={f.libraryItem}
          mode={f.libraryMode}
          hostId={f.hostId}
          copyFirst={f.copyFirst}
          onChange={(n) => setF((x) => ({ ...x, ...n }))}
        />
      )}
      {f.source !== 'blank' && f.source !== 'library' && (
        <>
          <Field label={t('vm.create.sourcePool')}>
            <Select testId="vm-create-source-pool" value={f.sourcePool} onChange={(v) => set('sourcePool', v)} options={pools} blank="" />
          </Field>
          <Field label={t('vm.create.sourceVolume')}>
            <Select
              testId="vm-create-source-volume"
              value={f.sourceVolume}
              onChange={(v) => set('sourceVolume', v)}
              options={volumes.map((v) => [v.name, `${v.name} (${formatBytes(v.capacity, lang)})${host ? '' : ` — ${t('vm.create.onHosts', { hosts: v.hosts.join(', ') })}`}`] as const)}
              blank=""
            />
          </Field>
        </>
      )}
      {f.source !== 'import' && (
        <>
          <Field label={t('vm.create.diskPool')}>
            <Select testId="vm-create-disk-pool" value={f.diskPool} onChange={(v) => set('diskPool', v)} options={pools} />
          </Field>
          <Field label={t('vm.create.diskSize')}>
            <input data-testid="vm-create-disk-size" inputMode="decimal" value={f.diskSizeGiB} onChange={(e) => set('diskSizeGiB', e.target.value.replace(/[^\d.]/g, ''))} />
          </Field>
        </>
      )}
      <Field label={t('vm.nic.network')}>
        <Select testId="vm-create-network" value={f.network} onChange={(v) => set('network', v)} options={networks} blank={t('vm.create.noNetwork')} />
      </Field>
      <label className="check">
        <input type="checkbox" data-testid="vm-create-start" checked={f.start} onChange={(e) => set('start', e.target.checked)} />
        {t('vm.create.start')}
      </label>
      <label className="check span-all">
        <input type="checkbox" data-testid="vm-create-cloudinit" checked={f.cloudInit} onChange={(e) => set('cloudInit', e.target.checked)} />
        {t('vm.create.cloudInit')}
      </label>
      {f.cloudInit && (
        <>
          <Field label={t('vm.create.ciUser')}>
            <input data-testid="vm-create-ci-user" value={f.ciUser} placeholder="hangar" onChange={(e) => set('ciUser', e.target.value)} />
          </Field>
          <Field label={t('hosts.add.password')}>
            <input type="password" autoComplete="new-password" data-testid="vm-create-ci-password" value={f.ciPassword} onChange={(e) => set('ciPassword', e.target.value)} />
          </Field>
          <p className="muted small span-all" data-testid="vm-create-ci-password-hint">{t('vm.create.ciPasswordHint')}</p>
          <Field label={t('vm.create.ciKeys')} wide>
            <textarea data-testid="vm-create-ci-keys" rows={3} value={f.ciKeys} placeholder="ssh-ed25519 AAAA… user@laptop" onChange={(e) => set('ciKeys', e.target.value)} />
          </Field>
          <Field label={t('vm.create.ciUserData')} wide>
            <textarea data-testid="vm-create-ci-userdata" rows={4} value={f.ciUserData} placeholder="#cloud-config" onChange={(e) => set('ciUserData', e.target.value)} />
          </Field>
        </>
      )}
      {refusals.length > 0 ? <PlacementRefusal refusals={refusals} /> : <ErrorBanner error={error} testId="vm-create-error" className="span-all" />}
      <SubmitRow label={t('vm.create.submit')} testId="vm-create-submit" disabled={busy || !f.name || (f.source === 'library' && (!f.libraryItem || (Boolean(f.hostId) && libraryNeedsCopy(f.libraryItem, f.hostId) && !f.copyFirst)))}>
        <button type="button" className="btn" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </SubmitRow>
    </PanelForm>
  );
}
