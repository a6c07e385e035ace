import { Message } from '../../../engine/contract/message';
import type { HangarError } from '../../../engine/contract/errors';
import { translateMessage, type Translate } from '../i18n/translate';
import { fieldErrors } from './param-errors';

/**
 * An INVALID_PARAMS error's words by field path: the engine's own sentence for the field where it
 * sent one (`details.messages`, e.g. "overlaps 10.0.0.0/24 of network lab"), else the generic
 * wording of the rule it broke.
 */
export function fieldMessages(t: Translate, lang: string, error: HangarError | null): Record<string, string> {
  const out = fieldErrors(t, lang, error);
  const sent = error?.details?.['messages'];
  if (sent && typeof sent === 'object') {
    for (const [path, m] of Object.entries(sent)) {
      const msg = Message.safeParse(m);
      if (msg.success) out[path] = translateMessage(t, msg.data);
    }
  }
  return out;
}
