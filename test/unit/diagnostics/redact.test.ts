import { describe, expect, it } from 'vitest';
import { isForbidden, MASK, redactObject, redactText } from '../../../engine/diagnostics/gather/redact';

describe('bundle redaction', () => {
  it('masks VNC and SPICE passwords in domain XML, keeping the attribute', () => {
    const xml = `<graphics type='vnc' port='5900' passwd='s3cr3t!' listen='0.0.0.0'/>\n<graphics type="spice" passwd="p\u00e4ss"/>`;
    const r = redactText(xml);
    expect(r.text).not.toContain('s3cr3t!');
    expect(r.text).not.toContain('p\u00e4ss');
    expect(r.text).toContain(`passwd='${MASK}'`);
    expect(r.text).toContain(`passwd="${MASK}"`);
    expect(r.count).toBe(2);
  });

  it('masks private keys of any kind', () => {
    const pem = 'before\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nAAAA\n-----END OPENSSH PRIVATE KEY-----\nafter\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----';
    const r = redactText(pem);
    expect(r.text).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA');
    expect(r.text).not.toContain('MIIE');
    expect(r.text).toContain('before');
    expect(r.text).toContain('after');
  });

  it('masks passwords, secrets and tokens in config files and JSON', () => {
    const conf = 'vnc_password = "XYZ12345"\n#spice_password = "abc"\nlisten_tls = 0\nauth_token: tok-123\n';
    const r = redactText(conf);
    expect(r.text).not.toMatch(/XYZ12345|"abc"|tok-123/);
    expect(r.text).toContain('listen_tls = 0');
    expect(redactText('{"password": "hunter2", "name": "x"}').text).toBe(`{"password": "${MASK}", "name": "x"}`);
  });

  it('masks secret data on QEMU command lines', () => {
    expect(redactText('-object secret,id=masterKey0,data=AbCdEf==,format=base64').text).not.toContain('AbCdEf==');
  });

  it('leaves text without secrets untouched', () => {
    const s = '<domain><name>vm1</name><graphics type="vnc" port="5900"/></domain>';
    expect(redactText(s)).toEqual({ text: s, count: 0 });
  });

  it("never collects sos's forbidden files", () => {
    for (const p of ['/etc/libvirt/passwd.db', '/etc/libvirt/krb5.tab', '/var/lib/libvirt/qemu/domain-1-vm/master-key.aes', '/etc/libvirt/secrets/abc.base64', '/run/libvirt/common/system.token', '/etc/pki/libvirt/private/serverkey.pem']) {
      expect(isForbidden(p), p).toBe(true);
    }
    expect(isForbidden('/etc/libvirt/qemu.conf')).toBe(false);
  });

  it('masks secret-looking keys of engine objects', () => {
    expect(redactObject({ language: 'en', sshPassword: 'x', nested: [{ token: 't' }] })).toEqual({ language: 'en', sshPassword: MASK, nested: [{ token: MASK }] });
  });
});
