import { useEffect, useState } from 'react';
import type { HistoryEvent } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import { translateMessage } from '../i18n/translate';
import { useT } from '../i18n/use-t';
import { useEngine } from '../stores/engine-store';
import { EngineText, ErrorBanner } from './ErrorBanner';
import { formatDateTimeSec } from './format';
import { listEvents } from '../api/events';

/** The persisted history of a host or a VM, newest first; refreshed when `refreshKey` changes. */
export function EventHistory({ hostId, vmId, refreshKey }: { hostId?: string; vmId?: string; refreshKey?: unknown }) {
  const t = useT();
  const client = useEngine((s) => s.client);
  const lang = useEngine((s) => s.settings.language);
  const [events, setEvents] = useState<HistoryEvent[]>([]);
  const [error, setError] = useState<HangarError | null>(null);
  useEffect(() => {
    if (!client) return;
    const q = vmId ? { vmId } : hostId ? { hostId } : {};
    listEvents({ ...q, limit: 200 }).then((r) => setEvents(r.events), (e: unknown) => setError(HangarError.from(e)));
  }, [client, hostId, vmId, refreshKey]);
  if (error) return <ErrorBanner error={error} />;
  if (events.length === 0) return <p className="muted">{t('events.empty')}</p>;
  return (
    <table className="table" data-testid="event-history">
      <tbody>
        {events.map((e) => {
          const outcome = e.message.args?.outcome;
          const reason = e.message.args?.reason;
          return (
            <tr key={e.id} data-testid="event-row" data-severity={e.severity}>
              <td className="muted small nowrap">{formatDateTimeSec(e.at, lang)}</td>
              <td>
                {translateMessage(t, e.message)}
                {typeof outcome === 'string' && <span className={`badge state-${outcome}`}> {t(`tasks.state.${outcome as 'succeeded'}`)}</span>}
                {typeof reason === 'string' && (
                  <div className="small" data-testid="event-reason">
                    {reasonText(t, e.message.args ?? {}, reason)}
                  </div>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A failure's reason in the user's language when the engine sent its words (reasonKey), else its English text marked as such. */
function reasonText(t: ReturnType<typeof useT>, args: Record<string, string | number>, english: string) {
  const key = args['reasonKey'];
  if (typeof key === 'string') {
    const reasonArgs = Object.fromEntries(Object.entries(args).flatMap(([k, v]) => (k.startsWith('reason.') ? [[k.slice('reason.'.length), v]] : [])));
    return t('events.reason', { reason: translateMessage(t, { key, args: reasonArgs }) });
  }
  return (
    <>
      {t('events.reason', { reason: '' })}
      <EngineText text={english} />
    </>
  );
}
