import { setup, teardown } from '../lab/global-setup';

/**
 * Playwright global setup: the lab specs need the hypervisor lab. Where it cannot run (not root)
 * nothing is brought up and those specs skip, saying why; the rest of the suite runs regardless.
 */
export default async function labSetup(): Promise<() => Promise<void>> {
  if (process.getuid?.() !== 0 || process.env.HANGAR_E2E_NO_LAB === '1') return async () => {};
  await setup();
  return teardown;
}
