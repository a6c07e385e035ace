import fs from 'node:fs';
import path from 'node:path';

export interface LogFile {
  write(line: string): void;
  close(): void;
}

/** engine.log stops at this size and starts again, keeping `keep` older files (engine.log.1 …). */
export const LOG_MAX_BYTES = 8 * 1024 * 1024;
export const LOG_KEEP = 3;

/**
 * The engine log in the data dir, rotated by size so a flood of anything cannot fill the disk.
 * Writes are synchronous appends of one short line: nothing buffered is lost when the process is
 * killed, which is when the log matters most.
 */
export function openLogFile(dataDir: string, opts: { maxBytes?: number; keep?: number } = {}): LogFile {
  const file = path.join(dataDir, 'engine.log');
  const maxBytes = opts.maxBytes ?? LOG_MAX_BYTES;
  const keep = opts.keep ?? LOG_KEEP;
  let fd: number | null = null;
  let size = 0;
  const open = () => {
    fd = fs.openSync(file, 'a', 0o600);
    size = fs.fstatSync(fd).size;
  };
  const rotate = () => {
    if (fd !== null) fs.closeSync(fd);
    fd = null;
    fs.rmSync(`${file}.${keep}`, { force: true });
    for (let i = keep - 1; i >= 1; i--) {
      if (fs.existsSync(`${file}.${i}`)) fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    }
    if (keep > 0) fs.renameSync(file, `${file}.1`);
    else fs.rmSync(file, { force: true });
    open();
  };
  return {
    write(line) {
      try {
        if (fd === null) open();
        const bytes = Buffer.from(line + '\n');
        if (size > 0 && size + bytes.length > maxBytes) rotate();
        fs.writeSync(fd!, bytes);
        size += bytes.length;
      } catch {
        // a log that cannot be written must not take the engine down with it
      }
    },
    close() {
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    },
  };
}
