import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseGetServers, parseMemoryMib, parseReleaseServers, seedNames } from '../../../engine/poolapi/seed-params';
import { formatGetServers, formatReleased, formatShowall, pyList, seedError } from '../../../engine/poolapi/seed-format';

const q = (s: string) => new URLSearchParams(s);
const refused = (username: string, query: string) => {
  const r = parseGetServers(username, q(query));
  return r.ok ? null : r.error;
};

describe('seed input checks (400 Error:)', () => {
  it('takes the seed examples', () => {
    const r = parseGetServers('demoserver', q('os=centos&count=3'));
    expect(r).toEqual({ ok: true, value: expect.objectContaining({ os: 'centos', count: 3, names: ['demoserver1', 'demoserver2', 'demoserver3'], format: 'servermanager', cpus: null, memoryMib: null, expiresMinutes: null }) });
    const one = parseGetServers('jenkins-build-7', q('os=windows&format=detailed&cpus=4&mem=8589934592&expiresin=30&xhostref=2'));
    expect(one.ok && one.value).toMatchObject({ names: ['jenkins-build-7'], format: 'detailed', cpus: 4, memoryMib: 8192, expiresMinutes: 30, hostRef: '2' });
  });
  it('refuses counts below 1 or above the maximum, and non-numbers', () => {
    expect(refused('a', 'os=centos&count=0')).toMatch(/count must be at least 1/);
    expect(refused('a', 'os=centos&count=51')).toMatch(/count may be at most 50/);
    expect(refused('a', 'os=centos&count=-2')).toMatch(/count must be a whole number/);
    expect(refused('a', 'os=centos&count=2.5')).toMatch(/whole number/);
  });
  it('refuses non-numeric cpus and mem, and expiresin <= 0', () => {
    expect(refused('a', 'os=centos&cpus=four')).toMatch(/cpus must be a whole number/);
    expect(refused('a', 'os=centos&mem=lots')).toMatch(/mem must be a number/);
    expect(refused('a', 'os=centos&expiresin=0')).toMatch(/expiresin must be at least 1/);
    expect(refused('a', 'os=centos&expiresin=-5')).toMatch(/more than 0/);
  });
  it('refuses a missing or malformed OS', () => {
    expect(refused('a', 'count=1')).toMatch(/os is missing/);
    expect(refused('a', 'os=../etc')).toMatch(/unknown OS/);
  });
  it('refuses names with /, ../, ; or over 63 characters (and ones whose suffix makes them so)', () => {
    expect(refused('a/b', 'os=centos')).toMatch(/may not contain/);
    expect(refused('../etc', 'os=centos')).toMatch(/may not contain/);
    expect(refused('x;rm -rf', 'os=centos')).toMatch(/may not contain/);
    expect(refused('a'.repeat(64), 'os=centos')).toMatch(/longer than/);
    expect(refused('a b', 'os=centos')).toMatch(/only letters/);
    expect(refused('a'.repeat(60), 'os=centos&count=2')).toBeNull();
    expect(refused('a'.repeat(62), 'os=centos&count=1')).toMatch(/longer than 60/);
    expect(refused('-lead', 'os=centos')).toMatch(/starting with/);
  });
  it('refuses an unknown format', () => {
    expect(refused('a', 'os=centos&format=xml')).toMatch(/format/);
  });
  it('reads mem as the seed gave it (bytes) or as MiB/with a unit', () => {
    expect(parseMemoryMib('4294967296')).toEqual({ ok: true, value: 4096 });
    expect(parseMemoryMib('2048')).toEqual({ ok: true, value: 2048 });
    expect(parseMemoryMib('4G')).toEqual({ ok: true, value: 4096 });
    expect(parseMemoryMib('512MiB')).toEqual({ ok: true, value: 512 });
    expect(parseMemoryMib('10').ok).toBe(false);
  });
  it('names one VM <username> and several <username>1..N; release takes the same rule', () => {
    expect(seedNames('demo', 1)).toEqual(['demo']);
    expect(seedNames('demo', 3)).toEqual(['demo1', 'demo2', 'demo3']);
    expect(parseReleaseServers('demoserver', q('os=centos&count=3'))).toEqual({ ok: true, value: { username: 'demoserver', os: 'centos', names: ['demoserver1', 'demoserver2', 'demoserver3'] } });
    expect(parseReleaseServers('a;b', q('')).ok).toBe(false);
  });
});

describe('seed output format', () => {
  it('answers getservers as the seed printed it', () => {
    expect(pyList(['172.23.137.73', '172.23.137.74', '172.23.137.75'])).toBe('["172.23.137.73", "172.23.137.74", "172.23.137.75"]');
    expect(formatGetServers([{ name: 'demo', ip: '10.66.1.5' }], 'servermanager')).toBe('["10.66.1.5"]');
  });
  it('answers releaseservers as json.dumps(indent=2)', () => {
    expect(formatReleased(['demoserver1', 'demoserver2', 'demoserver3'])).toBe('[\n  "demoserver1",\n  "demoserver2",\n  "demoserver3"\n]');
  });
  it('keys /showall by host number', () => {
    const vm = { memory_static_max: '536870912', name: 'b', name_description: 'b from centos', networkinfo: '10.66.1.5', power_state: 'Running', vcpus: '1' };
    const out = JSON.parse(formatShowall(new Map([[2, [vm]], [1, []]])));
    expect(Object.keys(out)).toEqual(['1', '2']);
    expect(out['2'][0]).toEqual(vm);
  });

  /** The seed's two Jenkins snippets' pipelines, run by bash on our detailed answer. */
  const single = (file: string, tag: string) =>
    execFileSync('bash', ['-c', `VM_IP_ADDRESS="\`cat ${file} |egrep ${tag}|cut -f2 -d':'|xargs\`"; if [[ $VM_IP_ADDRESS =~ ^([0-9]{1,3}\\.){3}[0-9]{1,3}$ ]]; then echo $VM_IP_ADDRESS; else exit 1; fi`]).toString().trim();
  const multi = (file: string, tag: string) =>
    execFileSync('bash', ['-c', `VM_IP_ADDRESS="\`cat ${file} |egrep ${tag}|cut -f2 -d':'|xargs|sed 's/,//g'\`"; for IP in \`echo $VM_IP_ADDRESS\`; do if [[ $IP =~ ^([0-9]{1,3}\\.){3}[0-9]{1,3}$ ]]; then echo $IP; else exit 1; fi; done`]).toString().trim();

  it("formats detailed so the seed's egrep | cut -f2 -d':' pipelines extract the addresses", async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poolapi-'));
    try {
      const one = path.join(dir, 'one.json');
      fs.writeFileSync(one, formatGetServers([{ name: 'jenkins-job-7', ip: '10.66.1.5' }], 'detailed'));
      expect(single(one, 'jenkins-job-7')).toBe('10.66.1.5');
      const many = path.join(dir, 'many.json');
      const names = seedNames('jenkins-job-8', 11);
      fs.writeFileSync(many, formatGetServers(names.map((name, i) => ({ name, ip: `10.66.1.${10 + i}` })), 'detailed'));
      expect(multi(many, 'jenkins-job-8').split('\n')).toEqual(names.map((_, i) => `10.66.1.${10 + i}`));
      // A refusal names the request, so the multi-VM snippet sees a non-address and exits 1.
      const err = path.join(dir, 'err.json');
      fs.writeFileSync(err, seedError('not enough capacity', 'jenkins-job-9'));
      expect(() => multi(err, 'jenkins-job-9')).toThrow();
      expect(() => single(err, 'jenkins-job-9')).toThrow();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
