import type { ConsoleKind } from '../../../../engine/contract';
import { useT } from '../../i18n/use-t';
import { useVms } from '../../stores/vms-store';
import { ConsoleTab } from './ConsoleTab';

/** A console in a window of its own: no navigation, the screen gets the room. */
export function ConsolePage({ vmId, kind }: { vmId: string; kind: ConsoleKind }) {
  const t = useT();
  const vm = useVms((s) => s.byId[vmId]);
  const loaded = useVms((s) => s.loaded);
  if (!vm) return <p className="banner">{loaded ? t('vm.gone') : t('connection.connecting')}</p>;
  return (
    <div className="console-window">
      <header className="console-window-title">
        <strong>{vm.name}</strong> <span className="muted">{t(`console.kind.${kind}`)}</span>
      </header>
      <ConsoleTab vmId={vmId} popout initialKind={kind} />
    </div>
  );
}
