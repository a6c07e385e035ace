import { kvmUsable, type HostFacts } from '../../../../engine/contract/hosts';
import type { Translate } from '../../i18n/translate';

/** What guests on a host really run under, as probed: "KVM", or TCG with the reason KVM is unusable. */
export function accelText(t: Translate, f: HostFacts): string {
  if (kvmUsable(f)) return t('hosts.accel.kvm');
  const reason = f.accel?.reason ?? 'notOffered';
  return t('hosts.accel.tcg', { reason: t(`hosts.accel.reason.${reason}`, { detail: f.accel?.detail ?? '' }) });
}
