/**
 * remote_error (virNetMessageError) and its mapping onto Hangar's one error type.
 */
import { decodeBuffer, int, optional, struct, type Infer } from '../codec';
import { HangarError } from '../../contract/errors';
import { networkRef, optDomainRef, optString } from './types';

export const remoteError = struct({
  code: int,
  domain: int,
  message: optString,
  level: int,
  dom: optDomainRef,
  str1: optString,
  str2: optString,
  str3: optString,
  int1: int,
  int2: int,
  net: optional(networkRef),
});
export type RemoteError = Infer<typeof remoteError>;

/**
 * A few virErrorNumber values callers branch on. The full list is libvirt's virerror.h; the number
 * travels in details.libvirtCode either way.
 */
export const VirErrorCode = {
  NO_SUPPORT: 3,
  OPERATION_INVALID: 55,
  NO_DOMAIN: 42,
  NO_NETWORK: 43,
  RPC: 39,
  AUTH_FAILED: 45,
  NO_STORAGE_POOL: 49,
  NO_STORAGE_VOL: 50,
  NO_DOMAIN_SNAPSHOT: 72,
} as const;

export function toHangarError(e: RemoteError, procName: string): HangarError {
  const message = e.message ?? `libvirt error ${e.code} in ${procName}`;
  return new HangarError('LIBVIRT_ERROR', message, {
    libvirtCode: e.code,
    domain: e.domain,
    level: e.level,
    procedure: procName,
  });
}

/** Decodes an error body; a body that is not a remote_error still yields a typed error. */
export function decodeRemoteError(body: Uint8Array, procName: string): HangarError {
  try {
    return toHangarError(decodeBuffer(remoteError, body, 'remote_error'), procName);
  } catch (err) {
    return err instanceof HangarError ? err : HangarError.from(err);
  }
}
