import { expect, type Page } from '@playwright/test';
import type { LabHost, LabInfo } from '../lab/lab-info';

/** Adds a lab host through the Hosts page as a user would, confirming its fingerprint. */
export async function addLabHost(page: Page, lab: LabInfo, h: LabHost) {
  await page.getByTestId('nav-hosts').click();
  await page.getByTestId('add-host').click();
  await page.getByTestId('host-address').fill(h.address);
  await page.getByTestId('host-user').fill('root');
  await page.getByTestId('host-auth').selectOption('key');
  await page.getByTestId('host-key-path').fill(lab.keyPath);
  await page.getByTestId('host-name').fill(h.name);
  await page.getByTestId('submit-host').click();
  // The engine does not know this host: the user compares the fingerprint and trusts it.
  await expect(page.getByTestId('host-key-fingerprint')).toHaveText(h.hostKeyFingerprint);
  await page.getByTestId('trust-host-key').click();
  const row = page.locator(`[data-testid="host-row"][data-host-name="${h.name}"]`);
  await expect(row).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
  return row;
}

/** The VM list narrowed to one VM by search; returns its row. */
export async function findVm(page: Page, name: string) {
  await page.getByTestId('nav-vms').click();
  await page.getByTestId('vm-search').fill(name);
  return page.locator(`[data-testid="vm-row"][data-vm-name="${name}"]`);
}

/** Records, in the page, whether it ever left the VM page (a poll could miss a short flash of "gone"). */
export async function watchForGone(p: Page) {
  await p.evaluate(() => {
    const w = window as unknown as { vmGoneSeen: boolean };
    w.vmGoneSeen = false;
    new MutationObserver(() => {
      if (!document.querySelector('[data-testid="vm-detail"]')) w.vmGoneSeen = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
}

/** Whether the VM page was ever gone since watchForGone. */
export const goneSeen = (p: Page) => p.evaluate(() => (window as unknown as { vmGoneSeen: boolean }).vmGoneSeen);
