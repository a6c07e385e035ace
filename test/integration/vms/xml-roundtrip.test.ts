/**
 * Issue 21 #8 and #9 on real libvirt.
 * - Every domain XML on the lab hosts (saved definitions and running domains' live XML), and crafted ones (character references, comments, CDATA,
 *   foreign metadata namespaces, quote styles), survives parse → serialise byte for byte, and a
 *   vCPU-only edit changes only the vCPU; through the engine, libvirt's own re-read shows no other
 *   change (before: `&#10;` came back as `&amp;#10;`).
 * - vms.defineXml takes the UUID from /domain/uuid: another VM's XML with this VM's UUID in a
 *   comment is refused, and the other VM is left as it was.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../engine/engine';
import { applyEdits } from '../../../engine/xml/domain-edit';
import { parseXml, serializeXml } from '../../../engine/xml/lossless';
import { CRAFTED } from '../../unit/xml/domain-xml-corpus';
import { labEngine } from '../fleet/lab-engine';
import { defineDomain, readLabInfo, sshRun, testGuestXml, virsh, waitFor, type LabHost } from '../../lab/lab-info';
import { runJob } from '../../helpers/run-job';

const lab = readLabInfo();
const h1 = lab.hosts[0] as LabHost;
const tag = crypto.randomBytes(3).toString('hex');
/** The lab's own test guest, running, so the corpus has a live XML with everything libvirt adds. */
const GUEST = `h5-guest-${tag}`;

/** The crafted corpus as lab domains: `h5-` names with this run's tag, fresh UUIDs, the lab's domain type. */
const crafted = Object.entries(CRAFTED).map(([key, xml]) => {
  const name = `h5-${key.toLowerCase()}-${tag}`;
  const uuid = crypto.randomUUID();
  const x = xml
    .replace(/<name>[^<]*<\/name>/, `<name>${name}</name>`)
    .replace(/(<domain[^>]*?type\s*=\s*)(['"])kvm\2/, `$1$2${lab.domainType}$2`)
    .replace(/<uuid>[0-9a-f-]{36}<\/uuid>/, `<uuid>${uuid}</uuid>`);
  return { key, name, uuid, xml: x };
});

const dumpxml = (host: LabHost, name: string) => virsh(host, ['dumpxml', '--inactive', '--security-info', '--', name]);
const vcpuOnly = (xml: string, n: number): string => {
  const el = /<vcpu[^>]*>\d+<\/vcpu>/.exec(xml)![0];
  // The count becomes the maximum and the current number alike (a `current` below it would hide it).
  return xml.replace(el, el.replace(/>\d+</, `>${n}<`).replace(/\s+current=(['"])\d+\1/, ''));
};

describe('domain XML round trips on the lab', () => {
  let t: { engine: Engine; dispose(): Promise<void> } | undefined;
  let engine: Engine;

  beforeAll(async () => {
    for (const c of crafted) await defineDomain(h1, c.xml);
    await defineDomain(h1, testGuestXml({ name: GUEST, memoryMiB: 128 }));
    await virsh(h1, ['start', GUEST]);
  }, 60_000);

  /** The engine, once the corpus is read (its inventory of a busy lab would compete for the CPU). */
  async function withEngine(): Promise<Engine> {
    if (t) return engine;
    t = await labEngine(lab, 'h5-xml');
    engine = t.engine;
    await engine.call('hosts.add', { address: h1.address, name: h1.name, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h1.hostKeyFingerprint });
    await waitFor('the crafted VMs in the inventory', async () => {
      const names = (await engine.call('vms.list', {})).vms.map((v) => v.name);
      return crafted.every((c) => names.includes(c.name));
    }, 60_000, 200);
    return engine;
  }

  afterAll(async () => {
    await t?.dispose();
    await sshRun(h1, [`virsh destroy ${GUEST}`, `virsh undefine ${GUEST}`, ...crafted.map((c) => `virsh undefine --nvram -- ${c.name}`)].map((c) => `${c} >/dev/null 2>&1`).join('; ') + '; true').catch(() => undefined);
  });

  it('every lab domain, live and inactive, and the crafted ones: byte-identical with no edit, only <vcpu> changed by a vCPU edit', async () => {
    const corpus: Array<{ what: string; xml: string }> = crafted.map((c) => ({ what: `crafted ${c.key}`, xml: c.xml }));
    // One SSH round trip and few processes per host (the lab may hold thousands of bench domains):
    // every persistent definition as libvirt saved it (with its generated comment header), as
    // `file:line` from one grep, then the live XML of each running domain followed by a NUL.
    const dumpAll =
      `grep -H '' /etc/libvirt/qemu/*.xml 2>/dev/null; printf '\\0'; ` +
      `for u in $(virsh list --uuid); do x=$(virsh dumpxml "$u" 2>/dev/null) && printf 'live %s\\n%s\\0' "$u" "$x"; done; true`;
    const t = Date.now();
    for (const h of lab.hosts) {
      const out = await sshRun(h, dumpAll, { timeoutMs: 60_000 });
      const [saved = '', ...live] = out.split('\0');
      const files = new Map<string, string>();
      for (const line of saved.split('\n').slice(0, -1)) {
        const at = line.indexOf(':');
        files.set(line.slice(0, at), (files.get(line.slice(0, at)) ?? '') + line.slice(at + 1) + '\n');
      }
      for (const [file, xml] of files) corpus.push({ what: `${h.name}:${file}`, xml });
      for (const rec of live.filter((r) => r.trim())) {
        const nl = rec.indexOf('\n');
        corpus.push({ what: `${h.name}:${rec.slice(0, nl)}`, xml: rec.slice(nl + 1) });
      }
    }
    console.log(`dumped in ${Date.now() - t} ms`);
    expect(corpus.filter((c) => c.what.includes(GUEST) || c.xml.includes(`<name>${GUEST}</name>`))).toHaveLength(2);
    const t0 = Date.now();
    const broken: string[] = [];
    for (const { what, xml } of corpus) {
      if (serializeXml(parseXml(xml)) !== xml) broken.push(`${what}: not byte-identical`);
      else if (applyEdits(xml, { vcpus: 7 }) !== vcpuOnly(xml, 7)) broken.push(`${what}: a vCPU edit changed more than <vcpu>`);
    }
    expect(broken).toEqual([]);
    console.log(`domain XML corpus: ${corpus.length} documents (${corpus.length - crafted.length} from ${lab.hosts.length} lab hosts), checked in ${Date.now() - t0} ms`);
  });

  it('a vCPU change through the engine leaves everything else as libvirt had it', async () => {
    await withEngine();
    const vms = (await engine.call('vms.list', {})).vms;
    for (const c of crafted) {
      const before = await dumpxml(h1, c.name);
      const vm = vms.find((v) => v.name === c.name)!;
      await runJob(engine, 'vms.update', { vmId: vm.id, vcpus: 2 });
      const after = await dumpxml(h1, c.name);
      expect(after, c.key).toBe(vcpuOnly(before, 2));
    }
    // What the crafted references mean survived libvirt's re-read too.
    const refs = await dumpxml(h1, crafted.find((c) => c.key === 'numericRefs')!.name);
    expect(refs).toContain(`/a&apos;b &amp; c.qcow2`);
    expect(refs).toMatch(/text="first&#10;second&#9;tab"/);
    expect(refs).not.toContain('&amp;#');
  });

  it('defineXml refuses another VM’s XML carrying this VM’s UUID in a comment, and leaves the other VM alone', async () => {
    await withEngine();
    const vms = (await engine.call('vms.list', {})).vms;
    const [a, b] = [crafted[0]!, crafted[1]!];
    const vmA = vms.find((v) => v.name === a.name)!;
    const bBefore = await dumpxml(h1, b.name);
    expect(bBefore).not.toContain('<description>');
    const hostile = bBefore
      .replace(/<domain([^>]*)>/, `<domain$1>\n  <!-- <uuid>${a.uuid}</uuid> -->`)
      .replace('</name>', `</name>\n  <description>overwritten through ${a.name}</description>`);
    await expect(runJob(engine, 'vms.defineXml', { vmId: vmA.id, xml: hostile })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    expect(await dumpxml(h1, b.name)).toBe(bBefore);

    // The same trick with CDATA and foreign metadata, and two <uuid>s, are refused too.
    for (const xml of [
      bBefore.replace('</name>', `</name><description><![CDATA[<uuid>${a.uuid}</uuid>]]></description>`),
      bBefore.replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${a.uuid}</uuid><uuid>${b.uuid}</uuid>`),
    ]) {
      await expect(runJob(engine, 'vms.defineXml', { vmId: vmA.id, xml })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    }
    expect(await dumpxml(h1, b.name)).toBe(bBefore);

    // A's own XML with a comment naming B's UUID is still A's: accepted.
    const aBefore = await dumpxml(h1, a.name);
    const own = aBefore.replace(/<domain([^>]*)>/, `<domain$1>\n  <!-- <uuid>${b.uuid}</uuid> -->`).replace(/<title>[^<]*<\/title>/, '<title>edited</title>');
    await runJob(engine, 'vms.defineXml', { vmId: vmA.id, xml: own });
    expect(await dumpxml(h1, a.name)).toContain('<title>edited</title>');
    expect(await dumpxml(h1, b.name)).toBe(bBefore);
  });
});
