import { describe, expect, it } from 'vitest';
import { isForbidden, MASK, redactBuffer, redactObject, redactStrings, redactText } from '../../../engine/diagnostics/gather/redact';

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
  // Issue 21, finding 3: each shape the outside review slipped past the old rules.
  const SHAPES: Array<[string, string, string]> = [
    ['passwd with spaces and quotes', "<graphics type='vnc' passwd = 'Sp4ced-Out'/>", 'Sp4ced-Out'],
    ['a quoted value escaped as XML text', '<description>passwd = &apos;Xml3sc&apos; ok</description>', 'Xml3sc'],
    ['a quoted value inside a JSON string', '{"description":"vnc_password = \\"Js0nEsc\\" ok"}', 'Js0nEsc'],
    ['a password mid-line in a log', '2026-12-02T00:00:00Z lab1: connecting with password=x9Mid and more', 'x9Mid'],
    ['a URL with credentials', 'mirror https://alice:Url-P4ss@repo.example.com/debian', 'Url-P4ss'],
    ['an Authorization Bearer header', 'Authorization: Bearer eyJhbGciOi.JIUzI1.NiJ9-token', 'eyJhbGciOi.JIUzI1.NiJ9-token'],
    ['a bare bearer token', 'curl -H "X: Bearer abcDEF123456"', 'abcDEF123456'],
    ['a Cookie header', 'Cookie: session=C00kieVal; theme=dark', 'C00kieVal'],
    ['a Set-Cookie header', 'Set-Cookie: sid=S3tC00kie; Path=/; HttpOnly', 'S3tC00kie'],
    ['a ceph keyring key', '[client.admin]\n\tkey = AQBcephKeyQ7mA==\n\tcaps mon = "allow *"', 'AQBcephKeyQ7mA=='],
    ['a ceph key in an rbd URI', '-drive file=rbd:pool/img:id=admin:key=AQBrbdKey99==:auth_supported=cephx', 'AQBrbdKey99=='],
    ['a PEM key whose labels differ', '-----BEGIN RSA PRIVATE KEY-----\nMIIEmixedLabels\n-----END PRIVATE KEY-----', 'MIIEmixedLabels'],
    ['a PEM block cut short', 'log: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEcutShort', 'MHcCAQEEcutShort'],
    ['LDAP bindpw', 'base dc=example,dc=com\nbindpw Ld4pBindPw\n', 'Ld4pBindPw'],
    ['sssd authtok', 'ldap_default_authtok = Sss-Tok', 'Sss-Tok'],
  ];
  for (const [what, text, secret] of SHAPES) {
    it(`masks ${what}`, () => {
      const r = redactText(text);
      expect(r.text).not.toContain(secret);
      expect(r.count).toBeGreaterThan(0);
    });
  }

  it('keeps public certificates, and the text around a masked value', () => {
    const cert = '-----BEGIN CERTIFICATE-----\nMIIBpublic\n-----END CERTIFICATE-----';
    expect(redactText(cert)).toEqual({ text: cert, count: 0 });
    expect(redactText('x https://alice:pw1@host/y').text).toBe(`x https://alice:${MASK}@host/y`);
    expect(redactText('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----').text).toBe(`-----BEGIN RSA PRIVATE KEY-----\n${MASK}\n-----END PRIVATE KEY-----`);
  });

  it('scans binary files (a NUL early on) for text and masks secrets in place, keeping the length', () => {
    const bin = Buffer.concat([Buffer.from([0, 1, 2, 0xff, 0]), Buffer.from('passwd=BinS3cret\n'), Buffer.from([0, 0]), Buffer.from('vnc_password = "Vnc1n8in"'), Buffer.from([0x89, 0])]);
    const r = redactBuffer(bin);
    expect(r.data.length).toBe(bin.length);
    expect(r.data.toString('latin1')).not.toMatch(/BinS3cret|Vnc1n8in/);
    expect(r.data.subarray(0, 5)).toEqual(bin.subarray(0, 5));
    expect(r.count).toBe(2);
  });

  it('redacts every string of a structure (the manifest) without breaking it', () => {
    const m = { items: [{ stderr: 'error: bad password=Mf5tErr, -----BEGIN OPENSSH PRIVATE KEY-----\\nb3Blbn\\n-----END OPENSSH PRIVATE KEY-----', command: 'curl https://u:CmdPw@h/' }], n: 3 };
    const out = JSON.stringify(redactStrings(m));
    expect(out).not.toMatch(/Mf5tErr|b3Blbn|CmdPw/);
    expect(JSON.parse(out).n).toBe(3);
  });

  it('stays linear on hostile input (long dotted lines, many unterminated PEM headers)', () => {
    const t0 = Date.now();
    redactText('a.'.repeat(100_000));
    redactText('-----BEGIN PRIVATE KEY-----x\n'.repeat(20_000));
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
