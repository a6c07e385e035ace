/**
 * The two halves of the RFB handshake the console bridge performs (RFC 6143 §7.1–7.2).
 *
 * Towards the VM's VNC server Hangar is the client: it authenticates with the password from the
 * domain XML, so the password never leaves the engine. Towards the viewer (noVNC) Hangar is the
 * server and offers only "None": the viewer was already authenticated by its single-use ticket.
 * After both halves, the bytes are piped unchanged, starting with the viewer's ClientInit.
 */
import type { Duplex } from 'node:stream';
import { HangarError } from '../contract/errors';
import { readExact } from './byte-reader';
import { vncAuthResponse } from './vnc-auth';

const VERSION_38 = 'RFB 003.008\n';
const SEC_NONE = 1;
const SEC_VNC_AUTH = 2;

function write(stream: Duplex, data: Uint8Array | string): void {
  stream.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
}

async function readReason(stream: Duplex, signal: AbortSignal): Promise<string> {
  const len = (await readExact(stream, 4, signal, 'VNC server')).readUInt32BE(0);
  if (len === 0 || len > 4096) return '';
  return (await readExact(stream, len, signal, 'VNC server')).toString('utf8');
}

/**
 * Client side, towards the VM's VNC server (QEMU). Resolves once the server awaits ClientInit.
 *
 * Our version and security choice are sent at once, not after the server's messages: QEMU reads
 * them from its buffer when it gets there, and each round trip saved is one trip through SSH to a
 * busy QEMU. Which type QEMU offers follows from the XML (a password means VNC authentication); if
 * it offers something else, the answer says so and the opening fails clearly.
 */
export async function authenticateToServer(server: Duplex, password: string | null, signal: AbortSignal): Promise<void> {
  const chosen = password === null ? SEC_NONE : SEC_VNC_AUTH;
  write(server, VERSION_38);
  write(server, Uint8Array.of(chosen));
  const version = (await readExact(server, 12, signal, 'VNC server')).toString('latin1');
  const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(version);
  if (!m) throw new HangarError('UNSUPPORTED', 'The console endpoint did not answer as a VNC server');
  if (Number(m[1]) < 3 || (Number(m[1]) === 3 && Number(m[2]) < 8)) throw new HangarError('UNSUPPORTED', `VNC server speaks ${version.trim()}; Hangar needs RFB 3.8`);
  const count = (await readExact(server, 1, signal, 'VNC server'))[0] ?? 0;
  if (count === 0) throw new HangarError('LIBVIRT_ERROR', `The VNC server refused the connection: ${await readReason(server, signal)}`);
  const types = [...(await readExact(server, count, signal, 'VNC server'))];
  if (!types.includes(chosen)) {
    if (password === null && types.includes(SEC_VNC_AUTH)) throw new HangarError('AUTH_FAILED', 'The VNC server wants a password and the domain XML has none');
    throw new HangarError('UNSUPPORTED', `The VNC server offers only security types ${types.join(', ')} (TLS or SASL VNC is not supported yet)`);
  }
  if (chosen === SEC_VNC_AUTH) {
    const challenge = await readExact(server, 16, signal, 'VNC server');
    write(server, vncAuthResponse(password ?? '', challenge));
  }
  const result = (await readExact(server, 4, signal, 'VNC server')).readUInt32BE(0);
  if (result !== 0) {
    const reason = await readReason(server, signal).catch(() => '');
    throw new HangarError('AUTH_FAILED', `The VNC server refused the password from the domain XML${reason ? `: ${reason}` : ''}`);
  }
}

/** Server side, towards the viewer: version 3.8, security "None". Resolves before ClientInit. */
export async function acceptViewer(viewer: Duplex, signal: AbortSignal): Promise<void> {
  write(viewer, VERSION_38);
  const version = (await readExact(viewer, 12, signal, 'viewer')).toString('latin1');
  if (!/^RFB 003\.00[378]\n$/.test(version)) throw new HangarError('BAD_REQUEST', 'The viewer did not speak RFB');
  if (version !== VERSION_38) {
    // 3.3 and 3.7 viewers: 3.3 gets the type as a u32 and no result; noVNC always says 3.8.
    throw new HangarError('UNSUPPORTED', `Viewer speaks ${version.trim()}; RFB 3.8 is required`);
  }
  write(viewer, Uint8Array.of(1, SEC_NONE));
  const choice = (await readExact(viewer, 1, signal, 'viewer'))[0];
  if (choice !== SEC_NONE) throw new HangarError('BAD_REQUEST', 'The viewer chose a security type that was not offered');
  write(viewer, Uint8Array.of(0, 0, 0, 0));
}
