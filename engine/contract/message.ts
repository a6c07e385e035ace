import { z } from 'zod';

/**
 * Text the engine wants a person to read (job titles, step text) travels as an i18n key with
 * arguments, so the renderer shows it in the user's language.
 */
export const Message = z.object({
  key: z.string(),
  args: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
export type Message = z.infer<typeof Message>;
