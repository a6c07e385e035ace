/**
 * Issue 13 items 4, 5, 10 and 11 as a newcomer sees them, in Chromium against the lab: the
 * Dashboard filled on a fresh page, figures that agree with the hosts, a readable serial console,
 * human validation errors, Saved confirmations, and every screen clean (no console error or CSP
 * violation, no raw {placeholder}, Korean in Korean). Set HANGAR_SCREENS_DIR to keep screenshots.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { formatBytes } from '../../renderer/src/components/format';
import { defineDomain, labTimeouts, readSerialLog, sshRun, testGuestXml, virsh, waitFor, type LabHost, type LabInfo } from '../lab/lab-info';
import { addLabHost, findVm } from './fleet-helpers';
import { labSpec } from './lab-fixture';
import { checkScreen, contrastRatio, watchContext, type PageWatch } from './screen-checks';
import { startServe, tempDataDir, type Serve } from './serve-fixture';

const labOf = labSpec();
test.describe.configure({ mode: 'serial' });

let serve: Serve;
let lab: LabInfo;
let h1: LabHost;
let context: BrowserContext;
let watch: PageWatch;
let page: Page;
const VM = `h3-look-${crypto.randomBytes(2).toString('hex')}`;
const SHOTS = process.env.HANGAR_SCREENS_DIR;
// Names this spec made or the lab has: data, not wording, on a Korean page.
const DATA_WORDS = () => [VM, ...lab.hosts.map((h) => h.name), 'default', 'shared', 'root', 'hangar-guest'];

async function shot(p: Page, name: string) {
  if (!SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  // The app scrolls inside its own frame: a tall window shows the whole page.
  const size = p.viewportSize();
  await p.setViewportSize({ width: 1280, height: 1500 });
  await p.waitForTimeout(300);
  await p.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  if (size) await p.setViewportSize(size);
}

/** A call to the engine from the page, over its own authenticated socket (what no button offers). */
async function engineCall(p: Page, method: string, params: unknown): Promise<unknown> {
  return p.evaluate(
    ([m, prm]) =>
      new Promise((resolve, reject) => {
        const token = sessionStorage.getItem('hangar.token');
        const ws = new WebSocket(`ws://${location.host}/ws`, ['hangar.v1', `hangar.token.${token}`]);
        ws.onopen = () => ws.send(JSON.stringify({ type: 'request', id: 1, method: m, params: prm }));
        ws.onmessage = (e) => {
          const msg = JSON.parse(String(e.data)) as { id: number; ok: boolean; result?: unknown; error?: unknown };
          if (msg.id !== 1) return;
          ws.close();
          if (msg.ok) resolve(msg.result);
          else reject(new Error(JSON.stringify(msg.error)));
        };
      }),
    [method, params] as const,
  );
}

async function setLanguage(p: Page, lang: 'en' | 'ko') {
  await p.getByTestId('nav-settings').click();
  await p.getByTestId('settings-language').selectOption(lang);
  await expect(p.locator('html')).toHaveAttribute('lang', lang);
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(240_000);
  lab = labOf();
  h1 = lab.hosts[0]!;
  await defineDomain(h1, testGuestXml({ name: VM, lab }));
  await virsh(h1, ['start', VM]);
  await waitFor(`${VM} to boot`, async () => (await readSerialLog(h1, VM)).includes(lab.guest.banner), labTimeouts(lab).bootMs, 500);
  serve = await startServe(await tempDataDir(), [], { HOME: await tempDataDir() });
  context = await browser.newContext();
  watch = await watchContext(context);
  page = await context.newPage();
  await page.goto(serve.url);
  for (const h of lab.hosts) await addLabHost(page, lab, h);
});

test.afterAll(async () => {
  await context?.close();
  await serve?.stop();
  await sshRun(h1, `virsh destroy ${VM} >/dev/null 2>&1; virsh undefine ${VM} >/dev/null 2>&1; true`).catch(() => undefined);
});

test('a fresh page opened on the Dashboard fills its tiles and Top consumers without navigating', async () => {
  const fresh = await context.newPage();
  await fresh.goto(serve.url); // straight to #/dashboard, as the printed link does
  await expect(fresh.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected');
  const top = fresh.getByTestId('top-consumers');
  for (const tile of ['tile-vcpu', 'tile-memory', 'tile-storage']) {
    await expect(fresh.getByTestId(tile).locator('.big-number')).not.toHaveText('—', { timeout: 20_000 });
  }
  for (const id of ['trend-vms', 'trend-vcpu', 'trend-memory', 'trend-storage']) {
    await expect(fresh.getByTestId(id)).not.toHaveAttribute('data-points', '0', { timeout: 20_000 });
  }
  // Top consumers never said "not connected", and lists our guest once it has a minute of samples.
  await expect(top.getByRole('alert')).toHaveCount(0);
  await expect(top.getByTestId('top-memory').locator(`[data-vm-name="${VM}"]`)).toBeVisible({ timeout: 100_000 });
  await expect(top.getByRole('alert')).toHaveCount(0);
  expect(new URL(fresh.url()).hash).toBe('#/dashboard');

  // One definition per figure. Host memory: the sum of what each host's libvirt calls its memory,
  // as the Hosts page shows it; storage: every pool once, the shared one counted once.
  let memKiB = 0;
  let storage = 0;
  const pools = new Map<string, number>();
  for (const h of lab.hosts) {
    memKiB += Number(/Memory size:\s+(\d+) KiB/.exec((await sshRun(h, 'virsh nodeinfo')))?.[1]);
    const out = (await sshRun(h, `for p in $(virsh -q pool-list --name); do echo "$p $(virsh pool-dumpxml $p | grep -o '<path>[^<]*') $(virsh pool-info --bytes $p | awk '/Capacity/ {print $2}')"; done`));
    for (const line of out.trim().split('\n')) {
      const [name, where, cap] = line.split(' ');
      pools.set(name === 'shared' ? `shared ${where}` : `${h.name} ${name}`, Number(cap));
    }
  }
  for (const c of pools.values()) storage += c;
  await expect(fresh.getByTestId('tile-memory').locator('.big-number')).toHaveText(new RegExp(` / ${formatBytes(memKiB * 1024, 'en').replace('.', '\\.')}$`), { timeout: 20_000 });
  await expect(fresh.getByTestId('tile-storage').locator('.big-number')).toHaveText(new RegExp(` / ${formatBytes(storage, 'en').replace('.', '\\.')}$`));
  await checkScreen(fresh, { lang: 'en', watch });
  await shot(fresh, 'h3-ui-dashboard-fresh-en');
  await fresh.close();
});

test('the serial console is light text on a dark ground, in a monospace font, readable', async () => {
  const row = await findVm(page, VM);
  await row.getByRole('link', { name: VM }).click();
  await page.getByTestId('vm-tab-console').click();
  await page.getByTestId('console-kind-serial').click();
  await expect(page.getByTestId('console-status')).toHaveAttribute('data-status', 'connected', { timeout: 60_000 });
  const term = page.getByTestId('serial-screen');
  await term.click();
  await page.keyboard.press('Enter');
  await page.keyboard.type('echo READABLE-hangar-0123456789');
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await term.locator('.xterm-rows').innerText()).includes('READABLE-hangar-0123456789'), { timeout: 20_000 }).toBe(true);

  // The terminal's own styles applied (a CSP that blocks them leaves a proportional jumble).
  const mono = await term.locator('.xterm-rows').evaluate((el) => {
    const st = getComputedStyle(el);
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = `${st.fontSize} ${st.fontFamily}`;
    return { family: st.fontFamily, narrow: ctx.measureText('iiiiiiiiii').width, wide: ctx.measureText('WWWWWWWWWW').width };
  });
  expect(mono.family).toMatch(/mono/i);
  expect(mono.narrow).toBeCloseTo(mono.wide, 0);

  // What a person sees: the screen's pixels. Background = the commonest colour; text = the
  // brightest glyph pixels. Their contrast must reach WCAG AA (4.5:1) by a margin.
  const png = (await term.screenshot()).toString('base64');
  const { bg, fg, lit } = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const counts = new Map<number, number>();
    const lum: Array<[number, number]> = [];
    for (let i = 0; i < d.length; i += 4) {
      const rgb = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
      counts.set(rgb, (counts.get(rgb) ?? 0) + 1);
      lum.push([0.2126 * d[i]! + 0.7152 * d[i + 1]! + 0.0722 * d[i + 2]!, rgb]);
    }
    const bgRgb = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    lum.sort((a, b) => b[0] - a[0]);
    const top = lum.slice(0, Math.max(20, Math.floor(lum.length * 0.002)));
    const avg = [0, 8, 16].map((s) => Math.round(top.reduce((a, [, rgb]) => a + ((rgb >> (16 - s)) & 255), 0) / top.length));
    const split = (rgb: number) => [(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255];
    return { bg: split(bgRgb), fg: avg, lit: lum.filter(([l]) => l > 128).length };
  }, png);
  const ratio = contrastRatio(fg as [number, number, number], bg as [number, number, number]);
  expect(lit, 'text pixels on the serial screen').toBeGreaterThan(200);
  expect(Math.max(...bg), 'a dark background').toBeLessThan(60);
  expect(ratio, `text ${fg} on ${bg}`).toBeGreaterThanOrEqual(7);
  await checkScreen(page, { lang: 'en', watch });
});

test("Save says it saved; a rejected value is explained at its field in the user's language", async () => {
  const row = await findVm(page, VM);
  await row.getByRole('link', { name: VM }).click();
  await page.getByTestId('vm-tab-details').click();
  await page.getByTestId('vm-edit-description').fill(`checked by ${VM}`);
  await page.getByTestId('vm-edit-save').click();
  await expect(page.getByTestId('vm-edit-saved')).toHaveText('✓ Changes saved.');
  await page.getByTestId('vm-edit-memory').fill('99999999');
  await page.getByTestId('vm-edit-save').click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Memory (MiB) must be at most 4,194,304.');
  await expect(alert).not.toContainText(/Invalid params|expected number|memoryMiB/);
  await setLanguage(page, 'ko');
  await expect(page.getByTestId('settings-saved')).toHaveText('✓ 설정을 저장했습니다.');
  const row2 = await findVm(page, VM);
  await row2.getByRole('link', { name: VM }).click();
  await page.getByTestId('vm-tab-details').click();
  await page.getByTestId('vm-edit-memory').fill('99999999');
  await page.getByTestId('vm-edit-save').click();
  await expect(page.getByRole('alert')).toContainText('메모리(MiB): 4,194,304 이하여야 합니다.');
  await checkScreen(page, { lang: 'ko', watch, allowWords: DATA_WORDS() });
  await setLanguage(page, 'en');
});

test('every screen reads right in English and in Korean: Dashboard, Tasks, Settings, serial console, bundle viewer', async () => {
  test.setTimeout(300_000);
  // A task that failed and one that succeeded, for the Tasks page.
  await engineCall(page, 'engine.selfTest', { steps: 3, stepMs: 100, failAtStep: 2 });
  await engineCall(page, 'engine.selfTest', { steps: 2, stepMs: 100 });
  // A small bundle from the host with the fewest domains (other runners may have defined
  // thousands), for the viewer.
  const counts = await Promise.all(lab.hosts.map(async (h) => Number((await sshRun(h, 'virsh list --all --name | grep -c . || true')).trim())));
  const from = lab.hosts[counts.indexOf(Math.min(...counts))]!;
  await page.getByTestId('nav-diagnostics').click();
  await page.getByTestId('diag-tab-collect').click();
  for (const h of lab.hosts) if (h !== from) await page.locator(`[data-testid="collect-host"][data-host-name="${h.name}"]`).uncheck();
  await page.getByTestId('collect-vm-details').uncheck();
  await page.getByTestId('collect-start').click();
  await expect(page.getByTestId('collect-result')).toBeVisible({ timeout: 180_000 });

  for (const lang of ['en', 'ko'] as const) {
    await setLanguage(page, lang);
    const check = () => checkScreen(page, { lang, watch, allowWords: DATA_WORDS() });

    await page.getByTestId('nav-dashboard').click();
    await expect(page.getByTestId('tile-memory').locator('.big-number')).not.toHaveText('—');
    await check();
    await shot(page, `h3-ui-dashboard-${lang}`);

    await page.getByTestId('nav-tasks').click();
    const failed = page.locator('[data-testid="job-row"][data-state="failed"]').first();
    await expect(failed).toBeVisible();
    // A failed task's bar stands still; its time reads in the UI's language.
    await expect(failed.locator('.progress-bar')).not.toHaveClass(/indeterminate/);
    expect(await failed.locator('.progress-bar').evaluate((el) => getComputedStyle(el).animationName)).toBe('none');
    if (lang === 'ko') await expect(failed.locator('td').nth(4)).toHaveText(/오전|오후/);
    else await expect(failed.locator('td').nth(4)).toHaveText(/AM|PM/);
    // Badges and headers stay on one line (no "성/공").
    const broken = await page.locator('.badge, .table th').evaluateAll((els) =>
      els.flatMap((e) => {
        const r = document.createRange();
        r.selectNodeContents(e);
        const tops = new Set(Array.from(r.getClientRects()).filter((x) => x.width > 0).map((x) => Math.round(x.top)));
        return tops.size > 1 ? [e.textContent ?? ''] : [];
      }),
    );
    expect(broken, 'badges and headers broken over lines').toEqual([]);
    await check();
    await shot(page, `h3-ui-tasks-${lang}`);

    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-metrics-interval').fill('5');
    await check();
    await expect(page.getByTestId('secrets-status')).not.toContainText('key-file');
    await shot(page, `h3-ui-settings-${lang}`);

    const row = await findVm(page, VM);
    await row.getByRole('link', { name: VM }).click();
    await page.getByTestId('vm-tab-console').click();
    await page.getByTestId('console-kind-serial').click();
    await expect(page.getByTestId('console-status')).toHaveAttribute('data-status', 'connected', { timeout: 60_000 });
    await page.getByTestId('serial-screen').click();
    await page.keyboard.type('ls /\n');
    await page.waitForTimeout(1000);
    await check();
    await shot(page, `h3-ui-serial-${lang}`);

    await page.getByTestId('nav-diagnostics').click();
    await page.getByTestId('diag-tab-bundles').click();
    await page.getByTestId('bundle-list-item').first().click();
    const viewer = page.getByTestId('bundle-viewer');
    await expect(viewer.getByTestId('bundle-summary')).toBeVisible({ timeout: 60_000 });
    await expect(viewer.getByTestId('bundle-summary')).toContainText(lang === 'ko' ? /파일 [\d,]+개/ : /[\d,]+ files/);
    await check();
    await shot(page, `h3-ui-bundle-${lang}`);
    await viewer.getByTestId('bundle-tab-files').click();
    await check();
  }
  await setLanguage(page, 'en');
});

test('every page and every VM tab: no console error or CSP violation, no raw {placeholder}, Korean in Korean', async () => {
  test.setTimeout(240_000);
  const routes = ['dashboard', 'hosts', 'vms', 'templates', 'diagnostics', 'tasks', 'settings'];
  const vmTabs = ['overview', 'details', 'metrics', 'console', 'disks', 'nics', 'events', 'diagnostics', 'xml'];
  for (const lang of ['en', 'ko'] as const) {
    await setLanguage(page, lang);
    const check = () => checkScreen(page, { lang, watch, allowWords: DATA_WORDS() });
    for (const r of routes) {
      await page.getByTestId(`nav-${r}`).click();
      await page.waitForTimeout(500);
      await check();
    }
    for (const tab of ['alerts', 'collect', 'bundles']) {
      await page.getByTestId('nav-diagnostics').click();
      await page.getByTestId(`diag-tab-${tab}`).click();
      await page.waitForTimeout(300);
      await check();
    }
    const row = await findVm(page, VM);
    await row.getByRole('link', { name: VM }).click();
    for (const tab of vmTabs) {
      await page.getByTestId(`vm-tab-${tab}`).click();
      await page.waitForTimeout(tab === 'console' || tab === 'metrics' ? 2000 : 500);
      await check();
    }
  }
  await setLanguage(page, 'en');
});
