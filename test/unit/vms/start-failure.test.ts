import { describe, expect, it } from 'vitest';
import { HangarError } from '../../../engine/contract/errors';
import { judgeKvm } from '../../../engine/hosts/host-facts';
import { applyEdits } from '../../../engine/xml/domain-edit';
import { cleanStartError, describeStartFailure } from '../../../engine/vms/start-failure';
import { domainAccel } from '../../../engine/xml/domain-read';

// What libvirt said on this machine (kvm_pvm) when a kvm domain was started.
const KVM_PVM =
  "internal error: process exited while connecting to monitor: 2026-12-02T00:22:37.469534Z qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\nqemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed.";

describe('a failed start in words', () => {
  it('drops libvirt and QEMU internals but keeps what QEMU complained of', () => {
    expect(cleanStartError(KVM_PVM)).toBe("failed to set MSR 0x10a to 0x69; Assertion `ret == cpu->kvm_msr_buf->nmsrs' failed.");
  });
  it('offers software emulation for a KVM guest whose start failed on KVM', () => {
    expect(describeStartFailure(new HangarError('LIBVIRT_ERROR', KVM_PVM), 'kvm', null).fix).toBe('useSoftwareEmulation');
    expect(describeStartFailure(new HangarError('LIBVIRT_ERROR', 'Cannot access storage file /x.qcow2'), 'kvm', false).fix).toBe('useSoftwareEmulation');
    expect(describeStartFailure(new HangarError('LIBVIRT_ERROR', 'Cannot access storage file /x.qcow2'), 'kvm', true).fix).toBeNull();
    expect(describeStartFailure(new HangarError('LIBVIRT_ERROR', KVM_PVM), 'tcg', false).fix).toBeNull();
  });
});

describe('the KVM probe', () => {
  it('tells a paravirtual /dev/kvm (kvm_pvm) from hardware KVM', () => {
    expect(judgeKvm('dev=yes\nmod=kvm_pvm\n', true)).toEqual({ kvm: false, reason: 'paravirtModule', detail: 'kvm_pvm' });
    expect(judgeKvm('dev=yes\nmod=kvm_intel\nflag=vmx\n', true)).toEqual({ kvm: true, reason: null, detail: 'kvm_intel' });
    expect(judgeKvm('dev=yes\nmod=kvm_amd\n', true)).toMatchObject({ kvm: false, reason: 'noHardwareVirt' });
    expect(judgeKvm('dev=no\n', true)).toMatchObject({ kvm: false, reason: 'noDevKvm' });
    expect(judgeKvm('dev=yes\nmod=kvm_intel\nflag=vmx', false)).toMatchObject({ kvm: false, reason: 'notOffered' });
  });
  it("keeps libvirt's word when the probe could not run", () => {
    expect(judgeKvm(null, true)).toMatchObject({ kvm: true, reason: 'notProbed' });
    expect(judgeKvm(null, false)).toMatchObject({ kvm: false, reason: 'notOffered' });
  });
});

describe('switching acceleration', () => {
  const XML = "<domain type='kvm'><name>a</name><uuid>u</uuid><memory unit='KiB'>1</memory><features><acpi/></features><cpu mode='host-passthrough'/><devices/></domain>";
  it('to TCG: domain type qemu and an emulated CPU; and back to KVM', () => {
    const tcg = applyEdits(XML, { accel: 'tcg' });
    expect(domainAccel(tcg)).toBe('tcg');
    expect(tcg).toContain("<domain type='qemu'>"); // the attribute keeps its quote style
    expect(tcg).toContain("<cpu mode='custom' match='exact'><model>qemu64</model></cpu>"); // new elements are written as libvirt writes them
    expect(tcg).not.toContain('host-passthrough');
    const kvm = applyEdits(tcg, { accel: 'kvm' });
    expect(domainAccel(kvm)).toBe('kvm');
    expect(kvm).toContain('host-passthrough');
  });
});
