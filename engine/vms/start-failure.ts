import { HangarError } from '../contract/errors';

/**
 * What a failed start says to a person: libvirt's message without what only a developer reads
 * (libvirt's error class, QEMU's timestamps, source file positions), and the fix Hangar offers.
 */
export interface StartFailure {
  reason: string;
  fix: 'useSoftwareEmulation' | null;
}

const NOISE: RegExp[] = [
  /\binternal error:\s*/gi,
  /\bqemu unexpectedly closed the monitor(?: \([^)]*\))?:\s*/gi,
  /\bprocess exited while connecting to monitor:\s*/gi,
  /\bunable to start guest:\s*/gi,
  /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?\s*/g, // QEMU's log timestamps
  /[\w./-]+\.[ch]:\d+:\s*(?:\w+:\s*)?/g, // ../accel/kvm/kvm-all.c:2345: kvm_init:
  /\bqemu-system-[\w]+:\s*/g,
  /^error:\s*/i,
];

/** Line by line (QEMU writes one complaint a line), joined with "; ". */
export function cleanStartError(message: string): string {
  const lines = message.split('\n').map((line) => {
    let s = line;
    for (const re of NOISE) s = s.replace(re, '');
    return s.replace(/\s+/g, ' ').trim();
  });
  const out = lines.filter(Boolean).join('; ');
  return out || message.trim();
}

/** A message that names KVM, or any failure of a KVM guest on a host where KVM was found unusable. */
export function isKvmFailure(message: string, domainAccel: 'kvm' | 'tcg', hostKvmUsable: boolean | null): boolean {
  if (domainAccel !== 'kvm') return false;
  if (/\bkvm\b|\/dev\/kvm|KVM_/i.test(message)) return true;
  return hostKvmUsable === false;
}

export function describeStartFailure(err: unknown, domainAccel: 'kvm' | 'tcg', hostKvmUsable: boolean | null): StartFailure {
  const e = HangarError.from(err);
  return { reason: cleanStartError(e.message), fix: isKvmFailure(e.message, domainAccel, hostKvmUsable) ? 'useSoftwareEmulation' : null };
}

/** The error a failed start becomes: the cleaned reason as its message, the fix and the words in details. */
export function startFailureError(err: unknown, name: string, f: StartFailure): HangarError {
  const e = HangarError.from(err);
  return new HangarError(e.code, f.reason, { ...e.details, fix: f.fix, message: { key: 'vm.err.startFailed', args: { name, reason: f.reason } } });
}
