import { HangarError } from '../contract/errors';
import { isMethodName, methods, type MethodName } from '../contract/methods';
import type { CallContext, Handlers } from './handlers';
import { describeIssue, paramIssues } from './param-issues';

/**
 * Validates a call against the contract and runs its handler. Every transport goes through here,
 * so the renderer (untrusted) can never reach a handler with params the schema did not accept.
 */
export async function dispatch(handlers: Handlers, method: string, params: unknown, ctx: CallContext): Promise<unknown> {
  if (!isMethodName(method)) throw new HangarError('UNKNOWN_METHOD', `Unknown method: ${method}`);
  const schema = methods[method].params;
  const parsed = schema.safeParse(params ?? {});
  if (!parsed.success) {
    // Structured per field, so the UI can say it in the user's language next to the field.
    const issues = paramIssues(parsed.error);
    const said = issues.slice(0, 3).map(describeIssue).join('; ');
    throw new HangarError('INVALID_PARAMS', `${said[0]?.toUpperCase() ?? ''}${said.slice(1)}.`, { method, issues });
  }
  const handler = handlers[method] as (p: unknown, c: CallContext) => Promise<unknown>;
  return handler(parsed.data, ctx);
}

export type { MethodName };
