import type { z } from 'zod';
import type { ParamIssue } from '../contract/errors';

const sizeOf = (origin: unknown): ParamIssue['of'] => (origin === 'string' ? 'length' : origin === 'array' || origin === 'set' ? 'items' : 'number');

/** zod's issues ("Too big: expected number to be <=4194304" is for developers) as ParamIssues. */
export function paramIssues(error: z.ZodError): ParamIssue[] {
  return error.issues.map((i): ParamIssue => {
    const path = i.path.map(String).join('.');
    switch (i.code) {
      case 'too_big':
        return { path, rule: 'max', limit: Number(i.maximum), of: sizeOf(i.origin) };
      case 'too_small':
        return { path, rule: 'min', limit: Number(i.minimum), of: sizeOf(i.origin) };
      case 'invalid_type':
        return { path, rule: 'type', expected: String(i.expected) };
      case 'invalid_format':
        return { path, rule: 'format', expected: String(i.format), ...hintOf(i.message) };
      case 'invalid_value':
        return { path, rule: 'oneOf', choices: i.values.map(String) };
      case 'unrecognized_keys':
        return { path: [path, ...i.keys].filter(Boolean).join('.'), rule: 'unknownKey' };
      case 'not_multiple_of':
        return { path, rule: 'multipleOf', limit: Number(i.divisor) };
      default:
        return { path, rule: 'other', ...hintOf(i.message) };
    }
  });
}

/** zod's own wording starts like these; anything else is the schema author's hint for people. */
const ZOD_WORDING = /^(Invalid|Too (big|small)|Expected|Unrecognized)/;
const hintOf = (message: string): { hint?: string } => (message && !ZOD_WORDING.test(message) ? { hint: message } : {});

/** The same issue in plain English, for logs and for clients that show the message as is. */
export function describeIssue(i: ParamIssue): string {
  const field = i.path || 'the request';
  const unit = i.of === 'length' ? ' characters' : i.of === 'items' ? ' items' : '';
  switch (i.rule) {
    case 'max':
      return `${field} must be at most ${i.limit}${unit}`;
    case 'min':
      return `${field} must be at least ${i.limit}${unit}`;
    case 'type':
      return `${field} must be a ${i.expected}`;
    case 'format':
      return i.hint ? `${field}: ${i.hint}` : `${field} is not a valid ${i.expected}`;
    case 'oneOf':
      return `${field} must be one of ${i.choices?.join(', ')}`;
    case 'unknownKey':
      return `${field} is not a known field`;
    case 'multipleOf':
      return `${field} must be a multiple of ${i.limit}`;
    default:
      return i.hint ? `${field}: ${i.hint}` : `${field} is not valid`;
  }
}
