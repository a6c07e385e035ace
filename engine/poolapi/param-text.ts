import type { z } from 'zod';

/** A zod refusal as one line for a REST client: `count: Too big: expected number to be <=50; …`. */
export function paramIssuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
}
