import { useEffect, useState } from 'react';
import type { EnginePerf } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { enginePerf } from '../../api/perf';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatBytes, formatDateTimeSec } from '../../components/format';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';

const POLL_MS = 2000;
/** The goal a responsive engine meets (issue 20): p99 under 50 ms; a stall is over 100 ms. */
const P99_GOAL_MS = 50;

/** The engine's own health, live: event-loop delay over the last minute, stalls, memory. */
export function EnginePanel() {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [perf, setPerf] = useState<EnginePerf | null>(null);
  const [error, setError] = useState<HangarError | null>(null);
  useEffect(() => {
    let live = true;
    const read = () =>
      enginePerf()
        .then((p) => live && (setPerf(p), setError(null)))
        .catch((e: unknown) => live && setError(HangarError.from(e)));
    read();
    const timer = setInterval(read, POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  const ms = (v: number) => t('diag.engine.ms', { ms: v.toFixed(1) });
  const loop = perf?.eventLoop;
  return (
    <div className="panel" data-testid="engine-panel">
      <h2>{t('diag.engine.title')}</h2>
      <p className="muted">{t('diag.engine.intro')}</p>
      <ErrorBanner error={error} />
      {perf && loop && (
        <>
          <h3>{t('diag.engine.loop', { sec: loop.windowSec })}</h3>
          <dl className="about" data-testid="engine-loop">
            <dt>{t('diag.engine.p50')}</dt>
            <dd data-testid="engine-p50">{ms(loop.p50Ms)}</dd>
            <dt>{t('diag.engine.p99')}</dt>
            <dd data-testid="engine-p99">
              {ms(loop.p99Ms)} {loop.p99Ms > P99_GOAL_MS && <span className="badge sev-warning">{t('diag.engine.slow')}</span>}
            </dd>
            <dt>{t('diag.engine.max')}</dt>
            <dd data-testid="engine-max">{ms(loop.maxMs)}</dd>
            <dt>{t('diag.engine.now')}</dt>
            <dd data-testid="engine-now">{perf.activities.length ? <Activities items={perf.activities} /> : t('diag.engine.idle')}</dd>
            <dt>{t('diag.engine.workers')}</dt>
            <dd>{perf.parseWorkers}</dd>
          </dl>
          <h3>{t('diag.engine.memory')}</h3>
          <dl className="about" data-testid="engine-memory">
            <dt>{t('diag.engine.rss')}</dt>
            <dd data-testid="engine-rss">{formatBytes(perf.memory.rssBytes, lang)}</dd>
            <dt>{t('diag.engine.heap')}</dt>
            <dd>{t('diag.engine.heapOf', { used: formatBytes(perf.memory.heapUsedBytes, lang), total: formatBytes(perf.memory.heapTotalBytes, lang) })}</dd>
            <dt>{t('diag.engine.external')}</dt>
            <dd>{formatBytes(perf.memory.externalBytes, lang)}</dd>
          </dl>
          <h3>{t('diag.engine.stalls')}</h3>
          {perf.stalls.length === 0 ? (
            <p className="muted" data-testid="engine-no-stalls">{t('diag.engine.noStalls')}</p>
          ) : (
            <table className="table" data-testid="engine-stalls">
              <thead>
                <tr>
                  <th>{t('diag.engine.when')}</th>
                  <th>{t('diag.engine.delay')}</th>
                  <th>{t('diag.engine.running')}</th>
                </tr>
              </thead>
              <tbody>
                {[...perf.stalls].reverse().map((s) => (
                  <tr key={s.at}>
                    <td>{formatDateTimeSec(s.at, lang)}</td>
                    <td>{ms(s.ms)}</td>
                    <td>{s.activities.length ? <Activities items={s.activities} /> : t('diag.engine.unknown')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="muted">{t('diag.engine.updated', { time: formatDateTimeSec(perf.at, lang) })}</p>
        </>
      )}
    </div>
  );
}

/** The engine's own labels (`inventory fetch lab1`, `job vm.start`): identifiers, shown as they are. */
function Activities({ items }: { items: string[] }) {
  return (
    <span className="mono" translate="no">
      {items.join(', ')}
    </span>
  );
}
