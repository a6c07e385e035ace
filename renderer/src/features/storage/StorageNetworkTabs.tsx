import { useState } from 'react';
import { Tabs } from '../../components/Tabs';
import { useT } from '../../i18n/use-t';
import { useHosts } from '../../stores/hosts-store';
import { HostNetworks } from '../networks/HostNetworks';
import { HostStorage } from './HostStorage';

const TABS = ['storage', 'networks'] as const;

/** The host page's Storage and Networks tabs (issue 17). */
export function StorageNetworkTabs({ hostId }: { hostId: string }) {
  const t = useT();
  const [tab, setTab] = useState<(typeof TABS)[number]>('storage');
  const connected = useHosts((s) => s.byId[hostId]?.state === 'connected');
  return (
    <section data-testid="host-storage-networks">
      <Tabs tabs={TABS} current={tab} onSelect={setTab} testIdPrefix="host-tab" label={(x) => t(`storage.tab.${x}`)} />
      {!connected && (
        <p className="banner warn" data-testid="storage-stale">
          {t('storage.stale')}
        </p>
      )}
      {tab === 'storage' ? <HostStorage hostId={hostId} /> : <HostNetworks hostId={hostId} />}
    </section>
  );
}
