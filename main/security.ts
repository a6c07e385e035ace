import type { App, BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import { APP_HOST, APP_SCHEME } from './window-options';

/** Whether a URL belongs to the app itself. Parsed, never prefix-matched (`app://hangar.evil`). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** A console popped out of the main window (`#/console/<vmId>`): the one kind of new window allowed. */
export function isConsolePopoutUrl(url: string): boolean {
  return isAppUrl(url) && new URL(url).hash.startsWith('#/console/');
}

/** Only the app's own top-level frame may talk to the engine. */
export function isTrustedSender(frame: { url: string; parent: unknown } | null | undefined): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url);
}

/** Denies every permission request and check: Hangar's UI needs none of them. */
export function lockDownSession(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/**
 * Navigation only within the app; no <webview>; no new windows but a console pop-out, which gets
 * the same locked-down preferences as the main window. Applied to every WebContents.
 */
export function lockDownWebContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>, popout?: () => BrowserWindowConstructorOptions): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => (popout && isConsolePopoutUrl(url) ? { action: 'allow', overrideBrowserWindowOptions: popout() } : { action: 'deny' }));
}

export function installSecurityHooks(app: Pick<App, 'on'>, popout?: () => BrowserWindowConstructorOptions): void {
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents, popout));
}
