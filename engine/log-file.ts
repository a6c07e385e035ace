import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

export interface LogFile {
  write(line: string): void;
  /** Ends the file once everything written so far is in it. */
  close(): Promise<void>;
}

/** engine.log starts again past this size, keeping `keep` older files (engine.log.1 …). */
export const LOG_MAX_BYTES = 8 * 1024 * 1024;
export const LOG_KEEP = 3;

/**
 * The engine log in the data dir, rotated by size so that a flood of anything cannot fill the
 * disk. Nothing here blocks the thread: lines written while the files are being renamed wait in
 * memory and follow in order.
 */
export function openLogFile(dataDir: string, opts: { maxBytes?: number; keep?: number } = {}): LogFile {
  const file = path.join(dataDir, 'engine.log');
  const maxBytes = opts.maxBytes ?? LOG_MAX_BYTES;
  const keep = opts.keep ?? LOG_KEEP;
  const open = () => {
    const s = fs.createWriteStream(file, { flags: 'a', mode: 0o600 });
    s.on('error', () => undefined); // a log that cannot be written must not take the engine down
    return s;
  };
  let stream = open();
  let size = 0;
  // Bytes already in the file count too; until the size is known, lines count from zero.
  void fsp.stat(file).then((st) => (size += st.size), () => undefined);
  let waiting: string[] | null = null;
  let rotating: Promise<void> = Promise.resolve();

  const rotate = async () => {
    await new Promise<void>((r) => stream.end(() => r()));
    await fsp.rm(`${file}.${keep}`, { force: true }).catch(() => undefined);
    for (let i = keep - 1; i >= 1; i--) await fsp.rename(`${file}.${i}`, `${file}.${i + 1}`).catch(() => undefined);
    await (keep > 0 ? fsp.rename(file, `${file}.1`) : fsp.rm(file, { force: true })).catch(() => undefined);
    stream = open();
    size = 0;
    const lines = waiting ?? [];
    waiting = null;
    for (const l of lines) append(l);
  };

  const append = (text: string) => {
    if (waiting) {
      waiting.push(text);
      return;
    }
    const n = Buffer.byteLength(text);
    if (size > 0 && size + n > maxBytes) {
      waiting = [text];
      rotating = rotate();
      return;
    }
    size += n;
    stream.write(text);
  };

  return {
    write: (line) => append(`${line}\n`),
    async close() {
      while (waiting) await rotating;
      await new Promise<void>((r) => stream.end(() => r()));
    },
  };
}
