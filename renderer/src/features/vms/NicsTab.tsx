import { useState } from 'react';
import type { VmDetails } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { Select } from '../../components/Select';
import { useT } from '../../i18n/use-t';
import { useHosts } from '../../stores/hosts-store';
import { useNetworkNames } from '../../stores/networks-store';
import { addVmNic, detachVmDevice, setVmNicLink } from '../../api/vms';
import { Field } from '../../components/Field';
import { TableHead } from '../../components/TableHead';
import { AttachForm } from './AttachForm';

/** The Network interfaces tab: what is attached, link up/down, remove, and a new NIC. */
export function NicsTab({ details, onChanged, onError }: { details: VmDetails; onChanged: (d: VmDetails) => void; onError: (e: HangarError) => void }) {
  const t = useT();
  const vm = details.vm;
  const host = useHosts((s) => s.byId[vm.hostId]);
  const liveNetworks = useNetworkNames(vm.hostId);
  const [form, setForm] = useState({ network: '', model: 'virtio', live: false });
  const stopped = vm.state === 'stopped';
  const change = (p: Promise<VmDetails>) => p.then(onChanged, (e: unknown) => onError(HangarError.from(e)));
  return (
    <>
      <table className="table">
        <TableHead cols={['MAC', t('vm.nic.network'), t('vm.nic.model'), null]} />
        <tbody>
          {details.nics.length === 0 && (
            <tr data-testid="vm-nics-none">
              <td colSpan={4} className="muted">
                {t('vm.nic.none')}
              </td>
            </tr>
          )}
          {details.nics.map((n, i) => (
            <tr key={`${n.mac}-${i}`} data-testid="vm-nic-row">
              <td className="mono">{n.mac}</td>
              <td>{n.source}</td>
              <td>{n.model}</td>
              <td className="row-actions">
                {n.mac && (
                  <button type="button" className="btn btn-small" data-testid="vm-nic-link" data-link={n.linkUp ? 'up' : 'down'} onClick={() => change(setVmNicLink(vm.id, n.mac!, !n.linkUp))}>
                    {n.linkUp ? t('vm.nic.unplug') : t('vm.nic.plug')}
                  </button>
                )}
                {n.mac && (
                  <button type="button" className="btn btn-small" data-testid="vm-nic-remove" onClick={() => change(detachVmDevice(vm.id, n.mac!))}>
                    {t('hosts.remove')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <AttachForm
        title={t('vm.nic.add')}
        showLive={!stopped}
        live={form.live}
        onLive={(live) => setForm({ ...form, live })}
        submitTestId="vm-nic-submit"
        canSubmit={!!form.network}
        onSubmit={() => change(addVmNic({ vmId: vm.id, network: form.network, model: form.model as 'virtio', live: form.live }))}
      >
        <Field label={t('vm.nic.network')}>
          <Select testId="vm-nic-network" value={form.network} onChange={(network) => setForm({ ...form, network })} options={liveNetworks.length ? liveNetworks : (host?.facts?.networks.map((n) => n.name) ?? [])} blank="" />
        </Field>
        <Field label={t('vm.nic.model')}>
          <select value={form.model} onChange={(e) => setForm({ ...form, model: e.target.value })}>
            <option value="virtio">virtio</option>
            <option value="e1000">e1000</option>
            <option value="rtl8139">rtl8139</option>
          </select>
        </Field>
      </AttachForm>
    </>
  );
}
