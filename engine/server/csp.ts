/**
 * The Content-Security-Policy of the UI, the same in the app (custom protocol) and in the browser
 * (`hangar serve`). All host traffic is the engine's; the page talks only to its own origin.
 */
export function contentSecurityPolicy(connectSrc: string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // xterm.js (the serial console) measures and themes its grid through <style> elements it
    // creates; scripts stay 'self' only, and with img/font/connect limited to self, injected CSS
    // has nowhere to send anything.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${connectSrc.join(' ')}`.trim(),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
