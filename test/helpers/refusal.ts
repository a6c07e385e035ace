import { HangarError } from '../../engine/contract/errors';

/** Awaits a promise that must fail with Hangar's error type, and returns that error. */
export async function refusal(p: Promise<unknown>): Promise<HangarError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HangarError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}
