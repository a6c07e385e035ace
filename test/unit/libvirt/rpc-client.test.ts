/**
 * RpcClient behaviour against a scripted peer speaking captured libvirt frames: pipelining,
 * out-of-order and torn replies, timeouts, aborts, close, keepalive, events, streams.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HangarError } from '../../../engine/contract/errors';
import { RpcClient } from '../../../engine/libvirt/rpc-client';
import * as C from '../../../engine/libvirt/protocol/connect';
import * as D from '../../../engine/libvirt/protocol/domain';
import * as V from '../../../engine/libvirt/protocol/storage';
import { KEEPALIVE_PROGRAM, MessageStatus, MessageType, REMOTE_PROGRAM } from '../../../engine/libvirt/protocol/constants';
import { decodeMessage, encodeMessage } from '../../../engine/libvirt/protocol/header';
import type { LibvirtEvent } from '../../../engine/libvirt/protocol/events';
import { FakeDaemon } from './fake-daemon';
import { fixture, frames } from './load-fixtures';

const hostnameReply = frames('get-hostname', 'in')[0]!;
const nodeInfoReply = frames('node-get-info', 'in')[0]!;
const errorReply = frames('lookup-missing-domain', 'in')[0]!;
const dom = { name: 'fx', uuid: '9074996b-f2f4-4dca-9cd0-a66fd4c80907', id: 1 };
const vol = { pool: 'p', name: 'v', key: '/p/v' };

function streamFrame(serial: number, proc: number, status: number, payload?: Buffer): Buffer {
  return encodeMessage(
    { prog: REMOTE_PROGRAM, vers: 1, proc, type: MessageType.STREAM, serial, status: status as 0 },
    payload ? (w) => w.raw(payload) : undefined,
  );
}

describe('RpcClient', () => {
  let daemon: FakeDaemon;
  let client: RpcClient;

  beforeEach(async () => {
    daemon = await FakeDaemon.start();
    client = new RpcClient(await daemon.connectClient(), { callTimeoutMs: 5000 });
  });
  afterEach(async () => {
    client.close();
    await daemon.stop();
  });

  it('pipelines calls and matches replies by serial, in any order', async () => {
    const host = client.call(C.connectGetHostname, undefined);
    const info = client.call(C.nodeGetInfo, undefined);
    expect(client.inFlight).toBe(2);
    const [a, b] = await daemon.waitFor(2);
    expect(a!.msg.header.serial).not.toBe(b!.msg.header.serial);
    // Answer the second call first.
    daemon.send(FakeDaemon.readdress(nodeInfoReply, b!.msg.header.serial));
    daemon.send(FakeDaemon.readdress(hostnameReply, a!.msg.header.serial));
    expect(await host).toBe(fixture('get-hostname').oracle['hostname']);
    expect(await info).toMatchObject(fixture('node-get-info').oracle);
  });

  it('reassembles replies torn into single bytes and coalesced with each other', async () => {
    const calls = [client.call(C.connectGetHostname, undefined), client.call(C.nodeGetInfo, undefined)];
    const [a, b] = await daemon.waitFor(2);
    const both = Buffer.concat([
      FakeDaemon.readdress(hostnameReply, a!.msg.header.serial),
      FakeDaemon.readdress(nodeInfoReply, b!.msg.header.serial),
    ]);
    for (let i = 0; i < both.length; i++) {
      daemon.send(both.subarray(i, i + 1));
      if (i % 16 === 0) await new Promise((r) => setImmediate(r));
    }
    const [host, info] = await Promise.all(calls);
    expect(host).toBe(fixture('get-hostname').oracle['hostname']);
    expect(info).toMatchObject({ cpus: fixture('node-get-info').oracle['cpus'] });
  });

  it('times out a call, drops its late reply, and keeps working', async () => {
    const slow = client.call(C.connectGetHostname, undefined, { timeoutMs: 100 });
    const [a] = await daemon.waitFor(1);
    await expect(slow).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(client.inFlight).toBe(0);
    daemon.send(FakeDaemon.readdress(hostnameReply, a!.msg.header.serial)); // late
    const next = client.call(C.connectGetHostname, undefined);
    const [, b] = await daemon.waitFor(2);
    daemon.send(FakeDaemon.readdress(hostnameReply, b!.msg.header.serial));
    expect(await next).toBe(fixture('get-hostname').oracle['hostname']);
    expect(client.closed).toBe(false);
  });

  it('cancels a call with an AbortSignal', async () => {
    const ac = new AbortController();
    const p = client.call(C.connectGetHostname, undefined, { signal: ac.signal });
    await daemon.waitFor(1);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('turns an error reply into LIBVIRT_ERROR', async () => {
    const p = client.call(D.domainLookupByName, 'no-such-domain');
    const [a] = await daemon.waitFor(1);
    daemon.send(FakeDaemon.readdress(errorReply, a!.msg.header.serial));
    await expect(p).rejects.toMatchObject({ code: 'LIBVIRT_ERROR', details: { libvirtCode: 42 } });
  });

  it('fails every pending call with UNREACHABLE when the peer goes away, and emits close once', async () => {
    const closes: HangarError[] = [];
    client.on('close', (e) => closes.push(e));
    const pending = [client.call(C.connectGetHostname, undefined), client.call(C.nodeGetInfo, undefined)];
    await daemon.waitFor(2);
    daemon.sock!.destroy();
    for (const p of pending) await expect(p).rejects.toMatchObject({ code: 'UNREACHABLE' });
    await expect(client.call(C.connectGetHostname, undefined)).rejects.toMatchObject({ code: 'UNREACHABLE' });
    expect(closes).toHaveLength(1);
  });

  it('drops the connection (UNREACHABLE, no crash) on a frame that cannot be libvirt', async () => {
    const p = client.call(C.connectGetHostname, undefined);
    await daemon.waitFor(1);
    daemon.send(Buffer.from('00000003deadbeef', 'hex'));
    await expect(p).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });

  it('answers the daemon PING with the PONG libvirt expects', async () => {
    const ping = frames('keepalive', 'in').find((f) => f.readUInt32BE(4) === KEEPALIVE_PROGRAM)!;
    const pong = frames('keepalive', 'out')[0]!;
    daemon.send(ping); // answered even before our own keepalive runs
    const [got] = await daemon.waitFor(1);
    expect(got!.frame.equals(pong)).toBe(true);
  });

  it('pings an idle peer and declares it dead after `count` unanswered pings', async () => {
    const closed = new Promise<HangarError>((r) => client.once('close', r));
    const t0 = Date.now();
    client.startKeepalive({ intervalMs: 50, count: 2 });
    const err = await closed;
    expect(err.code).toBe('UNREACHABLE');
    expect(Date.now() - t0).toBeLessThan(1000);
    const pings = daemon.received.filter((r) => r.msg.header.prog === KEEPALIVE_PROGRAM);
    expect(pings.length).toBe(2);
    expect(pings.every((p) => p.msg.header.proc === 1 && p.msg.header.type === MessageType.MESSAGE)).toBe(true);
  });

  it('dispatches event messages as typed events', async () => {
    const events: LibvirtEvent[] = [];
    client.on('event', (e) => events.push(e));
    const msgs = frames('domain-start-event', 'in').filter((f) => decodeMessage(f).header.type === MessageType.MESSAGE);
    for (const m of msgs) daemon.send(m);
    await new Promise((r) => setTimeout(r, 50));
    expect(events.map((e) => e.kind)).toEqual(msgs.map(() => 'domain-lifecycle'));
    expect(events.at(-1)).toMatchObject({ dom: { name: 'fx' }, event: 2 });
  });

  it('reads a console stream, finishes on EOF with the handshake, and delivers every byte', async () => {
    const f = fixture('console-stream');
    const inFrames = f.frames.filter((x) => x.dir === 'in').map((x) => x.bytes);
    const openReply = inFrames[0]!;
    const data = inFrames.slice(1).filter((b) => decodeMessage(b).header.status === MessageStatus.CONTINUE);
    const opening = client.openStream(D.domainOpenConsole, { dom, devName: null, flags: 0 }, { readable: true, writable: true });
    const [call] = await daemon.waitFor(1);
    const serial = call!.msg.header.serial;
    daemon.send(FakeDaemon.readdress(openReply, serial));
    const con = await opening;
    let text = '';
    con.on('data', (b: Buffer) => (text += b.toString('latin1')));
    const ended = new Promise((r) => con.once('end', r));
    for (const d of data) daemon.send(FakeDaemon.readdress(d, serial));
    daemon.send(streamFrame(serial, 201, MessageStatus.CONTINUE)); // empty data = EOF
    const [, finish] = await daemon.waitFor(2);
    expect(finish!.msg.header).toMatchObject({ type: MessageType.STREAM, status: MessageStatus.OK, serial });
    daemon.send(streamFrame(serial, 201, MessageStatus.OK)); // confirm
    await ended;
    expect(text).toContain(f.oracle['banner']);
    expect(text).toContain(f.oracle['output']);
  });

  it('applies backpressure: an unread stream pauses the socket, reading resumes it losslessly', async () => {
    const opening = client.openStream(V.storageVolDownload, { vol, offset: 0, length: 0, flags: 0 }, { readable: true, writable: false });
    const [call] = await daemon.waitFor(1);
    const serial = call!.msg.header.serial;
    daemon.send(FakeDaemon.readdress(encodeMessage({ ...call!.msg.header, type: MessageType.REPLY }), serial));
    const dl = await opening;
    const chunk = Buffer.alloc(256 * 1024);
    const total = 24;
    for (let i = 0; i < total; i++) {
      chunk.fill(i);
      daemon.send(streamFrame(serial, 209, MessageStatus.CONTINUE, chunk));
    }
    daemon.send(streamFrame(serial, 209, MessageStatus.CONTINUE));
    // Nobody reads: a call behind the 6 MiB of stream data cannot complete yet.
    const host = client.call(C.connectGetHostname, undefined);
    const [, h] = await daemon.waitFor(2);
    daemon.send(FakeDaemon.readdress(hostnameReply, h!.msg.header.serial));
    const early = await Promise.race([host.then(() => 'answered'), new Promise((r) => setTimeout(() => r('stalled'), 300))]);
    expect(early).toBe('stalled');
    const received: Buffer[] = [];
    for await (const b of dl) received.push(b as Buffer);
    const all = Buffer.concat(received);
    expect(all.length).toBe(total * chunk.length);
    for (let i = 0; i < total; i++) expect(all[i * chunk.length]).toBe(i);
    expect(await host).toBe(fixture('get-hostname').oracle['hostname']);
  });

  it('uploads in chunks of at most 256 KiB and resolves end() on the daemon confirmation', async () => {
    const opening = client.openStream(V.storageVolUpload, { vol, offset: 0, length: 0, flags: 0 }, { readable: false, writable: true });
    const [call] = await daemon.waitFor(1);
    const serial = call!.msg.header.serial;
    daemon.send(FakeDaemon.readdress(encodeMessage({ ...call!.msg.header, type: MessageType.REPLY }), serial));
    const up = await opening;
    const payload = Buffer.alloc(600 * 1024, 7);
    up.write(payload);
    const finished = new Promise((r) => up.once('finish', r));
    up.end();
    await daemon.waitFor(5);
    const got = daemon.received.slice(1);
    const dataMsgs = got.filter((r) => r.msg.header.status === MessageStatus.CONTINUE);
    expect(dataMsgs.map((r) => r.msg.body.length)).toEqual([262144, 262144, 614400 - 524288]);
    expect(got.at(-1)!.msg.header).toMatchObject({ type: MessageType.STREAM, status: MessageStatus.OK, serial });
    let done = false;
    void finished.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false); // not before the daemon confirmed
    daemon.send(streamFrame(serial, 208, MessageStatus.OK));
    await finished;
  });

  it('fails a stream with the daemon error', async () => {
    const opening = client.openStream(D.domainOpenConsole, { dom, devName: null, flags: 0 }, { readable: true, writable: true });
    const [call] = await daemon.waitFor(1);
    const serial = call!.msg.header.serial;
    daemon.send(FakeDaemon.readdress(frames('console-stream', 'in')[0]!, serial));
    const con = await opening;
    const failed = new Promise<Error>((r) => con.once('error', r));
    const err = decodeMessage(errorReply);
    daemon.send(streamFrame(serial, 201, MessageStatus.ERROR, Buffer.from(err.body)));
    expect(await failed).toMatchObject({ code: 'LIBVIRT_ERROR' });
  });
  // Issue 14/21: libvirtd may send a download's first data, even its end, before the call's reply.
  it('keeps stream data that arrives before the call\'s reply, even past the read buffer, and its end', async () => {
    const opening = client.openStream(V.storageVolDownload, { vol, offset: 0, length: 0, flags: 0 }, { readable: true, writable: false });
    const [call] = await daemon.waitFor(1);
    const serial = call!.msg.header.serial;
    const chunk = Buffer.alloc(256 * 1024);
    for (let i = 0; i < 3; i++) daemon.send(streamFrame(serial, 209, MessageStatus.CONTINUE, chunk.fill(i + 1)));
    daemon.send(streamFrame(serial, 209, MessageStatus.CONTINUE)); // EOF, still before the reply
    await daemon.waitFor(2); // our finish answers the EOF
    daemon.send(FakeDaemon.readdress(encodeMessage({ ...call!.msg.header, type: MessageType.REPLY }), serial));
    const dl = await opening;
    daemon.send(streamFrame(serial, 209, MessageStatus.OK));
    const received: Buffer[] = [];
    for await (const b of dl) received.push(b as Buffer);
    const all = Buffer.concat(received);
    expect(all.length).toBe(3 * chunk.length);
    expect([all[0], all[chunk.length], all[2 * chunk.length]]).toEqual([1, 2, 3]);
  });

  it('fails the opening call with a stream error that came before its reply, without an unhandled error', async () => {
    const opening = client.openStream(V.storageVolDownload, { vol, offset: 0, length: 0, flags: 0 }, { readable: true, writable: false });
    const [call] = await daemon.waitFor(1);
    const serial = call!.msg.header.serial;
    daemon.send(streamFrame(serial, 209, MessageStatus.ERROR, Buffer.from(decodeMessage(errorReply).body)));
    daemon.send(FakeDaemon.readdress(encodeMessage({ ...call!.msg.header, type: MessageType.REPLY }), serial));
    await expect(opening).rejects.toMatchObject({ code: 'LIBVIRT_ERROR' });
    // The connection goes on.
    const host = client.call(C.connectGetHostname, undefined);
    const [, h] = await daemon.waitFor(2);
    daemon.send(FakeDaemon.readdress(hostnameReply, h!.msg.header.serial));
    expect(await host).toBe(fixture('get-hostname').oracle['hostname']);
  });

  it('refuses a sparse-stream hole instead of silently shortening the data, and aborts the stream', async () => {
    const opening = client.openStream(V.storageVolDownload, { vol, offset: 0, length: 0, flags: 0 }, { readable: true, writable: false });
    const [call] = await daemon.waitFor(1);
    const serial = call!.msg.header.serial;
    daemon.send(FakeDaemon.readdress(encodeMessage({ ...call!.msg.header, type: MessageType.REPLY }), serial));
    const dl = await opening;
    const failed = new Promise<Error>((r) => dl.once('error', r));
    const hole = encodeMessage({ prog: REMOTE_PROGRAM, vers: 1, proc: 209, type: MessageType.STREAM_HOLE, serial, status: MessageStatus.CONTINUE }, (w) => w.raw(Buffer.from([0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0])));
    daemon.send(hole);
    expect(await failed).toMatchObject({ code: 'UNSUPPORTED' });
    const [, abort] = await daemon.waitFor(2);
    expect(abort!.msg.header).toMatchObject({ type: MessageType.STREAM, status: MessageStatus.ERROR, serial });
  });

  // Issue 14: a stream packet is never dropped unseen.
  it('reports a stream packet for a serial it never opened, and keeps working', async () => {
    const seen: unknown[] = [];
    client.on('unknown-stream', (p) => seen.push(p));
    daemon.send(streamFrame(4242, 209, MessageStatus.CONTINUE, Buffer.alloc(10, 1)));
    const host = client.call(C.connectGetHostname, undefined);
    const [h] = await daemon.waitFor(1);
    daemon.send(FakeDaemon.readdress(hostnameReply, h!.msg.header.serial));
    expect(await host).toBe(fixture('get-hostname').oracle['hostname']);
    expect(seen).toEqual([{ serial: 4242, proc: 209, type: MessageType.STREAM, status: MessageStatus.CONTINUE, bytes: 10 }]);
  });

  it('ignores late packets of a stream that ended on its side, without reporting them', async () => {
    const seen: unknown[] = [];
    client.on('unknown-stream', (p) => seen.push(p));
    const opening = client.openStream(V.storageVolDownload, { vol, offset: 0, length: 0, flags: 0 }, { readable: true, writable: false });
    const [call] = await daemon.waitFor(1);
    const serial = call!.msg.header.serial;
    daemon.send(FakeDaemon.readdress(encodeMessage({ ...call!.msg.header, type: MessageType.REPLY }), serial));
    const dl = await opening;
    dl.destroy(); // the reader gives up: an abort goes to the daemon…
    const [, abort] = await daemon.waitFor(2);
    expect(abort!.msg.header).toMatchObject({ type: MessageType.STREAM, status: MessageStatus.ERROR, serial });
    // …which had more data in flight.
    daemon.send(streamFrame(serial, 209, MessageStatus.CONTINUE, Buffer.alloc(10)));
    const host = client.call(C.connectGetHostname, undefined);
    const [, , h] = await daemon.waitFor(3);
    daemon.send(FakeDaemon.readdress(hostnameReply, h!.msg.header.serial));
    await host;
    expect(seen).toEqual([]);
  });

  it('aborts, once, a stream whose opening call it gave up on when its data arrives first', async () => {
    const seen: unknown[] = [];
    client.on('unknown-stream', (p) => seen.push(p));
    const opening = client.openStream(V.storageVolDownload, { vol, offset: 0, length: 0, flags: 0 }, { readable: true, writable: false }, { timeoutMs: 50 });
    await expect(opening).rejects.toMatchObject({ code: 'TIMEOUT' });
    const [call] = await daemon.waitFor(1);
    const serial = call!.msg.header.serial;
    daemon.send(streamFrame(serial, 209, MessageStatus.CONTINUE, Buffer.alloc(10)));
    daemon.send(streamFrame(serial, 209, MessageStatus.CONTINUE, Buffer.alloc(10)));
    // The abort goes out on the data, without waiting for a reply that may come late or never.
    const [, abort] = await daemon.waitFor(2);
    expect(abort!.msg.header).toMatchObject({ type: MessageType.STREAM, status: MessageStatus.ERROR, serial });
    daemon.send(FakeDaemon.readdress(encodeMessage({ ...call!.msg.header, type: MessageType.REPLY }), serial)); // the late reply
    const host = client.call(C.connectGetHostname, undefined);
    const [, , h] = await daemon.waitFor(3);
    daemon.send(FakeDaemon.readdress(hostnameReply, h!.msg.header.serial));
    await host;
    const aborts = daemon.received.filter((r) => r.msg.header.serial === serial && r.msg.header.type === MessageType.STREAM);
    expect(aborts.map((r) => r.msg.header.status)).toEqual([MessageStatus.ERROR]);
    expect(seen).toEqual([]);
  });
});
