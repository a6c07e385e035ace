/**
 * The message header (virNetMessageHeader) and whole-message encoding: length word, header, body.
 */
import { XdrReader, XdrWriter, xdrError } from '../xdr';
import { HEADER_SIZE, LENGTH_WORD, MESSAGE_MAX, MessageStatus, MessageType } from './constants';

export interface MessageHeader {
  prog: number;
  vers: number;
  proc: number;
  type: MessageType;
  serial: number;
  status: MessageStatus;
}

/** A received message: its header and a view of its body (valid until the next frame). */
export interface Message {
  header: MessageHeader;
  body: Uint8Array;
}

const TYPES = new Set<number>(Object.values(MessageType));
const STATUSES = new Set<number>(Object.values(MessageStatus));

export function decodeHeader(r: XdrReader): MessageHeader {
  const prog = r.uint();
  const vers = r.uint();
  const proc = r.int();
  const type = r.int();
  const serial = r.uint();
  const status = r.int();
  if (!TYPES.has(type)) throw xdrError(`unknown message type ${type}`);
  if (!STATUSES.has(status)) throw xdrError(`unknown message status ${status}`);
  return { prog, vers, proc, type: type as MessageType, serial, status: status as MessageStatus };
}

/** Parses one complete frame (length word included) into header and body. */
export function decodeMessage(frame: Uint8Array): Message {
  if (frame.length < LENGTH_WORD + HEADER_SIZE) throw xdrError(`frame of ${frame.length} bytes is too short`);
  const r = new XdrReader(frame, LENGTH_WORD);
  const header = decodeHeader(r);
  return { header, body: frame.subarray(LENGTH_WORD + HEADER_SIZE) };
}

/**
 * Encodes a whole message. `body` writes the payload after the header; the length word is
 * patched in at the end so the message costs one buffer and one socket write.
 */
export function encodeMessage(header: MessageHeader, body?: (w: XdrWriter) => void): Buffer {
  const w = new XdrWriter(128);
  w.uint(0); // length, patched below
  w.uint(header.prog);
  w.uint(header.vers);
  w.int(header.proc);
  w.int(header.type);
  w.uint(header.serial);
  w.int(header.status);
  body?.(w);
  if (w.length > MESSAGE_MAX) throw xdrError(`message of ${w.length} bytes exceeds ${MESSAGE_MAX}`);
  w.patchUint(0, w.length);
  return w.finish();
}
