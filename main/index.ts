/**
 * The Electron shell: lifecycle, the one window, security hooks, app:// and the IPC adapter.
 * Everything else is the engine, created here in-process (its SQLite runs in a worker thread).
 */
import { app, BrowserWindow, ipcMain, protocol, safeStorage, session } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir } from '../engine/data-dir';
import { createEngine, type Engine } from '../engine/engine';
import { openLogFile } from '../engine/log-file';
import { createLogger } from '../engine/logger';
import { startConsoleServer } from '../engine/server/console-socket';
import { startTransferServer } from '../engine/server/transfer-http';
import { registerAppScheme, serveRenderer } from './app-protocol';
import { bindIpc } from './ipc-transport';
import { safeStorageCipher } from './secrets-electron';
import { installSecurityHooks, lockDownSession } from './security';
import { APP_ORIGIN, APP_URL, consoleWindowOptions, mainWindowOptions } from './window-options';

const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = defaultDataDir();
const preloadPath = path.join(here, '..', 'preload', 'index.cjs');
let engine: Engine | null = null;
/** The loopback server console sockets use (the contract itself travels over IPC). */
let consoleServer: { origin: string; close(): Promise<void> } | null = null;
/** The loopback server volume uploads and downloads use (ticketed; CORS for the app's origin only). */
let transferServer: { origin: string; close(): Promise<void> } | null = null;

registerAppScheme(protocol);
installSecurityHooks(app, () => consoleWindowOptions(preloadPath, !app.isPackaged));
if (!app.requestSingleInstanceLock()) app.quit();

async function createWindow(): Promise<void> {
  const win = new BrowserWindow(mainWindowOptions(preloadPath, !app.isPackaged));
  win.once('ready-to-show', () => win.show());
  await win.loadURL(APP_URL);
}

app.on('second-instance', () => {
  const [win] = BrowserWindow.getAllWindows();
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});

app.whenReady().then(async () => {
  lockDownSession(session.defaultSession);
  serveRenderer(protocol, path.join(here, '..', 'renderer'), () => [consoleServer?.origin, transferServer?.origin].filter((o): o is string => !!o));
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const logFile = openLogFile(dataDir);
  const logger = createLogger((line) => logFile.write(line));
  engine = await createEngine({
    dataDir,
    runtime: 'electron',
    ...(process.env.HANGAR_LOCAL_LIBVIRT_SOCKET ? { localLibvirt: process.env.HANGAR_LOCAL_LIBVIRT_SOCKET } : {}),
    logger,
    secrets: safeStorageCipher(safeStorage, process.platform),
    consoleOrigin: () => consoleServer?.origin ?? null,
    transferOrigin: () => transferServer?.origin ?? null,
  });
  consoleServer = await startConsoleServer(engine, APP_ORIGIN, logger);
  transferServer = await startTransferServer(engine.transfers, APP_ORIGIN, logger);
  bindIpc(ipcMain, engine);
  await createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) void createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('will-quit', (event) => {
  if (quitting || !engine) return;
  quitting = true;
  event.preventDefault();
  void Promise.all([consoleServer?.close(), transferServer?.close(), engine.close()]).finally(() => app.quit());
});
