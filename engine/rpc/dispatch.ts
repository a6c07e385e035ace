import { HangarError } from '../contract/errors';
import { isMethodName, methods, type MethodName } from '../contract/methods';
import type { CallContext, Handlers } from './handlers';

/**
 * Validates a call against the contract and runs its handler. Every transport goes through here,
 * so the renderer (untrusted) can never reach a handler with params the schema did not accept.
 */
export async function dispatch(handlers: Handlers, method: string, params: unknown, ctx: CallContext): Promise<unknown> {
  if (!isMethodName(method)) throw new HangarError('UNKNOWN_METHOD', `Unknown method: ${method}`);
  const schema = methods[method].params;
  const parsed = schema.safeParse(params ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    const said = issues.slice(0, 3).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    throw new HangarError('INVALID_PARAMS', `Invalid params for ${method}: ${said}`, { issues });
  }
  const handler = handlers[method] as (p: unknown, c: CallContext) => Promise<unknown>;
  return handler(parsed.data, ctx);
}

export type { MethodName };
