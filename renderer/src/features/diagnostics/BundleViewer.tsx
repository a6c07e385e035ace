import { useEffect, useMemo, useState } from 'react';
import type { BundleDomain, BundleSummary, DisplayState, LogMatch } from '../../../../engine/contract';
import type { Translate } from '../../i18n/translate';
import { HangarError } from '../../../../engine/contract/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatBytes, formatDateTime, formatDateTimeSec, formatKiB, formatNumber } from '../../components/format';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { AlertList } from './AlertList';
import { bundleDomains, bundleFile, bundleTree, searchBundleLogs } from '../../api/diagnostics';
import { TableHead } from '../../components/TableHead';
import { Tabs } from '../../components/Tabs';

type View = 'summary' | 'files' | 'logs' | 'domains';

/** libvirt's state words, as a bundle records them, in the display states everyone sees (DESIGN §5). */
const LIBVIRT_STATES: Record<string, DisplayState> = { running: 'running', blocked: 'running', idle: 'running', paused: 'paused', shutdown: 'stopping', shutoff: 'stopped', crashed: 'crashed', pmsuspended: 'suspended' };
const libvirtStateLabel = (t: Translate, state: string) => (LIBVIRT_STATES[state] ? t(`vm.state.${LIBVIRT_STATES[state]}`) : state);
const VIEWS: readonly View[] = ['summary', 'files', 'logs', 'domains'];

/** The offline bundle viewer: summary, file tree, log search across hosts, domain XMLs. */
export function BundleViewer({ summary }: { summary: BundleSummary }) {
  const t = useT();
  const [view, setView] = useState<View>('summary');
  return (
    <div data-testid="bundle-viewer" data-bundle-id={summary.bundleId}>
      <p className="muted small mono">{summary.path}</p>
      <Tabs tabs={VIEWS} current={view} onSelect={setView} testIdPrefix="bundle-tab" label={(v) => t(`diag.viewer.${v}`)} />
      {view === 'summary' && <Summary s={summary} />}
      {view === 'files' && <Files bundleId={summary.bundleId} />}
      {view === 'logs' && <Logs s={summary} />}
      {view === 'domains' && <Domains bundleId={summary.bundleId} />}
    </div>
  );
}

function Summary({ s }: { s: BundleSummary }) {
  const t = useT();
  const lang = useEngine((x) => x.settings.language);
  return (
    <div data-testid="bundle-summary">
      <p>
        {s.version.split('\n')[0]} · {s.createdAt ? formatDateTime(s.createdAt, lang) : ''} · {t('diag.viewer.fileCount', { count: formatNumber(s.files, lang) })} ·{' '}
        <span className={s.checksumsOk ? '' : 'error'} data-testid="bundle-checksums">
          {s.checksumsOk ? t('diag.viewer.checksumsOk') : t('diag.viewer.checksumsBad')}
        </span>
      </p>
      <h2>{t('diag.viewer.hosts')}</h2>
      <table className="table" data-testid="bundle-hosts">
        <TableHead cols={[t('diag.viewer.host'), 'libvirt', 'QEMU', t('diag.viewer.kernel'), t('diag.viewer.vms'), t('diag.viewer.failed')]} />
        <tbody>
          {s.hosts.map((h) => (
            <tr key={h.name} data-testid="bundle-host" data-host-name={h.name}>
              <td>{h.name}</td>
              <td>{h.libvirtVersion ?? '—'}</td>
              <td>{h.qemuVersion ?? '—'}</td>
              <td className="small">{h.kernel ?? '—'}</td>
              <td className="small">{h.vms.map((v) => `${v.name} (${libvirtStateLabel(t, v.state)})`).join(', ')}</td>
              <td>{h.failedItems}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {s.skipped.length > 0 && (
        <>
          <h2>{t('diag.viewer.skipped')}</h2>
          <ul className="plain-list" data-testid="bundle-skipped">
            {s.skipped.map((x) => (
              <li key={x} className="error small">
                {x.replace(/\t/g, ' — ')}
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>{t('diag.viewer.findings')}</h2>
      <AlertList items={s.findings} testId="bundle-findings" />
      {s.failedItems.length > 0 && (
        <details>
          <summary>{t('diag.viewer.failedItems', { count: s.failedItems.length })}</summary>
          <table className="table small" data-testid="bundle-failed-items">
            <tbody>
              {s.failedItems.map((i) => (
                <tr key={`${i.host}:${i.out}`}>
                  <td>{i.host}</td>
                  <td className="mono">{i.out}</td>
                  <td>{i.exitCode ?? '—'}</td>
                  <td className="mono">{i.stderr}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </div>
  );
}

function Files({ bundleId }: { bundleId: string }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const client = useEngine((s) => s.client);
  const [files, setFiles] = useState<Array<{ path: string; size: number }>>([]);
  const [filter, setFilter] = useState('');
  const [open, setOpen] = useState<{ path: string; content: string; truncated: boolean; binary: boolean } | null>(null);
  const [error, setError] = useState<HangarError | null>(null);
  useEffect(() => {
    if (!client) return;
    bundleTree(bundleId).then((r) => setFiles(r.files)).catch((e: unknown) => setError(HangarError.from(e)));
  }, [client, bundleId]);
  const shown = useMemo(() => files.filter((f) => f.path.toLowerCase().includes(filter.toLowerCase())).slice(0, 2000), [files, filter]);
  const show = (p: string) =>
    bundleFile(bundleId, p)
      .then((r) => setOpen({ path: p, ...r }))
      .catch((e: unknown) => setError(HangarError.from(e)));
  return (
    <div className="vgrid" data-testid="bundle-files">
      <ErrorBanner error={error} />
      <input type="search" placeholder={t('diag.viewer.filterFiles')} value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="bundle-file-filter" />
      <div style={{ display: 'grid', gridTemplateColumns: 'minmax(260px, 1fr) 2fr', gap: '1rem' }}>
        <ul className="plain-list small mono" style={{ maxHeight: '60vh', overflow: 'auto' }}>
          {shown.map((f) => (
            <li key={f.path}>
              <button type="button" className="btn btn-small" style={{ textAlign: 'left' }} onClick={() => show(f.path)} data-testid="bundle-file" data-path={f.path}>
                {'  '.repeat(f.path.split('/').length - 1)}
                {f.path.split('/').pop()} <span className="muted">{formatBytes(f.size, lang)}</span>
              </button>
            </li>
          ))}
        </ul>
        {open && (
          <div>
            <p className="mono small">{open.path}</p>
            {open.binary ? <p className="muted">{t('diag.viewer.binary')}</p> : <pre className="xml-view" data-testid="bundle-file-content">{open.content}</pre>}
            {open.truncated && <p className="muted small">{t('diag.viewer.truncated')}</p>}
          </div>
        )}
      </div>
    </div>
  );
}

const toMs = (v: string): number | undefined => (v ? new Date(v).getTime() : undefined);

function Logs({ s }: { s: BundleSummary }) {
  const t = useT();
  const lang = useEngine((x) => x.settings.language);
  const [query, setQuery] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [host, setHost] = useState('');
  const [result, setResult] = useState<{ matches: LogMatch[]; truncated: boolean } | null>(null);
  const [error, setError] = useState<HangarError | null>(null);
  const search = () => {
    setError(null);
    searchBundleLogs({ bundleId: s.bundleId, query, from: toMs(from), to: toMs(to), ...(host ? { hosts: [host] } : {}) })
      .then(setResult)
      .catch((e: unknown) => setError(HangarError.from(e)));
  };
  return (
    <div data-testid="bundle-logs">
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          search();
        }}
      >
        <input type="search" placeholder={t('diag.viewer.searchLogs')} value={query} onChange={(e) => setQuery(e.target.value)} data-testid="log-query" />
        <select value={host} onChange={(e) => setHost(e.target.value)} aria-label={t('diag.viewer.host')}>
          <option value="">{t('diag.viewer.allHosts')}</option>
          {s.hosts.map((h) => (
            <option key={h.name} value={h.name}>
              {h.name}
            </option>
          ))}
        </select>
        <label className="small">
          {t('diag.viewer.from')} <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label className="small">
          {t('diag.viewer.to')} <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <button type="submit" className="btn btn-primary" data-testid="log-search">
          {t('diag.viewer.search')}
        </button>
      </form>
      <ErrorBanner error={error} />
      {result && (
        <>
          <p className="muted small" data-testid="log-count">
            {t('diag.viewer.matches', { count: result.matches.length })}
            {result.truncated ? ' +' : ''}
          </p>
          <table className="table small">
            <tbody>
              {result.matches.map((m) => (
                <tr key={`${m.path}:${m.lineNo}`} data-testid="log-match">
                  <td className="nowrap">{m.host ?? 'hangar'}</td>
                  <td className="nowrap muted">{m.at ? formatDateTimeSec(m.at, lang) : ''}</td>
                  <td className="mono ellipsis" title={`${m.path}:${m.lineNo}`}>
                    {m.path.split('/').pop()}:{m.lineNo}
                  </td>
                  <td className="mono" data-testid="log-line">
                    {m.line}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

function Domains({ bundleId }: { bundleId: string }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const client = useEngine((s) => s.client);
  const [domains, setDomains] = useState<BundleDomain[]>([]);
  const [xmlOf, setXmlOf] = useState<string | null>(null);
  useEffect(() => {
    if (!client) return;
    bundleDomains(bundleId).then((r) => setDomains(r.domains)).catch(() => undefined);
  }, [client, bundleId]);
  return (
    <div data-testid="bundle-domains">
      {domains.map((d) => {
        const key = `${d.host}/${d.uuid}`;
        return (
          <div key={key} className="panel" data-testid="bundle-domain" data-vm-name={d.name}>
            <h2>
              {d.name} <span className="muted small">{d.host}</span>
            </h2>
            <table className="table small">
              <tbody>
                <tr>
                  <th>UUID</th>
                  <td className="mono">{d.uuid}</td>
                </tr>
                <tr>
                  <th>{t('diag.viewer.cpuMem')}</th>
                  <td>
                    {d.vcpus} vCPU · {formatKiB(d.memoryKiB, lang)} · {d.arch ?? ''} {d.machine ?? ''} · {d.firmware.toUpperCase()}
                  </td>
                </tr>
                <tr>
                  <th>{t('diag.viewer.disks')}</th>
                  <td className="mono">{d.disks.map((x) => `${x.target} (${x.device}${x.format ? `, ${x.format}` : ''}) ${x.source ?? ''}`).join('\n') || '—'}</td>
                </tr>
                <tr>
                  <th>{t('diag.viewer.nics')}</th>
                  <td className="mono">{d.nics.map((n) => `${n.mac ?? ''} → ${n.source ?? ''} ${n.model ?? ''}`).join('\n') || '—'}</td>
                </tr>
              </tbody>
            </table>
            <button type="button" className="btn btn-small" onClick={() => setXmlOf(xmlOf === key ? null : key)}>
              XML
            </button>
            {xmlOf === key && <pre className="xml-view">{d.xml}</pre>}
          </div>
        );
      })}
    </div>
  );
}
