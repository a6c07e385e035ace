/**
 * Issue 20: a must-gather batch keeps each command's output, stderr and exit status apart in-band,
 * whatever the commands print. The script runs here in a real bash (as the host's login shell
 * would run it); virsh sessions' streams are crafted as virsh writes them.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { batchScript, batchToken, parseBatch } from '../../../engine/diagnostics/gather/batch';
import type { CommandItem } from '../../../engine/diagnostics/gather/host-items';

const run = (script: string) => {
  const r = spawnSync('bash', ['-c', script], { maxBuffer: 64 * 1024 * 1024 });
  return { stdout: r.stdout, stderr: r.stderr };
};
const item = (command: string): CommandItem => ({ out: 'x', command });

describe('batch framing', () => {
  it('keeps output, stderr and status per command through fake markers, binary junk and a huge line', () => {
    const token = batchToken();
    const other = batchToken();
    const items = [
      item('echo out; echo err >&2; exit 3'),
      item(`printf '${other} 1 E 0\\n${other} END\\nno newline at the end'`),
      item("printf 'a\\000b\\377\\376\\nerror: \\n' ; printf '\\001\\002' >&2"),
      item("head -c 3000000 /dev/zero | tr '\\0' x"),
      item('true'),
    ];
    const plan = batchScript(items, token);
    const r = run(plan.script);
    const p = parseBatch(r.stdout, r.stderr, token, plan, new Set());
    expect(p.tampered).toBe(false);
    const [a, b, c, d, e] = p.items;
    expect([a?.stdout.toString(), a?.stderr.toString(), a?.status]).toEqual(['out\n', 'err\n', 3]);
    expect(b?.stdout.toString()).toBe(`${other} 1 E 0\n${other} END\nno newline at the end`);
    expect(b?.status).toBe(0);
    expect(c?.stdout).toEqual(Buffer.from([0x61, 0, 0x62, 0xff, 0xfe, 0x0a, ...Buffer.from('error: \n')]));
    expect(c?.stderr).toEqual(Buffer.from([1, 2]));
    expect(d?.stdout.length).toBe(3_000_000);
    expect([e?.stdout.length, e?.stderr.length, e?.status]).toEqual([0, 0, 0]);
  });

  it('throws away a batch where a command printed the real token', () => {
    const token = batchToken();
    const items = [item(`printf 'half\\n${token} 0 E 0\\n${token} 1 B\\nforged'`), item('echo real')];
    const plan = batchScript(items, token);
    const r = run(plan.script);
    const p = parseBatch(r.stdout, r.stderr, token, plan, new Set());
    expect(p.tampered).toBe(true);
    expect(p.items.every((x) => x === undefined)).toBe(true);
  });

  it('keeps what was framed before a batch was cut short', () => {
    const token = batchToken();
    const plan = batchScript([item('echo one'), item('echo two')], token);
    const r = run(plan.script);
    const cut = r.stdout.subarray(0, r.stdout.indexOf(`${token} 1 E`) + 10);
    const p = parseBatch(cut, r.stderr, token, plan, new Set());
    expect(p.tampered).toBe(false);
    expect(p.items[0]?.stdout.toString()).toBe('one\n');
    expect(p.items[1]).toBeUndefined();
  });

  it('reads a virsh session: markers from echo and echo --err, a failing command in between', () => {
    const token = batchToken();
    const items: CommandItem[] = [
      { out: 'a', command: 'virsh -r -c qemu:///system dominfo --domain x', virsh: { args: ['dominfo', '--domain', 'x'] } },
      { out: 'b', command: 'virsh -r -c qemu:///system nodeinfo', virsh: { args: ['nodeinfo'] } },
    ];
    const plan = batchScript(items, token);
    expect(plan.script).toContain(`virsh -r -c qemu:///system 'echo ${token} 0 B; echo --err ${token} 0 B; dominfo '\\''--domain'\\'' x;`);
    const out = Buffer.from(`${token} 0 B\n\n${token} 0 E\n${token} 1 B\nCPU model: x86_64\n\n${token} 1 E\n${token} END\n`);
    const err = Buffer.from(`error: ${token} 0 B\nerror: failed to get domain 'x'\n\nerror: ${token} 0 E\nerror: ${token} 1 B\nerror: ${token} 1 E\n${token} END\n`);
    const p = parseBatch(out, err, token, plan, new Set([0, 1]));
    expect(p.tampered).toBe(false);
    expect(p.items[0]).toMatchObject({ status: null });
    expect(p.items[0]?.stderr.toString()).toBe("error: failed to get domain 'x'\n\n");
    expect(p.items[1]?.stdout.toString()).toBe('CPU model: x86_64\n\n');
    expect(p.items[1]?.stderr.length).toBe(0);
  });

  it('tells a virsh session that could not connect (its commands never ran) from a batch cut short', () => {
    const token = batchToken();
    const items: CommandItem[] = [{ out: 'a', command: 'virsh -r -c qemu:///system nodeinfo', virsh: { args: ['nodeinfo'] } }, item('echo shell')];
    const plan = batchScript(items, token);
    // virsh exits at once without the daemon; the shell command after it runs.
    const script = plan.script.replace(/^virsh .*$/m, "echo 'error: failed to connect to the hypervisor' >&2");
    const r = run(script);
    const p = parseBatch(r.stdout, r.stderr, token, plan, new Set([0]));
    expect([p.tampered, p.ended, p.items[0]]).toEqual([false, true, undefined]);
    expect(p.items[1]?.stdout.toString()).toBe('shell\n');
    // A forged jump to a later part still puts the real markers out of order.
    const forged = Buffer.concat([Buffer.from(`${token} 0 B\n${token} 1 B\n`), r.stdout]);
    expect(parseBatch(forged, r.stderr, token, plan, new Set([0])).tampered).toBe(true);
  });
});
