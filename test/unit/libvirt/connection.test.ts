/**
 * LibvirtConnection over the fake daemon (opened with frames captured from libvirt 9).
 *
 * Issue 14: event registration is per id. A daemon that refuses one id (an older libvirt that
 * lacks it) loses only that one; the rest register and their events still arrive, and the refused
 * ones are reported. A lost link still fails the whole registration.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LibvirtConnection } from '../../../engine/libvirt/connection';
import { decodeBuffer, int } from '../../../engine/libvirt/codec';
import { MessageStatus, MessageType } from '../../../engine/libvirt/protocol/constants';
import { remoteError } from '../../../engine/libvirt/protocol/error';
import { VolStreamFlag } from '../../../engine/libvirt/protocol/flags';
import { DomainEventId, INVENTORY_DOMAIN_EVENTS } from '../../../engine/libvirt/protocol/events';
import type { XdrWriter } from '../../../engine/libvirt/xdr';
import { encodeMessage, type MessageHeader } from '../../../engine/libvirt/protocol/header';
import { FakeDaemon, type Received } from './fake-daemon';
import { frames } from './load-fixtures';

const DOMAIN_REGISTER = 316;
const EXPECTED_CALLS = INVENTORY_DOMAIN_EVENTS.length + 3; // + network lifecycle, pool lifecycle and refresh

function reply(call: Received, status: MessageStatus, body: (w: XdrWriter) => void): Buffer {
  const h: MessageHeader = { ...call.msg.header, type: MessageType.REPLY, status };
  return encodeMessage(h, body);
}

/** libvirtd's answer to an event id it does not know (remoteDispatch…RegisterAny: "unsupported event ID"). */
function refusal(call: Received, eventID: number): Buffer {
  return reply(call, MessageStatus.ERROR, (w) =>
    remoteError.encode(w, {
      code: 1, // VIR_ERR_INTERNAL_ERROR, as libvirtd reports it
      domain: 7,
      message: `internal error: unsupported event ID ${eventID}`,
      level: 2,
      dom: null,
      str1: null,
      str2: null,
      str3: null,
      int1: eventID,
      int2: -1,
      net: null,
    }),
  );
}

describe('LibvirtConnection.registerInventoryEvents', () => {
  let daemon: FakeDaemon;
  let conn: LibvirtConnection;

  beforeEach(async () => {
    daemon = await FakeDaemon.start();
    const transport = await daemon.connectClient();
    // AUTH_LIST and CONNECT_OPEN answered with the frames captured from libvirt 9 (keepalive off).
    const captured = frames('open', 'in');
    const opening = LibvirtConnection.open(transport, { keepalive: { intervalMs: 0, count: 0 }, callTimeoutMs: 5000 });
    for (let i = 0; i < 2; i++) {
      const calls = await daemon.waitFor(i + 1);
      daemon.send(FakeDaemon.readdress(captured[i]!, calls[i]!.msg.header.serial));
    }
    conn = await opening;
  });
  afterEach(async () => {
    conn.rpc.close();
    await daemon.stop();
  });

  /** Answers every registration call with a callback id, except the ones `refuse` picks. */
  async function answer(refuse: (proc: number, eventID: number) => boolean): Promise<Received[]> {
    const calls = (await daemon.waitFor(2 + EXPECTED_CALLS)).slice(2);
    let next = 100;
    for (const c of calls) {
      const eventID = decodeBuffer(int, c.msg.body.subarray(0, 4), 'eventID');
      const cbId = next++;
      daemon.send(refuse(c.msg.header.proc, eventID) ? refusal(c, eventID) : reply(c, MessageStatus.OK, (w) => int.encode(w, cbId)));
    }
    return calls;
  }

  it('registers each id on its own, keeps those that succeed and reports the one the daemon lacks', async () => {
    expect(conn.unsupportedEvents).toBeNull();
    const registering = conn.registerInventoryEvents();
    const calls = await answer((proc, id) => proc === DOMAIN_REGISTER && id === DomainEventId.METADATA_CHANGE);
    expect(calls).toHaveLength(EXPECTED_CALLS);
    const result = await registering;
    expect(result.callbackIds).toHaveLength(EXPECTED_CALLS - 1);
    expect(result.unsupported).toEqual([{ event: 'domain METADATA_CHANGE', reason: 'internal error: unsupported event ID 23' }]);
    expect(conn.unsupportedEvents).toEqual(result.unsupported);
    expect(conn.closed).toBe(false);
  });

  it('reports nothing when the daemon has every id', async () => {
    const registering = conn.registerInventoryEvents();
    await answer(() => false);
    const result = await registering;
    expect(result.unsupported).toEqual([]);
    expect(new Set(result.callbackIds).size).toBe(EXPECTED_CALLS);
  });

  it('still fails as a whole when the connection is lost meanwhile', async () => {
    const registering = conn.registerInventoryEvents();
    await daemon.waitFor(2 + EXPECTED_CALLS);
    daemon.sock!.destroy();
    await expect(registering).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });

  it('refuses a sparse volume stream before asking the daemon (Hangar does not model holes)', async () => {
    const vol = { pool: 'p', name: 'v', key: '/p/v' };
    await expect(conn.storageVolDownload(vol, 0, 0, VolStreamFlag.SPARSE_STREAM)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(conn.storageVolUpload(vol, 0, 0, VolStreamFlag.SPARSE_STREAM)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await new Promise((r) => setTimeout(r, 50));
    expect(daemon.received).toHaveLength(2); // only the open
  });
});
