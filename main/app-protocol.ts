import type { Protocol } from 'electron';
import { contentSecurityPolicy } from '../engine/server/csp';
import { readStatic } from '../engine/server/static-files';
import { APP_HOST, APP_SCHEME } from './window-options';

/** Must run before `app.ready`: app:// behaves like a secure, standard origin (no file://). */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** Serves the built renderer, and only it, with the same CSP `hangar serve` sends (plus the console server). */
export function serveRenderer(protocol: Pick<Protocol, 'handle'>, rendererDir: string, connectSrc: () => string[] = () => []): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('Not found', { status: 404 });
    const file = await readStatic(rendererDir, url.pathname);
    if (!file) return new Response('Not found', { status: 404 });
    return new Response(new Uint8Array(file.body), {
      headers: { 'content-type': file.type, 'content-security-policy': contentSecurityPolicy(connectSrc()), 'x-content-type-options': 'nosniff' },
    });
  });
}
