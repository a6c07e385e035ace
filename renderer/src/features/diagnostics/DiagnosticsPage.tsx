import { EmptyState } from '../../components/EmptyState';
import { useT } from '../../i18n/use-t';

export function DiagnosticsPage() {
  const t = useT();
  return (
    <section>
      <h1>{t('diagnostics.title')}</h1>
      <EmptyState title={t('diagnostics.empty')} />
    </section>
  );
}
