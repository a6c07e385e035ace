import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shellQuote, shellQuoteArg } from '../../../engine/ssh/shell-quote';

const HOSTILE = [
  '',
  ' ',
  'plain',
  "it's",
  "''",
  "'; rm -rf / #",
  '$(reboot)',
  '`id`',
  '${HOME}',
  '$HOME',
  'a"b',
  'back\\slash\\',
  'new\nline',
  'tab\there',
  '*',
  '~',
  '~root',
  '-rf',
  '-oProxyCommand=sh',
  '=ls',
  '--',
  'a;b|c&d',
  '>out <in',
  '!event',
  '#comment',
  'unicode ✓ 한국어',
  '\u0007bell\u001b[31m',
  "'\\''",
];

const shells = ['/bin/sh', '/bin/bash', '/bin/dash'].filter((s) => existsSync(s));

describe('shellQuote', () => {
  it('leaves safe words bare and quotes the rest', () => {
    expect(shellQuote(['qemu-img', 'info', '--', '/var/lib/libvirt/images/a.qcow2'])).toBe("qemu-img info '--' /var/lib/libvirt/images/a.qcow2");
    expect(shellQuoteArg('')).toBe("''");
    expect(shellQuoteArg("it's")).toBe("'it'\\''s'");
    expect(shellQuoteArg('$(reboot)')).toBe("'$(reboot)'");
  });

  // A word that looks like an option or zsh's `=cmd` expansion is quoted, so a log shows it for what it is.
  it('quotes words that start with - or =, and a first word that would be an assignment', () => {
    expect(shellQuoteArg('-h5-pool')).toBe("'-h5-pool'");
    expect(shellQuoteArg('--output=json')).toBe("'--output=json'");
    expect(shellQuoteArg('=ls')).toBe("'=ls'");
    expect(shellQuote(['PATH=/tmp', 'id'])).toBe("'PATH=/tmp' id");
    expect(shellQuote(['echo', 'a=b'])).toBe('echo a=b');
  });

  it('refuses NUL bytes and empty commands', () => {
    expect(() => shellQuoteArg('a\0b')).toThrow(/NUL/);
    expect(() => shellQuote([])).toThrow(/empty/);
  });

  // The proof that matters: a real POSIX shell gets back exactly the strings we started from.
  it.each(shells)('round-trips hostile strings through %s', (shell) => {
    const line = shellQuote(['printf', '%s\\0', ...HOSTILE]);
    const out = execFileSync(shell, ['-c', line]);
    const back = out.toString('utf8').split('\0').slice(0, -1);
    expect(back).toEqual(HOSTILE);
  });
});
