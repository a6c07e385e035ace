/**
 * Our codecs against bytes a real libvirtd sent and accepted (see load-fixtures.ts): every frame
 * decodes, libvirt's replies re-encode to the identical bytes, and decoded values equal what virsh
 * reported at capture time.
 */
import { describe, expect, it } from 'vitest';
import { decodeBuffer, encodeToBuffer, type Codec } from '../../../engine/libvirt/codec';
import { KEEPALIVE_PROGRAM, MessageStatus, MessageType, REMOTE_PROGRAM } from '../../../engine/libvirt/protocol/constants';
import { decodeRemoteError } from '../../../engine/libvirt/protocol/error';
import { decodeEvent } from '../../../engine/libvirt/protocol/events';
import { decodeMessage } from '../../../engine/libvirt/protocol/header';
import { PROCEDURES } from '../../../engine/libvirt/protocol/registry';
import * as C from '../../../engine/libvirt/protocol/connect';
import * as D from '../../../engine/libvirt/protocol/domain';
import * as N from '../../../engine/libvirt/protocol/network';
import * as V from '../../../engine/libvirt/protocol/storage';
import { paramsToRecord } from '../../../engine/libvirt/protocol/types';
import { fixture, frames, loadFixtures } from './load-fixtures';

function reply<R>(name: string, ret: Codec<R>, index = 0): R {
  const replies = frames(name, 'in')
    .map(decodeMessage)
    .filter((m) => m.header.type === MessageType.REPLY && m.header.status === MessageStatus.OK);
  const m = replies[index];
  if (!m) throw new Error(`fixture ${name} has no reply ${index}`);
  return decodeBuffer(ret, m.body);
}

describe('captured libvirt traffic', () => {
  const all = loadFixtures();

  it('has fixtures', () => {
    expect(all.length).toBeGreaterThan(10);
  });

  for (const f of all) {
    it(`${f.name}: every frame decodes; calls and replies round-trip byte for byte`, () => {
      for (const { dir, bytes } of f.frames) {
        const m = decodeMessage(bytes);
        expect(bytes.readUInt32BE(0)).toBe(bytes.length);
        if (m.header.prog === KEEPALIVE_PROGRAM) {
          expect(m.header.type).toBe(MessageType.MESSAGE);
          expect(m.body.length).toBe(0);
          continue;
        }
        expect(m.header.prog).toBe(REMOTE_PROGRAM);
        const proc = PROCEDURES.get(m.header.proc);
        switch (m.header.type) {
          case MessageType.CALL: {
            expect(dir).toBe('out');
            expect(proc, `procedure ${m.header.proc}`).toBeDefined();
            const args = decodeBuffer(proc!.args, m.body);
            expect(encodeToBuffer(proc!.args, args).equals(Buffer.from(m.body))).toBe(true);
            break;
          }
          case MessageType.REPLY: {
            expect(dir).toBe('in');
            if (m.header.status === MessageStatus.ERROR) {
              expect(decodeRemoteError(m.body, 'x').code).toBe('LIBVIRT_ERROR');
              break;
            }
            expect(proc, `procedure ${m.header.proc}`).toBeDefined();
            const ret = decodeBuffer(proc!.ret, m.body);
            // libvirt's encoder and ours agree on every byte, padding included.
            expect(encodeToBuffer(proc!.ret, ret).equals(Buffer.from(m.body))).toBe(true);
            break;
          }
          case MessageType.MESSAGE:
            expect(decodeEvent(m.header.proc, m.body)).not.toBeNull();
            break;
          case MessageType.STREAM:
            expect(m.header.proc).toBe(201);
            break;
          default:
            throw new Error(`unexpected message type ${m.header.type}`);
        }
      }
    });
  }

  it('decodes host facts as virsh reported them', () => {
    expect(reply('get-hostname', C.connectGetHostname.ret)).toBe(fixture('get-hostname').oracle['hostname']);
    expect(reply('get-lib-version', C.connectGetLibVersion.ret)).toBe(fixture('get-lib-version').oracle['libVersion']);
    const info = reply('node-get-info', C.nodeGetInfo.ret);
    expect(info).toMatchObject(fixture('node-get-info').oracle);
    const mem = reply('node-get-memory-stats', C.nodeGetMemoryStats.ret, 1);
    expect(Object.fromEntries(mem.params.map((p) => [p.field, p.value]))['total']).toBe(
      fixture('node-get-memory-stats').oracle['total'],
    );
  });

  it('decodes the inventory and XML as virsh listed them', () => {
    const list = reply('list-all-domains', D.connectListAllDomains.ret);
    const o = fixture('list-all-domains').oracle;
    expect(list.domains.map((d) => d.name).sort()).toEqual((o['names'] as string[]).sort());
    expect(list.domains.map((d) => d.uuid).sort()).toEqual((o['uuids'] as string[]).sort());
    expect(list.ret).toBe(list.domains.length);
    expect(reply('domain-get-xml-desc', D.domainGetXmlDesc.ret)).toBe(fixture('domain-get-xml-desc').oracle['xml']);
  });

  it('decodes lifecycle events (started, stopped) for the domain virsh names', () => {
    const o = fixture('domain-start-event').oracle;
    const events = frames('domain-start-event', 'in')
      .map(decodeMessage)
      .filter((m) => m.header.type === MessageType.MESSAGE)
      .map((m) => decodeEvent(m.header.proc, m.body));
    expect(events).toContainEqual({
      kind: 'domain-lifecycle',
      callbackId: o['callbackId'],
      dom: { name: o['name'], uuid: o['uuid'], id: o['id'] },
      event: 2,
      detail: 0,
    });
    const stop = frames('domain-destroy-event', 'in')
      .map(decodeMessage)
      .filter((m) => m.header.type === MessageType.MESSAGE)
      .map((m) => decodeEvent(m.header.proc, m.body));
    expect(stop.some((e) => e?.kind === 'domain-lifecycle' && e.event === fixture('domain-destroy-event').oracle['event'])).toBe(true);
  });

  it('decodes typed parameters of every kind, strings included, as virsh domstats printed them', () => {
    const [rec] = reply('get-all-domain-stats', D.connectGetAllDomainStats.ret);
    const p = paramsToRecord(rec!.params);
    const o = fixture('get-all-domain-stats').oracle;
    expect(p['state.state']).toBe(o['state.state']);
    expect(p['vcpu.current']).toBe(o['vcpu.current']);
    expect(p['block.0.name']).toBe(o['block.0.name']);
    expect(p['block.0.path']).toBe(o['block.0.path']);
    expect(Object.keys(p)).toHaveLength(o['paramCount'] as number);
    const types = new Set(rec!.params.map((x) => x.type));
    for (const t of [1, 2, 4, 7]) expect(types.has(t as 1)).toBe(true); // int, uint, ullong, string
  });

  it('decodes a libvirt error reply into LIBVIRT_ERROR with the libvirt code', () => {
    const m = frames('lookup-missing-domain', 'in').map(decodeMessage)[0]!;
    expect(m.header.status).toBe(MessageStatus.ERROR);
    const err = decodeRemoteError(m.body, 'domain lookup by name');
    const o = fixture('lookup-missing-domain').oracle;
    expect(err.details).toMatchObject({ libvirtCode: o['libvirtCode'], procedure: 'domain lookup by name' });
    expect(err.message).toContain(o['messageContains'] as string);
  });

  it('carries console bytes in STREAM messages on the serial of the open call', () => {
    const f = fixture('console-stream');
    const msgs = f.frames.map((x) => ({ dir: x.dir, m: decodeMessage(x.bytes) }));
    const serial = msgs[0]!.m.header.serial;
    const text = msgs
      .filter((x) => x.dir === 'in' && x.m.header.type === MessageType.STREAM && x.m.header.status === MessageStatus.CONTINUE)
      .map((x) => {
        expect(x.m.header.serial).toBe(serial);
        return Buffer.from(x.m.body).toString('latin1');
      })
      .join('');
    expect(text).toContain(f.oracle['banner']);
    expect(text).toContain(f.oracle['output']);
  });

  it('decodes storage pools and networks of the test driver as virsh listed them', () => {
    const pools = reply('list-all-storage-pools', V.connectListAllStoragePools.ret);
    expect(pools.pools.map((p) => p.name)).toEqual(fixture('list-all-storage-pools').oracle['names']);
    expect(reply('storage-pool-get-info', V.storagePoolGetInfo.ret).state).toBe(2); // running
    const nets = reply('list-all-networks', N.connectListAllNetworks.ret);
    expect(nets.nets.map((n) => n.name)).toEqual(fixture('list-all-networks').oracle['names']);
    expect(reply('network-get-xml-desc', N.networkGetXmlDesc.ret)).toBe(fixture('network-get-xml-desc').oracle['xml']);
  });
});
