import { useEffect, useState } from 'react';
import { UPLOAD_FORMATS, type Job, type TransferTicket, type UploadFormat, type UploadResult } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { cancelUpload, beginUpload, resumeUpload, sendFile } from '../../api/transfer';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { formatBytes, formatTime } from '../../components/format';
import { jobTone } from '../../components/ProgressBar';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useJobs } from '../../stores/jobs-store';
import { TransferFigures } from './TransferFigures';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/** What a file's first bytes say it is: qcow2's magic, an ISO 9660 descriptor at 32769, else raw. */
export async function sniffFormat(file: Blob): Promise<UploadFormat> {
  const head = new Uint8Array(await file.slice(0, 32774).arrayBuffer());
  const text = (from: number, n: number) => String.fromCharCode(...head.subarray(from, from + n));
  if (head.length >= 4 && text(0, 4) === 'QFI\xfb') return 'qcow2';
  if (head.length >= 32774 && text(32769, 5) === 'CD001') return 'iso';
  return 'raw';
}

/** A file name as a volume name (letters, digits and . _ + -). */
export const volumeNameOf = (file: string): string => file.replace(/[^A-Za-z0-9_.+-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 128) || 'upload';

export interface UploadBeginParams {
  hostId: string;
  pool: string;
  name: string;
  size: number;
  format: UploadFormat;
}

export interface UploadControlProps {
  hostId: string;
  pool: string;
  /** How the upload starts: storage.uploadBegin by default; the template library passes its own, which answers the same ticket. */
  begin?: (p: UploadBeginParams) => Promise<TransferTicket>;
  formats?: readonly UploadFormat[];
  /** The format once the file's bytes tell it (or the person picks one); null while there is no file. */
  onFormat?(format: UploadFormat | null): void;
  /** The upload job succeeded (the volume is on the host and checked). */
  onDone?(result: UploadResult, job: Job): void;
  onClose?(): void;
  testId?: string;
}

/**
 * Upload a file from this computer into a pool: pick it, see bytes, rate and time left, cancel, and
 * resume after a broken link from the last byte the host verified. Bytes go from the file on disk
 * straight into the request (the browser reads it as it sends), never whole into memory.
 */
export function UploadControl({ hostId, pool, begin = beginUpload, formats = UPLOAD_FORMATS, onFormat, onDone, onClose, testId = 'upload-control' }: UploadControlProps) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [format, setFormat] = useState<UploadFormat>('qcow2');
  const [jobId, setJobId] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  /** uploadBegin is on its way: the engine checks the pool's free space and makes the volume. */
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<HangarError | null>(null);
  const [shown, setShown] = useState(false);
  const job = useJobs((s) => (jobId ? s.byId[jobId] : undefined));

  const send = async (ticket: TransferTicket, f: File) => {
    setSending(true);
    setError(null);
    try {
      await sendFile(ticket, f);
    } catch (e) {
      setError(HangarError.from(e));
    } finally {
      setSending(false);
    }
  };
  const start = async () => {
    setShown(true);
    if (!file || !NAME.test(name)) return;
    setError(null);
    setStarting(true);
    try {
      const ticket = await begin({ hostId, pool, name, size: file.size, format });
      setJobId(ticket.jobId);
      setStarting(false);
      await send(ticket, file);
    } catch (e) {
      setError(HangarError.from(e));
    } finally {
      setStarting(false);
    }
  };
  const resume = async () => {
    if (!jobId || !file) return;
    try {
      await send(await resumeUpload(jobId), file);
    } catch (e) {
      setError(HangarError.from(e));
    }
  };
  const reset = () => {
    setFile(null);
    setName('');
    setJobId(null);
    setError(null);
    setShown(false);
  };

  const finished = job && (job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled' || job.state === 'interrupted');
  const resumable = job?.state === 'running' && job.transfer?.phase === 'waiting' && job.transfer.resumableUntil !== undefined && !sending;
  const result = job?.state === 'succeeded' ? (job.result as UploadResult) : null;
  useEffect(() => {
    if (result && job) onDone?.(result, job);
  }, [job?.state]);
  const nameError = !shown ? null : !file ? t('transfer.upload.needFile') : !NAME.test(name) ? t('storage.err.name') : null;

  return (
    <section className="panel upload-control" data-testid={testId} data-state={job?.state ?? (starting || sending ? 'starting' : 'idle')}>
      <div className="toolbar">
        <h3>{t('transfer.upload.title', { pool })}</h3>
        {onClose && (
          <button type="button" className="btn btn-small" onClick={onClose} data-testid="upload-close">
            {t('transfer.upload.close')}
          </button>
        )}
      </div>
      {!jobId && (
        <div className="form-grid top-fields">
          <Field label={t('transfer.upload.file')}>
            <input
              type="file"
              data-testid="upload-file"
              accept=".qcow2,.img,.raw,.iso"
              onChange={(e) => {
                const f = e.target.files?.[0] ?? null;
                setFile(f);
                if (f) {
                  setName(volumeNameOf(f.name));
                  void sniffFormat(f).then((x) => {
                    const chosen = formats.includes(x) ? x : formats[0]!;
                    setFormat(chosen);
                    onFormat?.(chosen);
                  });
                } else onFormat?.(null);
              }}
            />
            <span className="muted small">{file ? formatBytes(file.size, lang) : t('transfer.upload.pick')}</span>
          </Field>
          <Field label={t('transfer.upload.name')}>
            <input data-testid="upload-name" value={name} onChange={(e) => setName(e.target.value)} />
            {nameError && <span className="error small">{nameError}</span>}
          </Field>
          <Field label={t('transfer.upload.format')}>
            <select data-testid="upload-format" value={format} onChange={(e) => {
                const x = e.target.value as UploadFormat;
                setFormat(x);
                if (file) onFormat?.(x);
              }}
            >
              {formats.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </Field>
          <div className="span-all">
            <button type="button" className="btn btn-primary" data-testid="upload-start" disabled={starting || sending} onClick={() => void start()}>
              {t('transfer.upload.submit')}
            </button>
          </div>
        </div>
      )}
      {jobId && (
        <div data-testid="upload-progress">
          <div className="mono small">{name}</div>
          <TransferFigures stats={job?.transfer} label={t('transfer.upload.progressLabel', { name })} tone={job ? jobTone(job.state) : 'active'} testId="upload-figures" />
          {resumable && job?.transfer?.resumeOffset !== undefined && (
            <div className="banner warn" data-testid="upload-broken">
              {t('transfer.broken', { offset: formatBytes(job.transfer.resumeOffset, lang), until: formatTime(job.transfer.resumableUntil!, lang) })}
            </div>
          )}
          {result && (
            <div className="banner" data-testid="upload-done">
              {t('transfer.done', { name: result.name, pool: result.pool, format: result.format, size: formatBytes(result.size, lang), sha: result.sha256 })}
            </div>
          )}
          {job?.state === 'cancelled' && <div className="muted" data-testid="upload-cancelled">{t('transfer.cancelled')}</div>}
          {job?.state === 'failed' && job.error && <ErrorBanner error={HangarError.fromData(job.error)} testId="upload-error" />}
          {!finished && error && !resumable && <ErrorBanner error={error} testId="upload-error" />}
          <div className="inline-form">
            {resumable && (
              <button type="button" className="btn btn-primary" data-testid="upload-resume" onClick={() => void resume()}>
                {t('transfer.upload.resume')}
              </button>
            )}
            {!finished && (
              <button type="button" className="btn" data-testid="upload-cancel" onClick={() => void cancelUpload(jobId).catch((e: unknown) => setError(HangarError.from(e)))}>
                {t('transfer.upload.cancel')}
              </button>
            )}
            {finished && (
              <button type="button" className="btn" data-testid="upload-again" onClick={reset}>
                {t('transfer.upload.again')}
              </button>
            )}
          </div>
        </div>
      )}
      {!jobId && error && <ErrorBanner error={error} testId="upload-error" />}
    </section>
  );
}
