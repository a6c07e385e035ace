import { useState } from 'react';
import { NETWORK_MODES, type NetworkMode } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { createNetwork } from '../../api/networks';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { fieldMessages } from '../../components/field-messages';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import type { MessageKey } from '../../i18n/en';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';

interface Reservation {
  mac: string;
  ip: string;
  name: string;
}

/**
 * A new NAT, routed, isolated or bridged network: subnet, DHCP range, lease time and static
 * reservations. The engine checks the subnet against the host's other networks and the range and
 * reservations against the subnet; its refusals stand next to their fields.
 */
export function CreateNetworkForm({ hostId, onClose }: { hostId: string; onClose: () => void }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [f, setF] = useState({ name: '', mode: 'nat' as NetworkMode, bridge: 'br0', subnet: '', dhcp: true, dhcpStart: '', dhcpEnd: '', lease: '', autostart: true });
  const [res, setRes] = useState<Reservation[]>([]);
  const [error, setError] = useState<HangarError | null>(null);
  const [shown, setShown] = useState(false);
  const [running, setRunning] = useState(false);
  const bridged = f.mode === 'bridge';
  const local: Record<string, MessageKey> = {};
  if (!f.name.trim()) local.name = 'storage.err.required';
  if (bridged && !f.bridge.trim()) local.bridge = 'storage.err.required';
  if (!bridged && !f.subnet.trim()) local.subnet = 'storage.err.required';
  if (!bridged && f.dhcp && !f.dhcpStart.trim()) local['dhcp.start'] = 'storage.err.required';
  if (!bridged && f.dhcp && !f.dhcpEnd.trim()) local['dhcp.end'] = 'storage.err.required';
  res.forEach((r, i) => {
    if (!r.mac.trim()) local[`reservations.${i}.mac`] = 'storage.err.required';
    if (!r.ip.trim()) local[`reservations.${i}.ip`] = 'storage.err.required';
  });
  const remote = fieldMessages(t, lang, error);
  const errorOf = (k: string) => (shown && local[k] ? t(local[k]) : remote[k]);
  const errorText = (k: string) =>
    errorOf(k) ? (
      <span className="error small" data-testid={`net-error-${k.replace(/\./g, '-')}`}>
        {errorOf(k)}
      </span>
    ) : null;
  const text = (k: 'name' | 'bridge' | 'subnet' | 'dhcpStart' | 'dhcpEnd' | 'lease', label: MessageKey, path: string, placeholder?: string) => (
    <Field label={t(label)}>
      <input data-testid={`net-field-${k}`} value={f[k]} placeholder={placeholder} aria-invalid={errorOf(path) ? true : undefined} onChange={(e) => setF({ ...f, [k]: e.target.value })} />
      {errorText(path)}
    </Field>
  );
  const placed = new Set(['name', 'bridge', 'subnet', 'dhcp.start', 'dhcp.end', 'leaseMinutes', ...res.flatMap((_, i) => [`reservations.${i}.mac`, `reservations.${i}.ip`, `reservations.${i}.name`])]);
  const unplaced = error && (error.code !== 'INVALID_PARAMS' || Object.keys(remote).some((k) => !placed.has(k)));
  return (
    <PanelForm
      title={t('net.create.title')}
      className="panel form-grid top-fields"
      testId="net-create-form"
      onSubmit={() => {
        setShown(true);
        setError(null);
        if (Object.keys(local).length) return;
        setRunning(true);
        createNetwork({
          hostId,
          name: f.name.trim(),
          mode: f.mode,
          ...(bridged
            ? { bridge: f.bridge.trim() }
            : {
                subnet: f.subnet.trim(),
                dhcp: f.dhcp ? { start: f.dhcpStart.trim(), end: f.dhcpEnd.trim() } : null,
                reservations: res.map((r) => ({ mac: r.mac.trim(), ip: r.ip.trim(), ...(r.name.trim() ? { name: r.name.trim() } : {}) })),
                ...(f.lease.trim() ? { leaseMinutes: Number(f.lease) } : {}),
              }),
          autostart: f.autostart,
        })
          .then(onClose, (e: unknown) => setError(HangarError.from(e)))
          .finally(() => setRunning(false));
      }}
    >
      {text('name', 'net.create.name', 'name')}
      <Field label={t('net.create.mode')}>
        <select data-testid="net-field-mode" value={f.mode} onChange={(e) => setF({ ...f, mode: e.target.value as NetworkMode })}>
          {NETWORK_MODES.map((m) => (
            <option key={m} value={m}>
              {t(`net.mode.${m}`)}
            </option>
          ))}
        </select>
      </Field>
      {bridged ? (
        text('bridge', 'net.create.bridge', 'bridge', 'br0')
      ) : (
        <>
          <Field label={t('net.create.subnet')}>
            <input data-testid="net-field-subnet" value={f.subnet} placeholder="192.168.150.0/24" aria-invalid={errorOf('subnet') ? true : undefined} onChange={(e) => setF({ ...f, subnet: e.target.value })} />
            <span className="muted small">{t('net.create.subnetHint')}</span>
            {errorText('subnet')}
          </Field>
          <label className="check span-all">
            <input type="checkbox" data-testid="net-field-dhcp" checked={f.dhcp} onChange={(e) => setF({ ...f, dhcp: e.target.checked })} /> {t('net.create.dhcp')}
          </label>
          {f.dhcp && (
            <>
              {text('dhcpStart', 'net.create.dhcpStart', 'dhcp.start', '192.168.150.100')}
              {text('dhcpEnd', 'net.create.dhcpEnd', 'dhcp.end', '192.168.150.199')}
              <Field label={t('net.create.lease')}>
                <input data-testid="net-field-lease" inputMode="numeric" value={f.lease} placeholder="60" onChange={(e) => setF({ ...f, lease: e.target.value.replace(/\D/g, '') })} />
                <span className="muted small">{t('net.create.leaseHint')}</span>
                {errorText('leaseMinutes')}
              </Field>
            </>
          )}
          <fieldset className="span-all" data-testid="net-reservations">
            <legend>{t('net.create.reservations')}</legend>
            {res.map((r, i) => (
              <div className="inline-form" key={i} data-testid="net-reservation">
                <input aria-label={t('net.create.mac')} placeholder="52:54:00:12:34:56" data-testid={`net-res-mac-${i}`} value={r.mac} onChange={(e) => setRes(res.map((x, j) => (j === i ? { ...x, mac: e.target.value } : x)))} />
                <input aria-label={t('net.create.ip')} placeholder={t('net.create.ip')} data-testid={`net-res-ip-${i}`} value={r.ip} onChange={(e) => setRes(res.map((x, j) => (j === i ? { ...x, ip: e.target.value } : x)))} />
                <input aria-label={t('net.create.hostName')} placeholder={t('net.create.hostName')} value={r.name} onChange={(e) => setRes(res.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))} />
                <button type="button" className="btn btn-small" onClick={() => setRes(res.filter((_, j) => j !== i))}>
                  {t('net.create.removeReservation')}
                </button>
                {errorText(`reservations.${i}.mac`)}
                {errorText(`reservations.${i}.ip`)}
              </div>
            ))}
            <button type="button" className="btn btn-small" data-testid="net-res-add" onClick={() => setRes([...res, { mac: '', ip: '', name: '' }])}>
              {t('net.create.addReservation')}
            </button>
          </fieldset>
        </>
      )}
      <label className="check span-all">
        <input type="checkbox" checked={f.autostart} onChange={(e) => setF({ ...f, autostart: e.target.checked })} /> {t('net.create.autostart')}
      </label>
      {unplaced && <ErrorBanner error={error} className="span-all" testId="net-create-error" />}
      <SubmitRow label={t('net.create.submit')} testId="net-create-submit" disabled={running}>
        <button type="button" className="btn" onClick={onClose}>
          {t('storage.create.cancel')}
        </button>
      </SubmitRow>
    </PanelForm>
  );
}
