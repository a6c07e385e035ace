import fs from 'node:fs/promises';
import path from 'node:path';
import { newToken } from './ws-auth';

/**
 * What `hangar serve` keeps between runs, so a browser tab left open reconnects by itself after a
 * restart: the port it listened on and the access token. One file in the data dir, 0600, since
 * the token is as good as a password for as long as the server runs.
 */
export interface ServeState {
  port: number;
  token: string;
}

const FILE = 'serve.json';

export interface ServeStateChoice {
  state: ServeState;
  /** Why the token was made anew, when it was not asked for (shown to the user). */
  notice: string | null;
}

async function read(dataDir: string): Promise<{ state: Partial<ServeState>; notice: string | null }> {
  const file = path.join(dataDir, FILE);
  let text: string;
  try {
    const st = await fs.stat(file);
    // Readable by others: the token may have been seen, so it is not used again.
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const kept = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<ServeState>;
      return { state: { ...(typeof kept.port === 'number' ? { port: kept.port } : {}) }, notice: `${file} was readable by other users: a new access token was made` };
    }
    text = await fs.readFile(file, 'utf8');
  } catch {
    return { state: {}, notice: null };
  }
  try {
    const raw = JSON.parse(text) as Partial<ServeState>;
    return {
      state: {
        ...(Number.isInteger(raw.port) && raw.port! > 0 && raw.port! <= 65535 ? { port: raw.port } : {}),
        ...(typeof raw.token === 'string' && /^[A-Za-z0-9_-]{20,}$/.test(raw.token) ? { token: raw.token } : {}),
      },
      notice: null,
    };
  } catch {
    return { state: {}, notice: `${file} was unreadable: a new access token was made` };
  }
}

/**
 * The port and token to serve with: the last run's unless the user asks otherwise
 * (`--port N`; `--new-token`). A port of 0 lets the system choose.
 */
export async function chooseServeState(dataDir: string, ask: { port?: number; newToken?: boolean }): Promise<ServeStateChoice> {
  const { state, notice } = await read(dataDir);
  const token = !ask.newToken && state.token ? state.token : newToken();
  return { state: { port: ask.port ?? state.port ?? 0, token }, notice: ask.newToken ? null : notice };
}

export async function saveServeState(dataDir: string, state: ServeState): Promise<void> {
  const file = path.join(dataDir, FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(state) + '\n', { mode: 0o600 });
  await fs.chmod(tmp, 0o600);
  await fs.rename(tmp, file);
}
