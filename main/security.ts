import type { App, Session, WebContents } from 'electron';
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

/** Only the app's own top-level frame may talk to the engine. */
export function isTrustedSender(frame: { url: string; parent: unknown } | null | undefined): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url);
}

/** Denies every permission request and check: Hangar's UI needs none of them. */
export function lockDownSession(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Navigation only within the app; no new windows; no <webview>. Applied to every WebContents. */
export function lockDownWebContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function installSecurityHooks(app: Pick<App, 'on'>): void {
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents));
}
