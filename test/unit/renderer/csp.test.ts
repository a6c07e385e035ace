import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../../engine/server/csp';

describe('one Content-Security-Policy', () => {
  it('comes from engine/server/csp.ts alone: the page carries no <meta> policy of its own', () => {
    // A second policy in the page is enforced on top of the header, and its stricter style-src
    // blocked xterm.js's inline styles (an unreadable serial console).
    const html = fs.readFileSync(new URL('../../../renderer/index.html', import.meta.url), 'utf8');
    expect(html).not.toMatch(/http-equiv=["']?content-security-policy/i);
    for (const f of ['main/app-protocol.ts', 'engine/server/serve.ts']) {
      expect(fs.readFileSync(new URL(`../../../${f}`, import.meta.url), 'utf8'), f).toContain('contentSecurityPolicy(');
    }
  });
  it("lets the serial console style its grid, and nothing run but the app's own scripts", () => {
    expect(contentSecurityPolicy()).toMatch(/style-src 'self' 'unsafe-inline'/);
    expect(contentSecurityPolicy()).toMatch(/script-src 'self'(;|$)/);
  });
});
