import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { safeStorageCipher, type SafeStorageLike } from '../../../main/secrets-electron';
import { installSecurityHooks, isAppUrl, isTrustedSender, lockDownSession, lockDownWebContents } from '../../../main/security';
import { APP_URL, consoleWindowOptions, mainWindowOptions, webPreferences } from '../../../main/window-options';

describe('window webPreferences (Electron security checklist)', () => {
  it('are pinned', () => {
    expect(webPreferences('/p/preload.cjs', false)).toEqual({
      preload: '/p/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: false,
    });
    expect(mainWindowOptions('/p', true).webPreferences?.sandbox).toBe(true);
  });
  it('load the app from app://, never file://', () => {
    expect(APP_URL).toBe('app://hangar/index.html');
  });
});

describe('origin checks', () => {
  it('accept only the app origin, parsed rather than prefix-matched', () => {
    expect(isAppUrl('app://hangar/index.html')).toBe(true);
    expect(isAppUrl('app://hangar.evil/index.html')).toBe(false);
    expect(isAppUrl('app://hangar@evil/x')).toBe(false);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isAppUrl('https://hangar/')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
  it('trust only the top-level app frame as an IPC sender', () => {
    expect(isTrustedSender({ url: 'app://hangar/index.html', parent: null })).toBe(true);
    expect(isTrustedSender({ url: 'app://hangar/index.html', parent: {} })).toBe(false);
    expect(isTrustedSender({ url: 'https://example.com/', parent: null })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
  });
});

describe('security hooks', () => {
  it('deny navigation away from the app, new windows and webviews', () => {
    const wc = new EventEmitter() as EventEmitter & { setWindowOpenHandler: (h: (d: { url: string }) => unknown) => void; handler?: (d: { url: string }) => unknown };
    wc.setWindowOpenHandler = (h) => (wc.handler = h);
    lockDownWebContents(wc as never);
    const ev = () => {
      const e = { prevented: false, preventDefault() { e.prevented = true; } };
      return e;
    };
    const away = ev();
    wc.emit('will-navigate', away, 'https://evil.example/');
    expect(away.prevented).toBe(true);
    const inside = ev();
    wc.emit('will-navigate', inside, 'app://hangar/index.html#/tasks');
    expect(inside.prevented).toBe(false);
    const redirect = ev();
    wc.emit('will-redirect', redirect, 'http://127.0.0.1:1/');
    expect(redirect.prevented).toBe(true);
    const webview = ev();
    wc.emit('will-attach-webview', webview);
    expect(webview.prevented).toBe(true);
    expect(wc.handler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    // Without a pop-out factory not even a console window opens.
    expect(wc.handler?.({ url: 'app://hangar/index.html#/console/x' })).toEqual({ action: 'deny' });
  });

  it('allow only a console pop-out as a new window, with the same locked-down preferences', () => {
    const wc = new EventEmitter() as EventEmitter & { setWindowOpenHandler: (h: (d: { url: string }) => unknown) => void; handler?: (d: { url: string }) => unknown };
    wc.setWindowOpenHandler = (h) => (wc.handler = h);
    lockDownWebContents(wc as never, () => consoleWindowOptions('/p.cjs', false));
    const popout = wc.handler?.({ url: 'app://hangar/index.html#/console/local%3Aabc?kind=vnc' }) as { action: string; overrideBrowserWindowOptions?: { webPreferences?: Record<string, unknown> } };
    expect(popout.action).toBe('allow');
    expect(popout.overrideBrowserWindowOptions?.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: '/p.cjs' });
    expect(wc.handler?.({ url: 'app://hangar/index.html#/vms' })).toEqual({ action: 'deny' });
    expect(wc.handler?.({ url: 'https://evil.example/#/console/x' })).toEqual({ action: 'deny' });
    expect(wc.handler?.({ url: 'app://hangar.evil/#/console/x' })).toEqual({ action: 'deny' });
  });

  it('are installed on every web contents the app creates', () => {
    const app = new EventEmitter();
    installSecurityHooks(app as never);
    const wc = new EventEmitter() as EventEmitter & { setWindowOpenHandler: (h: unknown) => void; called?: boolean };
    wc.setWindowOpenHandler = () => (wc.called = true);
    app.emit('web-contents-created', {}, wc);
    expect(wc.called).toBe(true);
    expect(wc.listenerCount('will-navigate')).toBe(1);
  });

  it('deny every permission request and check', () => {
    let request: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | undefined;
    let check: (() => boolean) | undefined;
    lockDownSession({ setPermissionRequestHandler: (h: never) => (request = h), setPermissionCheckHandler: (h: never) => (check = h) } as never);
    const answers: boolean[] = [];
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read']) request?.({}, p, (ok) => answers.push(ok));
    expect(answers).toEqual([false, false, false, false]);
    expect(check?.()).toBe(false);
  });
});

describe('safeStorage secret cipher', () => {
  const fake = (backend: string, available = true): SafeStorageLike => ({
    isAsyncEncryptionAvailable: async () => available,
    encryptStringAsync: async (s) => Buffer.from(s.split('').reverse().join('')),
    decryptStringAsync: async (b) => ({ result: b.toString().split('').reverse().join(''), shouldReEncrypt: false }),
    getSelectedStorageBackend: () => backend,
  });
  it('refuses basic_text on Linux, saying why', async () => {
    const a = await safeStorageCipher(fake('basic_text'), 'linux').availability();
    expect(a.available).toBe(false);
    expect(a.reason).toMatch(/in clear/);
  });
  it('uses a real keyring when there is one', async () => {
    const c = safeStorageCipher(fake('gnome_libsecret'), 'linux');
    expect(c.backend).toBe('gnome_libsecret');
    expect((await c.availability()).available).toBe(true);
    expect(await c.decrypt(await c.encrypt('s3cret'))).toBe('s3cret');
  });
  it('is unavailable when the OS offers no encryption', async () => {
    expect((await safeStorageCipher(fake('', false), 'darwin').availability()).available).toBe(false);
  });
});
