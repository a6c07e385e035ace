import { describe, expect, it } from 'vitest';
import { parseDomainXml } from '../../../engine/xml/domain-read';
import { applyEdits } from '../../../engine/xml/domain-edit';
import { parseXml, serializeXml } from '../../../engine/xml/lossless';
import { CRAFTED } from './domain-xml-corpus';

const XML = `<domain type='kvm'>
  <name>a</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <metadata><h:vm xmlns:h="https://hangar.dev/xmlns/domain/1"><h:group>g</h:group></h:vm></metadata>
  <memory unit='KiB'>262144</memory>
  <currentMemory unit='KiB'>262144</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <devices><disk type='file' device='disk'><source file='/x &amp; y.qcow2'/><target dev='vda' bus='virtio'/></disk></devices>
</domain>`;

describe('domain XML edits', () => {
  it('change memory and vCPUs and keep everything else', () => {
    const out = applyEdits(XML, { memoryMiB: 512, vcpus: 2, description: 'web <1>' });
    const d = parseDomainXml(out);
    expect(d).toMatchObject({ memoryKiB: 524288, currentMemoryKiB: 524288, vcpus: 2, description: 'web <1>', name: 'a' });
    expect(d.disks[0]?.source).toBe('/x & y.qcow2');
    expect(d.hangar?.group).toBe('g');
    expect(d.bootOrder).toEqual(['hd']);
    expect(out).toContain("<vcpu placement='static'>2</vcpu>");
  });
  it('rewrites labels and group, keeping origin, and reorders boot devices and firmware', () => {
    const x = applyEdits(XML.replace('<h:group>g</h:group>', '<h:group>g</h:group><h:origin>base:shared/b.qcow2</h:origin>'), {
      labels: { env: 'prod', 'team/x': 'a&b' },
      group: 'web',
      bootOrder: ['cdrom', 'hd'],
      firmware: 'efi',
    });
    const d = parseDomainXml(x);
    expect(d.hangar).toMatchObject({ labels: { env: 'prod', 'team/x': 'a&b' }, group: 'web', origin: 'base:shared/b.qcow2' });
    expect(d.bootOrder).toEqual(['cdrom', 'hd']);
    expect(d.firmware).toBe('efi');
    const back = parseDomainXml(applyEdits(x, { firmware: 'bios', group: null, labels: {} }));
    expect(back.firmware).toBe('bios');
    expect(back.hangar).toMatchObject({ labels: {}, group: null, origin: 'base:shared/b.qcow2' });
  });

  it('adds Hangar metadata to a domain another tool made', () => {
    const other = `<domain type='kvm'><name>o</name><uuid>u</uuid><memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices/></domain>`;
    expect(parseDomainXml(applyEdits(other, { labels: { a: '1' } })).hangar?.labels).toEqual({ a: '1' });
  });

  it.each(Object.entries(CRAFTED))('parses and serialises %s byte for byte', (_name, xml) => {
    expect(serializeXml(parseXml(xml))).toBe(xml);
  });

  it.each(Object.entries(CRAFTED))('changes only the vCPU element of %s on a vCPU-only edit', (_name, xml) => {
    const out = applyEdits(xml, { vcpus: 3 });
    const vcpu = /<vcpu[^>]*>\d+<\/vcpu>/.exec(xml)![0];
    expect(out).toBe(xml.replace(vcpu, vcpu.replace(/>\d+</, '>3<')));
  });

  it.each([
    ['a byte-order mark and non-ASCII text', `\uFEFF<domain><name>한국어 ✓</name></domain>`],
    ['markup characters inside quoted attributes', `<domain a="x > y" b='"' c="<&amp;>"><x/></domain>`],
    ['a CDATA section next to an escaped ]]>', `<domain><?pi data?><a><![CDATA[ <b> ]]> ]]&gt; </a></domain>`],
    ['a start tag over several lines', `<domain\n  type="kvm"\n  id="1"\n></domain>`],
  ])('parses and serialises %s byte for byte', (_name, xml) => {
    expect(serializeXml(parseXml(xml))).toBe(xml);
  });

  it('keeps newlines and tabs in label keys and values', () => {
    const out = applyEdits(XML, { labels: { 'two\nlines': 'a\tb\nc' } });
    expect(parseDomainXml(out).hangar?.labels).toEqual({ 'two\nlines': 'a\tb\nc' });
  });

  it('refuses malformed XML rather than guessing', () => {
    expect(() => applyEdits('<domain><name>x</domain>', { vcpus: 1 })).toThrow(/Malformed XML/);
    expect(() => applyEdits('<domain a="1><name>x</name></domain>', { vcpus: 1 })).toThrow(/Malformed XML/);
  });

  it('keeps character references through every kind of edit', () => {
    const out = applyEdits(CRAFTED.numericRefs!, { memoryMiB: 512, description: 'new', labels: { a: 'b' }, group: 'g', bootOrder: ['cdrom', 'hd'], firmware: 'efi' });
    expect(out).not.toContain('&amp;#');
    expect(out).toContain(`<source file='/a&#39;b &amp; c.qcow2'/>`);
    expect(out).toContain(`text="first&#10;second&#9;tab"`);
    expect(out).toContain(`<title>h5 &#x263A; &#34;title&#34;</title>`);
    expect(out).toContain(`<description>new</description>`);
    expect(parseDomainXml(out)).toMatchObject({ memoryKiB: 524288, description: 'new', bootOrder: ['cdrom', 'hd'], firmware: 'efi' });
    expect(parseDomainXml(out).hangar).toMatchObject({ labels: { a: 'b' }, group: 'g' });
    expect(serializeXml(parseXml(out))).toBe(out);
  });

  it('refuses what is not a domain', () => {
    expect(() => applyEdits('<network/>', { vcpus: 1 })).toThrow(/Not a domain/);
  });
});
