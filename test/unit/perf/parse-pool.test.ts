import { describe, expect, it } from 'vitest';
import { closeParsePool, parseDomains, parseWorkerCount } from '../../../engine/xml/parse-pool';
import { EventLoopMonitor } from '../../../engine/perf/event-loop';
import { parseDomainXml } from '../../../engine/xml/domain-read';

const xml = (n: number) => `<domain type='kvm'><name>evloop-${n}</name><uuid>6a6e6761-0000-4000-8000-${String(n).padStart(12, '0')}</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu><cpu mode='host-passthrough'/><os><type arch='x86_64'>hvm</type></os><devices><interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/></interface><channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/></channel></devices></domain>`;

describe('domain XML parsing in worker threads', () => {
  it('gives what the engine-thread parser gives, in order, and says which XML is broken', async () => {
    const docs = Array.from({ length: 250 }, (_, i) => xml(i));
    docs[7] = '<domain><name>broken';
    const out = await parseDomains(docs);
    expect(out).toHaveLength(250);
    expect(out[0]).toEqual({ summary: parseDomainXml(docs[0]!) });
    expect(out[249]).toMatchObject({ summary: { name: 'evloop-249', agentState: 'disconnected', cpuMode: 'host-passthrough' } });
    expect(out[7]).toMatchObject({ error: expect.stringContaining('Malformed domain XML') });
    expect(parseWorkerCount()).toBeGreaterThan(0);
    await closeParsePool();
    expect(parseWorkerCount()).toBe(0);
  });
});

describe('event-loop monitor', () => {
  it('sees a blocked loop in max and p99, and logs the stall with what was running', async () => {
    const warnings: unknown[] = [];
    const m = new EventLoopMonitor();
    m.start({ debug() {}, info() {}, warn: (msg, f) => warnings.push({ msg, ...f }), error() {} });
    const since = Date.now();
    const end = m.begin('test busy loop');
    await new Promise((r) => setTimeout(r, 50));
    const t = Date.now();
    while (Date.now() - t < 180); // a stall
    end();
    await new Promise((r) => setTimeout(r, 1100));
    const s = m.stats(since);
    m.stop();
    expect(s.maxMs).toBeGreaterThanOrEqual(150);
    expect(s.samples).toBeGreaterThan(0);
    expect(m.recentStalls()[0]).toMatchObject({ activities: ['test busy loop'] });
    expect(warnings[0]).toMatchObject({ msg: 'event loop stalled', activities: ['test busy loop'] });
  });
});
