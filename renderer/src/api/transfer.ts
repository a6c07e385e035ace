import type { MethodParams, TransferTicket } from '../../../engine/contract';
import { ErrorData, HangarError } from '../../../engine/contract/errors';
import { call } from './call';

/**
 * Volume uploads and downloads. The contract hands out a single-use ticket; the bytes then go
 * straight to the engine's transfer endpoint (same origin under `hangar serve`, the app's loopback
 * server in Electron), read from disk by the browser as they are sent: no copy in memory.
 */

export const beginUpload = (params: MethodParams<'storage.uploadBegin'>) => call('storage.uploadBegin', params);

export const resumeUpload = (jobId: string) => call('storage.uploadResume', { jobId });

export const cancelUpload = (jobId: string) => call('storage.uploadCancel', { jobId });

export const beginDownload = (hostId: string, pool: string, volume: string) => call('storage.downloadBegin', { hostId, pool, volume });

/** PUTs the file from the ticket's offset. Resolves once the bytes are on the host; rejects with the engine's error or a broken link. */
export async function sendFile(ticket: TransferTicket, file: Blob, signal?: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await fetch(ticket.url, { method: 'PUT', body: file.slice(ticket.offset), headers: { 'content-type': 'application/octet-stream' }, ...(signal ? { signal } : {}) });
  } catch (err) {
    throw new HangarError('UNREACHABLE', `The upload link broke: ${String(err)}`, { message: { key: 'transfer.err.linkBroken' } });
  }
  if (res.ok) return;
  const body = ErrorData.safeParse(await res.json().catch(() => null));
  throw body.success ? HangarError.fromData(body.data) : new HangarError('INTERNAL', `The upload was answered ${res.status}`);
}

type SavePicker = (opts: { suggestedName: string }) => Promise<{ createWritable(): Promise<WritableStream<Uint8Array>> }>;

/**
 * Saves a volume through its ticket. Where the page may not navigate to the transfer server (the
 * app: its origin differs) and can write a chosen file (File System Access), the response streams
 * into that file; elsewhere the browser's own download takes the URL (it streams to disk too).
 */
export async function saveDownload(ticket: TransferTicket, name: string, viaFetch: boolean): Promise<void> {
  const picker = (window as unknown as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  if (viaFetch && picker) {
    const handle = await picker({ suggestedName: name });
    const res = await fetch(ticket.url);
    if (!res.ok || !res.body) throw new HangarError('INTERNAL', `The download was answered ${res.status}`);
    await res.body.pipeTo(await handle.createWritable());
    return;
  }
  const a = document.createElement('a');
  a.href = ticket.url;
  a.download = name;
  a.rel = 'noopener';
  a.click();
}
