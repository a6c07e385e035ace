import { z } from 'zod';

/**
 * The closed set of error codes. Errors cross every transport as data, so the renderer can
 * translate a code into words a person can act on without parsing English messages.
 */
export const ERROR_CODES = [
  'BAD_REQUEST', // malformed envelope
  'UNKNOWN_METHOD',
  'INVALID_PARAMS',
  'UNAUTHORIZED', // missing or wrong token
  'FORBIDDEN', // wrong origin, wrong frame, not allowed here
  'NOT_FOUND',
  'CONFLICT', // state does not allow the operation (e.g. job already finished)
  'TIMEOUT',
  'CANCELLED',
  'UNREACHABLE', // host cannot be reached
  'AUTH_FAILED', // SSH or libvirt authentication refused
  'HOST_KEY_UNKNOWN', // needs the user to confirm a fingerprint
  'HOST_KEY_CHANGED', // pinned key differs: refused
  'LIBVIRT_ERROR',
  'SECRET_STORE_UNAVAILABLE',
  'UNSUPPORTED',
  'INTERNAL',
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorData = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorData = z.infer<typeof ErrorData>;

/**
 * One rejected parameter of an INVALID_PARAMS error (in `details.issues`), as data the UI puts
 * into words next to the field in the user's language: which field (dotted path), which rule it
 * broke, and the bound or choices involved.
 */
export const ParamIssue = z.object({
  path: z.string(),
  rule: z.enum(['max', 'min', 'type', 'format', 'oneOf', 'unknownKey', 'multipleOf', 'other']),
  /** For max/min/multipleOf: the bound; `of` says whether it counts a number, characters or items. */
  limit: z.number().optional(),
  of: z.enum(['number', 'length', 'items']).optional(),
  /** For type: the expected kind; for format: the format's name. */
  expected: z.string().optional(),
  /** For oneOf: the allowed values. */
  choices: z.array(z.string()).optional(),
  /** What the schema's author said a valid value looks like (English), where they said it. */
  hint: z.string().optional(),
});
export type ParamIssue = z.infer<typeof ParamIssue>;

/** The issues of an INVALID_PARAMS error, or none when the error is of another kind. */
export function paramIssuesOf(err: { code: ErrorCode; details?: Record<string, unknown> | undefined }): ParamIssue[] {
  if (err.code !== 'INVALID_PARAMS') return [];
  const parsed = z.array(ParamIssue).safeParse(err.details?.issues);
  return parsed.success ? parsed.data : [];
}

/** The one error type of Hangar. Anything thrown elsewhere becomes INTERNAL at the boundary. */
export class HangarError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'HangarError';
    this.code = code;
    this.details = details;
  }

  toData(): ErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static from(err: unknown): HangarError {
    if (err instanceof HangarError) return err;
    if (err instanceof Error && err.name === 'AbortError') return new HangarError('CANCELLED', 'Cancelled');
    const message = err instanceof Error ? err.message : String(err);
    return new HangarError('INTERNAL', message);
  }

  static fromData(data: ErrorData): HangarError {
    return new HangarError(data.code, data.message, data.details);
  }
}
