import { useEffect, useState } from 'react';
import type { ConsoleInfo, ConsoleKind, SshCommand } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useVms } from '../../stores/vms-store';
import { popOutConsole } from './console-route';
import { GraphicalConsole } from './GraphicalConsole';
import { SerialConsole } from './SerialConsole';
import { consoleInfo } from '../../api/console';
import { vmSshCommand } from '../../api/vms';

/** A VM's consoles: graphical or serial, and how to reach it with SSH. */
export function ConsoleTab({ vmId, popout = false, initialKind }: { vmId: string; popout?: boolean; initialKind?: ConsoleKind }) {
  const t = useT();
  const client = useEngine((s) => s.client);
  const vm = useVms((s) => s.byId[vmId]);
  const [info, setInfo] = useState<ConsoleInfo | null>(null);
  const [kind, setKind] = useState<ConsoleKind | null>(initialKind ?? null);
  const [error, setError] = useState<HangarError | null>(null);
  const [ssh, setSsh] = useState<SshCommand | null>(null);
  const running = vm?.state === 'running' || vm?.state === 'paused';

  useEffect(() => {
    if (!client) return;
    consoleInfo(vmId).then(
      (i) => {
        setInfo(i);
        setError(null);
        setKind((k) => k ?? (i.graphics?.supported ? 'vnc' : 'serial'));
      },
      (e: unknown) => setError(HangarError.from(e)),
    );
  }, [client, vmId, running]);

  const copySsh = () => {
    vmSshCommand(vmId).then((r) => {
      setSsh(r);
      if (r.command) void navigator.clipboard?.writeText(r.command).catch(() => undefined);
    }, (e: unknown) => setError(HangarError.from(e)));
  };

  if (!vm) return <p className="banner">{t('vm.gone')}</p>;
  return (
    <section className={popout ? 'console-tab popout' : 'console-tab'} data-testid="console-tab">
      <div className="toolbar">
        <div className="segmented" role="tablist" aria-label={t('console.kind')}>
          {(['vnc', 'serial'] as const).map((k) => (
            <button key={k} type="button" role="tab" aria-selected={kind === k} className={kind === k ? 'tab active' : 'tab'} data-testid={`console-kind-${k}`} onClick={() => setKind(k)}>
              {t(`console.kind.${k}`)}
            </button>
          ))}
        </div>
        {!popout && kind && (
          <button type="button" className="btn btn-small" data-testid="console-popout" onClick={() => popOutConsole(vmId, kind)}>
            {t('console.popOut')}
          </button>
        )}
        <button type="button" className="btn btn-small" data-testid="console-copy-ssh" onClick={copySsh} disabled={!running}>
          {t('console.copySsh')}
        </button>
        {ssh && (
          <span className="muted" data-testid="console-ssh-command">
            {ssh.command ? <code>{ssh.command}</code> : ssh.reason}
          </span>
        )}
      </div>
      <ErrorBanner error={error} />
      {kind === 'vnc' && info && !info.graphics && (
        <p className="banner" data-testid="console-no-graphics">
          {t('console.noGraphics')}{' '}
          <button type="button" className="btn btn-small" onClick={() => setKind('serial')}>
            {t('console.useSerial')}
          </button>
        </p>
      )}
      {kind === 'vnc' && info?.graphics && !info.graphics.supported && <p className="banner">{t('console.unsupportedGraphics', { type: info.graphics.type.toUpperCase() })}</p>}
      {kind === 'vnc' && info?.graphics?.supported && <GraphicalConsole key="vnc" vmId={vmId} vmName={vm.name} takeOver={popout} />}
      {kind === 'serial' && info && (info.serials.length ? <SerialConsole key="serial" vmId={vmId} vmName={vm.name} devices={info.serials} takeOver={popout} /> : <p className="banner">{t('console.noSerial')}</p>)}
    </section>
  );
}
