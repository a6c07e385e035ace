import { EmptyState } from '../../components/EmptyState';
import { useT } from '../../i18n/use-t';

export function TemplatesPage() {
  const t = useT();
  return (
    <section>
      <h1>{t('templates.title')}</h1>
      <EmptyState title={t('templates.empty')} />
    </section>
  );
}
