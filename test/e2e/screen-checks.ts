/**
 * What any page of Hangar must pass as a person sees it, for every spec to use:
 *  - no Content-Security-Policy violation and no error in the browser console (watchPage);
 *  - no raw `{placeholder}` of a message left in the text (expectNoRawPlaceholders);
 *  - in Korean, no English words outside proper nouns, units and identifiers (expectKorean).
 * `checkScreen` runs the last two, and the first when given a watch.
 */
import { expect, type BrowserContext, type Page } from '@playwright/test';

export interface PageWatch {
  /** Console errors, uncaught exceptions and CSP violations seen so far (each as one line). */
  readonly problems: string[];
  /** Fails the test when any was seen that `allow` does not excuse. */
  expectClean(allow?: RegExp[]): void;
}

const CSP_TAG = '[csp-violation]';

/**
 * Listens to a page for the rest of its life: console errors, page errors and CSP violations
 * (the document's `securitypolicyviolation` event, reported through the console so nothing the
 * page does can hide it). Call before the page navigates, or for popups from `context.on('page')`.
 */
export async function watchPage(page: Page): Promise<PageWatch> {
  const problems: string[] = [];
  await page.addInitScript((tag) => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`${tag} ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  }, CSP_TAG);
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  return {
    problems,
    expectClean(allow = []) {
      const left = problems.filter((p) => !allow.some((re) => re.test(p)));
      expect(left, `console errors or CSP violations on ${page.url()}`).toEqual([]);
    },
  };
}

/** Watches every page a context opens (pop-out consoles included); one list for all. */
export async function watchContext(context: BrowserContext): Promise<PageWatch> {
  const problems: string[] = [];
  const attach = (p: Page) => {
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error (${p.url()}): ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`uncaught (${p.url()}): ${e.message}`));
  };
  context.on('page', attach);
  for (const p of context.pages()) attach(p);
  await context.addInitScript((tag) => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`${tag} ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  }, CSP_TAG);
  return {
    problems,
    expectClean(allow = []) {
      const left = problems.filter((p) => !allow.some((re) => re.test(p)));
      expect(left, 'console errors or CSP violations').toEqual([]);
    },
  };
}

/** The text a person sees on the page: visible text nodes, and the placeholders, titles and labels of controls. */
async function visibleText(page: Page, skip: string): Promise<string[]> {
  return page.evaluate((skipSel) => {
    const out: string[] = [];
    const visible = (el: Element) => {
      const s = getComputedStyle(el);
      if (s.visibility === 'hidden' || s.display === 'none') return false;
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent?.trim();
      const el = n.parentElement;
      if (!text || !el || (skipSel && el.closest(skipSel)) || el.closest('script, style, noscript') || !visible(el)) continue;
      out.push(text);
    }
    for (const el of Array.from(document.querySelectorAll('[placeholder], [title], [aria-label]'))) {
      if ((skipSel && el.closest(skipSel)) || !visible(el)) continue;
      for (const a of ['placeholder', 'title', 'aria-label']) {
        const v = el.getAttribute(a)?.trim();
        if (v) out.push(v);
      }
    }
    for (const el of Array.from(document.querySelectorAll('select'))) {
      if ((skipSel && el.closest(skipSel)) || !visible(el)) continue;
      const o = el.selectedOptions[0];
      if (o?.textContent?.trim()) out.push(o.textContent.trim());
    }
    return out;
  }, skip);
}

/** A message's `{name}` left uninterpolated, anywhere a person can read. */
export async function expectNoRawPlaceholders(page: Page): Promise<void> {
  const raw = (await visibleText(page, '')).filter((t) => /\{[A-Za-z_][\w.]*\}/.test(t));
  expect(raw, `raw {placeholders} on ${page.url()}`).toEqual([]);
}

/**
 * Words that stay in Latin letters on a Korean page: product and technology names, units and
 * keys. Data (host, VM, pool and file names, addresses, versions) is left out by selector (code,
 * inputs, `translate="no"`, `.mono`, links to things) or by `allow` from the test that made it.
 */
export const KOREAN_ALLOWED_WORDS = [
  'Hangar', 'KVM', 'QEMU', 'libvirt', 'libvirtd', 'virtqemud', 'Linux', 'Debian', 'Windows', 'macOS', 'GNOME', 'KWallet', 'Keychain', 'DPAPI', 'libsecret',
  'noVNC', 'xterm', 'Electron', 'OpenShift', 'SSH', 'VNC', 'SPICE', 'TCG', 'NAT', 'DHCP', 'BIOS', 'UEFI', 'ISO', 'ISOs', 'XML', 'JSON', 'CSV', 'PNG', 'URL',
  'UUID', 'CPU', 'CPUs', 'vCPU', 'vCPUs', 'VM', 'VMs', 'NIC', 'NICs', 'IP', 'IOPS', 'MAC', 'SHA256', 'PEM', 'TLS', 'HTTP', 'HTTPS', 'API', 'NoCloud',
  'cloud-init', 'virtio', 'qcow2', 'raw', 'B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'KB', 'MB', 'GB', 'TB', 'Ctrl', 'Alt', 'Del', 'Backspace', 'Enter',
  'PrintScreen', 'Shift', 'Tab', 'Esc', 'AM', 'PM', 'OK', 'Sosreport', 'sosreport', 'must-gather', 'HANGAR_SECRET_KEY', 'ms', 's',
  // commands and packages named as they are typed
  'qemu-guest-agent', 'qemu-ga', 'qemu-img', 'virsh', 'ls', 'kvm_pvm', 'kvm_intel', 'kvm_amd', 'sshd', 'systemd', 'journalctl', 'dmesg', 'ssh', 'ssh-agent', 'known_hosts',
];

/** Commands and other multi-word identifiers a Korean sentence quotes as they are typed. */
export const KOREAN_ALLOWED_PHRASES = ['hangar serve', 'hangar gather', 'npm start', 'npm run', 'qemu-img info'];

/**
 * Selectors whose text is data, not UI wording, on any page. `.user-text` is what a person wrote
 * (a VM's description), in whatever language. `.engine-text` is the engine's own
 * message (what a host or libvirt said), shown in English after a summary in the user's language.
 */
export const DATA_SELECTORS = 'code, pre, kbd, samp, input, textarea, .mono, [translate="no"], .user-text, .engine-text[lang="en"], .xterm, canvas, .uplot .u-legend .u-label';

/**
 * In Korean, every word a person reads is Korean, or a proper noun, unit or identifier from
 * KOREAN_ALLOWED_WORDS or `allow` (names the test itself created: hosts, VMs, pools…).
 */
export async function expectKorean(page: Page, allow: (string | RegExp)[] = []): Promise<void> {
  const ok = (w: string) =>
    KOREAN_ALLOWED_WORDS.includes(w) ||
    /\d/.test(w) || // versions, sizes, names with numbers (lab1, x86_64)
    /^[A-Z0-9_-]{2,}$/.test(w) || // acronyms and constants
    named.has(w) ||
    allow.some((a) => (typeof a === 'string' ? a === w : a.test(w)));
  const texts = await visibleText(page, DATA_SELECTORS);
  // Names the page itself marks as names (hosts, VMs, pools) are data wherever they appear.
  const names = await page.evaluate(() =>
    Array.from(document.querySelectorAll('[data-vm-name], [data-host-name], [data-pool-name]')).flatMap((e) =>
      ['data-vm-name', 'data-host-name', 'data-pool-name'].map((a) => e.getAttribute(a) ?? '').filter(Boolean),
    ),
  );
  const named = new Set(names.flatMap((n) => n.split(/[^A-Za-z0-9_'’-]+/)));
  const english: string[] = [];
  for (const raw of texts) {
    const t = KOREAN_ALLOWED_PHRASES.reduce((x, p) => x.split(p).join(' '), raw);
    // Paths, addresses and other identifiers with separators are data, not words.
    for (const token of t.split(/\s+/)) {
      if (/[/\\@:=]|\.\w/.test(token)) continue;
      // Command-line options (`--secret-key-file`) are typed as they are.
      if (/^--?[A-Za-z]/.test(token)) continue;
      // Latin runs inside the token (a Korean particle may be attached: "lab1에서").
      for (const run of token.match(/[A-Za-z0-9_'’-]+/g) ?? []) {
        const core = run.replace(/^[-'’_]+|[-'’_]+$/g, '');
        if (!/[A-Za-z]/.test(core) || ok(core)) continue;
        english.push(`${core}  ← "${t.slice(0, 80)}"`);
      }
    }
  }
  expect(english, `English words on the Korean page ${page.url()}`).toEqual([]);
}

/** The checks every screen must pass: no raw placeholders; in Korean, Korean; and a clean console when watched. */
export async function checkScreen(page: Page, opts: { lang?: 'en' | 'ko'; watch?: PageWatch; allowWords?: (string | RegExp)[]; allowConsole?: RegExp[] } = {}): Promise<void> {
  await expectNoRawPlaceholders(page);
  if (opts.lang === 'ko') await expectKorean(page, opts.allowWords);
  opts.watch?.expectClean(opts.allowConsole);
}

/**
 * WCAG contrast of two sRGB colours (1 to 21). Text needs at least 4.5 to be read comfortably.
 */
export function contrastRatio(a: readonly [number, number, number], b: readonly [number, number, number]): number {
  const lum = ([r, g, bl]: readonly [number, number, number]) => {
    const c = [r, g, bl].map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
