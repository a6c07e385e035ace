import { EmptyState } from '../../components/EmptyState';
import { useT } from '../../i18n/use-t';

export function HostsPage() {
  const t = useT();
  return (
    <section>
      <h1>{t('hosts.title')}</h1>
      <EmptyState title={t('hosts.empty')} help={t('hosts.emptyHelp')} />
    </section>
  );
}
