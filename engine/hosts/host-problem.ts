import { HangarError, type ErrorData } from '../contract/errors';
import type { Message } from '../contract/message';

/**
 * Why a host cannot be used, in words a person reads (an i18n key, `hostProblem.*`, in both
 * languages). The technical error stays beside it as `lastError`/`details` for whoever needs it;
 * the words never quote commands, sockets or millisecond timeouts.
 */
export function hostProblem(err: ErrorData): Message {
  const d = err.details ?? {};
  const reason = typeof d['reason'] === 'string' ? d['reason'] : undefined;
  const cause = typeof d['cause'] === 'string' ? d['cause'] : undefined;
  const path = typeof d['path'] === 'string' ? d['path'] : '';
  switch (err.code) {
    case 'HOST_KEY_CHANGED':
      return { key: d['revoked'] === true ? 'hostProblem.keyRevoked' : 'hostProblem.keyChanged' };
    case 'HOST_KEY_UNKNOWN':
      return { key: 'hostProblem.keyUnknown' };
    case 'AUTH_FAILED':
      return { key: reason === 'libvirt-denied' ? 'hostProblem.libvirtDenied' : 'hostProblem.authFailed' };
    case 'INVALID_PARAMS':
      if (reason === 'key-file-relative') return { key: 'hostProblem.keyFileRelative', args: { path } };
      if (reason === 'key-file-missing') return { key: 'hostProblem.keyFileMissing', args: { path } };
      if (reason === 'key-file-unreadable') return { key: 'hostProblem.keyFileUnreadable', args: { path } };
      if (reason === 'key-file-none') return { key: 'hostProblem.keyFileNone' };
      return { key: 'hostProblem.other' };
    case 'CONFLICT':
      if (reason === 'duplicate-host') return { key: 'hostProblem.duplicate', args: { name: String(d['existingName'] ?? '') } };
      return { key: 'hostProblem.other' };
    case 'TIMEOUT':
      return { key: 'hostProblem.noAnswer' };
    case 'UNREACHABLE':
      if (reason === 'libvirt-down') return { key: 'hostProblem.libvirtDown' };
      if (reason === 'libvirt-lost') return { key: 'hostProblem.libvirtLost' };
      if (reason === 'keepalive' || reason === 'link-lost') return { key: 'hostProblem.linkLost' };
      if (cause === 'ECONNREFUSED') return { key: 'hostProblem.sshRefused' };
      if (cause === 'ENOTFOUND' || cause === 'EAI_AGAIN') return { key: 'hostProblem.unknownName' };
      if (cause === 'ETIMEDOUT' || cause === 'EHOSTUNREACH' || cause === 'ENETUNREACH' || cause === 'EHOSTDOWN') return { key: 'hostProblem.noAnswer' };
      return { key: 'hostProblem.unreachable' };
    default:
      return { key: 'hostProblem.other' };
  }
}

/** The same error, carrying `details.message` (the words, as every engine error that has them) and `details.reason` where given. */
export function withProblem(err: unknown, reason?: string): HangarError {
  const e = HangarError.from(err);
  const details = { ...(e.details ?? {}), ...(reason && !e.details?.['reason'] ? { reason } : {}) };
  const data: ErrorData = { code: e.code, message: e.message, details };
  return new HangarError(e.code, e.message, { ...details, message: hostProblem(data) });
}
