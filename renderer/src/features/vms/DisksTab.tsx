import { useEffect, useState } from 'react';
import type { VmDetails } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';

/** The Disks tab: what is attached, a new blank disk or an existing volume to add, detach. */
export function DisksTab({ details, onChanged, onError }: { details: VmDetails; onChanged: (d: VmDetails) => void; onError: (e: HangarError) => void }) {
  const t = useT();
  const client = useEngine((s) => s.client);
  const vm = details.vm;
  const host = useHosts((s) => s.byId[vm.hostId]);
  const pools = host?.facts?.pools.map((p) => p.name) ?? [];
  const [f, setF] = useState({ pool: pools[0] ?? 'default', kind: 'new' as 'new' | 'existing', sizeGiB: '1', volume: '', bus: 'virtio' as 'virtio' | 'sata' });
  const [volumes, setVolumes] = useState<string[]>([]);
  useEffect(() => {
    if (!client || f.kind !== 'existing') return;
    client.call('storage.volumes', { hostId: vm.hostId, pool: f.pool }).then((r) => setVolumes(r.volumes.map((v) => v.name)), () => setVolumes([]));
  }, [client, vm.hostId, f.pool, f.kind]);
  const call = (p: Promise<VmDetails> | undefined) => p?.then(onChanged, (e: unknown) => onError(HangarError.from(e)));
  return (
    <>
      <table className="table" data-testid="vm-disks">
        <thead>
          <tr>
            <th>{t('vm.disk.target')}</th>
            <th>{t('vm.disk.device')}</th>
            <th>{t('vm.disk.source')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {details.disks.map((d) => (
            <tr key={d.target} data-testid="vm-disk-row" data-target={d.target}>
              <td className="mono">{d.target}</td>
              <td>
                {d.device} ({d.bus}, {d.format ?? '—'})
              </td>
              <td className="mono small">{d.source ?? '—'}</td>
              <td>
                <button type="button" className="btn btn-small" data-testid={`vm-disk-detach-${d.target}`} onClick={() => call(client?.call('vms.detach', { vmId: vm.id, device: d.target }))}>
                  {t('vm.disk.detach')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="panel form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          call(client?.call('vms.addDisk', { vmId: vm.id, pool: f.pool, bus: f.bus, ...(f.kind === 'new' ? { sizeGiB: Number(f.sizeGiB) } : { volume: f.volume }) }));
        }}
      >
        <h2>{t('vm.disk.add')}</h2>
        <label className="field">
          <span>{t('vm.create.diskPool')}</span>
          <select data-testid="vm-disk-pool" value={f.pool} onChange={(e) => setF({ ...f, pool: e.target.value })}>
            {pools.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('vm.disk.kind')}</span>
          <select data-testid="vm-disk-kind" value={f.kind} onChange={(e) => setF({ ...f, kind: e.target.value as 'new' | 'existing' })}>
            <option value="new">{t('vm.disk.new')}</option>
            <option value="existing">{t('vm.disk.existing')}</option>
          </select>
        </label>
        {f.kind === 'new' ? (
          <label className="field">
            <span>{t('vm.create.diskSize')}</span>
            <input data-testid="vm-disk-size" inputMode="decimal" value={f.sizeGiB} onChange={(e) => setF({ ...f, sizeGiB: e.target.value.replace(/[^\d.]/g, '') })} />
          </label>
        ) : (
          <label className="field">
            <span>{t('vm.create.sourceVolume')}</span>
            <select data-testid="vm-disk-volume" value={f.volume} onChange={(e) => setF({ ...f, volume: e.target.value })}>
              <option value="" />
              {volumes.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="field">
          <span>{t('vm.disk.bus')}</span>
          <select value={f.bus} onChange={(e) => setF({ ...f, bus: e.target.value as 'virtio' | 'sata' })}>
            <option value="virtio">virtio</option>
            <option value="sata">SATA</option>
          </select>
        </label>
        <div className="actions span-all">
          <button type="submit" className="btn btn-primary" data-testid="vm-disk-submit">
            {t('vm.disk.add')}
          </button>
        </div>
      </form>
    </>
  );
}
