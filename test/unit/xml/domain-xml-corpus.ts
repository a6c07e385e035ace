/**
 * Issue 21 #8: what libvirt and other tools write, with everything a careless round trip breaks.
 * `&#10;` and `&#39;` are character references a re-serialiser turns into `&amp;#10;`. Each is also
 * a domain libvirt accepts (the lab test defines them).
 */
export const CRAFTED: Record<string, string> = {
  numericRefs: `<domain type='kvm'>
  <name>h5-refs</name>
  <uuid>6d1f0a52-1b8e-4d3c-9b1a-2f3e4d5c6b7a</uuid>
  <title>h5 &#x263A; &#34;title&#34;</title>
  <description>line one&#10;a &lt;b&gt; &amp; c &#x263A; &#39;q&#39; &quot;d&quot;</description>
  <metadata>
    <app:note xmlns:app="http://example.com/app/1" text="first&#10;second&#9;tab" who='o&apos;brien'>keep &#169; this</app:note>
  </metadata>
  <memory unit='KiB'>262144</memory>
  <currentMemory unit='KiB'>262144</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='hd'/>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/a&#39;b &amp; c.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
`,
  commentsAndCdata: `<?xml version="1.0" encoding="UTF-8"?>
<!-- made by hand; <uuid>00000000-0000-0000-0000-000000000000</uuid> is not this one -->
<domain type="kvm" xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0">
  <name>h5-cdata</name>
  <uuid>0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d</uuid>
  <metadata>
    <x:cfg xmlns:x="urn:example:cfg"><x:script><![CDATA[if a < b && c > d then echo "&amp;" fi]]></x:script><!-- keep me --></x:cfg>
  </metadata>
  <memory unit="MiB">256</memory>
  <vcpu placement="static" cpuset="0-1">2</vcpu>
  <os><type arch="x86_64" machine="pc">hvm</type><boot dev="hd"/><boot dev="cdrom"/></os>
  <devices/>
  <qemu:commandline>
    <qemu:arg value="-set"/>
    <qemu:arg value='device.x.y="z"'/>
  </qemu:commandline>
</domain>`,
  oddSpacing: `<domain   type = 'kvm' ><name>h5-spacing</name><uuid>1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d</uuid><memory
 unit='KiB'
 >131072</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices><interface type='network'><source network='default'/><mac address='52:54:00:00:00:01'  /></interface></devices></domain>`,
  doctypeEntities:
    `<?xml version="1.0"?>\r\n<!DOCTYPE domain [\r\n<!ENTITY desc "entity &amp; text">\r\n]>\r\n<domain type='kvm'>\r\n  <name>h5-doctype</name>\r\n` +
    `  <uuid>2b3c4d5e-6f70-4a81-92a3-b4c5d6e7f809</uuid>\r\n  <description>&desc; and &#x41; &gt; b</description>\r\n  <memory unit='MiB'>64</memory>\r\n` +
    `  <vcpu placement='static'>1</vcpu>\r\n  <?hangar-test keep this?>\r\n  <os><type arch='x86_64'>hvm</type></os>\r\n</domain>\r\n`,
};
