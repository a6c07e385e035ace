import { useEffect, useState } from 'react';
import type { VmDetails } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';
import { useRunningPoolNames } from '../../stores/pools-store';
import { Select } from '../../components/Select';
import { listVolumes } from '../../api/storage';
import { LibraryIsoPicker } from '../templates/LibraryIsoPicker';
import { addVmDisk, detachVmDevice, resizeVmDisk, setVmMedia } from '../../api/vms';
import { Field } from '../../components/Field';
import { TableHead } from '../../components/TableHead';
import { AttachForm } from './AttachForm';

/** The Disks tab: what is attached, a new blank disk or an existing volume to add, detach. */
export function DisksTab({ details, onChanged, onError }: { details: VmDetails; onChanged: (d: VmDetails) => void; onError: (e: HangarError) => void }) {
  const t = useT();
  const client = useEngine((s) => s.client);
  const vm = details.vm;
  const host = useHosts((s) => s.byId[vm.hostId]);
  const livePools = useRunningPoolNames(vm.hostId);
  const pools = livePools.length ? livePools : (host?.facts?.pools.map((p) => p.name) ?? []);
  const [f, setF] = useState({ pool: pools[0] ?? 'default', kind: 'new' as 'new' | 'existing', sizeGiB: '1', volume: '', bus: 'virtio' as 'virtio' | 'sata', live: false });
  const running = vm.state === 'running' || vm.state === 'paused';
  const [volumes, setVolumes] = useState<string[]>([]);
  useEffect(() => {
    if (!client || f.kind !== 'existing') return;
    listVolumes(vm.hostId, f.pool).then((r) => setVolumes(r.volumes.map((v) => v.name)), () => setVolumes([]));
  }, [client, vm.hostId, f.pool, f.kind]);
  const change = (p: Promise<VmDetails>) => p.then(onChanged, (e: unknown) => onError(HangarError.from(e)));
  const [sizes, setSizes] = useState<Record<string, string>>({});
  const [isos, setIsos] = useState<{ pool: string; volume: string }[]>([]);
  const [chosenIso, setChosenIso] = useState('');
  useEffect(() => {
    if (!client) return;
    // ISO images of every pool on the host, for the CD-ROM drives.
    void Promise.all(pools.map((pool) => listVolumes(vm.hostId, pool).then((r) => r.volumes.filter((v) => v.name.toLowerCase().endsWith('.iso')).map((v) => ({ pool, volume: v.name })), () => []))).then((all) => setIsos(all.flat()));
  }, [client, vm.hostId, pools.join(',')]);
  return (
    <>
      <table className="table" data-testid="vm-disks">
        <TableHead cols={[t('vm.disk.target'), t('vm.disk.device'), t('vm.disk.source'), null]} />
        <tbody>
          {details.disks.length === 0 && (
            <tr data-testid="vm-disks-none">
              <td colSpan={4} className="muted">
                {t('vm.disk.none')}
              </td>
            </tr>
          )}
          {details.disks.map((d) => (
            <tr key={d.target} data-testid="vm-disk-row" data-target={d.target}>
              <td className="mono">{d.target}</td>
              <td>
                {d.device} ({d.bus}, {d.format ?? '—'})
              </td>
              <td className="mono small">{d.source ?? '—'}</td>
              <td className="row-actions">
                {d.device === 'disk' && (
                  <>
                    <input className="small-input" data-testid={`vm-disk-resize-size-${d.target}`} inputMode="decimal" placeholder="GiB" value={sizes[d.target] ?? ''} onChange={(e) => setSizes({ ...sizes, [d.target]: e.target.value.replace(/[^\d.]/g, '') })} />
                    <button type="button" className="btn btn-small" data-testid={`vm-disk-resize-${d.target}`} disabled={!sizes[d.target]} onClick={() => change(resizeVmDisk(vm.id, d.target, Number(sizes[d.target])))}>
                      {t('vm.disk.resize')}
                    </button>
                  </>
                )}
                {d.device === 'cdrom' &&
                  (d.source ? (
                    <button type="button" className="btn btn-small" data-testid={`vm-cd-eject-${d.target}`} onClick={() => change(setVmMedia({ vmId: vm.id, target: d.target, iso: null }))}>
                      {t('vm.cd.eject')}
                    </button>
                  ) : (
                    <>
                      <Select testId={`vm-cd-iso-${d.target}`} value={chosenIso} onChange={setChosenIso} options={isos.map((i) => `${i.pool}/${i.volume}`)} blank="" />
                      <button
                        type="button"
                        className="btn btn-small"
                        data-testid={`vm-cd-insert-${d.target}`}
                        disabled={!chosenIso}
                        onClick={() => {
                          const [pool, ...rest] = chosenIso.split('/');
                          change(setVmMedia({ vmId: vm.id, target: d.target, iso: { pool: pool!, volume: rest.join('/') } }));
                        }}
                      >
                        {t('vm.cd.insert')}
                      </button>
                      <LibraryIsoPicker vmId={vm.id} hostId={vm.hostId} target={d.target} change={change} />
                    </>
                  ))}
                <button type="button" className="btn btn-small" data-testid={`vm-disk-detach-${d.target}`} onClick={() => change(detachVmDevice(vm.id, d.target))}>
                  {t('vm.disk.detach')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <AttachForm
        title={t('vm.disk.add')}
        showLive={running}
        live={f.live}
        onLive={(live) => setF({ ...f, live })}
        liveTestId="vm-disk-live"
        submitTestId="vm-disk-submit"
        onSubmit={() => change(addVmDisk({ vmId: vm.id, pool: f.pool, bus: f.bus, live: running && f.live, ...(f.kind === 'new' ? { sizeGiB: Number(f.sizeGiB) } : { volume: f.volume }) }))}
      >
        <Field label={t('vm.create.diskPool')}>
          <Select testId="vm-disk-pool" value={f.pool} onChange={(pool) => setF({ ...f, pool })} options={pools} />
        </Field>
        <Field label={t('vm.disk.kind')}>
          <select data-testid="vm-disk-kind" value={f.kind} onChange={(e) => setF({ ...f, kind: e.target.value as 'new' | 'existing' })}>
            <option value="new">{t('vm.disk.new')}</option>
            <option value="existing">{t('vm.disk.existing')}</option>
          </select>
        </Field>
        {f.kind === 'new' ? (
          <Field label={t('vm.create.diskSize')}>
            <input data-testid="vm-disk-size" inputMode="decimal" value={f.sizeGiB} onChange={(e) => setF({ ...f, sizeGiB: e.target.value.replace(/[^\d.]/g, '') })} />
          </Field>
        ) : (
          <Field label={t('vm.create.sourceVolume')}>
            <Select testId="vm-disk-volume" value={f.volume} onChange={(volume) => setF({ ...f, volume })} options={volumes} blank="" />
          </Field>
        )}
        <Field label={t('vm.disk.bus')}>
          <select value={f.bus} onChange={(e) => setF({ ...f, bus: e.target.value as 'virtio' | 'sata' })}>
            <option value="virtio">virtio</option>
            <option value="sata">SATA</option>
          </select>
        </Field>
      </AttachForm>
    </>
  );
}
