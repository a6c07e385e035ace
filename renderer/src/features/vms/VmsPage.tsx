import { EmptyState } from '../../components/EmptyState';
import { useT } from '../../i18n/use-t';

export function VmsPage() {
  const t = useT();
  return (
    <section>
      <h1>{t('vms.title')}</h1>
      <EmptyState title={t('vms.empty')} help={t('vms.emptyHelp')} />
    </section>
  );
}
